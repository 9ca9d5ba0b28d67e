// The approval gate in AWS: the pending request (with its task token, which never leaves the
// server side) is stored in the journal table and approvers are notified; the workflow waits
// on the token until a decision is sent with SendTaskSuccess/SendTaskFailure or the gate times out.
import { DynamoDBClient, PutItemCommand, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { randomUUID } from 'node:crypto';
import type { ApprovalPort } from '../ports/approvals.js';
import type { NotifierPort } from '../ports/notifier.js';
import { awsCall, clientFromOptions } from './aws-retry.js';
import { journalTableKeys } from './dynamodb-journal.js';

export interface DynamoDbApprovalsOptions {
  tableName: string;
  notifier: NotifierPort;
  client?: DynamoDBClient;
  clientConfig?: DynamoDBClientConfig;
}

export const createDynamoDbApprovals = (options: DynamoDbApprovalsOptions): ApprovalPort => {
  const client = clientFromOptions('createDynamoDbApprovals', options, (config) => new DynamoDBClient(config));
  const { partitionKey, sortKey, timeToLiveAttribute } = journalTableKeys;
  return {
    request: async (request) => {
      const approvalId = randomUUID();
      await awsCall(`DynamoDB PutItem approval ${approvalId}`, () =>
        client.send(
          new PutItemCommand({
            TableName: options.tableName,
            Item: marshall(
              {
                [partitionKey]: `APPROVAL#${approvalId}`,
                [sortKey]: 'REQUEST',
                status: 'PENDING',
                executionId: request.executionId,
                planName: request.planName,
                taskToken: request.taskToken,
                evidence: JSON.stringify(request.evidence),
                intendedChanges: request.intendedChanges,
                decideBy: request.expiresAt,
                [timeToLiveAttribute]: Math.floor(Date.parse(request.expiresAt) / 1000) + 90 * 24 * 3600,
              },
              { removeUndefinedValues: true },
            ),
            // One request per id: a retried invocation creates a new id, never overwrites a decision.
            ConditionExpression: `attribute_not_exists(${partitionKey})`,
          }),
        ),
      );
      await options.notifier.notify({
        subject: `[failover] ${request.planName}: approval required`,
        message: [
          `Failover of ${request.planName} is waiting for a decision until ${request.expiresAt}.`,
          `Approval id: ${approvalId}`,
          `Execution: ${request.executionId}`,
          '',
          'It will:',
          ...request.intendedChanges.map((c) => `  - ${c}`),
        ].join('\n'),
        attributes: { plan: request.planName, execution: request.executionId, status: 'APPROVAL_REQUIRED', approvalId },
      });
      return undefined;
    },
  };
};
