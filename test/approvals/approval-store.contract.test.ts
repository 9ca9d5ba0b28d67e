// The approval store's contract (lambdas/approvals/port.ts), run against both stores: DynamoDB
// (on dynalite) in AWS, memory in a drill. A drill's gate behaves as the deployed one only while
// both pass the same tests.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createDynamoDbApprovalStore } from '../../lambdas/approvals/dynamodb-store.js';
import { createMemoryApprovalStore } from '../../lambdas/approvals/memory-store.js';
import type { Approval, ApprovalDecision, ApprovalStore } from '../../lambdas/approvals/port.js';
import { loadPlan } from '../../lambdas/plan/load-plan.js';
import type { Plan } from '../../lambdas/plan/schema.js';
import { startLocalDynamoDb, type LocalDynamoDb } from '../../sim/local-dynamodb.js';

let db: LocalDynamoDb;
let plan: Plan;
beforeAll(async () => {
  db = await startLocalDynamoDb('failover-journal');
  plan = await loadPlan('examples/plans/rabbitmq-standby.yaml');
});
afterAll(async () => {
  await db.stop();
});

const stores: Array<[string, () => ApprovalStore]> = [
  ['memory', createMemoryApprovalStore],
  ['DynamoDB', () => createDynamoDbApprovalStore({ tableName: db.tableName, client: db.client })],
];

let ids = 0;
const requestedAt = new Date('2026-03-01T10:00:00.000Z');
const decideBy = new Date('2026-03-01T10:30:00.000Z');
const during = new Date('2026-03-01T10:05:00.000Z');
const approval = (over: Partial<Approval> = {}): Approval => ({
  id: `20260301-100000-${String((ids += 1)).padStart(8, '0')}`,
  planName: plan.name,
  executionId: `arn:aws:states:eu-west-1:111122223333:execution:failover:contract-${ids}`,
  requestedAt: requestedAt.toISOString(),
  decideBy: decideBy.toISOString(),
  gate: plan.gate,
  evidence: [{ name: 'pods-ready', passed: true, summary: '3/3', evidence: { ready: 3 } }],
  intendedChanges: ['promote downstream'],
  ...over,
});
const decision = (
  approver: string,
  decision: ApprovalDecision['decision'] = 'approved',
): ApprovalDecision => ({
  decision,
  approver,
  reason: `${approver} says so`,
  decidedAt: during.toISOString(),
});

describe.each(stores)('the %s approval store', (_name, create) => {
  it('stores a request once: a retried gate leaves the first (and any decision on it) alone; nothing it returns carries the token', async () => {
    const store = create();
    const first = approval();
    await store.create(first, 'token-1');
    await store.decide(first.id, decision('user:alice'), during);
    await store.create({ ...first, intendedChanges: ['something else'] }, 'token-2');
    const stored = await store.get(first.id);
    expect(stored).toMatchObject({
      intendedChanges: ['promote downstream'],
      decision: { approver: 'user:alice' },
      delivery: { state: 'sending' },
    });
    expect(JSON.stringify([stored, await store.list(100)])).not.toContain('token-');
    expect(await store.get('20260301-100000-ffffffff')).toBeUndefined();
  });

  it('lists newest first, up to the limit', async () => {
    const store = create();
    const a = approval({ id: '20990101-000000-0000000a' });
    const b = approval({ id: '20990101-000001-0000000b' });
    await store.create(a, 't');
    await store.create(b, 't');
    expect((await store.list(2)).map((x) => x.id)).toEqual([b.id, a.id]);
    expect(await store.list(1)).toHaveLength(1);
  });

  it('decides exactly once: of ten concurrent decisions one wins, the rest learn who did; the winner gets the token', async () => {
    const store = create();
    const a = approval();
    await store.create(a, 'token-x');
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, i) => store.decide(a.id, decision(`user:u${i}`), during)),
    );
    const won = outcomes.filter((o) => o.outcome === 'decided');
    expect(won).toHaveLength(1);
    expect(won[0]).toMatchObject({
      taskToken: 'token-x',
      approval: { delivery: { state: 'sending', at: during.toISOString() } },
    });
    const winner = (won[0] as { approval: Approval }).approval.decision!.approver;
    for (const o of outcomes.filter((x) => x.outcome !== 'decided'))
      expect(o).toMatchObject({ outcome: 'already-decided', approval: { decision: { approver: winner } } });
  });

  it('refuses a decision at or after the deadline (expired) and for an unknown id (not found)', async () => {
    const store = create();
    const a = approval();
    await store.create(a, 't');
    expect(await store.decide(a.id, decision('user:late'), decideBy)).toMatchObject({
      outcome: 'expired',
      approval: { id: a.id },
    });
    expect((await store.get(a.id))!.decision).toBeUndefined();
    expect(await store.decide('20260301-100000-eeeeeeee', decision('user:x'), during)).toEqual({
      outcome: 'not-found',
    });
  });

  it('settles only the decision being sent, once', async () => {
    const store = create();
    const a = approval();
    await store.create(a, 't');
    const mine = decision('user:alice');
    await store.decide(a.id, mine, during);
    await store.settle(a.id, decision('user:someone-else'), 'not-applied', during);
    expect((await store.get(a.id))!.delivery!.state).toBe('sending');
    await store.settle(a.id, mine, 'delivered', new Date('2026-03-01T10:05:01.000Z'));
    await store.settle(a.id, mine, 'not-applied', new Date('2026-03-01T10:05:02.000Z'));
    expect((await store.get(a.id))!.delivery).toEqual({ state: 'delivered', at: '2026-03-01T10:05:01.000Z' });
  });

  it('reverts to pending only the decision still being sent', async () => {
    const store = create();
    const a = approval();
    await store.create(a, 't');
    const mine = decision('user:alice', 'rejected');
    await store.decide(a.id, mine, during);
    await store.revert(a.id, decision('user:bob'));
    expect((await store.get(a.id))!.decision).toEqual(mine);
    await store.revert(a.id, mine);
    const reverted = await store.get(a.id);
    expect([reverted!.decision, reverted!.delivery]).toEqual([undefined, undefined]);
    expect((await store.decide(a.id, decision('user:bob'), during)).outcome).toBe('decided');

    await store.settle(a.id, decision('user:bob'), 'delivered', during);
    await store.revert(a.id, decision('user:bob'));
    expect((await store.get(a.id))!.decision!.approver).toBe('user:bob');
  });

  it('hands out copies: changing what it returned changes nothing stored', async () => {
    const store = create();
    const a = approval();
    await store.create(a, 't');
    const got = (await store.get(a.id))!;
    got.intendedChanges.push('rm -rf /');
    got.decision = decision('user:mallory');
    expect(await store.get(a.id)).toMatchObject({ intendedChanges: ['promote downstream'] });
    expect((await store.get(a.id))!.decision).toBeUndefined();
  });
});
