// The data-plane flip under the platform's faults: its state timing out while the Lambda goes on,
// the same task delivered twice, the Lambda killed right after the controls were set. Setting the
// controls is idempotent and the step's success waits for the name servers, so every run ends
// with the controls and the answers agreeing with the report: SUCCEEDED only when resolvers get
// the downstream, anything else FAILED and left to an operator.
import { drillAlarmEvent } from '../../lambdas/plan/alarm-event.js';
import { loadPlan } from '../../lambdas/plan/load-plan.js';
import { autoApprovals, drillEnvironment, seededCoordination } from '../../local/drill-deps.js';
import { runWorkflow } from '../../local/run-workflow.js';
import { createTaskFaults, taskFaultKinds } from '../../local/task-faults.js';
import { loadScenario } from '../../sim/scenario.js';
import { startSimulation } from '../../sim/simulation.js';

it.each(taskFaultKinds)(
  'flip-dns by routing controls x %s: the report says what resolvers get',
  async (kind) => {
    const plan = await loadPlan('examples/two-regions/rabbitmq-standby.yaml');
    if (plan.dns.switch.via !== 'routing-controls')
      throw new Error('the example switches by routing controls');
    const { controls } = plan.dns.switch;
    const scenario = await loadScenario('examples/scenarios/region-lost.yaml', plan);
    const simulation = await startSimulation(plan, scenario);
    const taskFaults = createTaskFaults([{ step: 'flip-dns', kind, afterMs: 20 }]);
    try {
      const coordination = await seededCoordination(plan, scenario);
      const env = drillEnvironment({
        plan,
        scenario,
        simulation,
        coordination,
        approvals: autoApprovals('approve'),
        progress: () => undefined,
        taskFaults,
      });
      const run = await runWorkflow({
        plan,
        trigger: drillAlarmEvent(plan.triggers.alarms[1]!.name, new Date(), undefined, 'eu-central-1'),
        workers: env.workers,
        journal: env.journal,
        settleMs: 0,
        retryIntervalMs: 50,
      }).finally(() => taskFaults.settled());

      expect(taskFaults.fired()).toBe(true);
      const states = simulation.routingControls!.states();
      const answers = plan.dns.records.map((r) => simulation.answer(r));
      if (run.report.status === 'SUCCEEDED') {
        expect([states.get(controls.upstream), states.get(controls.downstream)]).toEqual(['Off', 'On']);
        expect(answers).toEqual(plan.dns.records.map((r) => [r.downstream]));
      } else {
        expect(run.report.status).toBe('FAILED');
        expect((await coordination.getPlanState(plan.name)).needsOperator).toBeDefined();
      }
      // Never both Off: the one request sets both, and the panel's rule refuses the rest.
      expect([...states.values()]).toContain('On');
    } finally {
      await simulation.stop();
    }
  },
);
