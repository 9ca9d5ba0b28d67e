// The approval gate. The gate's step hands the request to an ApprovalPort; people decide through
// the approval service, which reads and decides in an ApprovalStore and hands the decision back
// to the waiting workflow through a WorkflowResumePort. The task token stays on this side of
// every port: browsers and the CLI only ever see the approval id.
import type { Plan } from '../plan/schema.js';

export interface ApprovalDecision {
  decision: 'approved' | 'rejected';
  approver: string;
  reason: string;
  decidedAt: string;
  /** The approver allows promoting although the old upstream could not be fenced (lambdas/steps/fence.ts). */
  allowUngraceful?: boolean;
}

export interface ApprovalRequest {
  approvalId: string;
  executionId: string;
  plan: Plan;
  /** Server-side only: never shown to a browser or CLI, which refer to the approval id. */
  taskToken?: string;
  /** The readiness checks as the workflow saw them. */
  evidence: unknown;
  intendedChanges: string[];
  requestedAt: string;
  /** When the workflow stops waiting (the ASL's AwaitApproval timeout). */
  decideBy: string;
}

/** One approval as stored, without its task token. */
export interface Approval {
  id: string;
  planName: string;
  executionId: string;
  requestedAt: string;
  decideBy: string;
  /** The plan's gate when the workflow started: policy, timeout and who may decide. */
  gate: Plan['gate'];
  evidence: unknown;
  intendedChanges: string[];
  decision?: ApprovalDecision;
  /** When the decision reached the workflow. */
  deliveredAt?: string;
}

export interface ApprovalPort {
  /**
   * Stores the request and tells approvers. Resolves with the decision when it is made in this
   * process (drills: the auto answers, the local console), or with undefined when the workflow
   * waits on its task token (AWS).
   */
  request(request: ApprovalRequest): Promise<ApprovalDecision | undefined>;
}

export type DecideOutcome =
  | { outcome: 'decided'; approval: Approval; taskToken?: string }
  /** Someone decided first; the token comes along so an undelivered decision can be delivered again. */
  | { outcome: 'already-decided'; approval: Approval; taskToken?: string }
  | { outcome: 'expired'; approval: Approval }
  | { outcome: 'not-found' };

export interface ApprovalStore {
  get(id: string): Promise<Approval | undefined>;
  /** Newest first. */
  list(limit: number): Promise<Approval[]>;
  /** Exactly once: records the decision only while the approval is pending and `now` is before `decideBy`. */
  decide(id: string, decision: ApprovalDecision, now: Date): Promise<DecideOutcome>;
  markDelivered(id: string, at: Date): Promise<void>;
  /** Back to pending when a decision could not be delivered, unless another decision replaced it. */
  revert(id: string, decision: ApprovalDecision): Promise<void>;
}

export interface WorkflowResumePort {
  /**
   * Hands a decided approval to the workflow waiting on `taskToken`: SendTaskSuccess or
   * SendTaskFailure (ApprovalRejected) in AWS; in a drill, the gate's pending promise. Throws
   * WorkflowNotWaitingError when nothing waits on the token any more.
   */
  resume(taskToken: string, approval: Approval & { decision: ApprovalDecision }): Promise<void>;
}
