// The coordination adapter on dynalite.
import { startLocalDynamoDb, type LocalDynamoDb } from '../../sim/local-dynamodb.js';
import { coordinationContract } from './coordination-contract.js';

let db: LocalDynamoDb;
beforeAll(async () => {
  db = await startLocalDynamoDb();
});
afterAll(async () => {
  await db.stop();
});

coordinationContract('dynalite', () => db);
