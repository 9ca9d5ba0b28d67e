// DynamoDB for drills and tests: dynalite in-process on 127.0.0.1, with the journal table the
// stack creates (same key names), so the real DynamoDB adapters run unchanged.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { journalTableKeys } from '../lambdas/adapters/dynamodb-journal.js';

/** A table with the journal's keys, as the stack creates it, and a client that reaches it. */
export interface JournalTable {
  client: DynamoDBClient;
  tableName: string;
}

export interface LocalDynamoDb extends JournalTable {
  stop(): Promise<void>;
}

/** Creates the journal table the stack creates (same key names) where `client` points. */
export const createJournalTable = async (client: DynamoDBClient, tableName: string): Promise<void> => {
  const { partitionKey, sortKey } = journalTableKeys;
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: partitionKey, AttributeType: 'S' },
        { AttributeName: sortKey, AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: partitionKey, KeyType: 'HASH' },
        { AttributeName: sortKey, KeyType: 'RANGE' },
      ],
    }),
  );
};

export const startLocalDynamoDb = async (tableName = 'failover-journal'): Promise<LocalDynamoDb> => {
  const server: Server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${port}`,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 5,
  });
  await createJournalTable(client, tableName);
  return {
    client,
    tableName,
    stop: async () => {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};
