// The approvals of a drill, kept in the process with the same exactly-once decision as DynamoDB's
// conditional update (a check and a set with no await between them cannot interleave).
import type { Approval, ApprovalStore } from '../ports/approvals.js';

export interface MemoryApprovalStore extends ApprovalStore {
  /** The gate's write; an approval already stored under the id is left as it is. */
  create(approval: Approval, taskToken: string | undefined): Promise<void>;
}

export const createMemoryApprovalStore = (): MemoryApprovalStore => {
  const approvals = new Map<string, { approval: Approval; taskToken: string | undefined }>();
  // Copies, so a caller mutating what it got cannot rewrite a decision.
  const copy = <T>(value: T): T => structuredClone(value);
  return {
    create: async (approval, taskToken) => {
      if (!approvals.has(approval.id)) approvals.set(approval.id, { approval: copy(approval), taskToken });
    },
    get: async (id) => copy(approvals.get(id)?.approval),
    list: async (limit) =>
      [...approvals.values()]
        .map((entry) => copy(entry.approval))
        .sort((a, b) => b.id.localeCompare(a.id))
        .slice(0, limit),
    decide: async (id, decision, now) => {
      const entry = approvals.get(id);
      if (!entry) return { outcome: 'not-found' };
      if (entry.approval.decision) return { outcome: 'already-decided', approval: copy(entry.approval), taskToken: entry.taskToken };
      if (now.getTime() >= Date.parse(entry.approval.decideBy)) return { outcome: 'expired', approval: copy(entry.approval) };
      entry.approval.decision = copy(decision);
      return { outcome: 'decided', approval: copy(entry.approval), taskToken: entry.taskToken };
    },
    revert: async (id, decision) => {
      const entry = approvals.get(id);
      if (entry?.approval.decision?.decidedAt === decision.decidedAt && entry.approval.decision.approver === decision.approver) delete entry.approval.decision;
    },
    markDelivered: async (id, at) => {
      const entry = approvals.get(id);
      if (entry) entry.approval.deliveredAt = at.toISOString();
    },
  };
};
