// What approvers are told when a failover waits for them: the one text for the SNS message of a
// deployed stack and the lines a drill prints. It says where to decide (console and CLI), what is
// at risk, what approving will change, and what happens without a decision.
import type { Notification } from '../ports/notifier.js';
import { acceptedRiskOf } from './approval-record.js';
import type { Approval } from './port.js';

export interface WhereToDecide {
  /** The console's address; the notice links to the approval there. */
  consoleUrl: string;
  /** How the CLI is invoked and told where the gate is, e.g. `failover` and `--api https://...`. */
  cli: { command: string; target: string };
}

/** Where the console shows one approval. */
export const approvalLink = (consoleUrl: string, id: string) =>
  `${consoleUrl.replace(/\/*$/, '/')}#/approvals/${encodeURIComponent(id)}`;

export const approvalNotice = (approval: Approval, where: WhereToDecide): Notification => {
  const risk = acceptedRiskOf(approval.evidence);
  const { command, target } = where.cli;
  return {
    subject: `[failover] ${approval.planName}: ${risk.length ? 'AT RISK, ' : ''}approval required`,
    message: [
      `Failover of ${approval.planName} is waiting for a decision until ${approval.decideBy}; without one it is aborted (gate.onTimeout: ${approval.gate.onTimeout}).`,
      ...(risk.length ? [`AT RISK: approving accepts ${risk.join('; ')}`] : []),
      `Decide in the console: ${approvalLink(where.consoleUrl, approval.id)}`,
      `or: ${command} approve ${approval.id} ${target} --reason "..."`,
      `    ${command} reject ${approval.id} ${target} --reason "..."`,
      `Execution: ${approval.executionId}`,
      'Approving will:',
      ...approval.intendedChanges.map((c) => `  - ${c}`),
    ].join('\n'),
    attributes: {
      plan: approval.planName,
      execution: approval.executionId,
      status: 'APPROVAL_REQUIRED',
      approvalId: approval.id,
    },
  };
};
