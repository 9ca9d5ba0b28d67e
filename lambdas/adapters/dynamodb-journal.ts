// JournalPort on one DynamoDB table: an execution's step records and its report share a
// partition, so the report step and the approval console read a whole execution with one Query.
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type AttributeValue,
  type DynamoDBClientConfig,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall, type NativeAttributeValue } from '@aws-sdk/util-dynamodb';

/** A journal item as `unmarshall` gives it: attributes of any stored shape. */
type Item = Record<string, NativeAttributeValue>;
import { BadInputError } from '../errors.js';
import type { EffectEvent, FailoverReport, JournalPort, StepClaim, StepRecord } from '../ports/journal.js';
import { awsCall, clientFromOptions } from './aws-retry.js';

/** The table's key and TTL attribute names; the CDK stack creates the table with these. */
export const journalTableKeys = {
  partitionKey: 'pk',
  sortKey: 'sk',
  timeToLiveAttribute: 'expiresAt',
} as const;

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
const EFFECT_SK_PREFIX = 'EFFECT#';
const CLAIM_SK_PREFIX = 'CLAIM#';
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
      client.send(
        new PutItemCommand({ TableName: tableName, Item: marshall(item, { removeUndefinedValues: true }) }),
      ),
    );

  const queryPrefix = async (executionId: string, prefix: string): Promise<Array<Item>> => {
    const items: Array<Item> = [];
    let exclusiveStartKey: Record<string, AttributeValue> | undefined;
    do {
      const out = await awsCall(`DynamoDB Query ${prefix} items of ${executionId} in ${tableName}`, () =>
        client.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
            ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
            ExpressionAttributeValues: marshall({ ':pk': executionPk(executionId), ':prefix': prefix }),
            // Each step reads what the previous Lambdas of this execution just wrote.
            ConsistentRead: true,
            ...(exclusiveStartKey ? { ExclusiveStartKey: exclusiveStartKey } : {}),
          }),
        ),
      );
      for (const item of out.Items ?? []) items.push(unmarshall(item));
      exclusiveStartKey = out.LastEvaluatedKey;
    } while (exclusiveStartKey);
    return items;
  };

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
      return (await queryPrefix(executionId, STEP_SK_PREFIX)).map(stepFromItem);
    },

    async appendEffect(executionId: string, event: EffectEvent): Promise<void> {
      // One item per event, keyed by change and phase: a retried write overwrites itself.
      await put(`change ${event.id} (${event.phase}) of ${executionId}`, {
        [PK]: executionPk(executionId),
        [SK]: `${EFFECT_SK_PREFIX}${event.at}#${event.id}#${event.phase}`,
        ...event,
        [TTL]: expiresAt(),
      });
    },

    async listEffects(executionId: string): Promise<EffectEvent[]> {
      return (await queryPrefix(executionId, EFFECT_SK_PREFIX)).map((item) => {
        const { [PK]: _pk, [SK]: _sk, [TTL]: _ttl, ...event } = item;
        return event as EffectEvent;
      });
    },

    async claimStep(
      executionId: string,
      step: string,
      claim: StepClaim,
      now: Date,
    ): Promise<StepClaim | undefined> {
      try {
        await awsCall(`DynamoDB PutItem claim of ${step} of ${executionId}`, () =>
          client.send(
            new PutItemCommand({
              TableName: tableName,
              Item: marshall({
                [PK]: executionPk(executionId),
                [SK]: `${CLAIM_SK_PREFIX}${step}`,
                ...claim,
                [TTL]: expiresAt(),
              }),
              ConditionExpression: 'attribute_not_exists(#pk) OR #until < :now OR #owner = :owner',
              ExpressionAttributeNames: { '#pk': PK, '#until': 'until', '#owner': 'owner' },
              ExpressionAttributeValues: marshall({ ':now': now.toISOString(), ':owner': claim.owner }),
            }),
          ),
        );
        return undefined;
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
      }
      const out = await awsCall(`DynamoDB GetItem claim of ${step} of ${executionId}`, () =>
        client.send(
          new GetItemCommand({
            TableName: tableName,
            Key: marshall({ [PK]: executionPk(executionId), [SK]: `${CLAIM_SK_PREFIX}${step}` }),
            ConsistentRead: true,
          }),
        ),
      );
      const holder = out.Item ? unmarshall(out.Item) : undefined;
      // Released between the write and the read: report a claim that has already ended, so the caller tries again.
      return {
        owner: String(holder?.['owner'] ?? ''),
        until: String(holder?.['until'] ?? now.toISOString()),
      };
    },

    async listClaims(executionId: string): Promise<Array<StepClaim & { step: string }>> {
      return (await queryPrefix(executionId, CLAIM_SK_PREFIX)).map((item) => ({
        owner: String(item['owner']),
        until: String(item['until']),
        step: String(item[SK]).slice(CLAIM_SK_PREFIX.length),
      }));
    },

    async releaseStep(executionId: string, step: string, owner: string): Promise<void> {
      // Released by ending the claim now rather than deleting it: the workers need no delete on the journal.
      try {
        await awsCall(`DynamoDB PutItem release of ${step} of ${executionId}`, () =>
          client.send(
            new PutItemCommand({
              TableName: tableName,
              Item: marshall({
                [PK]: executionPk(executionId),
                [SK]: `${CLAIM_SK_PREFIX}${step}`,
                owner,
                until: new Date(0).toISOString(),
                [TTL]: expiresAt(),
              }),
              ConditionExpression: '#owner = :owner',
              ExpressionAttributeNames: { '#owner': 'owner' },
              ExpressionAttributeValues: marshall({ ':owner': owner }),
            }),
          ),
        );
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
      }
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

const isConditionFailure = (err: unknown) =>
  err instanceof ConditionalCheckFailedException || (err as Error).name === 'ConditionalCheckFailedException';

function stepSk(record: StepRecord): string {
  const started = new Date(record.startedAt);
  if (Number.isNaN(started.getTime())) {
    throw new BadInputError(
      `step ${record.step}: startedAt ${JSON.stringify(record.startedAt)} is not a date`,
    );
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

function stepFromItem(item: Item): StepRecord {
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

function reportFromItem(item: Item): FailoverReport {
  const { [PK]: _pk, [SK]: _sk, [TTL]: _ttl, steps, ...report } = item;
  return {
    ...(report as Omit<FailoverReport, 'steps'>),
    steps: (steps as Array<Item>).map(
      (step) => ({ ...step, detail: parseDetail(step.detail) }) as FailoverReport['steps'][number],
    ),
  };
}
