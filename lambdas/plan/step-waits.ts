// How long a plan may let a step wait. A wait inside one invocation ends within the step's time
// budget (steps/step-budgets.ts) whatever the plan says, so a configured wait longer than what the
// budget leaves would never run its course: the step would stop at its deadline instead of at its
// own, explained, timeout. A wait the workflow carries between invocations (steps/workflow-wait.ts)
// has no such bound.
import * as z from 'zod';
import { stepBudgetSeconds } from '../steps/step-budgets.js';

/** What a step does besides its configured wait: its reads before it, its commands and read-backs after. */
const OWN_WORK_SECONDS = 50;

const budgetOf = (step: string): number => {
  const seconds = stepBudgetSeconds[step];
  if (seconds === undefined) throw new Error(`no time budget for step ${step}`);
  return seconds;
};

/** The longest wait that fits every one of `steps` (a setting some steps share). */
export const longestWaitSeconds = (...steps: string[]): number =>
  Math.min(...steps.map(budgetOf)) - OWN_WORK_SECONDS;

/** What a message says about the steps' budgets: "the teardown and reprotect steps' 890 s budgets". */
export const budgetsSaid = (...steps: string[]): string => {
  if (steps.length === 1) return `the ${steps[0]} step's ${budgetOf(steps[0]!)} s budget`;
  const budgets = [...new Set(steps.map(budgetOf))];
  return `the ${steps.join(' and ')} steps' ${budgets.join(' and ')} s budgets`;
};

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
