// Hands a decision to the workflow waiting at AwaitApproval: SendTaskSuccess with the decision
// as the task's output, or SendTaskFailure with ApprovalRejected, which the ASL routes to Halt.
// When the outcome of a send is unclear, the execution's own history says what happened.
// Step Functions' error messages may quote the token, so none of them is passed on.
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  type HistoryEvent,
  type SFNClientConfig,
} from '@aws-sdk/client-sfn';
import { awsErrorDetail, clientFromOptions } from '../adapters/aws-retry.js';
import { ApprovalRejectedError } from '../errors.js';
import { acceptedRiskOf, approvalIdFor, GATE_STEP, rejectionMessage } from './approval-record.js';
import { WorkflowNotWaitingError } from './errors.js';
import type { GateState, WorkflowResumePort } from './port.js';

export interface SfnWorkflowResumeOptions {
  client?: SFNClient;
  clientConfig?: SFNClientConfig;
}

/** The token is no longer waited on: the task timed out, or the execution ended or was stopped. */
const NOT_WAITING = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);
/** A failover's history has a few hundred events; more than this is not one of ours. */
const MAX_HISTORY_PAGES = 20;

export class SfnDeliveryError extends Error {
  override readonly name = 'SfnDeliveryError';
}

/** The approval a scheduled gate task stands for: the gate computes its id from the same payload. */
const approvalOfScheduled = (event: HistoryEvent): string | undefined => {
  const parameters = event.taskScheduledEventDetails?.parameters;
  if (!parameters) return undefined;
  try {
    const payload = (
      JSON.parse(parameters) as {
        Payload?: { step?: unknown; taskToken?: unknown; execution?: { id?: unknown; startedAt?: unknown } };
      }
    ).Payload;
    if (
      payload?.step !== GATE_STEP ||
      typeof payload.taskToken !== 'string' ||
      typeof payload.execution?.id !== 'string' ||
      typeof payload.execution.startedAt !== 'string'
    )
      return undefined;
    return approvalIdFor(payload.execution.id, payload.execution.startedAt, payload.taskToken);
  } catch {
    return undefined;
  }
};

/**
 * Only the approval's token completes its task (a waitForTaskToken task ignores the Lambda's
 * return), so how the task scheduled with it closed is what became of the decision.
 */
export const gateStateFromHistory = (
  events: HistoryEvent[],
  approvalId: string,
  executionRunning: boolean,
): GateState => {
  let ours = false;
  for (const event of events) {
    if (event.type === 'TaskScheduled') {
      ours = approvalOfScheduled(event) === approvalId;
      continue;
    }
    if (!ours) continue;
    if (event.type === 'TaskSucceeded') return 'delivered';
    if (event.type === 'TaskFailed')
      return event.taskFailedEventDetails?.error === new ApprovalRejectedError('').name
        ? 'delivered'
        : 'closed';
    if (event.type === 'TaskTimedOut' || event.type === 'TaskStateExited') return 'closed';
  }
  return ours && executionRunning ? 'waiting' : 'closed';
};

export const createSfnWorkflowResume = (options: SfnWorkflowResumeOptions = {}): WorkflowResumePort => {
  const client = clientFromOptions('createSfnWorkflowResume', options, (config) => new SFNClient(config));
  return {
    async resume(taskToken, approval) {
      const { decision } = approval;
      const rejected =
        decision.decision === 'rejected' ? new ApprovalRejectedError(rejectionMessage(decision)) : undefined;
      const acceptedRisk = acceptedRiskOf(approval.evidence);
      try {
        if (rejected)
          await client.send(
            new SendTaskFailureCommand({ taskToken, error: rejected.name, cause: rejected.message }),
          );
        else
          await client.send(
            new SendTaskSuccessCommand({
              taskToken,
              output: JSON.stringify({
                approvalId: approval.id,
                ...decision,
                ...(acceptedRisk.length ? { acceptedRisk } : {}),
              }),
            }),
          );
      } catch (err) {
        const { awsError, httpStatusCode } = awsErrorDetail(err);
        if (NOT_WAITING.has(awsError))
          throw new WorkflowNotWaitingError(
            `approval ${approval.id}: Step Functions no longer waits on its token (${awsError})`,
          );
        throw new SfnDeliveryError(
          `Step Functions ${rejected ? 'SendTaskFailure' : 'SendTaskSuccess'} for approval ${approval.id} failed: ${awsError}${httpStatusCode ? ` (HTTP ${httpStatusCode})` : ''}`,
        );
      }
    },

    async gateState(approval) {
      const executionArn = approval.executionId;
      const { status } = await client.send(new DescribeExecutionCommand({ executionArn }));
      const events: HistoryEvent[] = [];
      let nextToken: string | undefined;
      for (let page = 0; page < MAX_HISTORY_PAGES; page++) {
        const out = await client.send(
          new GetExecutionHistoryCommand({
            executionArn,
            maxResults: 1000,
            includeExecutionData: true,
            ...(nextToken ? { nextToken } : {}),
          }),
        );
        events.push(...(out.events ?? []));
        nextToken = out.nextToken;
        if (!nextToken) break;
      }
      if (nextToken)
        throw new SfnDeliveryError(
          `the history of ${executionArn} is longer than ${MAX_HISTORY_PAGES * 1000} events: not a failover execution`,
        );
      return gateStateFromHistory(events, approval.id, status === 'RUNNING');
    },
  };
};
