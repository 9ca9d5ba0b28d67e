// The approval gate's contract. The gate's step hands the request to an ApprovalPort
// (approvals/gate.ts), which keeps it in an ApprovalStore and tells approvers; people decide
// through the approval service, which records the decision in the same store and hands it to the
// waiting workflow through a WorkflowResumePort. Two stores keep this contract (DynamoDB in AWS,
// memory in a drill) and pass the same tests (test/approvals/approval-store.contract.test.ts).
// The task token stays on this side of every port: browsers and the CLI only ever see the id.
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

/**
 * What became of a recorded decision. `sending`: recorded before it is handed to the workflow, so
 * a reply lost on the way is never mistaken for "nothing happened"; `delivered`: the workflow
 * has it; `not-applied`: the workflow had stopped waiting, so the decision changed nothing.
 */
export type DeliveryState = 'sending' | 'delivered' | 'not-applied';

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
  /** Present with a decision: since when it is in this state. */
  delivery?: { state: DeliveryState; at: string };
}

export interface ApprovalPort {
  /**
   * Stores the request and tells approvers. Resolves with the decision when it is made in this
   * process (a drill's gate), or with undefined when the workflow waits on its task token (AWS).
   */
  request(request: ApprovalRequest): Promise<ApprovalDecision | undefined>;
}

export type DecideOutcome =
  | { outcome: 'decided'; approval: Approval; taskToken?: string }
  | { outcome: 'already-decided'; approval: Approval; taskToken?: string }
  | { outcome: 'expired'; approval: Approval }
  | { outcome: 'not-found' };

export interface ApprovalStore {
  /** The gate's write. A retried gate computes the same id: an approval already stored under it is left as it is. */
  create(approval: Approval, taskToken: string | undefined): Promise<void>;
  get(id: string): Promise<Approval | undefined>;
  /** Newest first. */
  list(limit: number): Promise<Approval[]>;
  /** Exactly once: records the decision as `sending`, only while the approval is pending and `now` is before `decideBy`. */
  decide(id: string, decision: ApprovalDecision, now: Date): Promise<DecideOutcome>;
  /** How sending `decision` ended; changes nothing once it has ended, or when another decision replaced it. */
  settle(
    id: string,
    decision: ApprovalDecision,
    state: Exclude<DeliveryState, 'sending'>,
    at: Date,
  ): Promise<void>;
  /** Back to pending: the workflow still waits and never got `decision` (unless another decision replaced it). */
  revert(id: string, decision: ApprovalDecision): Promise<void>;
}

/** Where the workflow stands with an approval's task token, from its own record. */
export type GateState = 'delivered' | 'waiting' | 'closed';

export interface WorkflowResumePort {
  /**
   * Hands a decided approval to the workflow waiting on `taskToken`: SendTaskSuccess or
   * SendTaskFailure (ApprovalRejected) in AWS; in a drill, the gate's pending promise. Throws
   * WorkflowNotWaitingError when nothing waits on the token any more.
   */
  resume(taskToken: string, approval: Approval & { decision: ApprovalDecision }): Promise<void>;
  /**
   * After a resume whose outcome is unclear (no answer, an error, or "not waiting" that may
   * follow a first attempt whose reply was lost): did the workflow get this approval's decision
   * (`delivered`), does it still wait on the token (`waiting`), or has it stopped waiting (`closed`)?
   */
  gateState(approval: Approval & { decision: ApprovalDecision }): Promise<GateState>;
}
