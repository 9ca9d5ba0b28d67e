// Runs an engine's readiness checks: all in parallel, none short-circuits, each failure kept
// as evidence. An API hiccup (TransientError) is not evidence about the standby: the whole
// step is retried by the workflow instead.
import { TransientError, errorMessage } from '../errors.js';
import type { CheckResult } from './engine.js';

export type Check = [name: string, run: () => Promise<Omit<CheckResult, 'name'>>];

export const runChecks = async (checks: Check[]): Promise<CheckResult[]> => {
  const settled = await Promise.allSettled(checks.map(([, check]) => check()));
  const transient = settled.flatMap((s, i) =>
    s.status === 'rejected' && s.reason instanceof TransientError
      ? [`${checks[i]![0]}: ${s.reason.message}`]
      : [],
  );
  if (transient.length > 0)
    throw new TransientError(`readiness could not be evaluated: ${transient.join('; ')}`);
  return settled.map((s, i) =>
    s.status === 'fulfilled'
      ? { name: checks[i]![0], ...s.value }
      : {
          name: checks[i]![0],
          passed: false,
          summary: errorMessage(s.reason),
          evidence: { error: errorMessage(s.reason) },
        },
  );
};
