// The fault matrix: for each engine, every side-effecting step x every fault of its clusters,
// Route 53 and the platform (local/fault-recipes.ts), plus a transient coordination error in
// Admit, a DNS change that never goes INSYNC and a plan naming an upstream that is not there.
// Each cell is a whole workflow run (the ASL file, real handlers, simulated clusters) with that
// one fault armed; once all work it left running has ended, the end state must pass every
// invariant of local/fault-invariants.ts. A cell whose fault never fired proves nothing and is
// reported as such.
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { TransientError } from '../lambdas/errors.js';
import { drillAlarmEvent } from '../lambdas/plan/alarm-event.js';
import { loadPlan } from '../lambdas/plan/load-plan.js';
import type { Plan } from '../lambdas/plan/schema.js';
import type { CoordinationPort } from '../lambdas/ports/coordination.js';
import type { KubePort } from '../lambdas/ports/kube.js';
import { shellCommand } from '../lambdas/text/shell-quote.js';
import { sideEffectSteps, type SideEffectStep } from '../lambdas/steps/side-effect-steps.js';
import { FaultInjector } from '../sim/faults.js';
import { engineModels, safetyOf, type EngineType } from '../sim/models/engine-models.js';
import type { SafetyView } from '../sim/models/safety-view.js';
import { parseScenario, type Fault } from '../sim/scenario.js';
import { zoneKey } from '../sim/local-dns-zone.js';
import { startSimulation, type SimLogEntry, type Simulation } from '../sim/simulation.js';
import { autoApprovals, drillEnvironment, seededCoordination } from './drill-deps.js';
import { problemsOf } from './fault-invariants.js';
import {
  cellsOf,
  engineRecipes,
  matrixBudgets,
  withSecondRecord,
  type CellSpec,
  type EngineRecipe,
} from './fault-recipes.js';
import { loadDefinition, runWorkflow } from './run-workflow.js';
import { createTaskFaults, type TaskFaults } from './task-faults.js';

export const matrixEngines = Object.keys(engineModels) as EngineType[];

export interface Cell {
  engine: EngineType;
  step: string;
  fault: string;
  /** The report's status, or `NO REPORT` when the run ended without one. */
  status: string;
  /** No invariant was broken. */
  safe: boolean;
  /** The fault took effect; a cell whose fault never fired proves nothing. */
  fired: boolean;
  /** How the fault fired, or why it did not. */
  firing: string;
  problems: string[];
  /** The problems, or the run's reason when it did not succeed. */
  note: string;
  durationMs: number;
}

/**
 * Test-only: runs a deliberately broken step through the workflow by wrapping the Kubernetes
 * ports the workers get (`step()` is the step now running), so a test can show the matrix
 * catching a defect rather than trust that it would.
 */
export interface Sabotage {
  kube(port: KubePort, step: () => string | undefined): KubePort;
}

export interface MatrixOptions {
  engines?: readonly EngineType[];
  concurrency: number;
  /** Only the cells this accepts. */
  only?: (cell: CellSpec) => boolean;
  sabotage?: Sabotage;
  onCell?: (cell: Cell) => void;
}

/** The side-effecting steps the workflow actually runs, in workflow order. */
const stepsOfWorkflow = (): SideEffectStep[] => {
  const { definition } = loadDefinition();
  const named = Object.values(definition.States).map(
    (s) => (s as { Parameters?: { step?: string; Payload?: { step?: string } } }).Parameters,
  );
  const steps = named.map((p) => p?.step ?? p?.Payload?.step).filter((s): s is string => s !== undefined);
  return sideEffectSteps.filter((s) => steps.includes(s));
};

/** Every cell of the matrix, engine by engine, in table order. */
export const matrixCells = (engines: readonly EngineType[] = matrixEngines): CellSpec[] => {
  const steps = stepsOfWorkflow();
  return engines.flatMap((engine) => cellsOf(engineRecipes[engine], steps));
};

/** The platform errors task faults raise: seeing one is what says the fault fired. */
const platformErrors = new Set(['States.Timeout', 'Lambda.ServiceException', 'Sandbox.Timedout']);

/** What the platform faults and a sabotage do to the workers and their ports, with the platform errors raised seen on the way out. */
const wrapPorts = (
  taskFaults: TaskFaults | undefined,
  sabotage: Sabotage | undefined,
  step: () => string | undefined,
  raised: string[],
): TaskFaults => ({
  wrapHandler: (handler) => {
    const inner = taskFaults ? taskFaults.wrapHandler(handler) : handler;
    return async (event, context) => {
      try {
        return await inner(event, context);
      } catch (err) {
        if (platformErrors.has((err as Error).name))
          raised.push(`${(err as Error).name} in ${(event as { step?: string }).step ?? 'a task'}`);
        throw err;
      }
    };
  },
  journal: (journal) => (taskFaults ? taskFaults.journal(journal) : journal),
  kube: (port) => {
    const inner = taskFaults ? taskFaults.kube(port) : port;
    return sabotage ? sabotage.kube(inner, step) : inner;
  },
  dns: (dns) => (taskFaults ? taskFaults.dns(dns) : dns),
  routingControls: (port) => (taskFaults ? taskFaults.routingControls(port) : port),
  fired: () => taskFaults?.fired() ?? true,
  settled: () => taskFaults?.settled() ?? Promise.resolve(),
});

