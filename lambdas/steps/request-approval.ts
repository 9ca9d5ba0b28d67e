// The approval gate: present the evidence and the intended changes to a person and wait.
// The evidence is the readiness step's, read from the journal: it never travels in the workflow
// state, which Step Functions limits to 256 KiB.
import {
  approvalIdFor,
  describeDecision,
  GATE_STEP,
  rejectionMessage,
  waitingForDecision,
} from '../approvals/approval-record.js';
import { ApprovalRejectedError, BadInputError } from '../errors.js';
import type { Plan } from '../plan/schema.js';
import type { ApprovalDecision } from '../approvals/port.js';
import { alarmLeg, type Leg } from '../plan/leg.js';
import { intendedChanges } from './intended-changes.js';
import { readinessEvidence } from './readiness-evidence.js';
import { runStep } from './run-step.js';
import type { AwsDeps, Execution } from './step-deps.js';

export type ApprovalOutput =
  (ApprovalDecision & { approvalId: string }) | { decision: 'pending'; approvalId: string; decideBy: string };

/**
 * `timeoutSeconds` is the one AwaitApproval waits (its TimeoutSecondsPath), so the stored request
 * expires exactly when the workflow stops waiting; the plan's timeout when the workflow gives none.
 */
export const requestApproval = (
  deps: AwsDeps,
  execution: Execution,
  plan: Plan,
  taskToken?: string,
  timeoutSeconds = plan.gate.timeoutMinutes * 60,
  leg: Leg = alarmLeg,
) =>
  runStep<ApprovalOutput>(deps, execution, GATE_STEP, async () => {
    const evidence = readinessEvidence(await deps.journal.listSteps(execution.id));
    // A person cannot weigh what they are not shown, and an approval without it would record no accepted risk.
    if (!evidence)
      throw new BadInputError(
        `execution ${execution.id} has no readiness evidence in the journal: nothing to show an approver, so the failover stops here`,
      );
    const requestedAt = deps.clock.now();
    const decideBy = new Date(requestedAt.getTime() + timeoutSeconds * 1000).toISOString();
    const approvalId = approvalIdFor(execution.id, execution.startedAt, taskToken);
    const decision = await deps.approvals.request({
      approvalId,
      executionId: execution.id,
      plan,
      taskToken,
      evidence,
      intendedChanges: intendedChanges(plan, leg),
      requestedAt: requestedAt.toISOString(),
      decideBy,
    });
    if (decision === undefined) {
      // In AWS the approval service records the decision in place of this entry when it arrives.
      return {
        ...waitingForDecision({ id: approvalId, decideBy }),
        output: { decision: 'pending', approvalId, decideBy },
      };
    }
    const described = describeDecision(approvalId, decision, evidence);
    if (decision.decision === 'rejected')
      throw new ApprovalRejectedError(rejectionMessage(decision), described.detail);
    return { summary: described.summary, detail: described.detail, output: { ...decision, approvalId } };
  });
