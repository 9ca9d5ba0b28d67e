// Runs one attempt of a step and journals it: start and end time, outcome, evidence, and every
// change it intended and made — each intent written before the change is attempted, so an
// attempt cut short (failed, timed out, killed) still leaves behind what it may have done.
// The workflow's retries are visible in the report as attempts 1, 2, ...
import { randomUUID } from 'node:crypto';
import { DeadlineExceededError, errorMessage } from '../errors.js';
import { changesOf, type EffectEvent } from '../ports/journal.js';
import { currentInvocation } from './invocation.js';
import { budgetMs } from './step-budgets.js';
import type { CommonDeps, Execution } from './step-deps.js';
import {
  HandedToWorkflow,
  inProcessWait,
  waitingOf,
  workflowWait,
  type StepWaiting,
  type WaitingStep,
} from './workflow-wait.js';
import type { WaitLook, WaitOptions } from '../engines/engine.js';

export interface StepBody<T> {
  summary: string;
  detail: unknown;
  output: T;
}

export interface StepTools {
  /**
   * Makes one change: journals the intent, runs `change`, then journals what it did —
   * `describe` says it in words, or returns undefined when the change turned out not to be needed.
   * Refuses to start past the step's deadline.
   */
  act<R>(
    intent: string,
    target: string,
    change: () => Promise<R>,
    describe?: (result: R) => string | undefined,
  ): Promise<R>;
  progress(message: string): void;
  /** Past this the step starts nothing new (its state's timeout comes later). */
  readonly deadline: Date;
  /** Throws DeadlineExceeded when the deadline has passed. */
  checkDeadline(what: string): void;
  /** The change log of this step's earlier attempts in this execution: what a retry must reconcile. */
  earlierEffects(): Promise<EffectEvent[]>;
  /** See StepContext.waitFor: in a step, the wait is handed to the workflow (steps/workflow-wait.ts). */
  waitFor<T>(check: WaitLook<T>, options: WaitOptions): Promise<T>;
  /** The wait the step's previous invocation handed to the workflow, when it ended so. */
  resumedWait(): StepWaiting['waiting'] | undefined;
}

/** The Lambda itself must still be able to journal the end of the attempt after the deadline. */
const LAMBDA_MARGIN_MS = 3_000;
/**
 * A claim is held for a short while and renewed as the invocation works, so the claim of an
 * invocation that died (killed, out of memory) lapses soon and a retry can take over; at most
 * 15 s, and a quarter of the step's budget for short ones.
 */
const MAX_CLAIM_MS = 15_000;
/** How often a duplicate delivery looks whether the first invocation has finished. */
const CLAIM_POLL_MS = 250;

const deadlineOf = (deps: CommonDeps, step: string, startedAt: Date): Date => {
  const byBudget = startedAt.getTime() + budgetMs(step, deps.budgets);
  const remaining = currentInvocation().remainingMs?.();
  return new Date(
    remaining === undefined
      ? byBudget
      : Math.min(byBudget, startedAt.getTime() + remaining - LAMBDA_MARGIN_MS),
  );
};

/**
 * The same task delivered twice (Step Functions retries a Lambda error while the first invocation
 * still runs) must not act twice at once: the second waits until the first has finished or its
 * deadline has passed, then reconciles what the first did.
 */
const claimUntil = (now: Date, deadline: Date, claimMs: number) =>
  new Date(Math.min(now.getTime() + claimMs, deadline.getTime())).toISOString();

const claimStep = async (
  deps: CommonDeps,
  execution: Execution,
  step: string,
  owner: string,
  deadline: Date,
  claimMs: number,
) => {
  for (;;) {
    const now = deps.clock.now();
    const holder = await deps.journal.claimStep(
      execution.id,
      step,
      { owner, until: claimUntil(now, deadline, claimMs) },
      now,
    );
    if (!holder) return;
    if (now.getTime() >= deadline.getTime()) {
      throw new DeadlineExceededError(
        `${step}: another invocation of this step (${holder.owner}) was still working until ${holder.until}, past this attempt's deadline`,
      );
    }
    deps.progress({
      kind: 'step-progress',
      step,
      message: `another invocation of ${step} is still working (until ${holder.until}); waiting for it`,
    });
    await deps.clock.sleep(Math.min(CLAIM_POLL_MS, deadline.getTime() - now.getTime()));
  }
};

export const runStep = async <T>(
  deps: CommonDeps,
  execution: Execution,
  step: string,
  body: (tools: StepTools) => Promise<StepBody<T>>,
): Promise<T> => {
  const result = await runAttempt(deps, execution, step, body);
  if (isWaiting(result))
    throw new Error(
      `${step} waits (${result.waiting.for}), but its state in the workflow has no Wait loop to check again`,
    );
  return result;
};

const isWaiting = (output: unknown): output is StepWaiting =>
  typeof output === 'object' && output !== null && 'waiting' in output;

/**
 * A step whose waits the workflow carries: it returns StepWaiting while it waits, and its state
 * loops through a Wait state back to it (statemachines/failover.asl.json).
 */
export const runWaitingStep = async <T>(
  deps: CommonDeps,
  execution: Execution,
  step: WaitingStep,
  body: (tools: StepTools) => Promise<StepBody<T>>,
): Promise<T | StepWaiting> => runAttempt(deps, execution, step, body);

