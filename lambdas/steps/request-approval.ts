// The approval gate: present the evidence and the intended changes to a person and wait.
import type { CheckResult } from '../engines/engine.js';
import { ApprovalRejectedError } from '../errors.js';
import type { Plan } from '../plan/schema.js';
import type { ApprovalDecision } from '../ports/approvals.js';
import { intendedChanges } from './intended-changes.js';
import { runStep } from './run-step.js';
import type { AwsDeps, Execution } from './step-deps.js';

const failedChecks = (evidence: unknown): CheckResult[] => (Array.isArray(evidence) ? (evidence as CheckResult[]).filter((c) => c && c.passed === false) : []);

export type ApprovalOutput = ApprovalDecision | { decision: 'pending'; expiresAt: string };

export const requestApproval = (deps: AwsDeps, execution: Execution, plan: Plan, evidence: unknown, taskToken?: string) =>
  runStep<ApprovalOutput>(deps, execution, 'approval', async () => {
    const expiresAt = new Date(deps.clock.now().getTime() + plan.gate.timeoutMinutes * 60_000).toISOString();
    const decision = await deps.approvals.request({
      executionId: execution.id, planName: plan.name, taskToken, evidence, intendedChanges: intendedChanges(plan), expiresAt,
    });
    if (decision === undefined) {
      return { summary: `waiting for an approver until ${expiresAt}`, detail: { expiresAt }, output: { decision: 'pending', expiresAt } };
    }
    if (decision.decision === 'rejected') throw new ApprovalRejectedError(`rejected by ${decision.approver}: ${decision.reason}`, decision);
    // Approving a failover whose checks failed is the only way past the RPO bound: record what was accepted.
    const acceptedRisk = failedChecks(evidence).map((c) => `${c.name}: ${c.summary}`);
    return {
      summary: `approved by ${decision.approver}: ${decision.reason}${acceptedRisk.length ? `; accepted risk: ${acceptedRisk.join('; ')}` : ''}`,
      detail: { ...decision, ...(acceptedRisk.length ? { acceptedRisk } : {}) },
      output: decision,
    };
  });
