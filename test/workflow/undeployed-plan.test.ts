// An execution runs only the deployed plan, as deployed: an input naming a plan whose content
// differs from the published one (here the example plan edited to skip the approval gate, as
// anyone allowed StartExecution could write it) halts the run with BadInput at its first step,
// through the ASL file and the real handlers, before anything is touched; Halt records it.
import type { Context } from 'aws-lambda';
import { drillAlarmEvent } from '../../lambdas/plan/alarm-event.js';
import { loadPlan } from '../../lambdas/plan/load-plan.js';
import { autoApprovals, drillEnvironment, seededCoordination } from '../../local/drill-deps.js';
import { runWorkflow } from '../../local/run-workflow.js';
import { loadScenario } from '../../sim/scenario.js';
import { startSimulation } from '../../sim/simulation.js';
import { examplePlan, mutating, scenario } from './run-drill.js';

it('a plan other than the deployed one halts the run with BadInput at Admit: no other step runs, nothing changes', async () => {
  const deployed = await loadPlan(examplePlan);
  const scn = await loadScenario(scenario('healthy'), deployed);
  const simulation = await startSimulation(deployed, scn);
  try {
    const env = drillEnvironment({
      plan: deployed,
      scenario: scn,
      simulation,
      coordination: await seededCoordination(deployed, scn),
      approvals: autoApprovals('approve'),
      progress: () => undefined,
    });
    const handMade = { ...deployed, gate: { ...deployed.gate, approval: 'never' as const } };
    const steps: string[] = [];
    const recording =
      (handler: (event: unknown, context: Context) => Promise<unknown>) =>
      async (event: unknown, context: Context) => {
        steps.push((event as { step?: string }).step ?? 'status change');
        return handler(event, context);
      };
    const run = await runWorkflow({
      plan: handMade,
      trigger: drillAlarmEvent(deployed.triggers.alarms[0]!.name, new Date()),
      workers: {
        AwsWorkerArn: recording(env.workers.AwsWorkerArn),
        KubeWorkerArn: recording(env.workers.KubeWorkerArn),
      },
      journal: env.journal,
      settleMs: 0,
      retryIntervalMs: 10,
    });
    // Admit refused the hand-made plan; Halt recorded the end with the deployed plan of that name,
    // so the status change of the halted run finds its report.
    expect(steps).toEqual(['admit', 'halt', 'status change']);
    expect(run.report.status).toBe('HALTED');
    expect(run.report.reason).toMatch(
      /^BadInput: plan orders-rabbitmq: the execution names content [0-9a-f]{64}, but the deployed plan is [0-9a-f]{64}/,
    );
    expect(env.notifications.map((n) => n.subject)).toEqual(['[failover] orders-rabbitmq: HALTED']);
    expect(mutating(simulation.state())).toEqual([]);
  } finally {
    await simulation.stop();
  }
});
