// The shell every worker function shares: validate the input, tag every log line with the
// plan, execution and step, and run the step the workflow asked for.
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { parseStepEvent, type StepEvent } from './step-event.js';

/** Exactly one runner per step the worker declares (`satisfies` keeps list and table in step). */
export type StepTable<S extends string = string> = Record<S, (event: StepEvent) => Promise<unknown>>;

export const createWorker = (steps: StepTable, logger: Logger) =>
  middy(async (raw: unknown) => {
    const event = parseStepEvent(raw, Object.keys(steps));
    logger.appendKeys({ plan: event.plan.name, execution: event.execution.id, step: event.step });
    return steps[event.step]!(event);
  }).use(injectLambdaContext(logger, { resetKeys: true }));
