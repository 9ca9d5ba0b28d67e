// The safety net behind Halt. Some ends of an execution never reach the workflow's own Catch:
// a state input or output over 256 KiB (States.DataLimitExceeded), States.Runtime, a timeout
// of the whole execution, a person stopping it, and Halt itself failing (HaltNotRecorded).
// Step Functions reports each of them as a status-change event, and this step then does what
// Halt would have done. Every halted run ends FAILED too (the Halted Fail state), so for most
// events Halt has already written the report: then only the lock is released, if still held.
import { BadInputError } from '../errors.js';
import type { ExecutionEnding } from '../handlers/step-event.js';
import type { Plan } from '../plan/schema.js';
import type { FailoverReport, StepRecord } from '../ports/journal.js';
import { halt } from './report.js';
import type { AwsDeps, Execution } from './step-deps.js';

/** The ASL's Fail state for a Halt (or RecordBlocked) that could not record the run. */
const HALT_NOT_RECORDED = 'HaltNotRecorded';

/** Ends after which a step may still have been running, or whose recording failed half-way. */
const UNCERTAIN_ENDS = new Set([HALT_NOT_RECORDED, 'TIMED_OUT', 'ABORTED']);

export type ExecutionEndedOutput =
  | { outcome: 'already-reported'; status: FailoverReport['status']; lockReleased: boolean }
  | { outcome: 'recorded'; status: FailoverReport['status']; reason?: string; needsOperator: boolean };

/** Step Functions' error name for a failed run; the status itself for a timeout or a stop. */
const endOf = (ending: ExecutionEnding): string =>
  ending.status === 'FAILED' && ending.error ? ending.error : ending.status;

/** A Lambda error's Cause is JSON with the message inside; Step Functions' own causes are text. */
const causeText = (cause: string | undefined): string => {
  if (!cause) return 'no cause given';
  try {
    return (JSON.parse(cause) as { errorMessage?: string }).errorMessage ?? cause;
  } catch {
    return cause;
  }
};

/** Steps journalled after Admit took the lock: with any of them, the run may have been acting. */
const stepsAfterLock = (records: StepRecord[]): StepRecord[] => {
  const admitted = records.findIndex((r) => r.step === 'admit' && r.outcome === 'succeeded');
  return admitted < 0 ? [] : records.slice(admitted + 1);
};

export const executionEnded = async (
  deps: AwsDeps,
  execution: Execution,
  plan: Plan,
  ending: ExecutionEnding | undefined,
): Promise<ExecutionEndedOutput> => {
  if (!ending)
    throw new BadInputError('execution-ended needs how the execution ended (the status-change event)');
  const end = endOf(ending);
  // A HaltNotRecorded run may hold a report Halt stored before failing to notify: record it again.
  if (end !== HALT_NOT_RECORDED) {
    const existing = await deps.journal.getReport(execution.id);
    if (existing)
      return {
        outcome: 'already-reported',
        status: existing.status,
        lockReleased: await deps.coordination.releaseLock(plan.name, execution.id),
      };
  }

  const records = await deps.journal.listSteps(execution.id);
  const after = stepsAfterLock(records);
  const uncertain = UNCERTAIN_ENDS.has(end) && after.length > 0;
  const lastFailure = records.findLast((r) => r.outcome === 'failed');
  const cause = [
    `the execution ended ${ending.status} outside the workflow's own Catch, so Halt did not record it (${causeText(ending.cause)})`,
    ...(lastFailure ? [`the last failed step was ${lastFailure.step}: ${lastFailure.summary}`] : []),
    ...(uncertain
      ? [
          `${after.at(-1)!.step} or a later step may still have been running, so the plan waits for an operator`,
        ]
      : []),
  ].join('; ');
  if (uncertain) {
    // Before Halt frees the lock: a new trigger must find the plan waiting for an operator.
    const state = await deps.coordination.getPlanState(plan.name);
    await deps.coordination.putPlanState(plan.name, {
      ...state,
      needsOperator: `failover ${execution.id} ended ${end} after ${after.map((r) => r.step).join(', ')} had run; what a step still running did is unknown`,
      lastExecutionId: execution.id,
      updatedAt: deps.clock.now().toISOString(),
    });
  }
  const report = await halt(deps, execution, plan, { Error: end, Cause: cause });
  deps.progress({
    kind: 'step-progress',
    step: 'execution-ended',
    message: `${end}: ${report.status} report recorded outside the workflow${uncertain ? '; the plan waits for an operator' : ''}`,
  });
  const needsOperator = (await deps.coordination.getPlanState(plan.name)).needsOperator !== undefined;
  return {
    outcome: 'recorded',
    status: report.status,
    ...(report.reason ? { reason: report.reason } : {}),
    needsOperator,
  };
};
