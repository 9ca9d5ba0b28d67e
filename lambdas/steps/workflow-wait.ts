// Waits longer than a few seconds belong to the workflow, not to a Lambda: a function that sits
// waiting for a rolling restart or Route 53 is billed for every second, and no wait may be bounded
// by a Lambda's 15 minutes. So a step's wait looks at its condition, looks again only briefly (a
// few seconds at most, where a late look would add to the recovery time), and when the condition
// does not hold yet ends the invocation with "look again in N s": the workflow's Wait state
// sleeps for free and invokes the same step again, which reconciles what it has done (every step
// is idempotent) and looks again. The bound counts from the wait's first look in this execution
// (the journal keeps it), so it holds across invocations.
//
// Outside a workflow (tests, the readiness evaluation) the same wait runs in-process.
import type { WaitLook, WaitOptions } from '../engines/engine.js';
import type { ClockPort } from '../ports/clock.js';
import type { StepRecord } from '../ports/journal.js';

/** The steps whose states loop through a Wait back to themselves (statemachines/failover.asl.json). */
export const WAITING_STEPS = ['promote', 'flip-dns', 'teardown', 'reprotect'] as const;
export type WaitingStep = (typeof WAITING_STEPS)[number];

/** No invocation keeps looking longer than this: a Lambda that waits is billed for every second. */
export const MAX_LOOK_WITHIN_INVOCATION_MS = 5_000;

/** What a step returns to the workflow while it waits: the ASL's Choice loops on `waiting`. */
export interface StepWaiting {
  waiting: {
    /** The wait's name within the step (WaitOptions.name). */
    for: string;
    /** WaitOptions.about: what the next invocation looks at again. */
    about?: string;
    /** The last check's state, e.g. `2/3 pods Ready`. */
    state: string;
    /** The wait's first check in this execution: its bound counts from here. */
    since: string;
    /**
     * The workflow's Wait state sleeps this long before invoking the step again. Absent: invoke it
     * again at once, straight from the Choice (a wait whose every look is on the recovery time).
     */
    checkAgainInSeconds?: number;
  };
}

/** Thrown by a step's wait to end the invocation; run-step turns it into StepWaiting. */
export class HandedToWorkflow extends Error {
  override readonly name = 'HandedToWorkflow';
  constructor(readonly waiting: StepWaiting['waiting']) {
    super(
      `waiting for ${waiting.for}: ${waiting.state}; checked again ${waiting.checkAgainInSeconds === undefined ? 'at once' : `in ${waiting.checkAgainInSeconds} s`}`,
    );
  }
}

/** The waiting record of a journalled invocation that handed this wait over. */
export const waitingOf = (record: StepRecord): StepWaiting['waiting'] | undefined =>
  record.outcome === 'waiting' ? (record.detail as StepWaiting).waiting : undefined;

type Outcome<T> = { done: true; value: T } | { done: false; waitedMs: number; state: string };

const checkOnce = async <T>(
  clock: ClockPort,
  since: Date,
  check: WaitLook<T>,
  options: WaitOptions,
): Promise<Outcome<T>> => {
  const result = await check(clock.now().getTime() - since.getTime());
  if (result.done) return { done: true, value: result.value };
  const waitedMs = clock.now().getTime() - since.getTime();
  if (waitedMs >= options.timeoutSeconds * 1000) throw options.timedOut(result.state, waitedMs);
  return { done: false, waitedMs, state: result.state };
};

/**
 * A wait inside a journalled step invocation: looks for at most the wait's lookWithinInvocationMs
 * (never past the step's deadline), then hands over. `earlier` are this step's records in this
 * execution.
 */
export const workflowWait = async <T>(
  clock: ClockPort,
  deadline: Date,
  earlier: StepRecord[],
  progress: (message: string) => void,
  check: WaitLook<T>,
  options: WaitOptions,
): Promise<T> => {
  const first = earlier.map(waitingOf).find((w) => w?.for === options.name && w.about === options.about);
  const since = first ? new Date(first.since) : clock.now();
  const lookWithin = Math.min(options.lookWithinInvocationMs ?? 0, MAX_LOOK_WITHIN_INVOCATION_MS);
  const lookUntil = Math.min(clock.now().getTime() + lookWithin, deadline.getTime());
  const workflowWaitMs = (options.workflowCheckEverySeconds ?? options.checkEveryMs / 1000) * 1000;
  for (;;) {
    const outcome = await checkOnce(clock, since, check, options);
    if (outcome.done) return outcome.value;
    const left = options.timeoutSeconds * 1000 - outcome.waitedMs;
    const pause = Math.min(options.checkEveryMs, left);
    if (clock.now().getTime() + pause > lookUntil) {
      // The last look comes at the bound itself, so a wait never ends early.
      throw new HandedToWorkflow({
        for: options.name,
        ...(options.about === undefined ? {} : { about: options.about }),
        state: outcome.state,
        since: since.toISOString(),
        ...(workflowWaitMs === 0
          ? {}
          : { checkAgainInSeconds: Math.max(1, Math.ceil(Math.min(workflowWaitMs, left) / 1000)) }),
      });
    }
    progress(`waiting for ${options.name}: ${outcome.state}`);
    await clock.sleep(pause);
  }
};

/** The same wait where no workflow runs the step: it polls in-process until done or out of bound. */
export const inProcessWait = async <T>(
  clock: ClockPort,
  progress: (message: string) => void,
  check: WaitLook<T>,
  options: WaitOptions,
): Promise<T> => {
  const since = clock.now();
  let last = '';
  for (;;) {
    const outcome = await checkOnce(clock, since, check, options);
    if (outcome.done) return outcome.value;
    if (outcome.state !== last) progress(`waiting for ${options.name}: ${outcome.state}`);
    last = outcome.state;
    await clock.sleep(Math.min(options.checkEveryMs, options.timeoutSeconds * 1000 - outcome.waitedMs));
  }
};
