// An alarm storm through the real start path: many ALARM events for one plan (and a few for a
// second), each starting the workflow (statemachines/failover.asl.json, local runner), all
// admitted or blocked by the real DynamoDB lock code on dynalite. Exactly one failover per
// plan may result.
import { createDynamoDbCoordination } from '../lambdas/adapters/dynamodb-coordination.js';
import { drillAlarmEvent } from '../lambdas/plan/alarm-event.js';
import { loadPlan, parsePlan } from '../lambdas/plan/load-plan.js';
import type { Plan } from '../lambdas/plan/schema.js';
import type { FailoverReport } from '../lambdas/ports/journal.js';
import { startLocalDynamoDb } from '../sim/local-dynamodb.js';
import { loadScenario } from '../sim/scenario.js';
import { startSimulation } from '../sim/simulation.js';
import { autoApprovals, drillEnvironment } from './drill-deps.js';
import type { Io } from './io.js';
import { runWorkflow } from './run-workflow.js';

export interface StormOptions {
  planFile: string;
  /** ALARM events for the plan; about one in four repeats an earlier event (EventBridge redelivery). */
  events: number;
  /** ALARM events for a second plan, interleaved: its failover must not be blocked by the first. */
  otherPlanEvents: number;
  /** Events in flight at once. */
  concurrency: number;
}

export interface StormPlanResult {
  plan: string;
  events: number;
  failovers: number;
  outcomes: Record<string, number>;
}

/** A second protected service: the example plan under another name, alarm and DNS record. */
const otherPlan = (plan: Plan): Plan =>
  parsePlan({
    ...plan,
    name: `${plan.name}-b`,
    triggers: { alarms: [{ name: `${plan.triggers.alarms[0]!.name}-b` }] },
    dns: { ...plan.dns, records: plan.dns.records.map((r) => ({ ...r, name: `b-${r.name}` })) },
  });

const blockKinds: Array<[RegExp, string]> = [
  [/was already handled/, 'duplicate event'],
  [/another failover .* is in progress/, 'lock held'],
  [/blocked by cooldown/, 'cooldown'],
  [/already runs on its downstream/, 'already failed over'],
];
const outcomeOf = (report: FailoverReport) =>
  report.status === 'BLOCKED'
    ? `BLOCKED (${blockKinds.find(([re]) => re.test(report.reason ?? ''))?.[1] ?? report.reason})`
    : report.status;

export const runStorm = async (options: StormOptions, io: Io): Promise<StormPlanResult[]> => {
  const base = await loadPlan(options.planFile);
  const plans = [base, otherPlan(base)];
  const scenario = await loadScenario('examples/scenarios/healthy.yaml', base);
  const dynamo = await startLocalDynamoDb();
  const simulations = await Promise.all(plans.map((p) => startSimulation(p, scenario)));
  try {
    const coordination = createDynamoDbCoordination({ tableName: dynamo.tableName, client: dynamo.client });
    const envs = plans.map((plan, i) =>
      drillEnvironment({
        plan,
        scenario,
        simulation: simulations[i]!,
        coordination,
        approvals: autoApprovals('approve'),
        progress: () => undefined,
      }),
    );
    // The event list: plan 0's events with redeliveries, plan 1's interleaved.
    const events: Array<{ planIndex: number; id: string }> = [];
    for (let i = 0; i < options.events; i++)
      events.push({ planIndex: 0, id: i % 4 === 3 ? `a-${i - 3}` : `a-${i}` });
    for (let i = 0; i < options.otherPlanEvents; i++)
      events.splice(Math.floor(((i + 1) * events.length) / (options.otherPlanEvents + 1)), 0, {
        planIndex: 1,
        id: `b-${i}`,
      });

    const reports: FailoverReport[][] = plans.map(() => []);
    let next = 0;
    let done = 0;
    const worker = async () => {
      while (next < events.length) {
        const event = events[next++]!;
        const plan = plans[event.planIndex]!;
        const env = envs[event.planIndex]!;
        const run = await runWorkflow({
          plan,
          trigger: drillAlarmEvent(plan.triggers.alarms[0]!.name, new Date(), event.id),
          workers: env.workers,
          journal: env.journal,
          settleMs: 0,
          retryIntervalMs: 50,
        });
        reports[event.planIndex]!.push(run.report);
        if (++done % 100 === 0) io.out(`  ${done}/${events.length} events handled`);
      }
    };
    io.out(
      `alarm storm: ${events.length} ALARM events (${options.events} for ${plans[0]!.name}, ${options.otherPlanEvents} for ${plans[1]!.name}), ${options.concurrency} in flight, lock on dynalite`,
    );
    await Promise.all(Array.from({ length: options.concurrency }, worker));

    return plans.map((plan, i) => {
      const outcomes: Record<string, number> = {};
      for (const r of reports[i]!) {
        const key = outcomeOf(r);
        outcomes[key] = (outcomes[key] ?? 0) + 1;
      }
      // A failover is a run that got past admission and changed something.
      const failovers = reports[i]!.filter((r) => r.sideEffects.length > 0).length;
      return { plan: plan.name, events: reports[i]!.length, failovers, outcomes };
    });
  } finally {
    await Promise.all(simulations.map((s) => s.stop()));
    await dynamo.stop();
  }
};
