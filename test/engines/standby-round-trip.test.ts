// The rabbitmq-standby engine's round-trip methods on their own: `reverse` on the plan block,
// `catchUp` on fake clusters (exact milliseconds), and `reprotect` on the simulated clusters
// after a failover made by the engine's own steps (what it changes, and that a second run
// changes nothing), then the reprotected side used as the standby of a graceful switchover.
import { MisconfiguredError, UnreachableError } from '../../lambdas/errors.js';
import type { StepContext } from '../../lambdas/engines/engine.js';
import { standbyCommands } from '../../lambdas/engines/rabbitmq-standby/commands.js';
import { rabbitmqStandbyEngine as engine } from '../../lambdas/engines/rabbitmq-standby/index.js';
import {
  rabbitmqStandbyPlanSchema,
  type RabbitmqStandbyPlan,
} from '../../lambdas/engines/rabbitmq-standby/plan.js';
import { reverseStandbyPlan } from '../../lambdas/engines/rabbitmq-standby/reverse.js';
import { alarmLeg } from '../../lambdas/plan/leg.js';
import { loadPlan } from '../../lambdas/plan/load-plan.js';
import type { Plan, Side } from '../../lambdas/plan/schema.js';
import { systemClock, type ClockPort } from '../../lambdas/ports/clock.js';
import type { ExecResult, KubePort } from '../../lambdas/ports/kube.js';
import { orientPlan } from '../../lambdas/steps/leg.js';
import { inProcessWait } from '../../lambdas/steps/workflow-wait.js';
import { eventually, examplePlanFile, startSim, type SimFixture } from '../sim/start-sim.js';
import { mutating } from '../workflow/run-drill.js';

const vhost = 'test-vhost-1';
const other = (side: Side): Side => (side === 'upstream' ? 'downstream' : 'upstream');
const standbyBlock = (plan: Plan) => plan.engine as RabbitmqStandbyPlan;

describe('reverse', () => {
  it('swaps the sides, filling in the names the plan leaves to their defaults', async () => {
    const plan = await loadPlan(examplePlanFile);
    const reversed = reverseStandbyPlan(standbyBlock(plan));
    expect(reversed.upstream).toEqual({
      namespace: 'tanzu-rabbitmq',
      rabbitmqCluster: 'downstream-cluster',
      standbyReplication: 'downstream-cluster-standby-replication',
      schemaReplication: 'downstream-cluster-schema-replication',
      replicationEndpoints: { schema: '10.104.27.212:5672', stream: '10.104.27.212:5552' },
      upstreamSecret: 'upstream-replicator-secret',
    });
    expect(reversed.downstream).toMatchObject({
      namespace: 'vmware-rabbitmq',
      rabbitmqCluster: 'upstream-cluster',
      container: 'rabbitmq',
      replicationEndpoints: { stream: '10.110.224.126:5552' },
    });
    expect(reversed.vhosts).toEqual(['test-vhost-1']);
    expect(rabbitmqStandbyPlanSchema.parse(reversed)).toEqual(reversed);
    expect(reverseStandbyPlan(reversed)).toEqual(standbyBlock(plan));
  });

  it('fills the old upstream names in from its cluster when the plan is read, and its container from the downstream', () => {
    const block = rabbitmqStandbyPlanSchema.parse({
      type: 'rabbitmq-standby',
      upstream: { namespace: 'site-a', rabbitmqCluster: 'orders' },
      downstream: {
        namespace: 'site-b',
        rabbitmqCluster: 'orders-dr',
        standbyReplication: 'sr',
        schemaReplication: 'schema',
        container: 'broker',
      },
      vhosts: ['v'],
    });
    const reversed = engine.reverse({ ...block }) as RabbitmqStandbyPlan;
    expect(reversed.downstream).toEqual({
      namespace: 'site-a',
      rabbitmqCluster: 'orders',
      standbyReplication: 'orders-standby-replication',
      schemaReplication: 'orders-schema-replication',
      container: 'broker',
      upstreamSecret: 'upstream-replicator-secret',
    });
    expect(reversed.upstream).toEqual({
      namespace: 'site-b',
      rabbitmqCluster: 'orders-dr',
      standbyReplication: 'sr',
      schemaReplication: 'schema',
      upstreamSecret: 'upstream-replicator-secret',
    });
    expect(engine.reverse(reversed)).toEqual(block);
    // Sites with different images keep theirs in both directions.
    const mixed = rabbitmqStandbyPlanSchema.parse({
      ...block,
      upstream: { ...block.upstream, container: 'rabbitmq' },
    });
    expect(engine.reverse(mixed)).toMatchObject({
      upstream: { container: 'broker' },
      downstream: { container: 'rabbitmq' },
    });
    expect(engine.reverse(engine.reverse(mixed))).toEqual(mixed);
    expect(() => engine.reverse({ type: 'rocketmq-controller' } as never)).toThrow(/not a rabbitmq-standby/);
  });
});

