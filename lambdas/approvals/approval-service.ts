// The approval service behind the console API and the CLI: list, read and decide approvals.
// The same code serves a deployed stack (DynamoDB store, Step Functions resume) and a drill
// (in-memory store, the drill's waiting gate); only the ports differ.
import { z } from 'zod';
import type { Plan } from '../plan/schema.js';
import type { Approval, ApprovalDecision, ApprovalStore, WorkflowResumePort } from '../ports/approvals.js';
import type { ClockPort } from '../ports/clock.js';
import type { JournalPort, StepOutcome } from '../ports/journal.js';
import { acceptedRiskOf, approvalState, type ApprovalState } from './approval-record.js';
import { describeCaller, mayApprove, type Caller } from './approvers.js';
import { AlreadyDecidedError, ApprovalExpiredError, ApprovalNotFoundError, DeliveryFailedError, InvalidDecisionError, NotAnApproverError, WorkflowNotWaitingError } from './errors.js';

/** Past approvals are listed up to this many; pending ones are always recent. */
const LIST_LIMIT = 100;
const MAX_REASON_CHARS = 1000;

export const decisionInputSchema = z
  .strictObject({
    decision: z.enum(['approve', 'reject']),
    reason: z.string().trim().min(1, 'a reason is required: it is recorded with the decision and in the report').max(MAX_REASON_CHARS, `a reason of at most ${MAX_REASON_CHARS} characters`),
    /** Approve even if the old upstream cannot be fenced (an ungraceful failover). */
    allowUngraceful: z.boolean().optional(),
  })
  .refine((input) => !(input.decision === 'reject' && input.allowUngraceful), { message: 'allowUngraceful goes with approve only', path: ['allowUngraceful'] });

export type DecisionInput = z.input<typeof decisionInputSchema>;

export interface ApprovalSummary {
  id: string;
  planName: string;
  executionId: string;
  requestedAt: string;
  decideBy: string;
  state: ApprovalState;
  /** Failed readiness checks: approving accepts them. */
  atRisk: string[];
  decision?: ApprovalDecision;
  /** The decision reached the workflow (false for a decision made after it stopped waiting). */
  applied: boolean;
  /** The caller is one of the plan's approvers. */
  isApprover: boolean;
  /** Pending, and the caller may decide. */
  mayDecide: boolean;
}

export interface TimelineEntry {
  step: string;
  attempt: number;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  outcome: StepOutcome;
  summary: string;
}

export interface ApprovalView extends ApprovalSummary {
  gate: Plan['gate'];
  /** The readiness checks, each with its values, exactly as the workflow saw them. */
  evidence: unknown;
  intendedChanges: string[];
  /** The execution's steps so far, from its journal. */
  timeline: TimelineEntry[];
  /** How a decision by the caller would be recorded. */
  caller: string;
}

export interface ApprovalServiceDeps {
  store: ApprovalStore;
  resume: WorkflowResumePort;
  journal: Pick<JournalPort, 'listSteps'>;
  clock: ClockPort;
}

export interface ApprovalService {
  list(caller: Caller): Promise<ApprovalSummary[]>;
  get(id: string, caller: Caller): Promise<ApprovalView>;
  decide(id: string, caller: Caller, input: unknown): Promise<ApprovalView>;
}

export const createApprovalService = (deps: ApprovalServiceDeps): ApprovalService => {
  const summary = (approval: Approval, caller: Caller): ApprovalSummary => {
    const state = approvalState(approval, deps.clock.now());
    const isApprover = mayApprove(approval.gate.approvers, caller);
    return {
      id: approval.id,
      planName: approval.planName,
      executionId: approval.executionId,
      requestedAt: approval.requestedAt,
      decideBy: approval.decideBy,
      state,
      atRisk: acceptedRiskOf(approval.evidence),
      ...(approval.decision ? { decision: approval.decision } : {}),
      applied: approval.deliveredAt !== undefined,
      isApprover,
      mayDecide: state === 'pending' && isApprover,
    };
  };

  const view = async (approval: Approval, caller: Caller): Promise<ApprovalView> => ({
    ...summary(approval, caller),
    gate: approval.gate,
    evidence: approval.evidence,
    intendedChanges: approval.intendedChanges,
    timeline: (await deps.journal.listSteps(approval.executionId)).map((r) => ({
      step: r.step, attempt: r.attempt, startedAt: r.startedAt, endedAt: r.endedAt, durationMs: Date.parse(r.endedAt) - Date.parse(r.startedAt), outcome: r.outcome, summary: r.summary,
    })),
    caller: describeCaller(caller),
  });

  const existing = async (id: string): Promise<Approval> => {
    const approval = await deps.store.get(id);
    if (!approval) throw new ApprovalNotFoundError(`no approval ${id}: check the id (\`failover approvals list\` shows them)`);
    return approval;
  };

  return {
    list: async (caller) => (await deps.store.list(LIST_LIMIT)).map((a) => summary(a, caller)),

    get: async (id, caller) => view(await existing(id), caller),

    async decide(id, caller, raw) {
      const input = decisionInputSchema.safeParse(raw);
      if (!input.success) throw new InvalidDecisionError(input.error.issues.map((i) => `${i.path.join('.') || 'decision'}: ${i.message}`).join('; '));
      const approval = await existing(id);
      const who = describeCaller(caller);
      if (!mayApprove(approval.gate.approvers, caller)) {
        throw new NotAnApproverError(`${who} is not an approver of plan ${approval.planName}; its approvers are: ${approval.gate.approvers.join(', ') || '(none)'}`);
      }
      const now = deps.clock.now();
      const decision: ApprovalDecision = {
        decision: input.data.decision === 'approve' ? 'approved' : 'rejected',
        approver: who,
        reason: input.data.reason,
        decidedAt: now.toISOString(),
        ...(input.data.allowUngraceful ? { allowUngraceful: true } : {}),
      };

      const outcome = await deps.store.decide(id, decision, now);
      if (outcome.outcome === 'not-found') throw new ApprovalNotFoundError(`no approval ${id}`);
      if (outcome.outcome === 'expired') {
        throw new ApprovalExpiredError(`approval ${id} expired at ${outcome.approval.decideBy}: the workflow stopped waiting and the failover was aborted (gate.onTimeout: ${outcome.approval.gate.onTimeout}); nothing was decided`);
      }
      if (outcome.outcome === 'already-decided') {
        const first = outcome.approval.decision!;
        throw new AlreadyDecidedError(`approval ${id} was already ${first.decision} by ${first.approver} at ${first.decidedAt} (${first.reason}); one decision wins, yours was not recorded`);
      }

      const decided = { ...outcome.approval, decision };
      try {
        if (!outcome.taskToken) throw new Error('the approval has no task token');
        await deps.resume.resume(outcome.taskToken, decided);
      } catch (err) {
        if (err instanceof WorkflowNotWaitingError) throw err;
        // Undone, so that a retry (by anyone) can decide again before the gate times out.
        await deps.store.revert(id, decision);
        throw new DeliveryFailedError(`the decision could not be handed to the workflow (${(err as Error).name}), so it was not recorded; the workflow waits until ${decided.decideBy}: try again`);
      }
      await deps.store.markDelivered(id, now);
      return view({ ...decided, deliveredAt: now.toISOString() }, caller);
    },
  };
};
