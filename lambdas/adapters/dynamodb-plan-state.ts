// A plan's state (active side, cooldown, the operator mark) on the journal table: read by Admit,
// written by the workflow's ends and by an operator's acknowledgement through the console API.
import {
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  type DynamoDBClientConfig,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { initialPlanState, type PlanState, type PlanStatePort } from '../ports/coordination.js';
import { awsCall, clientFromOptions } from './aws-retry.js';
import { journalTableKeys } from './dynamodb-journal.js';

export interface DynamoDbPlanStateOptions {
  tableName: string;
  client?: DynamoDBClient;
  clientConfig?: DynamoDBClientConfig;
}

const { partitionKey: PK, sortKey: SK } = journalTableKeys;

export const createDynamoDbPlanState = (options: DynamoDbPlanStateOptions): PlanStatePort => {
  const client = clientFromOptions(
    'createDynamoDbPlanState',
    options,
    (config) => new DynamoDBClient(config),
  );
  const table = options.tableName;
  return {
    getPlanState: async (planName) => {
      const out = await awsCall(`DynamoDB GetItem state of ${planName}`, () =>
        client.send(
          new GetItemCommand({
            TableName: table,
            Key: marshall({ [PK]: `PLAN#${planName}`, [SK]: 'STATE' }),
            ConsistentRead: true,
          }),
        ),
      );
      if (!out.Item) return { ...initialPlanState };
      const { [PK]: _pk, [SK]: _sk, ...state } = unmarshall(out.Item);
      return state as PlanState;
    },
    putPlanState: async (planName, state) => {
      await awsCall(`DynamoDB PutItem state of ${planName}`, () =>
        client.send(
          new PutItemCommand({
            TableName: table,
            Item: marshall(
              { [PK]: `PLAN#${planName}`, [SK]: 'STATE', ...state },
              { removeUndefinedValues: true },
            ),
          }),
        ),
      );
    },
  };
};
