// Plan evaluation before any incident: the engine's readiness checks, on a schedule (deployed)
// or from a laptop (`failover check`). It changes nothing and never halts anything: a standby
// that would not be ready is an answer, published as metrics that an alarm watches.
import type { CheckResult, StepContext } from '../engines/engine.js';
import { engineFor } from '../engines/registry.js';
import { TransientError, errorMessage } from '../errors.js';
import type { Plan, Side } from '../plan/schema.js';
import { systemClock } from '../ports/clock.js';
import type { KubePort } from '../ports/kube.js';
import { metricNames, type MetricPoint } from '../ports/metrics.js';
import { stepContext } from './kube-context.js';
import { standaloneTools } from './run-step.js';
import { siteChecks } from './site-checks.js';
import { budgetMs } from './step-budgets.js';
import { inProcessWait } from './workflow-wait.js';
import type { Execution, KubeDeps } from './step-deps.js';

export interface ReadinessEvaluation {
  /** Every check ran and passed. */
  ready: boolean;
  checks: CheckResult[];
  /** Why the checks could not be evaluated at all (the clusters did not answer). */
  error?: string;
}

const transientAttempts = 3;
const transientPauseMs = 2_000;

/**
 * Reads pass through; a write is refused before it reaches the cluster. Every method is listed,
 * so a new one on KubePort must be classified here before this compiles.
 */
export const readOnlyKube = (kube: KubePort): KubePort => {
  const refuse = async (what: string): Promise<never> => {
    throw new Error(`readiness evaluation changes nothing: refused to ${what} on ${kube.describe}`);
  };
  return {
    describe: kube.describe,
    getCustomObject: (ref) => kube.getCustomObject(ref),
    listPods: (namespace, selector) => kube.listPods(namespace, selector),
    exec: (namespace, pod, command, options) => kube.exec(namespace, pod, command, options),
    mergePatchCustomObject: (ref) => refuse(`patch ${ref.plural} ${ref.namespace}/${ref.name}`),
    deleteCustomObject: (ref) => refuse(`delete ${ref.plural} ${ref.namespace}/${ref.name}`),
    deletePod: (namespace, name) => refuse(`delete pod ${namespace}/${name}`),
  };
};

/** A StepContext's `act` for runs that change nothing (checks, dry runs). */
export const refuseChanges: StepContext['act'] = async (intent, target) => {
  throw new Error(`readiness evaluation changes nothing, yet a check was about to: ${intent} (${target})`);
};

/** The context of a check run from a laptop (`failover check`, break-glass preflight): these clusters, nothing changed. */
export const readOnlyContext = (
  plan: Plan,
  kubes: Record<Side, KubePort>,
  progress: (message: string) => void,
): StepContext => ({
  plan,
  kube: (side) => kubes[side],
  clock: systemClock,
  act: refuseChanges,
  earlierEffects: async () => [],
  progress,
  waitFor: (check, options) => inProcessWait(systemClock, progress, check, options),
  resumedWait: () => undefined,
});

/**
 * Runs the plan engine's readiness checks on read-only clusters. An API that does not answer is
 * retried a few times, then reported as not ready with the reason: no evidence is not "ready".
 */
export const evaluateReadiness = async (ctx: StepContext): Promise<ReadinessEvaluation> => {
  const guarded: StepContext = {
    ...ctx,
    kube: (side) => readOnlyKube(ctx.kube(side)),
    act: refuseChanges,
  };
  for (let attempt = 1; ; attempt++) {
    try {
      const checks = [...(await siteChecks(guarded)), ...(await engineFor(ctx.plan).readiness(guarded))];
      return { ready: checks.length > 0 && checks.every((c) => c.passed), checks };
    } catch (err) {
      if (!(err instanceof TransientError) || attempt >= transientAttempts)
        return { ready: false, checks: [], error: errorMessage(err) };
      ctx.progress(`readiness could not be evaluated (${errorMessage(err)}); trying again`);
      await ctx.clock.sleep(transientPauseMs);
    }
  }
};

/** One point per check (1 passed, 0 failed) and the plan's overall answer. */
export const readinessMetricPoints = (plan: Plan, evaluation: ReadinessEvaluation): MetricPoint[] => [
  ...evaluation.checks.map((c) => ({
    name: metricNames.readinessCheck,
    unit: 'Count' as const,
    value: c.passed ? 1 : 0,
    dimensions: { plan: plan.name, check: c.name },
  })),
  {
    name: metricNames.standbyReady,
    unit: 'Count',
    value: evaluation.ready ? 1 : 0,
    dimensions: { plan: plan.name },
  },
];

export const describeEvaluation = (evaluation: ReadinessEvaluation): string => {
  if (evaluation.error !== undefined) return `NOT READY: the checks could not run (${evaluation.error})`;
  const failed = evaluation.checks.filter((c) => !c.passed);
  return failed.length === 0
    ? `READY: ${evaluation.checks.length}/${evaluation.checks.length} checks passed`
    : `NOT READY: ${failed.map((c) => `${c.name}: ${c.summary}`).join('; ')}`;
};

/** The scheduled `evaluate` step of the Kubernetes worker. */
export const evaluate = async (
  deps: KubeDeps,
  execution: Execution,
  plan: Plan,
): Promise<ReadinessEvaluation> => {
  const step = 'evaluate';
  const startedAt = deps.clock.now().getTime();
  deps.progress({ kind: 'step-started', step, attempt: 1 });
  const tools = standaloneTools({
    clock: deps.clock,
    progress: (message) => deps.progress({ kind: 'step-progress', step, message }),
    deadline: new Date(startedAt + budgetMs(step, deps.budgets)),
  });
  const evaluation = await evaluateReadiness(stepContext(deps, plan, tools));
  deps.metrics?.publish(readinessMetricPoints(plan, evaluation));
  deps.progress({
    kind: 'step-finished',
    step,
    attempt: 1,
    outcome: 'succeeded',
    summary: describeEvaluation(evaluation),
    detail: { execution: execution.id, ...evaluation },
    durationMs: deps.clock.now().getTime() - startedAt,
  });
  return evaluation;
};
