// An engine's StepContext over a running simulation, as the kube worker builds it: the real
// client-node adapter against each site's simulated API server. Changes and progress are kept
// for the test to read.
import { createClientNodeKube } from '../../lambdas/adapters/kube/client-node-kube.js';
import { createMemoryJournal } from '../../lambdas/adapters/memory-journal.js';
import type { StepContext } from '../../lambdas/engines/engine.js';
import type { Plan } from '../../lambdas/plan/schema.js';
import { systemClock } from '../../lambdas/ports/clock.js';
import { stepContext } from '../../lambdas/steps/kube-context.js';
import { standaloneTools } from '../../lambdas/steps/run-step.js';
import type { Simulation } from '../../sim/simulation.js';

export interface RecordingContext extends StepContext {
  changes: string[];
  messages: string[];
}

export const engineContext = (plan: Plan, simulation: Simulation): RecordingContext => {
  const changes: string[] = [];
  const messages: string[] = [];
  const deps = {
    journal: createMemoryJournal(),
    clock: systemClock,
    progress: () => undefined,
    kubeFor: async (_plan: Plan, side: 'upstream' | 'downstream') =>
      createClientNodeKube(simulation.kubeConfigFor(side), `${side} cluster (simulated)`, {
        execTimeoutMs: 90_000,
      }),
  };
  const ctx = stepContext(
    deps,
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
