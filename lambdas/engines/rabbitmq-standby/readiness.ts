// Is the downstream ready to take over? Six checks, run in parallel, each with its evidence.
import { errorMessage } from '../../errors.js';
import type { CheckResult, StepContext } from '../engine.js';
import { runChecks, type Check } from '../run-checks.js';
import { checkClusterHealth } from '../rabbitmq/cluster-health.js';
import {
  parseReplicationMetrics,
  parseSchemaReplicationStatus,
  parseVhostsAvailable,
  standbyCommands,
  type QueueReplicationPoint,
} from './commands.js';
import { downstreamAccess, run, type DownstreamAccess } from './exec.js';
import type { RabbitmqStandbyPlan } from './plan.js';
import { conditionsOf, rabbitmqClusterRef, replicasOf, serverPods } from './resources.js';
import { sideNames } from './reverse.js';

/** Conditions the RabbitMQ Cluster Operator must report True; NoWarnings is reported, not required. */
const requiredConditions = ['AllReplicasReady', 'ClusterAvailable', 'ReconcileSuccess'];
const upstreamMetricsTimeoutMs = 5_000;

export const standbyReadiness = async (
  ctx: StepContext,
  engine: RabbitmqStandbyPlan,
): Promise<CheckResult[]> => {
  const access = downstreamAccess(ctx.kube('downstream'), engine);
  const pods = serverPods(access.kube, access.namespace, access.cluster);
  // Commands run in the first Ready pod; when none is Ready the pod check says why.
  const execPod = pods.then((all) => all.find((p) => p.ready)?.name);

  const checks: Check[] = [
    ['cluster-conditions', () => clusterConditions(access)],
    ['pods-ready', () => podsReady(access, pods)],
    ['cluster-health', () => checkClusterHealth(access, engine.vhosts)],
    ['schema-replication', () => withPod(execPod, (pod) => schemaReplication(access, pod))],
    ['vhosts-recoverable', () => withPod(execPod, (pod) => vhostsRecoverable(access, pod, engine.vhosts))],
    ['replication-lag', () => withPod(execPod, (pod) => replicationLag(ctx, access, pod, engine))],
  ];
  return runChecks(checks);
};

const withPod = async (
  pod: Promise<string | undefined>,
  check: (pod: string) => Promise<Omit<CheckResult, 'name'>>,
) => {
  const name = await pod;
  if (name === undefined)
    return { passed: false, summary: 'no Ready server pod to run rabbitmqctl in', evidence: {} };
  return check(name);
};

const clusterConditions = async (access: DownstreamAccess) => {
  const cluster = await access.kube.getCustomObject(rabbitmqClusterRef(access.namespace, access.cluster));
  if (!cluster)
    return {
      passed: false,
      summary: `RabbitmqCluster ${access.namespace}/${access.cluster} not found`,
      evidence: {},
    };
  const conditions = conditionsOf(cluster);
  const status = Object.fromEntries(conditions.map((c) => [c.type, c.status]));
  const failing = requiredConditions.filter((type) => status[type] !== 'True');
  return {
    passed: failing.length === 0,
    summary:
      failing.length === 0
        ? `${requiredConditions.join(', ')} True${status['NoWarnings'] === 'False' ? ' (NoWarnings False: see evidence)' : ''}`
        : `not True: ${failing.map((t) => `${t}=${status[t] ?? 'absent'}${reasonOf(conditions, t)}`).join(', ')}`,
    evidence: { conditions },
  };
};

const reasonOf = (conditions: ReturnType<typeof conditionsOf>, type: string) => {
  const c = conditions.find((x) => x.type === type);
  return c?.reason || c?.message ? ` (${[c.reason, c.message].filter(Boolean).join(': ')})` : '';
};

const podsReady = async (access: DownstreamAccess, podsPromise: ReturnType<typeof serverPods>) => {
  const [pods, cluster] = await Promise.all([
    podsPromise,
    access.kube.getCustomObject(rabbitmqClusterRef(access.namespace, access.cluster)),
  ]);
  const expected = (cluster && replicasOf(cluster)) ?? pods.length;
  const notReady = pods.filter((p) => !p.ready).map((p) => p.name);
  const missing = Math.max(0, expected - pods.length);
  const evidence = { expected, pods: pods.map((p) => ({ name: p.name, phase: p.phase, ready: p.ready })) };
  if (notReady.length === 0 && missing === 0 && pods.length > 0)
    return { passed: true, summary: `${pods.length}/${expected} server pods Ready`, evidence };
  const problems = [
    ...(notReady.length ? [`not Ready: ${notReady.join(', ')}`] : []),
    ...(missing ? [`${missing} of ${expected} pods missing`] : []),
  ];
  return { passed: false, summary: problems.join('; ') || 'no server pods found', evidence };
};

const schemaReplication = async (access: DownstreamAccess, pod: string) => {
  const status = parseSchemaReplicationStatus(
    await run(access, pod, standbyCommands.schemaReplicationStatus),
  );
  const passed = status.mode === 'downstream' && status.state === 'syncing';
  return {
    passed,
    summary: `operating mode ${status.mode}, state ${status.state}${passed ? '' : ' (expected downstream, syncing)'}`,
    evidence: { pod, ...status },
  };
};