describe('catchUp', () => {
  const fence = Date.parse('2026-03-01T10:30:00.000Z');
  const refuse = () => {
    throw new Error('catch-up must not change anything');
  };
  const metrics = (rows: Array<[string, number]>): ExecResult => ({
    exitCode: 0,
    stdout: `Inspecting standby metrics...\nqueue\ttimestamp\tvhost\n${rows.map(([q, t]) => `${q}\t${t}\t${vhost}\n`).join('')}`,
    stderr: '',
  });
  /** Fake clusters: the standby reports `standby` per queue, the upstream `upstream` (absent: unreachable). */
  const catchUpOn = async (standby: Array<[string, number]>, upstream?: Array<[string, number]>) => {
    const plan = await loadPlan(examplePlanFile);
    const kube = (side: Side): KubePort => ({
      describe: side,
      getCustomObject: async () => undefined,
      mergePatchCustomObject: refuse,
      deleteCustomObject: refuse,
      deletePod: refuse,
      listPods: async () => {
        if (side === 'upstream' && upstream === undefined) throw new UnreachableError('connect ECONNREFUSED');
        return [{ name: `${side}-server-0`, phase: 'Running', ready: true, labels: {} }];
      },
      exec: async (_ns, _pod, command) => {
        if (side === 'downstream' && command.join(' ') === standbyCommands.downstreamMetrics.join(' '))
          return metrics(standby);
        if (side === 'upstream' && command.join(' ') === standbyCommands.upstreamMetrics.join(' '))
          return metrics(upstream ?? []);
        throw new Error(`unexpected command on ${side}: ${command.join(' ')}`);
      },
    });
    const clock: ClockPort = { now: () => new Date(fence + 5_000), sleep: async () => undefined };
    const ctx: StepContext = {
      plan,
      kube,
      clock,
      act: refuse,
      earlierEffects: async () => [],
      resumedWait: () => undefined,
      progress: () => undefined,
      waitFor: (check, options) => inProcessWait(clock, () => undefined, check, options),
    };
    return engine.catchUp(ctx, new Date(fence));
  };

  it('is caught up at the fence to the millisecond, not one short of it', async () => {
    const at = await catchUpOn([['q1.quorum', fence]], [['q1.quorum', fence - 40]]);
    expect(at).toMatchObject({
      caughtUp: true,
      evidence: {
        queues: [{ queue: 'q1.quorum', pastFenceMs: 0, upstreamAtMs: fence - 40, caughtUp: true }],
      },
    });
    expect(at.summary).toBe(
      `every queue replicated past the fence at 2026-03-01T10:30:00.000Z (test-vhost-1/q1.quorum at 2026-03-01T10:30:00.000Z, 0 ms past the fence)`,
    );
    const short = await catchUpOn([['q1.quorum', fence - 1]], [['q1.quorum', fence - 40]]);
    expect(short).toMatchObject({
      caughtUp: false,
      summary: 'test-vhost-1/q1.quorum at 2026-03-01T10:29:59.999Z, 1 ms short of the fence',
    });
  });

  it('needs every queue past the upstream own last point too, and every queue the upstream replicates', async () => {
    const behindUpstream = await catchUpOn([['q1.quorum', fence + 10]], [['q1.quorum', fence + 11]]);
    expect(behindUpstream.caughtUp).toBe(false);
    expect(behindUpstream.summary).toBe(
      "test-vhost-1/q1.quorum at 2026-03-01T10:30:00.010Z, 10 ms past the fence and 1 ms short of the upstream's last point",
    );
    const missing = await catchUpOn(
      [['q1.quorum', fence + 10]],
      [
        ['q1.quorum', fence],
        ['q2.quorum', fence],
      ],
    );
    expect(missing).toMatchObject({
      caughtUp: false,
      evidence: { unknownToStandby: ['test-vhost-1/q2.quorum'] },
    });
    const twoQueues = await catchUpOn([
      ['q1.quorum', fence + 10],
      ['q2.quorum', fence - 300],
    ]);
    expect(twoQueues).toMatchObject({
      caughtUp: false,
      summary: 'test-vhost-1/q2.quorum at 2026-03-01T10:29:59.700Z, 300 ms short of the fence',
    });
  });

  it('compares with the fence alone when the upstream does not answer, and is never caught up with nothing replicated', async () => {
    const alone = await catchUpOn([['q1.quorum', fence + 2]]);
    expect(alone.caughtUp).toBe(true);
    expect(alone.evidence['upstream']).toMatch(
      /^upstream did not answer \(connect ECONNREFUSED\); compared with the fence time only$/,
    );
    const nothing = await catchUpOn([], []);
    expect(nothing).toMatchObject({
      caughtUp: false,
      summary: 'no replicated queue of vhost test-vhost-1 on the standby: nothing shows it caught up',
    });
  });
});

