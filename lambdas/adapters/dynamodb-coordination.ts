// Coordination on the journal table, with conditional writes so that concurrent executions
// (an alarm storm) agree on one winner without transactions.
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  type DynamoDBClientConfig,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { CoordinationPort, Lease } from '../ports/coordination.js';
import { awsCall, clientFromOptions } from './aws-retry.js';
import { journalTableKeys } from './dynamodb-journal.js';
import { createDynamoDbLeaseRenewal } from './dynamodb-lease.js';
import { createDynamoDbPlanState } from './dynamodb-plan-state.js';

export interface DynamoDbCoordinationOptions {
  tableName: string;
  client?: DynamoDBClient;
  clientConfig?: DynamoDBClientConfig;
}

const { partitionKey: PK, sortKey: SK, timeToLiveAttribute: TTL } = journalTableKeys;
const TRIGGER_RETENTION_SECONDS = 7 * 24 * 3600;

export const createDynamoDbCoordination = (options: DynamoDbCoordinationOptions): CoordinationPort => {
  const client = clientFromOptions(
    'createDynamoDbCoordination',
    options,
    (config) => new DynamoDBClient(config),
  );
  const table = options.tableName;
  const leases = createDynamoDbLeaseRenewal({ tableName: table, client });
  const planState = createDynamoDbPlanState({ tableName: table, client });
  const key = (planName: string, sk: string) => marshall({ [PK]: `PLAN#${planName}`, [SK]: sk });

  /** A put that loses a condition race returns false instead of throwing. */
  // `owner` is a DynamoDB reserved word: conditions name it #owner.
  const names = (condition: string) =>
    condition.includes('#owner') ? { ExpressionAttributeNames: { '#owner': 'owner' } } : {};

  const conditionalPut = async (
    what: string,
    item: Record<string, unknown>,
    condition: string,
    values?: Record<string, unknown>,
  ) => {
    try {
      await awsCall(what, () =>
        client.send(
          new PutItemCommand({
            TableName: table,
            Item: marshall(item, { removeUndefinedValues: true }),
            ConditionExpression: condition,
            ...names(condition),
            ...(values ? { ExpressionAttributeValues: marshall(values) } : {}),
          }),
        ),
      );
      return true;
    } catch (err) {
      if (
        err instanceof ConditionalCheckFailedException ||
        (err as Error).name === 'ConditionalCheckFailedException'
      )
        return false;
      throw err;
    }
  };

  const getItem = async (what: string, planName: string, sk: string) => {
    const out = await awsCall(what, () =>
      client.send(new GetItemCommand({ TableName: table, Key: key(planName, sk), ConsistentRead: true })),
    );
    return out.Item ? unmarshall(out.Item) : undefined;
  };

  const leaseItem = (planName: string, lease: Lease) => ({
    [PK]: `PLAN#${planName}`,
    [SK]: 'LOCK',
    ...lease,
  });

  return {
    recordTrigger: (planName, eventId, executionId) =>
      conditionalPut(
        `DynamoDB PutItem trigger ${eventId}`,
        {
          [PK]: `PLAN#${planName}`,
          [SK]: `TRIGGER#${eventId}`,
          executionId,
          seenAt: new Date().toISOString(),
          [TTL]: Math.floor(Date.now() / 1000) + TRIGGER_RETENTION_SECONDS,
        },
        `attribute_not_exists(${PK}) OR executionId = :me`,
        { ':me': executionId },
      ),
    getPlanState: planState.getPlanState,
    putPlanState: planState.putPlanState,
    acquireLock: async (planName, lease) => {
      const acquired = await conditionalPut(
        `DynamoDB PutItem lock of ${planName}`,
        leaseItem(planName, lease),
        `attribute_not_exists(${PK}) OR #owner = :me`,
        {
          ':me': lease.owner,
        },
      );
      if (acquired) return { acquired: true };
      const holder = await getItem(`DynamoDB GetItem lock of ${planName}`, planName, 'LOCK');
      // Released between our write and our read: report it as held by nobody we know; the caller retries.
      return {
        acquired: false,
        holder: {
          owner: String(holder?.['owner'] ?? ''),
          acquiredAt: String(holder?.['acquiredAt'] ?? ''),
          expiresAt: String(holder?.['expiresAt'] ?? ''),
        },
      };
    },
    renewLock: leases.renewLock,
    takeOverLock: (planName, staleOwner, lease) =>
      conditionalPut(
        `DynamoDB PutItem lock takeover of ${planName}`,
        leaseItem(planName, lease),
        '#owner = :stale',
        { ':stale': staleOwner },
      ),
    releaseLock: async (planName, owner) => {
      try {
        await awsCall(`DynamoDB DeleteItem lock of ${planName}`, () =>
          client.send(
            new DeleteItemCommand({
              TableName: table,
              Key: key(planName, 'LOCK'),
              ConditionExpression: '#owner = :owner',
              ExpressionAttributeNames: { '#owner': 'owner' },
              ExpressionAttributeValues: marshall({ ':owner': owner }),
            }),
          ),
        );
        return true;
      } catch (err) {
        if (
          err instanceof ConditionalCheckFailedException ||
          (err as Error).name === 'ConditionalCheckFailedException'
        )
          return false;
        throw err;
      }
    },
  };
};