/** Admit's conditional write takes the lock and its answer is lost: the retried Admit must find the lock its own. */
const lockAnswerLost = <C extends CoordinationPort>(base: C, onFire: () => void): C => {
  let armed = true;
  return {
    ...base,
    acquireLock: async (planName, lease) => {
      const result = await base.acquireLock(planName, lease);
      if (armed) {
        armed = false;
        onFire();
        throw new TransientError(
          `coordination table: the conditional write for the lock of ${planName} took effect, but its answer was lost (InternalServerError)`,
        );
      }
      return result;
    },
  };
};

/** Writes the simulated clusters saw: successful mutating API calls and commands that change things, and those a fault let act before failing. */
const writesOf = (log: SimLogEntry[], recipe: EngineRecipe, faultActed: boolean): string[] =>
  log.flatMap((e) => {
    const acted = e.fault
      ? faultActed
      : e.kind === 'api'
        ? typeof e.status === 'number' && e.status < 300
        : e.exitCode === 0;
    if (!acted) return [];
    if (e.kind === 'api') return [`${e.site} ${e.method} ${e.path}`];
    return recipe.writeCommands.some((c) => e.argv.includes(c))
      ? [`${e.site} ${shellCommand(e.argv.slice(0, 2))} in ${e.pod}`]
      : [];
  });

/** The scenario document every cell of the engine starts from, before its faults. */
const baseScenario = async (recipe: EngineRecipe): Promise<Record<string, unknown>> =>
  recipe.scenario === 'healthy'
    ? ((parse(await readFile(engineModels[recipe.engine].healthyScenario, 'utf8')) as Record<
        string,
        unknown
      > | null) ?? {})
    : recipe.scenario;

const dnsValues = (simulation: Simulation) =>
  new Set([...simulation.dns.records().values()].flatMap((r) => r.values));

