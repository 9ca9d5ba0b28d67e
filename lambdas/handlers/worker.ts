// The shell every worker function shares: validate the input, tag every log line with the
// plan, execution and step, and run the step the workflow asked for.
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { PlansPort } from '../ports/plans.js';
import { runInvocation } from '../steps/invocation.js';
import { parseStepEvent, type StepEvent } from './step-event.js';

export interface WorkerDeps {
  /** The published plans: each step event names its plan by name and hash (plan/plan-ref.ts). */
  plans: PlansPort;
}

/** Exactly one runner per step the worker declares (`satisfies` keeps list and table in step). */
export type StepTable<S extends string = string> = Record<S, (event: StepEvent) => Promise<unknown>>;

/**
 * `beforeStep` runs first for every step (the lock's lease renewal). The Lambda's remaining time
 * bounds every step's deadline (steps/run-step.ts), besides the step's own budget.
 */
export const createWorker = (
  steps: StepTable,
  plans: PlansPort,
  logger: Logger,
  beforeStep?: (event: StepEvent) => Promise<void>,
) =>
  middy(async (raw: unknown, context?: Context) => {
    const event = await parseStepEvent(raw, Object.keys(steps), plans);
    logger.appendKeys({ plan: event.plan.name, execution: event.execution.id, step: event.step });
    const remainingMs =
      typeof context?.getRemainingTimeInMillis === 'function'
        ? () => context.getRemainingTimeInMillis()
        : undefined;
    return runInvocation(remainingMs ? { remainingMs } : {}, async () => {
      await beforeStep?.(event);
      return steps[event.step]!(event);
    });
  }).use(injectLambdaContext(logger, { resetKeys: true }));
