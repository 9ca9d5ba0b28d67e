// The fault matrix: every side-effecting step x {API 5xx, timeout, 409 conflict, exec non-zero,
// crash after acting}, each cell a whole workflow run (the ASL file, real handlers, simulated
// clusters) with that one fault armed for that one step. A cell is safe when the run ended
// SUCCEEDED, or HALTED/FAILED with an operator message, and never left two writable primaries,
// DNS on an unpromoted cluster, a promotion done twice, or the plan's lock held.
import { loadPlan } from '../lambdas/plan/load-plan.js';
import { drillAlarmEvent } from '../lambdas/plan/alarm-event.js';
import type { Plan } from '../lambdas/plan/schema.js';
import { sideEffectSteps, type SideEffectStep } from '../lambdas/steps/side-effect-steps.js';
import { parseScenario, type Fault } from '../sim/scenario.js';
import { startSimulation } from '../sim/simulation.js';
import { autoApprovals, drillEnvironment, seededCoordination } from './drill-deps.js';
import { loadDefinition, runWorkflow } from './run-workflow.js';

export const faultKinds = ['api-5xx', 'timeout', 'conflict-409', 'exec-nonzero', 'crash-after-acting'] as const;
export type FaultKind = (typeof faultKinds)[number];

/**
 * How each fault reaches each step. The step is the one that runs when the fault fires, so a
 * generic "first API call" fault lands on that step's own calls. Route 53 has no exec: its
 * "the command fails" is a rejected change (InvalidChangeBatch).
 */
type Recipe = Fault extends infer F ? (F extends Fault ? Omit<F, 'times' | 'step'> : never) : never;

const recipes: Record<SideEffectStep, Record<FaultKind, Recipe>> = {
  fence: {
    'api-5xx': { target: 'api', site: 'upstream', status: 500, afterEffect: false },
    timeout: { target: 'api', site: 'upstream', status: 'timeout', afterEffect: false },
    'conflict-409': { target: 'api', site: 'upstream', status: 409, afterEffect: false },
    'exec-nonzero': { target: 'exec', site: 'upstream', command: 'set_vhost_limits', exitCode: 70, hang: false, afterEffect: false },
    'crash-after-acting': { target: 'exec', site: 'upstream', command: 'set_vhost_limits', exitCode: 137, hang: false, afterEffect: true },
  },
  promote: {
    'api-5xx': { target: 'api', site: 'downstream', status: 503, afterEffect: false },
    timeout: { target: 'api', site: 'downstream', status: 'timeout', afterEffect: false },
    'conflict-409': { target: 'api', site: 'downstream', status: 409, afterEffect: false },
    'exec-nonzero': { target: 'exec', site: 'downstream', command: 'promote_standby_replication_downstream_cluster', exitCode: 70, hang: false, afterEffect: false },
    'crash-after-acting': { target: 'exec', site: 'downstream', command: 'promote_standby_replication_downstream_cluster', exitCode: 137, hang: false, afterEffect: true },
  },
  'flip-dns': {
    'api-5xx': { target: 'dns', operation: 'upsert', status: 500, afterEffect: false },
    timeout: { target: 'dns', operation: 'wait', status: 'timeout', afterEffect: false },
    'conflict-409': { target: 'dns', operation: 'upsert', status: 'conflict', afterEffect: false },
    'exec-nonzero': { target: 'dns', operation: 'upsert', status: 400, afterEffect: false },
    'crash-after-acting': { target: 'dns', operation: 'upsert', status: 500, afterEffect: true },
  },
  teardown: {
    'api-5xx': { target: 'api', site: 'downstream', method: 'DELETE', status: 500, afterEffect: false },
    timeout: { target: 'api', site: 'downstream', method: 'PATCH', status: 'timeout', afterEffect: false },
    'conflict-409': { target: 'api', site: 'downstream', method: 'PATCH', resource: 'rabbitmqclusters', status: 409, afterEffect: false },
    'exec-nonzero': { target: 'exec', site: 'downstream', command: 'schema_replication_status', exitCode: 69, hang: false, afterEffect: false },
    'crash-after-acting': { target: 'api', site: 'downstream', method: 'DELETE', resource: 'standbyreplications', status: 500, afterEffect: true },
  },
};

export interface Cell {
  step: SideEffectStep;
  fault: FaultKind;
  status: string;
  safe: boolean;
  /** Why the cell is unsafe, or the run's reason when it halted. */
  note: string;
}

/** The side-effecting steps the workflow actually runs, in workflow order. */
const stepsOfWorkflow = (): SideEffectStep[] => {
  const { definition } = loadDefinition();
  const named = Object.values(definition.States).map((s) => (s as { Parameters?: { step?: string; Payload?: { step?: string } } }).Parameters);
  const steps = named.map((p) => p?.step ?? p?.Payload?.step).filter((s): s is string => s !== undefined);
  return sideEffectSteps.filter((s) => steps.includes(s));
};

const runCell = async (plan: Plan, step: SideEffectStep, fault: FaultKind): Promise<Cell> => {
  const scenario = parseScenario({ faults: [{ ...recipes[step][fault], step, times: 1 }] }, `fault matrix ${step} x ${fault}`, plan);
  const simulation = await startSimulation(plan, scenario);
  try {
    const coordination = await seededCoordination(plan, scenario);
    const env = drillEnvironment({
      plan, scenario, simulation, coordination, approvals: autoApprovals('approve'), progress: () => undefined,
      kubeTimeouts: { requestTimeoutMs: 1_000, execTimeoutMs: 3_000 },
    });
    const run = await runWorkflow({ plan, trigger: drillAlarmEvent(plan.triggers.alarms[0]!.name, new Date()), workers: env.workers, journal: env.journal, settleMs: 0, retryIntervalMs: 100 });
    const state = simulation.state();
    const dnsValues = [...simulation.dns.records().values()].flatMap((r) => r.values);
    const record = plan.dns.records[0]!;
    const promoted = state.downstream.promoted;
    const upstreamWritable = (plan.engine.type === 'rabbitmq-standby' ? plan.engine.vhosts : []).some((v) => state.upstream.access?.limits[v]?.['max-connections'] !== 0) || (state.upstream.access?.connections.length ?? 0) > 0;
    const problems = [
      ...(promoted && upstreamWritable ? ['two writable primaries'] : []),
      ...(dnsValues.includes(record.downstream) && !promoted ? ['DNS points at an unpromoted cluster'] : []),
      ...(state.duplicatePromotions > 0 ? ['promoted twice'] : []),
      ...(coordination.lockOf(plan.name) ? ['lock not released'] : []),
      ...(run.report.status !== 'SUCCEEDED' && !run.report.reason ? ['halted without an operator message'] : []),
    ];
    return { step, fault, status: run.report.status, safe: problems.length === 0, note: problems.join('; ') || (run.report.reason ?? '') };
  } finally {
    await simulation.stop();
  }
};

export const runFaultMatrix = async (options: { planFile: string; concurrency: number; onCell?: (cell: Cell) => void }): Promise<Cell[]> => {
  const plan = await loadPlan(options.planFile);
  const cells = stepsOfWorkflow().flatMap((step) => faultKinds.map((fault) => ({ step, fault })));
  const results: Cell[] = [];
  let next = 0;
  const worker = async () => {
    while (next < cells.length) {
      const { step, fault } = cells[next++]!;
      const cell = await runCell(plan, step, fault);
      options.onCell?.(cell);
      results.push(cell);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const order = (c: Cell) => cells.findIndex((x) => x.step === c.step && x.fault === c.fault);
  return results.sort((a, b) => order(a) - order(b));
};
