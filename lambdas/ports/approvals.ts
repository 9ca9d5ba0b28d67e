// The approval gate. In AWS the request is stored with its task token and the workflow waits
// until a person decides; in a drill the decision can be given up front.

export interface ApprovalRequest {
  executionId: string;
  planName: string;
  /** Server-side only: never shown to a browser or CLI, which refer to the approval id. */
  taskToken?: string;
  evidence: unknown;
  intendedChanges: string[];
  expiresAt: string;
}

export interface ApprovalDecision {
  decision: 'approved' | 'rejected';
  approver: string;
  reason: string;
  decidedAt: string;
}

export interface ApprovalPort {
  /** A decision when one is already known (drills), or undefined: the workflow waits for it. */
  request(request: ApprovalRequest): Promise<ApprovalDecision | undefined>;
}
