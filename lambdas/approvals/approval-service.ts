// The approval service behind the console API and the CLI: list, read and decide approvals.
// The same code serves a deployed stack (DynamoDB store, Step Functions resume) and a drill
// (in-memory store, the drill's waiting gate); only the ports differ. Every rule is applied here,
// on the server: who may decide, exactly once, not after the gate's deadline, and what became of a
// decision on its way to the workflow.
import type { Plan } from '../plan/schema.js';
import type { ClockPort } from '../ports/clock.js';
import type { JournalPort, StepOutcome } from '../ports/journal.js';
import type { GateJournal } from './gate-journal.js';
import type {
  Approval,
  ApprovalDecision,
  ApprovalStore,
  DeliveryState,
  GateState,
  WorkflowResumePort,
} from './port.js';
import { acceptedRiskOf, approvalState, type ApprovalState } from './approval-record.js';
import { describeCaller, mayApprove, type Caller } from './approvers.js';
import {
  AlreadyDecidedError,
  ApprovalExpiredError,
  ApprovalNotFoundError,
  DeliveryFailedError,
  DeliveryUnclearError,
  invalidBody,
  NotAnApproverError,
  WorkflowNotWaitingError,
} from './errors.js';
import * as z from './request-schemas.js';

/** Past approvals are listed up to this many; pending ones are always recent. */
const LIST_LIMIT = 100;
/** A person's reason, recorded with a decision or an acknowledgement. */
export const MAX_REASON_CHARS = 1000;
/**
 * A decision still `sending` after this long has no sender left (the console API's function times
 * out after 20 s), so a reader settles it from the workflow's own record before answering.
 */
export const SETTLE_SENDING_AFTER_MS = 60_000;

export const decisionInputSchema = z
  .strictObject({
    decision: z.enum(['approve', 'reject']),
    reason: z
      .string()
      .check(
        z.trim(),
        z.minLength(1, 'a reason is required: it is recorded with the decision and in the report'),
        z.maxLength(MAX_REASON_CHARS, `a reason of at most ${MAX_REASON_CHARS} characters`),
      ),
    /** Approve even if the old upstream cannot be fenced (an ungraceful failover). */
    allowUngraceful: z.optional(z.boolean()),
  })
  .check(
    z.refine((input) => !(input.decision === 'reject' && input.allowUngraceful), {
      message: 'allowUngraceful goes with approve only',
      path: ['allowUngraceful'],
    }),
  );

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
  /** What became of the decision: being sent, delivered to the workflow, or not applied (it had stopped waiting). */
  delivery?: DeliveryState;
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
  /**
   * In AWS the gate's step returned long ago, so the service journals the decision in its place
   * (gate-journal.ts); in a drill the waiting step records it itself.
   */
  gateJournal?: GateJournal;
}

export interface ApprovalService {
  list(caller: Caller): Promise<ApprovalSummary[]>;
  get(id: string, caller: Caller): Promise<ApprovalView>;
  decide(id: string, caller: Caller, input: unknown): Promise<ApprovalView>;
}

type Decided = Approval & { decision: ApprovalDecision };

