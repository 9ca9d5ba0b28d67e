// The round trip of the rabbitmq-standby engine through the ASL file on the simulated clusters:
// the alarm's failover, reprotect, the graceful failback; a graceful switchover on its own; and
// one whose standby cannot catch up. Assertions read the simulated clusters and the DNS zone.
import { deniedBy } from '../plan/rbac-denials.js';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { engineFor } from '../../lambdas/engines/registry.js';
import { loadPlan } from '../../lambdas/plan/load-plan.js';
import { rabbitmqStandbySafety, type RabbitmqSiteSnapshot } from '../../sim/models/rabbitmq-standby.js';
import {
  dnsRecord,
  downstreamTarget,
  examplePlan,
  mutating,
  runDrill,
  scenario,
  upstreamTarget,
  type Run,
} from './run-drill.js';

const vhost = 'test-vhost-1';
const appConnections = (site: RabbitmqSiteSnapshot) =>
  site.access.connections.filter((c) => c.vhost === vhost && c.user === 'app').length;
const refusesClients = (site: RabbitmqSiteSnapshot) => site.access.limits[vhost]?.['max-connections'] === 0;

describe('rabbitmq-standby round trip (ASL file, local runner, simulated clusters)', () => {
  let run: Run;
  beforeAll(async () => {
    run = await runDrill({ scenarioFile: scenario('round-trip'), roundTrip: true });
  }, 120_000);

  it('runs the three legs to SUCCEEDED, the failback with RPO 0 and its per-queue evidence', () => {
    expect(run.exitCode).toBe(0);
    expect(run.reports?.map((r) => [r.leg?.action, r.leg?.mode, r.leg?.from, r.status])).toEqual([
      ['failover', 'ungraceful', 'upstream', 'SUCCEEDED'],
      ['reprotect', expect.any(String), 'downstream', 'SUCCEEDED'],
      ['failover', 'graceful', 'downstream', 'SUCCEEDED'],
    ]);
    const failback = run.reports![2]!;
    expect(failback.rpo?.seconds).toBe(0);
    expect(failback.rpo?.evidence).toMatch(
      /every queue replicated past the fence .*test-vhost-1\/q1\.quorum at \S+, \d+ ms past the fence/,
    );
    const caughtUp = failback.steps.findLast((s) => s.name === 'catch-up' && s.outcome === 'succeeded')!
      .detail as {
      caughtUp: boolean;
      fencedAtMs: number;
      queues: Array<{ replicatedAtMs: number; pastFenceMs: number }>;
    };
    expect(caughtUp.caughtUp).toBe(true);
    expect(caughtUp.queues).toHaveLength(1);
    for (const q of caughtUp.queues) expect(q.replicatedAtMs - caughtUp.fencedAtMs).toBe(q.pastFenceMs);
    expect(caughtUp.queues.every((q) => q.pastFenceMs >= 0)).toBe(true);
  });

  it('ends with the plan upstream promoted, serving and in upstream mode, the downstream fenced, DNS on the upstream values', async () => {
    const plan = await loadPlan(examplePlan);
    const { upstream, downstream } = run.state;
    expect(run.dns?.get(dnsRecord)?.values).toEqual([upstreamTarget]);
    expect(upstream.promoted).toBe(true);
    expect(
      upstream.pods.every((p) => p.ready && p.standbyMode === 'upstream' && p.schemaMode === 'upstream'),
    ).toBe(true);
    expect(upstream.standbyReplicationExists).toBe(false);
    expect(refusesClients(upstream)).toBe(false);
    expect(appConnections(upstream)).toBeGreaterThan(0);
    expect(refusesClients(downstream)).toBe(true);
    expect(appConnections(downstream)).toBe(0);
    const safety = rabbitmqStandbySafety(plan, run.state);
    expect(safety).toMatchObject({
      upstreamWritable: true,
      downstreamPrimary: false,
      promotions: 2,
      duplicatePromotions: 0,
    });
  });

  it('loses writes only in the ungraceful leg: the failback recovers everything the fenced downstream collected', () => {
    const { upstream, downstream } = run.state;
    const [leg1] = downstream.promotionHistory;
    const [leg3] = upstream.promotionHistory;
    expect(downstream.promotionHistory).toHaveLength(1);
    expect(upstream.promotionHistory).toHaveLength(1);
    // The alarm's failover promotes a standby about a replication lag behind the upstream's last write.
    expect(leg1!.lossWindowMs).toBeGreaterThan(0);
    expect(leg3!.lossWindowMs).toBe(0);
    // The old upstream, as the standby, buffered what the downstream collected, and its promotion put all of it into its queue.
    expect(downstream.collectedMessages).toBeGreaterThan(0);
    expect(leg3!.rows).toEqual([
      expect.objectContaining({ virtualHost: vhost, messageCount: downstream.collectedMessages }),
    ]);
    expect(upstream.bufferedMessages).toBe(downstream.collectedMessages);
    // Seed messages, what its own clients published, and what the failback recovered: no consumer in the model.
    expect(upstream.queues[0]?.messages).toBe(3 + upstream.publishedMessages + downstream.collectedMessages);
  });

  it('makes only changes the generated RBAC allows, on both sides', async () => {
    const plan = await loadPlan(examplePlan);
    const needs = engineFor(plan).kubernetesAccess(plan);
    const denied = deniedBy(needs, run.state.log);
    expect(run.state.log.some((e) => e.kind === 'api' && e.site === 'upstream' && e.method === 'PATCH')).toBe(
      true,
    );
    expect(denied).toEqual([]);
  });
});

