// ApprovalStore on the journal table. Every approval shares one partition, so listing pending and
// past approvals is one strongly consistent Query (failovers are rare: the partition stays small,
// and TTL removes approvals with the journal's retention). The task token is an attribute that
// only the gate writes and only a decision reads back: every other read projects it away. A
// decision is one conditional UpdateItem: the first decision on a pending, unexpired approval wins
// and every other gets a clear answer (already decided, expired, unknown).
import {
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type DynamoDBClientConfig,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall, type NativeAttributeValue } from '@aws-sdk/util-dynamodb';
import { awsCall, clientFromOptions } from '../adapters/aws-retry.js';
import { journalTableKeys } from '../adapters/dynamodb-journal.js';
import type { Approval, ApprovalDecision, ApprovalStore, DecideOutcome, DeliveryState } from './port.js';

const { partitionKey: PK, sortKey: SK, timeToLiveAttribute: TTL } = journalTableKeys;

const PARTITION = 'APPROVALS';
const SK_PREFIX = 'APPROVAL#';
const RETENTION_SECONDS = 90 * 24 * 60 * 60;
// DynamoDB rejects items over 400 KB; evidence beyond this is cut, keeping its start.
const MAX_EVIDENCE_BYTES = 300 * 1024;
const EVIDENCE_PREVIEW_CHARS = 4_096;

const STATUS = { pending: 'PENDING', approved: 'APPROVED', rejected: 'REJECTED' } as const;

type Item = Parameters<typeof unmarshall>[0];

const approvalKey = (id: string) => marshall({ [PK]: PARTITION, [SK]: `${SK_PREFIX}${id}` });

const evidenceJson = (evidence: unknown): string => {
  const json = JSON.stringify(evidence) ?? 'null';
  const bytes = Buffer.byteLength(json);
  return bytes <= MAX_EVIDENCE_BYTES
    ? json
    : JSON.stringify({ truncated: true, bytes, preview: json.slice(0, EVIDENCE_PREVIEW_CHARS) });
};

/** Every attribute a reader may see: all but the task token. */
const PUBLIC_ATTRIBUTES = [
  'id',
  'planName',
  'executionId',
  'requestedAt',
  'decideBy',
  'gate',
  'evidence',
  'intendedChanges',
  'status',
  'approver',
  'reason',
  'decidedAt',
  'allowUngraceful',
  'delivery',
  'deliveryAt',
];

/** Attribute names go through placeholders: `status` and others are DynamoDB reserved words. */
const publicProjection = {
  ProjectionExpression: PUBLIC_ATTRIBUTES.map((_, i) => `#p${i}`).join(', '),
  ExpressionAttributeNames: Object.fromEntries(PUBLIC_ATTRIBUTES.map((name, i) => [`#p${i}`, name])),
};

const approvalFromItem = (raw: Item): Approval => {
  const item = unmarshall(raw) as Record<string, NativeAttributeValue>;
  const decided = item.status === STATUS.approved || item.status === STATUS.rejected;
  return {
    id: item.id,
    planName: item.planName,
    executionId: item.executionId,
    requestedAt: item.requestedAt,
    decideBy: item.decideBy,
    gate: item.gate,
    evidence: typeof item.evidence === 'string' ? JSON.parse(item.evidence) : null,
    intendedChanges: item.intendedChanges ?? [],
    ...(decided
      ? {
          decision: {
            decision: item.status === STATUS.approved ? 'approved' : 'rejected',
            approver: item.approver,
            reason: item.reason,
            decidedAt: item.decidedAt,
            ...(item.allowUngraceful ? { allowUngraceful: true } : {}),
          },
          delivery: { state: item.delivery as DeliveryState, at: item.deliveryAt },
        }
      : {}),
  };
};

const taskTokenOf = (raw: Item): string | undefined => {
  const token = unmarshall(raw)['taskToken'];
  return typeof token === 'string' ? token : undefined;
};

/** The condition that `decision`, and no other, is the one being sent. */
const whileSending = (decision: ApprovalDecision) => ({
  ConditionExpression: '#decidedAt = :decidedAt AND #approver = :approver AND #delivery = :sending',
  names: { '#decidedAt': 'decidedAt', '#approver': 'approver', '#delivery': 'delivery' },
  values: { ':decidedAt': decision.decidedAt, ':approver': decision.approver, ':sending': 'sending' },
});

export interface DynamoDbApprovalStoreOptions {
  tableName: string;
  client?: DynamoDBClient;
  clientConfig?: DynamoDBClientConfig;
}