export const createApprovalService = (deps: ApprovalServiceDeps): ApprovalService => {
  const gate = deps.gateJournal;

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
      ...(approval.delivery ? { delivery: approval.delivery.state } : {}),
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
      step: r.step,
      attempt: r.attempt,
      startedAt: r.startedAt,
      endedAt: r.endedAt,
      durationMs: Date.parse(r.endedAt) - Date.parse(r.startedAt),
      outcome: r.outcome,
      summary: r.summary,
    })),
    caller: describeCaller(caller),
  });

  /**
   * Records what the workflow's own record says became of a decision: delivered; still waiting
   * without it (back to pending, so anyone may decide again before the deadline); or not applied.
   */
  const settle = async (approval: Decided, state: GateState): Promise<Approval> => {
    const now = deps.clock.now();
    if (state === 'delivered') {
      await deps.store.settle(approval.id, approval.decision, 'delivered', now);
    } else if (state === 'waiting') {
      await deps.store.revert(approval.id, approval.decision);
      await gate?.reverted(approval);
    } else {
      await deps.store.settle(approval.id, approval.decision, 'not-applied', now);
      await gate?.notApplied(approval);
    }
    return (await deps.store.get(approval.id)) ?? approval;
  };

  /** A decision left `sending` by a sender that is gone is settled before anyone reads it. */
  const settled = async (approval: Approval): Promise<Approval> => {
    const { decision, delivery } = approval;
    if (
      !decision ||
      delivery?.state !== 'sending' ||
      deps.clock.now().getTime() - Date.parse(delivery.at) < SETTLE_SENDING_AFTER_MS
    )
      return approval;
    try {
      return await settle({ ...approval, decision }, await deps.resume.gateState({ ...approval, decision }));
    } catch {
      // Still unclear: shown as being sent, which is the truth.
      return approval;
    }
  };

  const existing = async (id: string): Promise<Approval> => {
    const approval = await deps.store.get(id);
    if (!approval)
      throw new ApprovalNotFoundError(
        `no approval ${id}: check the id (\`failover approvals list\` shows them)`,
      );
    return settled(approval);
  };

  /** Hands the decision to the workflow; when that is unclear, asks the workflow's record what happened. */
  const deliver = async (
    taskToken: string | undefined,
    approval: Decided,
  ): Promise<GateState | 'unknown'> => {
    try {
      if (!taskToken) throw new Error('the approval has no task token');
      await deps.resume.resume(taskToken, approval);
      return 'delivered';
    } catch (sendError) {
      // "Not waiting" may follow a first attempt whose reply was lost: only the record tells.
      try {
        return await deps.resume.gateState(approval);
      } catch {
        return sendError instanceof WorkflowNotWaitingError ? 'closed' : 'unknown';
      }
    }
  };

  return {
    list: async (caller) =>
      Promise.all((await deps.store.list(LIST_LIMIT)).map(async (a) => summary(await settled(a), caller))),

    get: async (id, caller) => view(await existing(id), caller),

    async decide(id, caller, raw) {
      const input = decisionInputSchema.safeParse(raw);
      if (!input.success) throw invalidBody(input.error.issues, 'decision');
      const approval = await existing(id);
      const who = describeCaller(caller);
      if (!mayApprove(approval.gate.approvers, caller)) {
        throw new NotAnApproverError(
          `${who} is not an approver of plan ${approval.planName}; its approvers are: ${approval.gate.approvers.join(', ') || '(none)'}`,
        );
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
        throw new ApprovalExpiredError(
          `approval ${id} expired at ${outcome.approval.decideBy}: the workflow stopped waiting and the failover was aborted (gate.onTimeout: ${outcome.approval.gate.onTimeout}); nothing was decided`,
        );
      }
      if (outcome.outcome === 'already-decided') {
        const first = outcome.approval.decision!;
        throw new AlreadyDecidedError(
          `approval ${id} was already ${first.decision} by ${first.approver} at ${first.decidedAt} (${first.reason}); one decision wins, yours was not recorded`,
        );
      }

      const decided = { ...outcome.approval, decision };
      // Recorded before it is sent: the steps after the gate read the decision from the journal.
      await gate?.decided(decided);
      const state = await deliver(outcome.taskToken, decided);
      if (state === 'unknown') {
        throw new DeliveryUnclearError(
          `approval ${id}: your decision is recorded and was sent, but whether the workflow received it is not known yet; do not decide again: \`failover approvals show ${id}\` tells once it is settled (at the latest ${SETTLE_SENDING_AFTER_MS / 1000} s from now)`,
        );
      }
      const after = await settle(decided, state);
      if (state === 'waiting') {
        throw new DeliveryFailedError(
          `the decision could not be handed to the workflow, so it was not recorded; the workflow still waits, until ${decided.decideBy}: try again`,
        );
      }
      if (state === 'closed') {
        throw new WorkflowNotWaitingError(
          `approval ${id}: the decision is recorded, but the workflow had stopped waiting for it (it timed out or was stopped), so nothing was changed by this decision`,
        );
      }
      return view(after, caller);
    },
  };
};