describe('rabbitmq-standby graceful switchover', () => {
  it('waits for the standby to pass the fence, promotes with RPO 0 and nothing left behind', async () => {
    const run = await runDrill({ scenarioFile: scenario('healthy'), mode: 'graceful' });
    expect(run.exitCode).toBe(0);
    expect(run.report?.rpo?.seconds).toBe(0);
    expect(run.dns?.get(dnsRecord)?.values).toEqual([downstreamTarget]);
    expect(run.state.downstream.promotionHistory).toEqual([
      expect.objectContaining({ lossWindowMs: 0, rows: [expect.objectContaining({ messageCount: 3 })] }),
    ]);
    expect(refusesClients(run.state.upstream)).toBe(true);
    expect(appConnections(run.state.upstream)).toBe(0);
    expect(run.state.duplicatePromotions).toBe(0);
  }, 60_000);

  it('cannot catch up: lifts the fence, promotes nothing, moves no DNS record, halts (exit 3)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'catch-up-'));
    const planFile = join(dir, 'plan.yaml');
    const text = await readFile(examplePlan, 'utf8');
    expect(text).toContain('catchUpTimeoutSeconds: 30');
    await writeFile(planFile, text.replace('catchUpTimeoutSeconds: 30', 'catchUpTimeoutSeconds: 3'));
    const run = await runDrill({ planFile, scenarioFile: scenario('cannot-catch-up'), mode: 'graceful' });
    expect(run.exitCode).toBe(3);
    expect(run.report?.status).toBe('HALTED');
    expect(run.report?.reason).toMatch(
      /CatchUpTimedOut: the standby did not catch up within 3 s of the fence \(test-vhost-1\/q1\.quorum at \S+, \d+ ms short of the fence/,
    );
    expect(run.report!.steps.map((s) => `${s.name}:${s.outcome}`).slice(-2)).toEqual([
      'catch-up:failed',
      'lift-fence:succeeded',
    ]);
    expect(run.state.promotions).toBe(0);
    expect(run.state.downstream.promoted).toBe(false);
    expect(run.dns?.get(dnsRecord)?.values ?? [upstreamTarget]).toEqual([upstreamTarget]);
    // The upstream takes its clients again, and still holds every message; the standby's buffer is untouched.
    expect(refusesClients(run.state.upstream)).toBe(false);
    expect(appConnections(run.state.upstream)).toBe(2);
    expect(run.state.upstream.queues[0]?.messages).toBe(3);
    expect(run.state.downstream.queues[0]?.messages).toBe(0);
    expect(run.state.downstream.bufferedMessages).toBe(3);
    expect(mutating(run.state).filter((e) => e.kind === 'exec' && /promote_/.test(e.argv.join(' ')))).toEqual(
      [],
    );
  }, 60_000);
});
