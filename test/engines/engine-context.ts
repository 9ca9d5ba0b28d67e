// An engine's StepContext over a running simulation, as the kube worker builds it: the real
// Kubernetes API adapter against each site's simulated API server. Changes and progress are kept
// for the test to read.
import { createKubeApi } from '../../lambdas/adapters/kube/kube-api.js';
import { createMemoryJournal } from '../../lambdas/adapters/memory-journal.js';
import type { StepContext } from '../../lambdas/engines/engine.js';
import type { Plan } from '../../lambdas/plan/schema.js';
import { systemClock } from '../../lambdas/ports/clock.js';
import { stepContext } from '../../lambdas/steps/kube-context.js';
import type { Execution, KubeDeps } from '../../lambdas/steps/step-deps.js';
import type { StepWaiting } from '../../lambdas/steps/workflow-wait.js';
import { standaloneTools } from '../../lambdas/steps/run-step.js';
import { parseScenario } from '../../sim/scenario.js';
import { startSimulation, type Simulation } from '../../sim/simulation.js';

export interface RecordingContext extends StepContext {
  changes: string[];
  messages: string[];
}

/** What the kube worker's steps are given, over the simulation, with a journal in memory. */
const simulationDeps = (simulation: Simulation): KubeDeps => ({
  journal: createMemoryJournal(),
  clock: systemClock,
  progress: () => undefined,
  kubeFor: async (_plan, side) =>
    createKubeApi(simulation.kubeConfigFor(side), `${side} cluster (simulated)`, { execTimeoutMs: 90_000 }),
});

export const engineContext = (plan: Plan, simulation: Simulation): RecordingContext => {
  const changes: string[] = [];
  const messages: string[] = [];
  const ctx = stepContext(
    simulationDeps(simulation),
    plan,
    standaloneTools({
      clock: systemClock,
      progress: (message) => messages.push(message),
      deadline: new Date(Date.now() + 3_600_000),
      onChange: (description, target) => changes.push(`${target}: ${description}`),
    }),
  );
  return { ...ctx, changes, messages };
};

/**
 * Runs `run` on a fresh simulation of a RocketMQ plan with no latency, its controller in az1 and
 * `clusters` on top, and stops the simulation whatever happens.
 */
export const withRocketmqSimulation = async (
  plan: Plan,
  clusters: Record<string, unknown>,
  run: (simulation: Simulation) => Promise<void>,
): Promise<void> => {
  const simulation = await startSimulation(
    plan,
    parseScenario(
      { latency: { apiMs: 0, execMs: 0 }, clusters: { controller: { site: 'az1' }, ...clusters } },
      'engine test',
      plan,
    ),
  );
  try {
    await run(simulation);
  } finally {
    await simulation.stop();
  }
};

/**
 * Runs a step as the workflow runs it over a simulation: invoked again, after the Wait it asks
 * for, while it answers `waiting`, with its journal in memory. Returns the summary of the attempt
 * that succeeded, the changes it journalled (`target: what was done`) and how many invocations it took.
 */
export const asInTheWorkflow = async (
  step: (deps: KubeDeps, execution: Execution, plan: Plan) => Promise<unknown>,
  plan: Plan,
  simulation: Simulation,
): Promise<{ summary: string; changes: string[]; invocations: number }> => {
  const deps = simulationDeps(simulation);
  const { journal } = deps;
  const execution = { id: `in-the-workflow-${Date.now()}`, startedAt: new Date().toISOString() };
  let invocations = 0;
  for (;;) {
    invocations += 1;
    const output = (await step(deps, execution, plan)) as Partial<StepWaiting>;
    if (!output.waiting) break;
    await new Promise((resolve) => setTimeout(resolve, (output.waiting!.checkAgainInSeconds ?? 0) * 1000));
  }
  const records = await journal.listSteps(execution.id);
  const effects = await journal.listEffects(execution.id);
  return {
    summary: records.findLast((r) => r.outcome === 'succeeded')!.summary,
    changes: effects.filter((e) => e.phase === 'done').map((e) => `${e.target}: ${e.action}`),
    invocations,
  };
};
