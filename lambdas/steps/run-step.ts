// Runs one attempt of a step and journals it: start and end time, outcome, evidence and every
// side effect, including those of an attempt that then failed. The workflow's retries are
// therefore visible in the report as attempts 1, 2, ...
import { errorMessage } from '../errors.js';
import type { SideEffect } from '../ports/journal.js';
import type { CommonDeps, Execution } from './step-deps.js';

export interface StepBody<T> {
  summary: string;
  detail: unknown;
  output: T;
}

export interface StepTools {
  sideEffect(action: string, target: string): void;
  progress(message: string): void;
}

export const runStep = async <T>(
  deps: CommonDeps,
  execution: Execution,
  step: string,
  body: (tools: StepTools) => Promise<StepBody<T>>,
): Promise<T> => {
  const earlier = (await deps.journal.listSteps(execution.id)).filter((r) => r.step === step).length;
  const attempt = earlier + 1;
  const startedAt = deps.clock.now();
  const sideEffects: SideEffect[] = [];
  const tools: StepTools = {
    sideEffect: (action, target) => sideEffects.push({ step, action, target, at: deps.clock.now().toISOString() }),
    progress: (message) => deps.progress({ kind: 'step-progress', step, message }),
  };
  deps.progress({ kind: 'step-started', step, attempt });

  const finish = async (outcome: 'succeeded' | 'failed', summary: string, detail: unknown) => {
    const endedAt = deps.clock.now();
    await deps.journal.appendStep(execution.id, {
      step, attempt, startedAt: startedAt.toISOString(), endedAt: endedAt.toISOString(), outcome, summary, detail, sideEffects,
    });
    deps.progress({ kind: 'step-finished', step, attempt, outcome, summary, detail, durationMs: endedAt.getTime() - startedAt.getTime() });
  };

  let result: StepBody<T>;
  try {
    result = await body(tools);
  } catch (err) {
    const detail = (err as { detail?: unknown }).detail;
    await finish('failed', `${(err as Error).name ?? 'Error'}: ${errorMessage(err)}`, { error: (err as Error).name, message: errorMessage(err), ...(detail ? { evidence: detail } : {}) });
    throw err;
  }
  await finish('succeeded', result.summary, result.detail);
  return result.output;
};
