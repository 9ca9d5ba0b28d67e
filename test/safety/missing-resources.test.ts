// A plan naming clusters or resources the clusters do not have: readiness says exactly what is
// missing and the workflow halts before changing anything.
import { parsePlan, loadPlan } from '../../lambdas/plan/load-plan.js';
import { drillAlarmEvent } from '../../lambdas/plan/alarm-event.js';
import { autoApprovals, drillEnvironment, seededCoordination } from '../../local/drill-deps.js';
import { runWorkflow } from '../../local/run-workflow.js';
import { parseScenario } from '../../sim/scenario.js';
import { startSimulation } from '../../sim/simulation.js';

it('a downstream cluster name the cluster does not have halts at readiness, naming it, with nothing changed', async () => {
  const real = await loadPlan('examples/plans/rabbitmq-standby.yaml');
  if (real.engine.type !== 'rabbitmq-standby') throw new Error('the example plan is a rabbitmq-standby plan');
  const scenario = parseScenario({}, 'empty', real);
  const simulation = await startSimulation(real, scenario);
  try {
    // The same clusters, but the plan names a RabbitmqCluster that is not there.
    const wrong = parsePlan({
      ...real,
      engine: {
        ...real.engine,
        downstream: { ...real.engine.downstream, rabbitmqCluster: 'downstream-clustr' },
      },
    });
    const env = drillEnvironment({
      plan: wrong,
      scenario,
      simulation,
      coordination: await seededCoordination(wrong, scenario),
      approvals: autoApprovals('approve'),
      progress: () => undefined,
    });
    const run = await runWorkflow({
      plan: wrong,
      trigger: drillAlarmEvent(wrong.triggers.alarms[0]!.name, new Date()),
      workers: env.workers,
      journal: env.journal,
      settleMs: 0,
      retryIntervalMs: 10,
    });
    expect(run.report.status).toBe('HALTED');
    expect(run.report.reason).toMatch(
      /^Misconfigured: downstream: .* RabbitmqCluster tanzu-rabbitmq\/downstream-clustr .* does not exist there/,
    );
    expect(run.report.sideEffects).toEqual([]);
    expect(simulation.state().log).toEqual([]);
  } finally {
    await simulation.stop();
  }
});
