// Hands a decision to the workflow waiting at AwaitApproval: SendTaskSuccess with the decision
// as the task's output, or SendTaskFailure with ApprovalRejected, which the ASL routes to Halt.
// Step Functions' error messages may quote the token, so none of them is passed on.
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient, type SFNClientConfig } from '@aws-sdk/client-sfn';
import { acceptedRiskOf, rejectionMessage } from '../approvals/approval-record.js';
import { WorkflowNotWaitingError } from '../approvals/errors.js';
import { ApprovalRejectedError } from '../errors.js';
import type { WorkflowResumePort } from '../ports/approvals.js';
import { awsErrorDetail, clientFromOptions } from './aws-retry.js';

export interface SfnWorkflowResumeOptions {
  client?: SFNClient;
  clientConfig?: SFNClientConfig;
}

/** The token is no longer waited on: the task timed out, or the execution ended or was stopped. */
const NOT_WAITING = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

export class SfnDeliveryError extends Error {
  override readonly name = 'SfnDeliveryError';
}

export const createSfnWorkflowResume = (options: SfnWorkflowResumeOptions = {}): WorkflowResumePort => {
  const client = clientFromOptions('createSfnWorkflowResume', options, (config) => new SFNClient(config));
  return {
    async resume(taskToken, approval) {
      const { decision } = approval;
      const rejected = decision.decision === 'rejected' ? new ApprovalRejectedError(rejectionMessage(decision)) : undefined;
      const acceptedRisk = acceptedRiskOf(approval.evidence);
      try {
        if (rejected) await client.send(new SendTaskFailureCommand({ taskToken, error: rejected.name, cause: rejected.message }));
        else await client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify({ approvalId: approval.id, ...decision, ...(acceptedRisk.length ? { acceptedRisk } : {}) }) }));
      } catch (err) {
        const { awsError, httpStatusCode } = awsErrorDetail(err);
        if (NOT_WAITING.has(awsError)) {
          throw new WorkflowNotWaitingError(`approval ${approval.id}: the decision is recorded, but the workflow had stopped waiting for it (${awsError}): it timed out or was stopped, and nothing was promoted by this decision`);
        }
        throw new SfnDeliveryError(`Step Functions ${rejected ? 'SendTaskFailure' : 'SendTaskSuccess'} for approval ${approval.id} failed: ${awsError}${httpStatusCode ? ` (HTTP ${httpStatusCode})` : ''}`);
      }
    },
  };
};
