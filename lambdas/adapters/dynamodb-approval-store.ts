// ApprovalStore on the journal table (see dynamodb-approval-item.ts for the layout). A decision is
// one conditional UpdateItem: the first decision on a pending, unexpired approval wins and
// every other gets a clear answer (already decided, expired, unknown).
import {
  DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type DynamoDBClientConfig,
} from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { ApprovalDecision, ApprovalStore, DecideOutcome } from '../ports/approvals.js';
import { awsCall, clientFromOptions } from './aws-retry.js';
import { approvalFromItem, approvalKey, approvalStatus, newestApprovalsQuery, publicProjection, taskTokenOf } from './dynamodb-approval-item.js';
import { journalTableKeys } from './dynamodb-journal.js';

export interface DynamoDbApprovalStoreOptions {
  tableName: string;
  client?: DynamoDBClient;
  clientConfig?: DynamoDBClientConfig;
}

export const createDynamoDbApprovalStore = (options: DynamoDbApprovalStoreOptions): ApprovalStore => {
  const client = clientFromOptions('createDynamoDbApprovalStore', options, (config) => new DynamoDBClient(config));
  const { tableName } = options;

  /** With the token only when a decision needs it; every other read leaves it out. */
  const read = (id: string, withToken: boolean) =>
    awsCall(`DynamoDB GetItem approval ${id} in ${tableName}`, () =>
      client.send(new GetItemCommand({ TableName: tableName, Key: approvalKey(id), ConsistentRead: true, ...(withToken ? {} : publicProjection) })),
    );

  return {
    async get(id) {
      const out = await read(id, false);
      return out.Item ? approvalFromItem(out.Item) : undefined;
    },

    async list(limit) {
      const out = await awsCall(`DynamoDB Query approvals in ${tableName}`, () => client.send(new QueryCommand({ TableName: tableName, ...newestApprovalsQuery(limit) })));
      return (out.Items ?? []).map(approvalFromItem);
    },

    async decide(id: string, decision: ApprovalDecision, now: Date): Promise<DecideOutcome> {
      try {
        const out = await awsCall(`DynamoDB UpdateItem approval ${id} in ${tableName}`, () =>
          client.send(
            new UpdateItemCommand({
              TableName: tableName,
              Key: approvalKey(id),
              UpdateExpression: `SET #status = :decided, #approver = :approver, #reason = :reason, #decidedAt = :decidedAt${decision.allowUngraceful ? ', #allowUngraceful = :allowUngraceful' : ''}`,
              ConditionExpression: 'attribute_exists(#pk) AND #status = :pending AND #decideBy > :now',
              ExpressionAttributeNames: {
                '#pk': journalTableKeys.partitionKey, '#status': 'status', '#approver': 'approver', '#reason': 'reason', '#decidedAt': 'decidedAt', '#decideBy': 'decideBy',
                ...(decision.allowUngraceful ? { '#allowUngraceful': 'allowUngraceful' } : {}),
              },
              ExpressionAttributeValues: marshall({
                ':decided': decision.decision === 'approved' ? approvalStatus.approved : approvalStatus.rejected,
                ':pending': approvalStatus.pending,
                ':approver': decision.approver,
                ':reason': decision.reason,
                ':decidedAt': decision.decidedAt,
                ':now': now.toISOString(),
                ...(decision.allowUngraceful ? { ':allowUngraceful': true } : {}),
              }),
              ReturnValues: 'ALL_NEW',
            }),
          ),
        );
        return { outcome: 'decided', approval: approvalFromItem(out.Attributes!), taskToken: taskTokenOf(out.Attributes!) };
      } catch (err) {
        if ((err as Error).name !== 'ConditionalCheckFailedException') throw err;
      }
      // Lost the condition: find out why (dynalite and older SDKs lack ReturnValuesOnConditionCheckFailure).
      const current = (await read(id, true)).Item;
      if (!current) return { outcome: 'not-found' };
      const approval = approvalFromItem(current);
      return approval.decision ? { outcome: 'already-decided', approval, taskToken: taskTokenOf(current) } : { outcome: 'expired', approval };
    },

    async revert(id, decision) {
      try {
        await awsCall(`DynamoDB UpdateItem approval ${id} in ${tableName}`, () =>
          client.send(
            new UpdateItemCommand({
              TableName: tableName,
              Key: approvalKey(id),
              UpdateExpression: 'SET #status = :pending REMOVE #approver, #reason, #decidedAt, #allowUngraceful',
              ConditionExpression: '#decidedAt = :decidedAt AND #approver = :approver',
              ExpressionAttributeNames: { '#status': 'status', '#approver': 'approver', '#reason': 'reason', '#decidedAt': 'decidedAt', '#allowUngraceful': 'allowUngraceful' },
              ExpressionAttributeValues: marshall({ ':pending': approvalStatus.pending, ':decidedAt': decision.decidedAt, ':approver': decision.approver }),
            }),
          ),
        );
      } catch (err) {
        if ((err as Error).name !== 'ConditionalCheckFailedException') throw err;
      }
    },

    async markDelivered(id, at) {
      await awsCall(`DynamoDB UpdateItem approval ${id} in ${tableName}`, () =>
        client.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: approvalKey(id),
            UpdateExpression: 'SET #deliveredAt = :at',
            ConditionExpression: 'attribute_exists(#pk)',
            ExpressionAttributeNames: { '#deliveredAt': 'deliveredAt', '#pk': journalTableKeys.partitionKey },
            ExpressionAttributeValues: marshall({ ':at': at.toISOString() }),
          }),
        ),
      );
    },
  };
};
