// In AWS the gate's Lambda has returned long before anyone decides, so its journal entry says
// "waiting". Before the decision reaches the workflow, this rewrites that entry (same step,
// attempt and start: the DynamoDB journal's key) with the decision, so the entry spans the wait
// for a person, later steps (fence) read the decision, and the report shows who decided and why,
// exactly as a drill's gate step records it itself.
import { WorkflowNotWaitingError } from './errors.js';
import { describeDecision } from './approval-record.js';
import { ApprovalRejectedError } from '../errors.js';
import type { WorkflowResumePort } from '../ports/approvals.js';
import type { JournalPort, StepRecord } from '../ports/journal.js';

const GATE_STEP = 'approval';

export const journalledResume = (journal: JournalPort, next: WorkflowResumePort): WorkflowResumePort => ({
  async resume(taskToken, approval) {
    const { decision } = approval;
    const steps = await journal.listSteps(approval.executionId);
    const waiting = steps.findLast((r) => r.step === GATE_STEP && (r.detail as { approvalId?: unknown } | undefined)?.approvalId === approval.id);
    const key = waiting ?? { attempt: steps.filter((r) => r.step === GATE_STEP).length + 1, startedAt: approval.requestedAt, sideEffects: [] };
    const record = (outcome: StepRecord['outcome'], summary: string, detail: unknown): StepRecord => ({
      step: GATE_STEP, attempt: key.attempt, startedAt: key.startedAt, endedAt: decision.decidedAt, outcome, summary, detail, sideEffects: key.sideEffects,
    });

    const described = describeDecision(approval.id, decision, approval.evidence);
    if (decision.decision === 'rejected') {
      // As the drill's runStep records a thrown ApprovalRejected.
      const error = new ApprovalRejectedError(described.summary);
      await journal.appendStep(approval.executionId, record('failed', `${error.name}: ${error.message}`, { error: error.name, message: error.message, evidence: described.detail }));
    } else {
      await journal.appendStep(approval.executionId, record('succeeded', described.summary, described.detail));
    }
    try {
      await next.resume(taskToken, approval);
    } catch (err) {
      if (err instanceof WorkflowNotWaitingError) {
        await journal.appendStep(
          approval.executionId,
          record('failed', `${decision.decision} by ${decision.approver} after the workflow had stopped waiting: not applied`, { ...described.detail, applied: false }),
        );
      } else if (waiting) {
        // The service undoes an undelivered decision; the journal goes back to waiting with it.
        await journal.appendStep(approval.executionId, waiting);
      }
      throw err;
    }
  },
});
