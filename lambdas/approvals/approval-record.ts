// One approval from request to decision: its id, its state at a given time, and how a decision
// reads in the journal and the report. Shared by the gate's step, the service and the adapters.
import { createHash } from 'node:crypto';
import type { CheckResult } from '../engines/engine.js';
import type { Approval, ApprovalDecision, ApprovalRequest } from './port.js';

/** The gate's step: its name in the journal and in the workers' input (the ASL's AwaitApproval payload). */
export const GATE_STEP = 'approval';

export type ApprovalState = 'pending' | 'expired' | 'approved' | 'rejected';

/**
 * `20260301-100005-1a2b3c4d`: sortable by the execution's start, short enough to type, and the
 * same for a retried invocation of the same gate (same execution, same task token), so a retry
 * finds the request it already stored instead of opening a second one.
 */
export const approvalIdFor = (
  executionId: string,
  executionStartedAt: string,
  taskToken: string | undefined,
): string => {
  const started = new Date(executionStartedAt);
  const stamp = (Number.isNaN(started.getTime()) ? new Date(0) : started)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace('T', '-')
    .slice(0, 15);
  const digest = createHash('sha256')
    .update(`${executionId}\n${taskToken ?? ''}`)
    .digest('hex')
    .slice(0, 8);
  return `${stamp}-${digest}`;
};

export const pendingApproval = (request: ApprovalRequest): Approval => ({
  id: request.approvalId,
  planName: request.plan.name,
  executionId: request.executionId,
  requestedAt: request.requestedAt,
  decideBy: request.decideBy,
  gate: request.plan.gate,
  evidence: request.evidence,
  intendedChanges: request.intendedChanges,
});

export const approvalState = (approval: Approval, now: Date): ApprovalState =>
  approval.decision
    ? approval.decision.decision
    : now.getTime() >= Date.parse(approval.decideBy)
      ? 'expired'
      : 'pending';

const failedChecks = (evidence: unknown): CheckResult[] =>
  Array.isArray(evidence)
    ? (evidence as CheckResult[]).filter((c) => typeof c === 'object' && c !== null && c.passed === false)
    : [];

/** What approving accepts: every readiness check that failed (only the `on-risk` gate gets this far with one). */
export const acceptedRiskOf = (evidence: unknown): string[] =>
  failedChecks(evidence).map((c) => `${c.name}: ${c.summary}`);

/** The rejection as the workflow routes it (ApprovalRejected) and the report words it. */
export const rejectionMessage = (decision: ApprovalDecision) =>
  `rejected by ${decision.approver}: ${decision.reason}`;

/** The gate step's journal entry while it waits for a person (AWS), and again when a decision did not reach the workflow. */
export const waitingForDecision = (approval: Pick<Approval, 'id' | 'decideBy'>) => ({
  summary: `approval ${approval.id} requested; waiting for an approver until ${approval.decideBy}`,
  detail: { approvalId: approval.id, decideBy: approval.decideBy },
});

/** The gate step's journal entry for a decision, whoever records it (the step in a drill, the service in AWS). */
export const describeDecision = (approvalId: string, decision: ApprovalDecision, evidence: unknown) => {
  const acceptedRisk = decision.decision === 'approved' ? acceptedRiskOf(evidence) : [];
  const summary =
    decision.decision === 'rejected'
      ? rejectionMessage(decision)
      : [
          `approved by ${decision.approver}: ${decision.reason}`,
          ...(acceptedRisk.length ? [`accepted risk: ${acceptedRisk.join('; ')}`] : []),
          ...(decision.allowUngraceful
            ? ['allows an ungraceful failover if the old upstream cannot be fenced']
            : []),
        ].join('; ');
  return { summary, detail: { approvalId, ...decision, ...(acceptedRisk.length ? { acceptedRisk } : {}) } };
};
