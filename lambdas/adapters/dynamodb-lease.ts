// Renewing the plan lock's lease: all the Kubernetes worker needs of coordination, in a module of
// its own so that worker's bundle and role carry UpdateItem and nothing that takes or frees locks.
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  UpdateItemCommand,
  type DynamoDBClientConfig,
} from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { CoordinationPort } from '../ports/coordination.js';
import { awsCall, clientFromOptions } from './aws-retry.js';
import { journalTableKeys } from './dynamodb-journal.js';

export interface DynamoDbLeaseOptions {
  tableName: string;
  client?: DynamoDBClient;
  clientConfig?: DynamoDBClientConfig;
}

const { partitionKey: PK, sortKey: SK } = journalTableKeys;

export const createDynamoDbLeaseRenewal = (
  options: DynamoDbLeaseOptions,
): Pick<CoordinationPort, 'renewLock'> => {
  const client = clientFromOptions(
    'createDynamoDbLeaseRenewal',
    options,
    (config) => new DynamoDBClient(config),
  );
  return {
    renewLock: async (planName, owner, expiresAt) => {
      try {
        await awsCall(`DynamoDB UpdateItem lease of ${planName}`, () =>
          client.send(
            new UpdateItemCommand({
              TableName: options.tableName,
              Key: marshall({ [PK]: `PLAN#${planName}`, [SK]: 'LOCK' }),
              UpdateExpression: 'SET expiresAt = :expires',
              // `owner` is a DynamoDB reserved word.
              ConditionExpression: '#owner = :owner',
              ExpressionAttributeNames: { '#owner': 'owner' },
              ExpressionAttributeValues: marshall({ ':owner': owner, ':expires': expiresAt }),
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
