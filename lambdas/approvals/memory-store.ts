// The approvals of a drill, kept in the process with the same exactly-once decision as DynamoDB's
// conditional update (a check and a set with no await between them cannot interleave).
import type { Approval, ApprovalDecision, ApprovalStore } from './port.js';

const sameDecision = (a: ApprovalDecision | undefined, b: ApprovalDecision) =>
  a?.decidedAt === b.decidedAt && a.approver === b.approver;

export const createMemoryApprovalStore = (): ApprovalStore => {
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
      if (entry.approval.decision)
        return { outcome: 'already-decided', approval: copy(entry.approval), taskToken: entry.taskToken };
      if (now.getTime() >= Date.parse(entry.approval.decideBy))
        return { outcome: 'expired', approval: copy(entry.approval) };
      entry.approval.decision = copy(decision);
      entry.approval.delivery = { state: 'sending', at: now.toISOString() };
      return { outcome: 'decided', approval: copy(entry.approval), taskToken: entry.taskToken };
    },
    settle: async (id, decision, state, at) => {
      const entry = approvals.get(id);
      if (
        entry &&
        sameDecision(entry.approval.decision, decision) &&
        entry.approval.delivery?.state === 'sending'
      ) {
        entry.approval.delivery = { state, at: at.toISOString() };
      }
    },
    revert: async (id, decision) => {
      const entry = approvals.get(id);
      if (
        entry &&
        sameDecision(entry.approval.decision, decision) &&
        entry.approval.delivery?.state === 'sending'
      ) {
        delete entry.approval.decision;
        delete entry.approval.delivery;
      }
    },
  };
};
