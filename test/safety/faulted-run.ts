// One workflow run (the ASL file, real handlers, simulated clusters) shaped by a test: a plan
// edited in place, scenario faults, platform faults (local/task-faults.ts), short step budgets,
// and the drill's ports overridable. Returns the report and the world's end state once every
// piece of work a fault left running has ended.
import { createMemoryCoordination } from '../../lambdas/adapters/memory-coordination.js';
import { drillAlarmEvent } from '../../lambdas/plan/alarm-event.js';
import { loadPlan } from '../../lambdas/plan/load-plan.js';
import type { Plan } from '../../lambdas/plan/schema.js';
import type { ApprovalPort } from '../../lambdas/approvals/port.js';
import type { AlarmPort } from '../../lambdas/ports/alarms.js';
import { autoApprovals, drillEnvironment, seededCoordination } from '../../local/drill-deps.js';
import { runWorkflow } from '../../local/run-workflow.js';
import { createTaskFaults, type TaskFault } from '../../local/task-faults.js';
import { parseScenario } from '../../sim/scenario.js';
import { startSimulation, type Simulation } from '../../sim/simulation.js';

export interface FaultedRunOptions {
  planFile?: string;
  editPlan?: (plan: Plan) => void;
  /** Edits only the plan the workflow is given, not the one the simulated clusters are built from (a plan that is wrong about them). */
  editWorkflowPlan?: (plan: Plan) => void;
  /** A scenario document (the format of examples/scenarios). */
  scenario?: Record<string, unknown>;
  taskFaults?: TaskFault[];
  budgets?: Partial<Record<string, number>>;
  approvals?: (simulation: Simulation) => ApprovalPort;
  alarms?: AlarmPort;
  coordination?: (
    base: ReturnType<typeof createMemoryCoordination>,
  ) => ReturnType<typeof createMemoryCoordination>;
}

export const runFaulted = async (options: FaultedRunOptions) => {
  const plan = structuredClone(await loadPlan(options.planFile ?? 'examples/plans/rabbitmq-standby.yaml'));
  options.editPlan?.(plan);
  const scenario = parseScenario(options.scenario ?? {}, 'test scenario', plan);
  const simulation = await startSimulation(plan, scenario);
  try {
    const seeded = await seededCoordination(plan, scenario);
    const coordination = options.coordination ? options.coordination(seeded) : seeded;
    const taskFaults = options.taskFaults ? createTaskFaults(options.taskFaults) : undefined;
    // The deployed plan: the one the workflow runs, which may be wrong about the clusters.
    const workflowPlan = structuredClone(plan);
    options.editWorkflowPlan?.(workflowPlan);
    const env = drillEnvironment({
      plan: workflowPlan,
      scenario,
      simulation,
      coordination,
      approvals: options.approvals ? options.approvals(simulation) : autoApprovals('approve'),
      progress: () => undefined,
      kubeTimeouts: { requestTimeoutMs: 1_000, execTimeoutMs: 3_000 },
      ...(options.budgets ? { budgets: options.budgets } : {}),
      ...(taskFaults ? { taskFaults } : {}),
      ...(options.alarms ? { alarms: options.alarms } : {}),
    });
    const run = await runWorkflow({
      plan: workflowPlan,
      trigger: drillAlarmEvent(plan.triggers.alarms[0]!.name, new Date()),
      workers: env.workers,
      journal: env.journal,
      settleMs: 0,
      retryIntervalMs: 50,
    });
    await taskFaults?.settled();
    return {
      plan,
      run,
      report: run.report,
      notifications: env.notifications,
      effects: await env.journal.listEffects(run.executionId),
      planState: await coordination.getPlanState(plan.name),
      lock: coordination.lockOf(plan.name),
      dns: [...simulation.dns.records().values()].flatMap((r) => r.values),
      /** The simulated world at the end; the engine's own snapshot type. */
      state: simulation.state(plan.engine.type as 'rabbitmq-standby'),
      faultsFired: taskFaults?.fired(),
    };
  } finally {
    await simulation.stop();
  }
};
