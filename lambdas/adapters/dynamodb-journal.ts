// JournalPort on one DynamoDB table: an execution's step records and its report share a
// partition, so the report step and the approval console read a whole execution with one Query.
import {
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type AttributeValue,
  type DynamoDBClientConfig,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { BadInputError } from '../errors.js';
import type { FailoverReport, JournalPort, StepRecord } from '../ports/journal.js';
import { awsCall, clientFromOptions } from './aws-retry.js';

/** The table's key and TTL attribute names; the CDK stack creates the table with these. */
export const journalTableKeys = { partitionKey: 'pk', sortKey: 'sk', timeToLiveAttribute: 'expiresAt' } as const;

export interface DynamoDbJournalOptions {
  tableName: string;
  client?: DynamoDBClient;
  clientConfig?: DynamoDBClientConfig;
  /** Sets `expiresAt`; injectable so tests can check the retention. */
  now?: () => Date;
}

const RETENTION_SECONDS = 90 * 24 * 60 * 60;
const REPORT_SK = 'REPORT';
const STEP_SK_PREFIX = 'STEP#';
// Wide enough for any Retry/MaxAttempts an ASL allows, so attempt 10 sorts after attempt 9.
const ATTEMPT_DIGITS = 4;
// DynamoDB rejects items over 400 KB, and a journal write must never fail the step it records:
// evidence beyond this budget (a long command output) is cut, keeping its start.
const MAX_DETAIL_BYTES = 300 * 1024;
const DETAIL_PREVIEW_CHARS = 4_096;

const { partitionKey: PK, sortKey: SK, timeToLiveAttribute: TTL } = journalTableKeys;

export function createDynamoDbJournal(options: DynamoDbJournalOptions): JournalPort {
  const client = clientFromOptions('createDynamoDbJournal', options, (config) => new DynamoDBClient(config));
  const { tableName } = options;
  const now = options.now ?? (() => new Date());
  const expiresAt = () => Math.floor(now().getTime() / 1000) + RETENTION_SECONDS;

  const put = (what: string, item: Record<string, unknown>) =>
    awsCall(`DynamoDB PutItem ${what} in ${tableName}`, () =>
      client.send(new PutItemCommand({ TableName: tableName, Item: marshall(item, { removeUndefinedValues: true }) })),
    );

  return {
    async appendStep(executionId: string, record: StepRecord): Promise<void> {
      // Keyed by start time, step and attempt: a retried Lambda that appends the same attempt
      // again overwrites it instead of adding a duplicate.
      await put(`step ${record.step} of ${executionId}`, {
        [PK]: executionPk(executionId),
        [SK]: stepSk(record),
        step: record.step,
        attempt: record.attempt,
        startedAt: record.startedAt,
        endedAt: record.endedAt,
        outcome: record.outcome,
        summary: record.summary,
        detail: detailJson(record.detail, MAX_DETAIL_BYTES),
        sideEffects: record.sideEffects,
        [TTL]: expiresAt(),
      });
    },

    async listSteps(executionId: string): Promise<StepRecord[]> {
      const records: StepRecord[] = [];
      let exclusiveStartKey: Record<string, AttributeValue> | undefined;
      do {
        const out = await awsCall(`DynamoDB Query steps of ${executionId} in ${tableName}`, () =>
          client.send(
            new QueryCommand({
              TableName: tableName,
              KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :steps)',
              ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
              ExpressionAttributeValues: marshall({ ':pk': executionPk(executionId), ':steps': STEP_SK_PREFIX }),
              // The report step reads what the previous Lambdas of this execution just wrote.
              ConsistentRead: true,
              ...(exclusiveStartKey ? { ExclusiveStartKey: exclusiveStartKey } : {}),
            }),
          ),
        );
        for (const item of out.Items ?? []) records.push(stepFromItem(unmarshall(item)));
        exclusiveStartKey = out.LastEvaluatedKey;
      } while (exclusiveStartKey);
      return records;
    },

    async putReport(report: FailoverReport): Promise<void> {
      const detailBudget = Math.floor(MAX_DETAIL_BYTES / Math.max(1, report.steps.length));
      await put(`report of ${report.executionId}`, {
        [PK]: executionPk(report.executionId),
        [SK]: REPORT_SK,
        ...report,
        steps: report.steps.map((step) => ({ ...step, detail: detailJson(step.detail, detailBudget) })),
        [TTL]: expiresAt(),
      });
    },

    async getReport(executionId: string): Promise<FailoverReport | undefined> {
      const out = await awsCall(`DynamoDB GetItem report of ${executionId} in ${tableName}`, () =>
        client.send(
          new GetItemCommand({
            TableName: tableName,
            Key: marshall({ [PK]: executionPk(executionId), [SK]: REPORT_SK }),
            ConsistentRead: true,
          }),
        ),
      );
      return out.Item ? reportFromItem(unmarshall(out.Item)) : undefined;
    },
  };
}

const executionPk = (executionId: string) => `EXEC#${executionId}`;

function stepSk(record: StepRecord): string {
  const started = new Date(record.startedAt);
  if (Number.isNaN(started.getTime())) {
    throw new BadInputError(`step ${record.step}: startedAt ${JSON.stringify(record.startedAt)} is not a date`);
  }
  // Re-formatted in UTC so that sort key order is start order whatever offset the caller wrote.
  return `${STEP_SK_PREFIX}${started.toISOString()}#${record.step}#${String(record.attempt).padStart(ATTEMPT_DIGITS, '0')}`;
}

// Stored as a JSON string: arbitrary evidence may hold what DynamoDB maps cannot (nesting
// deeper than 32 levels, empty attribute names) and must read back exactly as written.
function detailJson(detail: unknown, maxBytes: number): string | undefined {
  const json = JSON.stringify(detail);
  if (json === undefined) return undefined;
  const bytes = Buffer.byteLength(json);
  if (bytes <= maxBytes) return json;
  return JSON.stringify({ truncated: true, bytes, preview: json.slice(0, DETAIL_PREVIEW_CHARS) });
}

const parseDetail = (value: unknown): unknown => (typeof value === 'string' ? JSON.parse(value) : undefined);

function stepFromItem(item: Record<string, any>): StepRecord {
  return {
    step: item.step,
    attempt: item.attempt,
    startedAt: item.startedAt,
    endedAt: item.endedAt,
    outcome: item.outcome,
    summary: item.summary,
    detail: parseDetail(item.detail),
    sideEffects: item.sideEffects ?? [],
  };
}

function reportFromItem(item: Record<string, any>): FailoverReport {
  const { [PK]: _pk, [SK]: _sk, [TTL]: _ttl, steps, ...report } = item;
  return {
    ...(report as Omit<FailoverReport, 'steps'>),
    steps: (steps as Array<Record<string, any>>).map((step) => ({ ...step, detail: parseDetail(step.detail) }) as FailoverReport['steps'][number]),
  };
}
