// The coordination adapter's contract: the conditional writes that keep failovers single-flight.
// Run on dynalite here (coordination.test.ts) and on moto's DynamoDB in the conformance tier.
import { createDynamoDbCoordination } from '../../lambdas/adapters/dynamodb-coordination.js';
import type { JournalTable } from '../../sim/local-dynamodb.js';

const lease = (owner: string, at: Date, minutes = 60) => ({
  owner,
  acquiredAt: at.toISOString(),
  expiresAt: new Date(at.getTime() + minutes * 60_000).toISOString(),
});

export const coordinationContract = (server: string, table: () => JournalTable) =>
  describe(`DynamoDB coordination on ${server}`, () => {
    const coordination = () => {
      const { client, tableName } = table();
      return createDynamoDbCoordination({ tableName, client });
    };

    it('of 40 concurrent acquisitions exactly one wins, and the losers see the winner', async () => {
      const c = coordination();
      const now = new Date();
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) => c.acquireLock('race', lease(`exec-${i}`, now))),
      );
      const winners = results.flatMap((r, i) => (r.acquired ? [`exec-${i}`] : []));
      expect(winners).toHaveLength(1);
      expect(
        results.filter((r) => !r.acquired).every((r) => !r.acquired && r.holder.owner === winners[0]),
      ).toBe(true);
    });

    it('a lapsed lease is not free (only a takeover, after asking whether its owner runs, frees it); its owner may re-acquire and renew it', async () => {
      const c = coordination();
      const t0 = new Date('2026-01-01T00:00:00Z');
      expect(await c.acquireLock('lease', lease('old', t0, 10))).toEqual({ acquired: true });
      expect(await c.acquireLock('lease', lease('new', new Date(t0.getTime() + 11 * 60_000)))).toMatchObject({
        acquired: false,
        holder: { owner: 'old' },
      });
      expect(await c.acquireLock('lease', lease('old', t0, 20))).toEqual({ acquired: true });
      expect(await c.renewLock('lease', 'new', '2026-01-01T05:00:00.000Z')).toBe(false);
      expect(await c.renewLock('lease', 'old', '2026-01-01T05:00:00.000Z')).toBe(true);
      expect(await c.acquireLock('lease', lease('new', t0))).toMatchObject({
        acquired: false,
        holder: { owner: 'old', expiresAt: '2026-01-01T05:00:00.000Z' },
      });
    });

    it('takeover is compare-and-swap on the stale owner, and only the owner releases', async () => {
      const c = coordination();
      const now = new Date();
      await c.acquireLock('cas', lease('crashed', now));
      const takeovers = await Promise.all(
        ['a', 'b', 'c'].map((o) => c.takeOverLock('cas', 'crashed', lease(o, now))),
      );
      expect(takeovers.filter(Boolean)).toHaveLength(1);
      expect(await c.releaseLock('cas', 'crashed')).toBe(false);
      const owner = ['a', 'b', 'c'][takeovers.indexOf(true)]!;
      expect(await c.releaseLock('cas', owner)).toBe(true);
      expect((await c.acquireLock('cas', lease('next', now))).acquired).toBe(true);
    });

    it('a trigger event is admitted once, and again only for the execution that saw it first (a retried Admit)', async () => {
      const c = coordination();
      const seen = await Promise.all(
        Array.from({ length: 10 }, (_, i) => c.recordTrigger('dedupe', 'event-1', `exec-${i}`)),
      );
      expect(seen.filter(Boolean)).toHaveLength(1);
      const first = `exec-${seen.indexOf(true)}`;
      expect(await c.recordTrigger('dedupe', 'event-1', first)).toBe(true);
      expect(await c.recordTrigger('dedupe', 'event-1', 'exec-other')).toBe(false);
      expect(await c.recordTrigger('dedupe', 'event-2', 'exec-other')).toBe(true);
    });
  });
