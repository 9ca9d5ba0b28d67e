// The rabbitmq-standby `replication-lag` check at the edge of the RPO bound, on fake clusters
// and an injected clock: which points it reads in which order, and how it compares them.
import { UnreachableError } from '../../lambdas/errors.js';
import type { CheckResult, StepContext } from '../../lambdas/engines/engine.js';
import { standbyCommands } from '../../lambdas/engines/rabbitmq-standby/commands.js';
import { rabbitmqStandbyEngine } from '../../lambdas/engines/rabbitmq-standby/index.js';
import { loadPlan } from '../../lambdas/plan/load-plan.js';
import type { Plan, Side } from '../../lambdas/plan/schema.js';
import type { ClockPort } from '../../lambdas/ports/clock.js';
import type { ExecResult, KubePort } from '../../lambdas/ports/kube.js';

const start = Date.parse('2026-03-01T10:30:00.000Z');
const unexpected = () => {
  throw new Error('the readiness check must not change anything');
};

interface Sites {
  /** The downstream's last replicated point of `test-vhost-1/q1.quorum`, given the time of the read. */
  downstream: (now: number) => number;
  /** The upstream's own last point of that queue; absent: the upstream's API does not answer. */
  upstream?: (now: number) => number;
  /** How long each metrics read, and a failed attempt to reach the upstream, takes. */
  readMs?: number;
}

const metrics = (banner: string, timestamp: number): ExecResult => ({
  exitCode: 0,
  stdout: `${banner}\nqueue\ttimestamp\tvhost\nq1.quorum\t${timestamp}\ttest-vhost-1\n`,
  stderr: '',
});

const same = (a: readonly string[], b: readonly string[]) => a.join(' ') === b.join(' ');

/** Runs the engine's readiness on fake clusters; returns the lag check and every exec in order. */
const lagCheck = async (plan: Plan, sites: Sites): Promise<{ check: CheckResult; execs: string[] }> => {
  let now = start;
  const readMs = sites.readMs ?? 0;
  const clock: ClockPort = { now: () => new Date(now), sleep: async () => undefined };
  const execs: string[] = [];
  const kube = (side: Side): KubePort => ({
    describe: `${side} cluster (fake)`,
    getCustomObject: async () => undefined,
    mergePatchCustomObject: unexpected,
    deleteCustomObject: unexpected,
    deletePod: unexpected,
    listPods: async () => {
      if (side === 'upstream' && sites.upstream === undefined) {
        now += readMs;
        throw new UnreachableError('connect ECONNREFUSED');
      }
      return [{ name: `${side}-cluster-server-0`, phase: 'Running', ready: true, labels: {} }];
    },
    exec: async (_namespace, _pod, command) => {
      execs.push(`${side}: ${command.join(' ')}`);
      if (side === 'downstream' && same(command, standbyCommands.downstreamMetrics)) {
        now += readMs;
        return metrics('Inspecting standby downstream metrics related to recovery...', sites.downstream(now));
      }
      if (side === 'upstream' && sites.upstream && same(command, standbyCommands.upstreamMetrics)) {
        now += readMs;
        return metrics('Inspecting standby upstream metrics related to recovery...', sites.upstream(now));
      }
      // The other checks' commands: they fail, which says nothing about the lag.
      return { exitCode: 1, stdout: '', stderr: 'not modelled by this test' };
    },
  });
  const kubes = { upstream: kube('upstream'), downstream: kube('downstream') };
  // Readiness only reads: it is given nothing to change the world with.
  const ctx: Pick<StepContext, 'plan' | 'kube' | 'clock' | 'progress'> = {
    plan,
    kube: (side) => kubes[side],
    clock,
    progress: () => undefined,
  };
  const check = (await rabbitmqStandbyEngine.readiness(ctx as StepContext)).find(
    (c) => c.name === 'replication-lag',
  )!;
  return { check, execs };
};