const runCell = async (spec: CellSpec, options: MatrixOptions): Promise<Cell> => {
  const started = Date.now();
  const recipe = engineRecipes[spec.engine];
  const plan = structuredClone(await loadPlan(recipe.planFile));
  withSecondRecord(plan);
  recipe.editPlan(plan);
  spec.editPlan?.(plan);
  // The simulated clusters are the real ones; only the workflow reads the misnamed plan.
  const workflowPlan: Plan = structuredClone(plan);
  if (spec.inject.kind === 'misnamed-upstream') recipe.misnameUpstream(workflowPlan);
  const scenarioFaults =
    spec.inject.kind === 'scenario' ? spec.inject.faults.map((f) => ({ ...f, step: spec.step })) : [];
  const scenario = parseScenario(
    { ...(await baseScenario(recipe)), faults: scenarioFaults },
    `fault matrix ${spec.engine}: ${spec.step} x ${spec.fault}`,
    plan,
  );
  const armed: Fault[] = scenario.faults;
  const simulation = await startSimulation(plan, scenario);
  const base = { engine: spec.engine, step: spec.step, fault: spec.fault };
  try {
    let lockFired = false;
    const seeded = await seededCoordination(plan, scenario);
    const coordination =
      spec.inject.kind === 'lock-answer-lost' ? lockAnswerLost(seeded, () => (lockFired = true)) : seeded;
    const taskFaults =
      spec.inject.kind === 'platform'
        ? createTaskFaults([{ step: spec.step, kind: spec.inject.fault, afterMs: spec.inject.afterMs }])
        : undefined;
    const raised: string[] = [];
    let current: string | undefined;
    const safety = (): SafetyView => safetyOf(plan, simulation.state(spec.engine));
    let atPromotion: SafetyView | undefined;
    const dnsOnUnpromoted: string[] = [];
    const downstreamValues = plan.dns.records.map((r) => r.downstream);
    const env = drillEnvironment({
      plan: workflowPlan,
      scenario,
      simulation,
      coordination,
      approvals: autoApprovals('approve'),
      progress: (event) => {
        if (event.kind !== 'step-started') return;
        current = event.step;
        const now = safety();
        const values = dnsValues(simulation);
        if (downstreamValues.some((v) => values.has(v)) && !now.downstreamPrimary)
          dnsOnUnpromoted.push(`as ${event.step} started: ${now.summary}`);
        if (event.step === 'promote') atPromotion ??= now;
        recipe.onStepStarted?.(event.step, simulation);
      },
      kubeTimeouts: { requestTimeoutMs: 2_000, execTimeoutMs: 3_000 },
      budgets: { ...matrixBudgets, ...recipe.budgets },
      ...(taskFaults || options.sabotage
        ? { taskFaults: wrapPorts(taskFaults, options.sabotage, () => current, raised) }
        : {}),
    });
    const run = await runWorkflow({
      plan: workflowPlan,
      trigger: drillAlarmEvent(workflowPlan.triggers.alarms[0]!.name, new Date()),
      workers: env.workers,
      journal: env.journal,
      settleMs: 0,
      retryIntervalMs: 100,
    }).finally(() => taskFaults?.settled());
    const report = run.report;
    const state = simulation.state(spec.engine);
    const end = safetyOf(plan, state);
    const values = dnsValues(simulation);
    const zone = simulation.dns.records();
    const dnsRecords = plan.dns.records.map((r) => ({
      name: r.name,
      atDownstream:
        zone.get(zoneKey({ hostedZoneId: plan.dns.hostedZoneId, ...r }))?.values.join(', ') === r.downstream,
    }));
    const taken = armed.reduce((sum, f) => sum + FaultInjector.timesTaken(f), 0);
    const faultActed = taken > 0 && armed.some((f) => f.afterEffect);
    const dnsMoved = plan.dns.records.some((r) => !values.has(r.upstream));
    const writes = [...writesOf(state.log, recipe, faultActed), ...(dnsMoved ? ['DNS changed'] : [])];
    const planState = await coordination.getPlanState(plan.name);
    const problems = problemsOf({
      report,
      notifications: env.notifications,
      planState,
      lockHeld: seeded.lockOf(plan.name) !== undefined,
      end,
      ...(atPromotion ? { atPromotion } : {}),
      dnsRecords,
      dnsOnUnpromoted,
      writes,
    });
    if (spec.inject.kind === 'misnamed-upstream' && (writes.length > 0 || report.status !== 'HALTED')) {
      problems.push(
        `a plan naming an upstream that is not there must halt before any change; it ended ${report.status} with ${writes.length} writes`,
      );
    }
    const firing = firingOf(spec, {
      taken,
      times: armed.reduce((sum, f) => sum + f.times, 0),
      raised,
      lockFired,
      ranReadiness: report.steps.some((s) => s.name === 'readiness'),
    });
    return {
      ...base,
      status: report.status,
      safe: problems.length === 0,
      ...firing,
      problems,
      note: problems.join('; ') || (report.status === 'SUCCEEDED' ? '' : (report.reason ?? '')),
      durationMs: Date.now() - started,
    };
  } catch (err) {
    const problem = `the run ended without a report: ${(err as Error).message}`;
    return {
      ...base,
      status: 'NO REPORT',
      safe: false,
      fired: true,
      firing: 'unknown',
      problems: [problem],
      note: problem,
      durationMs: Date.now() - started,
    };
  } finally {
    await simulation.stop();
  }
};

const firingOf = (
  spec: CellSpec,
  seen: { taken: number; times: number; raised: string[]; lockFired: boolean; ranReadiness: boolean },
): { fired: boolean; firing: string } => {
  switch (spec.inject.kind) {
    case 'scenario':
      return {
        fired: seen.taken > 0,
        firing:
          seen.taken > 0
            ? `took ${seen.taken} of up to ${seen.times} calls`
            : `no call of ${spec.step} matched the fault`,
      };
    case 'platform': {
      const mine = seen.raised.filter((r) => r.endsWith(` in ${spec.step}`));
      if (mine.length > 0) return { fired: true, firing: mine.join(', ') };
      return {
        fired: false,
        firing:
          spec.inject.fault === 'killed'
            ? `${spec.step} made no change for its Lambda to die after`
            : `${spec.step} ended within ${spec.inject.afterMs} ms, before the platform gave up on it`,
      };
    }
    case 'lock-answer-lost':
      return {
        fired: seen.lockFired,
        firing: seen.lockFired ? 'the lock was taken and the answer lost' : 'Admit never took the lock',
      };
    case 'misnamed-upstream':
      return {
        fired: seen.ranReadiness,
        firing: seen.ranReadiness ? 'readiness read the misnamed upstream' : 'readiness never ran',
      };
  }
};

export const runFaultMatrix = async (options: MatrixOptions): Promise<Cell[]> => {
  const specs = matrixCells(options.engines).filter((c) => options.only?.(c) ?? true);
  const results = new Map<CellSpec, Cell>();
  let next = 0;
  const worker = async () => {
    while (next < specs.length) {
      const spec = specs[next++]!;
      const cell = await runCell(spec, options);
      options.onCell?.(cell);
      results.set(spec, cell);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return specs.map((s) => results.get(s)!);
};
