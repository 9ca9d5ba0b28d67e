// In AWS the gate's Lambda has returned long before anyone decides, so its journal entry says
// "waiting". The approval service rewrites that entry (same step, attempt and start: the DynamoDB
// journal's key) as the decision goes to the workflow, so the entry spans the wait for a person,
// later steps (fence) read the decision, and the report shows who decided and why, exactly as a
// drill's gate step records it itself; and again when the decision turns out not to have reached
// the workflow.
import { ApprovalRejectedError } from '../errors.js';
import type { JournalPort, StepRecord } from '../ports/journal.js';
import { describeDecision, GATE_STEP, waitingForDecision } from './approval-record.js';
import type { Approval, ApprovalDecision } from './port.js';

type Decided = Approval & { decision: ApprovalDecision };

export interface GateJournal {
  /** Before the decision is sent: the entry records it, as the workflow will act on it. */
  decided(approval: Decided): Promise<void>;
  /** The workflow still waits and never got it: the entry goes back to waiting. */
  reverted(approval: Decided): Promise<void>;
  /** The workflow had stopped waiting: the decision changed nothing. */
  notApplied(approval: Decided): Promise<void>;
}

export const gateJournal = (journal: JournalPort): GateJournal => {
  /** A record under the key of the gate's own entry for this approval, which it replaces. */
  const recordFor = async (approval: Decided) => {
    const steps = await journal.listSteps(approval.executionId);
    const own = steps.findLast(
      (r) =>
        r.step === GATE_STEP &&
        (r.detail as { approvalId?: unknown } | undefined)?.approvalId === approval.id,
    );
    const key = own ?? {
      attempt: steps.filter((r) => r.step === GATE_STEP).length + 1,
      startedAt: approval.requestedAt,
      sideEffects: [],
    };
    return (
      outcome: StepRecord['outcome'],
      summary: string,
      detail: unknown,
      endedAt = approval.decision.decidedAt,
    ): StepRecord => ({
      step: GATE_STEP,
      attempt: key.attempt,
      startedAt: key.startedAt,
      endedAt,
      outcome,
      summary,
      detail,
      sideEffects: key.sideEffects,
    });
  };

  return {
    async decided(approval) {
      const record = await recordFor(approval);
      const described = describeDecision(approval.id, approval.decision, approval.evidence);
      if (approval.decision.decision === 'rejected') {
        // As the drill's runStep records a thrown ApprovalRejected.
        const error = new ApprovalRejectedError(described.summary);
        await journal.appendStep(
          approval.executionId,
          record('failed', `${error.name}: ${error.message}`, {
            error: error.name,
            message: error.message,
            evidence: described.detail,
          }),
        );
      } else {
        await journal.appendStep(
          approval.executionId,
          record('succeeded', described.summary, described.detail),
        );
      }
    },

    async reverted(approval) {
      const record = await recordFor(approval);
      const waiting = waitingForDecision(approval);
      await journal.appendStep(
        approval.executionId,
        record('succeeded', waiting.summary, waiting.detail, approval.requestedAt),
      );
    },

    async notApplied(approval) {
      const record = await recordFor(approval);
      const described = describeDecision(approval.id, approval.decision, approval.evidence);
      await journal.appendStep(
        approval.executionId,
        record(
          'failed',
          `${approval.decision.decision} by ${approval.decision.approver} after the workflow had stopped waiting: not applied`,
          { ...described.detail, applied: false },
        ),
      );
    },
  };
};