describe('reprotect on the simulated clusters', () => {
  let fx: SimFixture | undefined;
  afterEach(async () => {
    await fx?.sim.stop();
    fx = undefined;
  });

  /** A step context on the simulation; `reversed`: the plan as a leg from the downstream sees it. */
  const contextFor = (f: SimFixture, reversed: boolean) => {
    const acts: string[] = [];
    const plan = reversed
      ? orientPlan(f.plan, {
          ...alarmLeg,
          action: 'reprotect',
          trigger: 'operator',
          from: 'downstream',
          to: 'upstream',
        })
      : f.plan;
    const ctx: StepContext = {
      plan,
      kube: (side) =>
        f.kube(reversed ? other(side) : side, { execTimeoutMs: 10_000, requestTimeoutMs: 5_000 }),
      clock: systemClock,
      act: async (intent, _target, change) => {
        acts.push(intent);
        return change();
      },
      earlierEffects: async () => [],
      resumedWait: () => undefined,
      progress: () => undefined,
      waitFor: (check, options) => inProcessWait(systemClock, () => undefined, check, options),
    };
    return { ctx, acts };
  };
  const mutations = (f: SimFixture) => mutating(f.sim.state());

  it('refuses, changing nothing, when the side that should serve is a standby never promoted', async () => {
    fx = await startSim();
    const { ctx, acts } = contextFor(fx, true);
    await expect(engine.reprotect(ctx)).rejects.toThrow(MisconfiguredError);
    await expect(engine.reprotect(ctx)).rejects.toThrow(
      /tanzu-rabbitmq\/downstream-cluster is configured as a standby and was never promoted/,
    );
    expect(acts).toEqual([]);
    expect(mutations(fx)).toEqual([]);
  });

  it('makes the old upstream the standby of the promoted downstream; run again, it changes nothing', async () => {
    fx = await startSim({
      latency: { restartSecondsPerPod: 0.02 },
      clusters: { upstream: { publishPerSecond: 50 }, downstream: { publishPerSecond: 50 } },
    });
    const forward = contextFor(fx, false);
    expect((await engine.fence(forward.ctx)).state).toBe('fenced');
    await engine.promote(forward.ctx);
    await engine.teardown(forward.ctx);

    const first = contextFor(fx, true);
    const result = await engine.reprotect(first.ctx);
    expect(first.acts).toEqual([
      'configure SchemaReplication upstream-cluster-schema-replication as a downstream of tanzu-rabbitmq/downstream-cluster',
      'configure StandbyReplication upstream-cluster-standby-replication as a downstream of tanzu-rabbitmq/downstream-cluster',
      'set schema_definition_sync and standby.replication operating modes to downstream in additionalConfig (rolling restart)',
    ]);
    expect(result.summary).toMatch(
      /^vmware-rabbitmq\/upstream-cluster is the standby of tanzu-rabbitmq\/downstream-cluster: .*; replication runs: schema sync downstream\/syncing on 3 pods, test-vhost-1\/q1\.quorum \d+ ms behind$/,
    );
    let state = fx.sim.state();
    expect(state.upstream.pods.map((p) => [p.schemaMode, p.standbyMode])).toEqual(
      [0, 1, 2].map(() => ['downstream', 'downstream']),
    );
    expect(state.upstream.rabbitmqCluster?.additionalConfig).toMatch(
      /schema_definition_sync\.downstream\.locals\.users = \^default_user_/,
    );
    expect(state.upstream).toMatchObject({
      streamLinkConnected: true,
      vhostsAvailable: [vhost],
      promoted: false,
    });

    const before = mutations(fx).length;
    const second = contextFor(fx, true);
    expect((await engine.reprotect(second.ctx)).summary).toMatch(
      /: nothing needed changing; replication runs/,
    );
    expect(second.acts).toEqual([]);
    expect(mutations(fx).slice(before)).toEqual([]);

    // The reprotected side buffers what the new primary collects and reports its replication point.
    await eventually(
      () => (fx?.sim.state().upstream.bufferedMessages ?? 0) > 0,
      5000,
      'the old upstream to buffer messages',
    );
    const oriented = contextFor(fx, true);
    expect((await engine.catchUp(oriented.ctx, new Date(Date.now() + 60_000))).caughtUp).toBe(false);
    expect((await engine.fence(oriented.ctx)).state).toBe('fenced');
    const fencedAt = new Date();
    await eventually(
      async () => (await engine.catchUp(oriented.ctx, fencedAt)).caughtUp,
      5000,
      'the standby to pass the fence',
    );

    // Promotion moves what it buffered into its queue and lifts the fence the first leg left on it.
    state = fx.sim.state();
    const queued = state.upstream.queues[0]!.messages;
    const published = state.upstream.publishedMessages;
    await engine.promote(oriented.ctx);
    state = fx.sim.state();
    expect(state.upstream.promoted).toBe(true);
    expect(state.upstream.promotionHistory).toEqual([
      expect.objectContaining({
        lossWindowMs: 0,
        redelivered: false,
        rows: [expect.objectContaining({ messageCount: state.downstream.collectedMessages })],
      }),
    ]);
    // Its clients are back once the fence is lifted, and publish: those are counted apart.
    expect(state.upstream.queues[0]!.messages).toBe(
      queued + state.downstream.collectedMessages + state.upstream.publishedMessages - published,
    );
    expect(state.upstream.access.limits[vhost]?.['max-connections']).toBeUndefined();
    expect((await engine.promote(oriented.ctx)).summary).toMatch(
      /is already promoted .*not promoting again$/,
    );
    expect(fx.sim.state().promotions).toBe(2);
  }, 30_000);
});
