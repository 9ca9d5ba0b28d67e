// The approval gate in AWS: the pending request (with its task token, which never leaves the
// server side) is stored in the journal table and approvers are notified with a link to the
// console; the workflow waits on the token until the approval service sends the decision with
// SendTaskSuccess/SendTaskFailure or the gate times out.
import { DynamoDBClient, PutItemCommand, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { acceptedRiskOf, pendingApproval } from '../approvals/approval-record.js';
import type { Approval, ApprovalPort } from '../ports/approvals.js';
import type { Notification, NotifierPort } from '../ports/notifier.js';
import { awsCall, clientFromOptions } from './aws-retry.js';
import { approvalItem } from './dynamodb-approval-item.js';
import { journalTableKeys } from './dynamodb-journal.js';

export interface DynamoDbApprovalsOptions {
  tableName: string;
  notifier: NotifierPort;
  /** The approval console's address (the stack sets it); the notification links to the approval there. */
  consoleUrl: string;
  client?: DynamoDBClient;
  clientConfig?: DynamoDBClientConfig;
}

/** Where the console shows one approval. */
export const approvalLink = (consoleUrl: string, id: string) => `${consoleUrl.replace(/\/*$/, '/')}#/approvals/${encodeURIComponent(id)}`;

export const approvalNotification = (approval: Approval, consoleUrl: string): Notification => {
  const risk = acceptedRiskOf(approval.evidence);
  return {
    subject: `[failover] ${approval.planName}: ${risk.length ? 'AT RISK, ' : ''}approval required`,
    message: [
      `Failover of ${approval.planName} is waiting for a decision until ${approval.decideBy}.`,
      `Review the evidence and decide: ${approvalLink(consoleUrl, approval.id)}`,
      `or with the CLI: failover approve ${approval.id} --reason "..."  |  failover reject ${approval.id} --reason "..."`,
      `Execution: ${approval.executionId}`,
      ...(risk.length ? ['', 'Failed readiness checks (approving accepts this risk):', ...risk.map((r) => `  - ${r}`)] : []),
      '',
      'Approving will:',
      ...approval.intendedChanges.map((c) => `  - ${c}`),
      '',
      `Without a decision the failover is aborted (gate.onTimeout: ${approval.gate.onTimeout}).`,
    ].join('\n'),
    attributes: { plan: approval.planName, execution: approval.executionId, status: 'APPROVAL_REQUIRED', approvalId: approval.id },
  };
};

export const createDynamoDbApprovals = (options: DynamoDbApprovalsOptions): ApprovalPort => {
  const client = clientFromOptions('createDynamoDbApprovals', options, (config) => new DynamoDBClient(config));
  return {
    request: async (request) => {
      const approval = pendingApproval(request);
      await awsCall(`DynamoDB PutItem approval ${approval.id}`, () =>
        client.send(
          new PutItemCommand({
            TableName: options.tableName,
            Item: approvalItem(approval, request.taskToken),
            // The id comes from the execution and the token: a retried invocation finds its own
            // request and leaves it (and any decision on it) alone.
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': journalTableKeys.partitionKey },
          }),
        ),
      ).catch((err: unknown) => {
        if ((err as Error).name !== 'ConditionalCheckFailedException') throw err;
      });
      // Sent again by a retried invocation: a second message is better than none.
      await options.notifier.notify(approvalNotification(approval, options.consoleUrl));
      return undefined;
    },
  };
};
