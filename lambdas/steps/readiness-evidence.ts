// The readiness step's evidence as the journal keeps it: the approval gate reads it back
// (request-approval.ts) in the AWS worker, which runs no check itself.
import type { CheckResult } from '../engines/engine.js';
import type { StepRecord } from '../ports/journal.js';

export const READINESS_STEP = 'readiness';

/** What the journal keeps of a readiness attempt that let the workflow go on (ready, or at risk under `on-risk`). */
export interface ReadinessDetail {
  checks: CheckResult[];
}

/** The checks of the latest readiness attempt the workflow went on from, or undefined when the journal holds none. */
export const readinessEvidence = (records: StepRecord[]): CheckResult[] | undefined => {
  const latest = records.findLast((r) => r.step === READINESS_STEP && r.outcome === 'succeeded');
  const checks = (latest?.detail as Partial<ReadinessDetail> | undefined)?.checks;
  return Array.isArray(checks) ? checks : undefined;
};
