import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { GetItemCommand, QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { createDynamoDbJournal } from '../../../lambdas/adapters/dynamodb-journal.js';
import type { FailoverReport, StepRecord } from '../../../lambdas/ports/journal.js';
import { startLocalDynamoDb, type LocalDynamoDb } from '../../../sim/local-dynamodb.js';

const tableName = 'failover-journal';
const now = new Date('2025-03-04T05:00:00Z');
let db: LocalDynamoDb;
let client: DynamoDBClient;

beforeAll(async () => {
  db = await startLocalDynamoDb(tableName);
  client = db.client;
});

afterAll(async () => {
  await db.stop();
});

const journal = () => createDynamoDbJournal({ tableName, client, now: () => now });

function step(name: string, attempt: number, startedAt: string, detail: unknown = { ok: true }): StepRecord {
  return {
    step: name,
    attempt,
    startedAt,
    endedAt: new Date(new Date(startedAt).getTime() + 1_500).toISOString(),
    outcome: 'succeeded',
    summary: `${name} attempt ${attempt}`,
    detail,
    sideEffects: [],
  };
}

describe('createDynamoDbJournal', () => {
  it('returns an execution’s steps in start order, retries included', async () => {
    const j = journal();
    const readinessDetail = {
      checks: [{ name: 'replication lag', value: 0.4, limit: 5, passed: true }],
      raw: { '': 'empty key', nested: [null, [1, 2], { deep: { deeper: 'x' } }] },
      output: 'Timeout: 60.0 seconds ...\nListing queues for vhost / ...\n',
    };
    const promoteFailed: StepRecord = {
      ...step('promote', 1, '2025-03-04T05:02:00.000Z'),
      outcome: 'failed',
      summary: 'promote attempt 1 failed: 503 from the API server',
      detail: { error: 'Transient' },
    };
    const promoted: StepRecord = {
      ...step('promote', 2, '2025-03-04T05:02:10.000Z'),
      sideEffects: [
        {
          step: 'promote',
          action: 'promoted the standby',
          target: 'rabbitmq/orders-eu',
          at: '2025-03-04T05:02:11.000Z',
          status: 'done',
        },
      ],
    };
    // Written out of order, as parallel branches and retries do.
    await j.appendStep('exec-1', promoted);
    await j.appendStep('exec-1', step('confirm', 1, '2025-03-04T05:00:00.000Z'));
    await j.appendStep('exec-1', promoteFailed);
    await j.appendStep('exec-1', step('readiness', 1, '2025-03-04T05:01:00.000Z', readinessDetail));
    await j.appendStep('exec-2', step('confirm', 1, '2025-03-04T04:59:00.000Z'));

    const steps = await j.listSteps('exec-1');

    expect(steps.map((s) => `${s.step}#${s.attempt}`)).toEqual([
      'confirm#1',
      'readiness#1',
      'promote#1',
      'promote#2',
    ]);
    expect(steps[1]).toEqual(step('readiness', 1, '2025-03-04T05:01:00.000Z', readinessDetail));
    expect(steps[2]).toEqual(promoteFailed);
    expect(steps[3]).toEqual(promoted);
    expect((await j.listSteps('exec-2')).map((s) => s.step)).toEqual(['confirm']);
    await expect(j.listSteps('exec-none')).resolves.toEqual([]);
  });

  it('keys items as the table layout says, with a 90-day expiry', async () => {
    await journal().appendStep('exec-keys', step('flip', 3, '2025-03-04T07:08:09+02:00'));

    const out = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: 'EXEC#exec-keys' } },
      }),
    );

    const item = unmarshall(out.Items![0]!);
    expect(item).toMatchObject({
      pk: 'EXEC#exec-keys',
      sk: 'STEP#2025-03-04T05:08:09.000Z#flip#0003',
      detail: '{"ok":true}',
    });
    expect(item.expiresAt).toBe(now.getTime() / 1000 + 90 * 24 * 60 * 60);
  });

  it('overwrites rather than duplicates an attempt appended twice', async () => {
    const j = journal();
    await j.appendStep('exec-twice', step('flip', 1, '2025-03-04T05:03:00.000Z'));
    await j.appendStep('exec-twice', {
      ...step('flip', 1, '2025-03-04T05:03:00.000Z'),
      summary: 'flip attempt 1, recorded again',
    });

    await expect(j.listSteps('exec-twice')).resolves.toEqual([
      { ...step('flip', 1, '2025-03-04T05:03:00.000Z'), summary: 'flip attempt 1, recorded again' },
    ]);
  });

  it('reads every page of a long execution', async () => {
    const j = journal();
    const sendSpy = jest.spyOn(client, 'send');
    // Five items of ~250 KB exceed the 1 MB a Query page returns.
    const bulky = { output: 'q'.repeat(250 * 1024) };
    for (let i = 0; i < 5; i++)
      await j.appendStep('exec-long', step(`check-${i}`, 1, `2025-03-04T05:0${i}:00.000Z`, bulky));
    sendSpy.mockClear();

    const steps = await j.listSteps('exec-long');

    expect(steps.map((s) => s.step)).toEqual(['check-0', 'check-1', 'check-2', 'check-3', 'check-4']);
    expect(steps.every((s) => (s.detail as typeof bulky).output.length === bulky.output.length)).toBe(true);
    expect(sendSpy.mock.calls.length).toBeGreaterThan(1);
    sendSpy.mockRestore();
  });

  it('cuts evidence too large for an item instead of failing the write', async () => {
    const j = journal();

    await j.appendStep(
      'exec-huge',
      step('readiness', 1, '2025-03-04T05:01:00.000Z', { output: 'z'.repeat(500 * 1024) }),
    );

    const [stored] = await j.listSteps('exec-huge');
    expect(stored?.detail).toMatchObject({ truncated: true, bytes: 500 * 1024 + '{"output":""}'.length });
    expect((stored?.detail as { preview: string }).preview.startsWith('{"output":"zzz')).toBe(true);
  });

  it('round-trips the report, which listSteps does not return', async () => {
    const j = journal();
    const report: FailoverReport = {
      executionId: 'exec-report',
      planName: 'orders',
      status: 'SUCCEEDED',
      startedAt: '2025-03-04T05:00:00.000Z',
      endedAt: '2025-03-04T05:06:00.000Z',
      recoveryTimeMs: 252_000,
      steps: [
        {
          name: 'confirm',
          attempt: 1,
          startedAt: '2025-03-04T05:00:00.000Z',
          endedAt: '2025-03-04T05:00:30.000Z',
          durationMs: 30_000,
          outcome: 'succeeded',
          summary: 'alarm still in ALARM',
          detail: { alarm: 'ALARM' },
        },
        {
          name: 'flip',
          attempt: 1,
          startedAt: '2025-03-04T05:03:00.000Z',
          endedAt: '2025-03-04T05:04:12.000Z',
          durationMs: 72_000,
          outcome: 'succeeded',
          summary: 'DNS now points at orders-eu',
          detail: ['orders.example.com', { changeId: '/change/C1' }],
        },
      ],
      sideEffects: [
        {
          step: 'flip',
          action: 'pointed DNS at the standby',
          target: 'orders.example.com',
          at: '2025-03-04T05:03:30.000Z',
          status: 'done',
        },
      ],
    };
    await j.appendStep('exec-report', step('confirm', 1, '2025-03-04T05:00:00.000Z'));

    await j.putReport(report);

    await expect(j.getReport('exec-report')).resolves.toEqual(report);
    expect((await j.listSteps('exec-report')).map((s) => s.step)).toEqual(['confirm']);
    const raw = await client.send(
      new GetItemCommand({
        TableName: tableName,
        Key: { pk: { S: 'EXEC#exec-report' }, sk: { S: 'REPORT' } },
      }),
    );
    expect(raw.Item?.expiresAt).toEqual({ N: String(now.getTime() / 1000 + 90 * 24 * 60 * 60) });
  });

  it('round-trips a halted report without the optional fields', async () => {
    const j = journal();
    const report: FailoverReport = {
      executionId: 'exec-halted',
      planName: 'orders',
      status: 'HALTED',
      reason: 'standby not ready: replication lag 42 s > 5 s',
      startedAt: '2025-03-04T05:00:00.000Z',
      endedAt: '2025-03-04T05:01:00.000Z',
      steps: [],
      sideEffects: [],
    };

    await j.putReport(report);

    await expect(j.getReport('exec-halted')).resolves.toEqual(report);
    await expect(j.getReport('exec-unknown')).resolves.toBeUndefined();
  });

  it('refuses both a client and a client config', () => {
    expect(() => createDynamoDbJournal({ tableName, client, clientConfig: {} })).toThrow(
      /either client or clientConfig/,
    );
  });
});