const runAttempt = async <T>(
  deps: CommonDeps,
  execution: Execution,
  step: string,
  body: (tools: StepTools) => Promise<StepBody<T>>,
): Promise<T | StepWaiting> => {
  const startedAt = deps.clock.now();
  const deadline = deadlineOf(deps, step, startedAt);
  const owner = randomUUID();
  const claimMs = Math.min(MAX_CLAIM_MS, Math.max(1, Math.floor(budgetMs(step, deps.budgets) / 4)));
  await claimStep(deps, execution, step, owner, deadline, claimMs);
  // Renewed while the work goes on; a failed renewal only shortens the claim (the next one may succeed).
  const heartbeat = setInterval(
    () => {
      const now = deps.clock.now();
      deps.journal
        .claimStep(execution.id, step, { owner, until: claimUntil(now, deadline, claimMs) }, now)
        .catch(() => undefined);
    },
    Math.max(1, Math.floor(claimMs / 3)),
  );
  try {
    return await runClaimed(deps, execution, step, startedAt, deadline, body);
  } finally {
    clearInterval(heartbeat);
    await deps.journal.releaseStep(execution.id, step, owner);
  }
};

const runClaimed = async <T>(
  deps: CommonDeps,
  execution: Execution,
  step: string,
  startedAt: Date,
  deadline: Date,
  body: (tools: StepTools) => Promise<StepBody<T>>,
): Promise<T | StepWaiting> => {
  const earlier = (await deps.journal.listSteps(execution.id)).filter((r) => r.step === step);
  const attempt = earlier.length + 1;
  const events: EffectEvent[] = [];
  let changes = 0;
  const record = async (event: Omit<EffectEvent, 'step' | 'attempt' | 'at'>) => {
    const full: EffectEvent = { ...event, step, attempt, at: deps.clock.now().toISOString() };
    events.push(full);
    await deps.journal.appendEffect(execution.id, full);
  };
  const checkDeadline = (what: string) => {
    if (deps.clock.now().getTime() >= deadline.getTime()) {
      throw new DeadlineExceededError(
        `${step} reached the end of its time budget (${deadline.toISOString()}) before ${what}: nothing more is started; a later attempt or an operator takes it from here`,
      );
    }
  };
  const tools: StepTools = {
    deadline,
    checkDeadline,
    act: async (intent, target, change, describe = () => intent) => {
      checkDeadline(intent);
      const id = `${step}#${attempt}#${++changes}#${randomUUID().slice(0, 8)}`;
      await record({ id, phase: 'intended', action: intent, target });
      let result;
      try {
        result = await change();
      } catch (err) {
        await record({
          id,
          phase: 'failed',
          action: intent,
          target,
          error: { name: (err as Error).name ?? 'Error', message: errorMessage(err) },
        });
        throw err;
      }
      const done = describe(result);
      await record({ id, phase: done === undefined ? 'unchanged' : 'done', action: done ?? intent, target });
      return result;
    },
    progress: (message) => deps.progress({ kind: 'step-progress', step, message }),
    earlierEffects: async () =>
      (await deps.journal.listEffects(execution.id)).filter((e) => e.step === step && e.attempt < attempt),
    resumedWait: () => {
      const last = earlier.at(-1);
      return last && waitingOf(last);
    },
    waitFor: (check, options) =>
      workflowWait(
        deps.clock,
        deadline,
        earlier,
        (message) => deps.progress({ kind: 'step-progress', step, message }),
        check,
        options,
      ),
  };
  deps.progress({ kind: 'step-started', step, attempt });

  const finish = async (outcome: 'succeeded' | 'failed' | 'waiting', summary: string, detail: unknown) => {
    const endedAt = deps.clock.now();
    await deps.journal.appendStep(execution.id, {
      step,
      attempt,
      startedAt: startedAt.toISOString(),
      endedAt: endedAt.toISOString(),
      outcome,
      summary,
      detail,
      sideEffects: changesOf(events),
    });
    deps.progress({
      kind: 'step-finished',
      step,
      attempt,
      outcome,
      summary,
      detail,
      durationMs: endedAt.getTime() - startedAt.getTime(),
    });
  };

  let result: StepBody<T>;
  try {
    result = await body(tools);
  } catch (err) {
    if (err instanceof HandedToWorkflow) {
      const waiting = { waiting: err.waiting };
      await finish('waiting', err.message, waiting);
      return waiting;
    }
    const detail = (err as { detail?: unknown }).detail;
    await finish('failed', `${(err as Error).name ?? 'Error'}: ${errorMessage(err)}`, {
      error: (err as Error).name,
      message: errorMessage(err),
      ...(detail ? { evidence: detail } : {}),
    });
    throw err;
  }
  await finish('succeeded', result.summary, result.detail);
  return result.output;
};

/**
 * Tools for engine code run outside a journalled step: the readiness evaluation (which refuses
 * every change) and tests (which record them). Same deadline rules as a step.
 */
export const standaloneTools = (options: {
  clock: CommonDeps['clock'];
  progress: (message: string) => void;
  deadline: Date;
  /** Without it every change is refused. */
  onChange?: (description: string, target: string) => void;
}): StepTools => {
  const checkDeadline = (what: string) => {
    if (options.clock.now().getTime() >= options.deadline.getTime())
      throw new DeadlineExceededError(
        `the time budget ended (${options.deadline.toISOString()}) before ${what}`,
      );
  };
  return {
    deadline: options.deadline,
    checkDeadline,
    act: async (intent, target, change, describe = () => intent) => {
      if (!options.onChange)
        throw new Error(`this run changes nothing, yet it was about to: ${intent} (${target})`);
      checkDeadline(intent);
      const result = await change();
      const done = describe(result);
      if (done !== undefined) options.onChange(done, target);
      return result;
    },
    progress: options.progress,
    earlierEffects: async () => [],
    waitFor: (check, waitOptions) => inProcessWait(options.clock, options.progress, check, waitOptions),
    resumedWait: () => undefined,
  };
};
