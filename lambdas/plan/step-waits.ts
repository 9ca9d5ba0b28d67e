// How long a plan may let a step wait. Every wait a plan configures is the workflow's
// (steps/workflow-wait.ts): each invocation looks and hands over, so no wait is bounded by a
// Lambda's 15 minutes or a step's time budget, only by what a person would still wait for.
import * as z from 'zod';

/**
 * The longest wait the workflow carries: a rolling restart of a large cluster can take an hour;
 * past two, something is wrong that a person must look at.
 */
export const WORKFLOW_WAIT_MAX_SECONDS = 7_200;

/** Whole seconds from 1 up to WORKFLOW_WAIT_MAX_SECONDS, for a wait the workflow carries. */
export const workflowWaitSeconds = () =>
  z
    .number()
    .int()
    .min(1)
    .max(
      WORKFLOW_WAIT_MAX_SECONDS,
      `expected at most ${WORKFLOW_WAIT_MAX_SECONDS} s (two hours): a wait that long is a failure a person must look at`,
    );
