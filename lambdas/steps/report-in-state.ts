// What Report, Halt and RecordBlocked hand back to the workflow. The report itself (every
// attempt with its evidence) grows with the environment, not the plan: it is stored in the
// journal and sent to people, while the workflow state, which Step Functions limits to 256 KiB,
// gets only what the ASL reads ($.report.status and .reason) and an outline. Anything else a
// step answers (Halt's `pending`) passes through unchanged.
import type { FailoverReport } from '../ports/journal.js';

export interface ReportInState {
  executionId: string;
  planName: string;
  status: FailoverReport['status'];
  reason?: string;
  recoveryTimeMs?: number;
  /** Step attempts and changes in the stored report. */
  attempts: number;
  changes: number;
}

const isReport = (value: unknown): value is FailoverReport =>
  typeof value === 'object' &&
  value !== null &&
  Array.isArray((value as FailoverReport).steps) &&
  Array.isArray((value as FailoverReport).sideEffects);

export const reportInState = <T>(result: T): ReportInState | Exclude<T, FailoverReport> => {
  if (!isReport(result)) return result as Exclude<T, FailoverReport>;
  const { executionId, planName, status, reason, recoveryTimeMs, steps, sideEffects } = result;
  return {
    executionId,
    planName,
    status,
    ...(reason !== undefined ? { reason } : {}),
    ...(recoveryTimeMs !== undefined ? { recoveryTimeMs } : {}),
    attempts: steps.length,
    changes: sideEffects.length,
  };
};
