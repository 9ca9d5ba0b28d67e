// How an approval lives in the journal table. Every approval shares one partition, so listing
// pending and past approvals is one strongly consistent Query (failovers are rare: the partition
// stays small, and TTL removes approvals with the journal's retention). The task token is an
// attribute that only the gate writes and only a decision reads back: every other read projects
// it away.
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { Approval } from '../ports/approvals.js';
import { journalTableKeys } from './dynamodb-journal.js';

const { partitionKey: PK, sortKey: SK, timeToLiveAttribute: TTL } = journalTableKeys;

const PARTITION = 'APPROVALS';
const SK_PREFIX = 'APPROVAL#';
const RETENTION_SECONDS = 90 * 24 * 60 * 60;
// DynamoDB rejects items over 400 KB; evidence beyond this is cut, keeping its start.
const MAX_EVIDENCE_BYTES = 300 * 1024;
const EVIDENCE_PREVIEW_CHARS = 4_096;

export const approvalStatus = { pending: 'PENDING', approved: 'APPROVED', rejected: 'REJECTED' } as const;

export const approvalKey = (id: string) => marshall({ [PK]: PARTITION, [SK]: `${SK_PREFIX}${id}` });

const evidenceJson = (evidence: unknown): string => {
  const json = JSON.stringify(evidence) ?? 'null';
  const bytes = Buffer.byteLength(json);
  return bytes <= MAX_EVIDENCE_BYTES ? json : JSON.stringify({ truncated: true, bytes, preview: json.slice(0, EVIDENCE_PREVIEW_CHARS) });
};

export const approvalItem = (approval: Approval, taskToken: string | undefined) =>
  marshall(
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
      status: approvalStatus.pending,
      taskToken,
      [TTL]: Math.floor(Date.parse(approval.decideBy) / 1000) + RETENTION_SECONDS,
    },
    { removeUndefinedValues: true },
  );

/** Every attribute a reader may see: all but the task token. */
const PUBLIC_ATTRIBUTES = ['id', 'planName', 'executionId', 'requestedAt', 'decideBy', 'gate', 'evidence', 'intendedChanges', 'status', 'approver', 'reason', 'decidedAt', 'allowUngraceful', 'deliveredAt'];

/** Attribute names go through placeholders: `status` and others are DynamoDB reserved words. */
export const publicProjection = {
  ProjectionExpression: PUBLIC_ATTRIBUTES.map((_, i) => `#p${i}`).join(', '),
  ExpressionAttributeNames: Object.fromEntries(PUBLIC_ATTRIBUTES.map((name, i) => [`#p${i}`, name])),
};

/** Query input (without the table) for the newest `limit` approvals, tokens left out. */
export const newestApprovalsQuery = (limit: number) => ({
  KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
  ExpressionAttributeNames: { ...publicProjection.ExpressionAttributeNames, '#pk': PK, '#sk': SK },
  ExpressionAttributeValues: marshall({ ':pk': PARTITION, ':prefix': SK_PREFIX }),
  ProjectionExpression: publicProjection.ProjectionExpression,
  ScanIndexForward: false,
  Limit: limit,
  ConsistentRead: true,
});

export const approvalFromItem = (raw: Parameters<typeof unmarshall>[0]): Approval => {
  const item = unmarshall(raw) as Record<string, any>;
  const decided = item.status === approvalStatus.approved || item.status === approvalStatus.rejected;
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
            decision: item.status === approvalStatus.approved ? 'approved' : 'rejected',
            approver: item.approver,
            reason: item.reason,
            decidedAt: item.decidedAt,
            ...(item.allowUngraceful ? { allowUngraceful: true } : {}),
          },
        }
      : {}),
    ...(item.deliveredAt ? { deliveredAt: item.deliveredAt } : {}),
  };
};

export const taskTokenOf = (raw: Parameters<typeof unmarshall>[0]): string | undefined => {
  const token = unmarshall(raw)['taskToken'];
  return typeof token === 'string' ? token : undefined;
};