const vhostsRecoverable = async (access: DownstreamAccess, pod: string, vhosts: string[]) => {
  const available = parseVhostsAvailable(await run(access, pod, standbyCommands.vhostsAvailableForRecovery));
  const missing = vhosts.filter((v) => !available.includes(v));
  return {
    passed: missing.length === 0,
    summary:
      missing.length === 0
        ? `all ${vhosts.length} plan vhosts recoverable`
        : `not recoverable: ${missing.join(', ')}`,
    evidence: { pod, expected: vhosts, available },
  };
};

/**
 * Lag of a queue = how far its last replicated point trails the upstream's. When the upstream
 * answers, its own last point per queue is the reference; when it does not (the usual case in
 * a disaster) the reference is now, which over-states the lag of idle queues: safe, not exact.
 *
 * Both points only move forward, so the order of the reads decides which way the error goes.
 * A reference read after the downstream can only over-state the lag (at worst a false "not
 * ready"). A reference read before it under-states it: the downstream may meanwhile have
 * replicated part of what the upstream took in since, and the rest, not replicated, would be
 * hidden — an RPO breach passing the check. So the downstream is read first, and "now" is the
 * moment it answered: time spent trying an unreachable upstream is not lag.
 */
const replicationLag = async (
  ctx: StepContext,
  access: DownstreamAccess,
  pod: string,
  engine: RabbitmqStandbyPlan,
) => {
  const downstream = parseReplicationMetrics(
    standbyCommands.downstreamMetrics,
    await run(access, pod, standbyCommands.downstreamMetrics),
  );
  const now = ctx.clock.now().getTime();
  const { points: upstream, note } = await upstreamPoints(ctx, engine);
  const boundSeconds = ctx.plan.thresholds.maxReplicationLagSeconds;
  const key = (p: QueueReplicationPoint) => `${p.vhost}/${p.queue}`;
  const reference = new Map(upstream.map((p) => [key(p), p.timestamp]));
  const queues = downstream
    .filter((p) => engine.vhosts.includes(p.vhost))
    .map((p) => {
      const ref = reference.get(key(p));
      return {
        vhost: p.vhost,
        queue: p.queue,
        lastReplicated: new Date(p.timestamp).toISOString(),
        basis: ref === undefined ? 'now' : 'upstream',
        lagMs: Math.max(0, (ref ?? now) - p.timestamp),
      };
    });
  const unmeasured = engine.vhosts.filter((v) => !queues.some((q) => q.vhost === v));
  const worst = queues.reduce<(typeof queues)[number] | undefined>(
    (w, q) => (!w || q.lagMs > w.lagMs ? q : w),
    undefined,
  );
  // Whole milliseconds against the bound: rounding first would let a lag just over it pass.
  const boundMs = boundSeconds * 1000;
  const passed = unmeasured.length === 0 && worst !== undefined && worst.lagMs <= boundMs;
  const summary =
    unmeasured.length > 0
      ? `no replicated queue for ${unmeasured.join(', ')}: the possible data loss cannot be bounded`
      : `lag ${shownSeconds(worst!.lagMs, boundMs)} s (${worst!.vhost}/${worst!.queue}, measured against ${worst!.basis}) ${passed ? '<=' : '>'} RPO bound ${boundSeconds} s`;
  return {
    passed,
    summary,
    evidence: {
      lagSeconds: worst && worst.lagMs / 1000,
      maxReplicationLagSeconds: boundSeconds,
      queues: queues.map(({ lagMs, ...q }) => ({ ...q, lagSeconds: lagMs / 1000 })),
      upstream: note,
    },
  };
};

/** To 0.1 s for people, unless that would put the lag on the other side of the bound than the decision. */
const shownSeconds = (lagMs: number, boundMs: number): number => {
  const tenthsMs = Math.round(lagMs / 100) * 100;
  return tenthsMs <= boundMs === lagMs <= boundMs ? tenthsMs / 1000 : lagMs / 1000;
};

const upstreamPoints = async (
  ctx: StepContext,
  engine: RabbitmqStandbyPlan,
): Promise<{ points: QueueReplicationPoint[]; note: string }> => {
  const names = sideNames(engine, 'upstream');
  const access = {
    kube: ctx.kube('upstream'),
    namespace: names.namespace,
    cluster: names.rabbitmqCluster,
    container: names.container,
  };
  try {
    const pods = (await serverPods(access.kube, access.namespace, access.cluster)).filter((p) => p.ready);
    // Each upstream node reports only the queues it leads: ask every one.
    const perPod = await Promise.all(
      pods.map((p) =>
        run(access, p.name, standbyCommands.upstreamMetrics, upstreamMetricsTimeoutMs).then((out) =>
          parseReplicationMetrics(standbyCommands.upstreamMetrics, out),
        ),
      ),
    );
    return { points: perPod.flat(), note: `read from ${pods.length} upstream pods` };
  } catch (err) {
    return { points: [], note: `upstream unreachable (${errorMessage(err)}); lag measured against now` };
  }
};
