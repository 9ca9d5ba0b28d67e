// A smaller alarm storm than `npm run storm`, same path: the workflow's Admit with the real
// DynamoDB lock code on dynalite.
import { runStorm } from '../../local/alarm-storm.js';

it('many ALARM events (with redeliveries) for one plan and a few for another start exactly one failover each', async () => {
  const lines: string[] = [];
  const results = await runStorm(
    { planFile: 'examples/plans/rabbitmq-standby.yaml', events: 80, otherPlanEvents: 3, concurrency: 20 },
    { out: (l) => lines.push(l), err: (l) => lines.push(l) },
  );
  expect(results.map((r) => [r.plan, r.events, r.failovers])).toEqual([
    ['orders-rabbitmq', 80, 1],
    ['orders-rabbitmq-b', 3, 1],
  ]);
  expect(results[0]!.outcomes['SUCCEEDED']).toBe(1);
  expect(results[0]!.outcomes['BLOCKED (duplicate event)']).toBe(20);
}, 120_000);