export const createDynamoDbApprovalStore = (options: DynamoDbApprovalStoreOptions): ApprovalStore => {
  const client = clientFromOptions(
    'createDynamoDbApprovalStore',
    options,
    (config) => new DynamoDBClient(config),
  );
  const { tableName } = options;
  const label = (what: string, id: string) => `DynamoDB ${what} approval ${id} in ${tableName}`;

  /** With the token only when a decision needs it; every other read leaves it out. */
  const read = (id: string, withToken: boolean) =>
    awsCall(label('GetItem', id), () =>
      client.send(
        new GetItemCommand({
          TableName: tableName,
          Key: approvalKey(id),
          ConsistentRead: true,
          ...(withToken ? {} : publicProjection),
        }),
      ),
    );

  /** An UpdateItem whose condition may fail: a failed condition means there is nothing to do. */
  const conditionalUpdate = async (
    id: string,
    input: Omit<ConstructorParameters<typeof UpdateItemCommand>[0], 'TableName' | 'Key'>,
  ) => {
    try {
      await awsCall(label('UpdateItem', id), () =>
        client.send(new UpdateItemCommand({ TableName: tableName, Key: approvalKey(id), ...input })),
      );
    } catch (err) {
      if ((err as Error).name !== 'ConditionalCheckFailedException') throw err;
    }
  };

  return {
    async create(approval, taskToken) {
      const item = marshall(
        {
          [PK]: PARTITION,
          [SK]: `${SK_PREFIX}${approval.id}`,
          id: approval.id,
          planName: approval.planName,
          executionId: approval.executionId,
          requestedAt: approval.requestedAt,
          decideBy: approval.decideBy,
          gate: approval.gate,
          evidence: evidenceJson(approval.evidence),
          intendedChanges: approval.intendedChanges,
          status: STATUS.pending,
          taskToken,
          [TTL]: Math.floor(Date.parse(approval.decideBy) / 1000) + RETENTION_SECONDS,
        },
        { removeUndefinedValues: true },
      );
      await awsCall(label('PutItem', approval.id), () =>
        // A retried gate finds its own request and leaves it (and any decision on it) alone.
        client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: item,
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': PK },
          }),
        ),
      ).catch((err: unknown) => {
        if ((err as Error).name !== 'ConditionalCheckFailedException') throw err;
      });
    },

    async get(id) {
      const out = await read(id, false);
      return out.Item ? approvalFromItem(out.Item) : undefined;
    },

    async list(limit) {
      const out = await awsCall(`DynamoDB Query approvals in ${tableName}`, () =>
        client.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
            ExpressionAttributeNames: { ...publicProjection.ExpressionAttributeNames, '#pk': PK, '#sk': SK },
            ExpressionAttributeValues: marshall({ ':pk': PARTITION, ':prefix': SK_PREFIX }),
            ProjectionExpression: publicProjection.ProjectionExpression,
            ScanIndexForward: false,
            Limit: limit,
            ConsistentRead: true,
          }),
        ),
      );
      return (out.Items ?? []).map(approvalFromItem);
    },

    async decide(id: string, decision: ApprovalDecision, now: Date): Promise<DecideOutcome> {
      try {
        const out = await awsCall(label('UpdateItem', id), () =>
          client.send(
            new UpdateItemCommand({
              TableName: tableName,
              Key: approvalKey(id),
              UpdateExpression: `SET #status = :decided, #approver = :approver, #reason = :reason, #decidedAt = :decidedAt, #delivery = :sending, #deliveryAt = :now${decision.allowUngraceful ? ', #allowUngraceful = :allowUngraceful' : ''}`,
              ConditionExpression: 'attribute_exists(#pk) AND #status = :pending AND #decideBy > :now',
              ExpressionAttributeNames: {
                '#pk': PK,
                '#status': 'status',
                '#approver': 'approver',
                '#reason': 'reason',
                '#decidedAt': 'decidedAt',
                '#decideBy': 'decideBy',
                '#delivery': 'delivery',
                '#deliveryAt': 'deliveryAt',
                ...(decision.allowUngraceful ? { '#allowUngraceful': 'allowUngraceful' } : {}),
              },
              ExpressionAttributeValues: marshall({
                ':decided': decision.decision === 'approved' ? STATUS.approved : STATUS.rejected,
                ':pending': STATUS.pending,
                ':approver': decision.approver,
                ':reason': decision.reason,
                ':decidedAt': decision.decidedAt,
                ':sending': 'sending',
                ':now': now.toISOString(),
                ...(decision.allowUngraceful ? { ':allowUngraceful': true } : {}),
              }),
              ReturnValues: 'ALL_NEW',
            }),
          ),
        );
        return {
          outcome: 'decided',
          approval: approvalFromItem(out.Attributes!),
          taskToken: taskTokenOf(out.Attributes!),
        };
      } catch (err) {
        if ((err as Error).name !== 'ConditionalCheckFailedException') throw err;
      }
      // Lost the condition: find out why (dynalite and older SDKs lack ReturnValuesOnConditionCheckFailure).
      const current = (await read(id, true)).Item;
      if (!current) return { outcome: 'not-found' };
      const approval = approvalFromItem(current);
      return approval.decision
        ? { outcome: 'already-decided', approval, taskToken: taskTokenOf(current) }
        : { outcome: 'expired', approval };
    },

    async settle(id, decision, state, at) {
      const sending = whileSending(decision);
      await conditionalUpdate(id, {
        UpdateExpression: 'SET #delivery = :state, #deliveryAt = :at',
        ConditionExpression: sending.ConditionExpression,
        ExpressionAttributeNames: { ...sending.names, '#deliveryAt': 'deliveryAt' },
        ExpressionAttributeValues: marshall({ ...sending.values, ':state': state, ':at': at.toISOString() }),
      });
    },

    async revert(id, decision) {
      const sending = whileSending(decision);
      await conditionalUpdate(id, {
        UpdateExpression:
          'SET #status = :pending REMOVE #approver, #reason, #decidedAt, #allowUngraceful, #delivery, #deliveryAt',
        ConditionExpression: sending.ConditionExpression,
        ExpressionAttributeNames: {
          ...sending.names,
          '#status': 'status',
          '#reason': 'reason',
          '#allowUngraceful': 'allowUngraceful',
          '#deliveryAt': 'deliveryAt',
        },
        ExpressionAttributeValues: marshall({ ...sending.values, ':pending': STATUS.pending }),
      });
    },
  };
};