describe('rabbitmq-standby replication-lag check', () => {
  let plan: Plan;
  beforeAll(async () => {
    plan = await loadPlan('examples/plans/rabbitmq-standby.yaml');
    expect(plan.thresholds.maxReplicationLagSeconds).toBe(60);
  });

  it('against the upstream: a lag of exactly the bound passes, 1 ms more fails', async () => {
    const upstreamPoint = start + 30_000;
    const atBound = await lagCheck(plan, {
      upstream: () => upstreamPoint,
      downstream: () => upstreamPoint - 60_000,
    });
    expect(atBound.check).toMatchObject({
      passed: true,
      evidence: { lagSeconds: 60, maxReplicationLagSeconds: 60 },
    });
    expect(atBound.check.summary).toBe(
      'lag 60 s (test-vhost-1/q1.quorum, measured against upstream) <= RPO bound 60 s',
    );

    const over = await lagCheck(plan, {
      upstream: () => upstreamPoint,
      downstream: () => upstreamPoint - 60_001,
    });
    expect(over.check).toMatchObject({ passed: false, evidence: { lagSeconds: 60.001 } });
    expect(over.check.summary).toBe(
      'lag 60.001 s (test-vhost-1/q1.quorum, measured against upstream) > RPO bound 60 s',
    );
  });

  it('shows the lag to 0.1 s, and to the millisecond only where 0.1 s would blur which side of the bound it is on', async () => {
    const upstreamPoint = start + 30_000;
    const far = await lagCheck(plan, {
      upstream: () => upstreamPoint,
      downstream: () => upstreamPoint - 600_015,
    });
    expect(far.check.summary).toBe(
      'lag 600 s (test-vhost-1/q1.quorum, measured against upstream) > RPO bound 60 s',
    );
    expect(far.check.evidence['lagSeconds']).toBe(600.015);
    const justUnder = await lagCheck(plan, {
      upstream: () => upstreamPoint,
      downstream: () => upstreamPoint - 59_960,
    });
    expect(justUnder.check).toMatchObject({
      passed: true,
      summary: 'lag 60 s (test-vhost-1/q1.quorum, measured against upstream) <= RPO bound 60 s',
    });
  });

  it('against now (upstream unreachable): a lag of exactly the bound passes, 1 ms more fails', async () => {
    const atBound = await lagCheck(plan, { downstream: () => start - 60_000 });
    expect(atBound.check).toMatchObject({
      passed: true,
      evidence: { lagSeconds: 60, queues: [expect.objectContaining({ basis: 'now' })] },
    });
    expect(atBound.check.evidence['upstream']).toMatch(/^upstream unreachable \(connect ECONNREFUSED\)/);

    const over = await lagCheck(plan, { downstream: () => start - 60_001 });
    expect(over.check).toMatchObject({ passed: false, evidence: { lagSeconds: 60.001 } });
    expect(over.check.summary).toBe(
      'lag 60.001 s (test-vhost-1/q1.quorum, measured against now) > RPO bound 60 s',
    );
  });

  it('reads the downstream before the upstream, so an upstream that moves on between the reads never hides lag', async () => {
    // The upstream takes messages all the time (its last point is the moment of the read); the
    // downstream trails it by 60.5 s, beyond the bound; each read takes 1 s.
    const { check, execs } = await lagCheck(plan, {
      upstream: (now) => now,
      downstream: (now) => now - 60_500,
      readMs: 1_000,
    });
    const metricsReads = execs.filter((e) => e.includes('inspect_standby_'));
    expect(metricsReads).toEqual([
      'downstream: rabbitmq-diagnostics inspect_standby_downstream_metrics',
      'upstream: rabbitmq-diagnostics inspect_standby_upstream_metrics',
    ]);
    expect(check.passed).toBe(false);
    expect(check.evidence['lagSeconds']).toBeGreaterThanOrEqual(60.5);
  });

  it('measures against the moment the downstream answered: time spent failing to reach the upstream is not lag', async () => {
    const { check } = await lagCheck(plan, { downstream: (now) => now - 60_000, readMs: 5_000 });
    expect(check).toMatchObject({ passed: true, evidence: { lagSeconds: 60 } });
  });
});
