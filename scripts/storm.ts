// `npm run storm`: 1,000 ALARM events for one plan and a few for a second -> one failover each.
import { runStorm } from '../local/alarm-storm.js';
import { processIo } from '../local/io.js';

const results = await runStorm(
  { planFile: 'examples/plans/rabbitmq-standby.yaml', events: 1000, otherPlanEvents: 5, concurrency: 50 },
  processIo,
);
for (const r of results) {
  processIo.out(
    `  ${r.plan}: ${Object.entries(r.outcomes)
      .map(([k, n]) => `${n} ${k}`)
      .join(', ')}`,
  );
}
for (const r of results)
  processIo.out(
    `alarm storm: ${r.events} events -> ${r.failovers} failover${r.failovers === 1 ? '' : 's'} (${r.plan})`,
  );
process.exitCode = results.every((r) => r.failovers === 1) ? 0 : 1;
