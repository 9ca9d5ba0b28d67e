// Graceful switchover: does the standby hold everything the fenced upstream took? Every queue
// of the plan's vhosts must show, on the standby, a last replicated point at or after the
// moment the fence was verified, and at or after the upstream's own last point for that queue
// where the upstream answers. Exact milliseconds: a point 1 ms short of the fence is not there.
import { errorMessage } from '../../errors.js';
import type { CatchUpResult, StepContext } from '../engine.js';
import { parseReplicationMetrics, standbyCommands, type QueueReplicationPoint } from './commands.js';
import { downstreamAccess, run, type DownstreamAccess } from './exec.js';
import type { RabbitmqStandbyPlan } from './plan.js';
import { serverPods } from './resources.js';
import { sideNames } from './reverse.js';

const metricsTimeoutMs = 10_000;

interface QueueCatchUp {
  vhost: string;
  queue: string;
  replicatedAt: string;
  replicatedAtMs: number;
  /** The upstream's own last point for the queue, when it answered. */
  upstreamAtMs?: number;
  /** How far the replicated point is past the fence (negative: short of it). */
  pastFenceMs: number;
  caughtUp: boolean;
}

const key = (p: { vhost: string; queue: string }) => `${p.vhost}/${p.queue}`;

/** Each upstream node reports the queues it leads: every Ready pod is asked. */
const upstreamPoints = async (
  ctx: StepContext,
  engine: RabbitmqStandbyPlan,
): Promise<{ points?: QueueReplicationPoint[]; note: string }> => {
  const names = sideNames(engine, 'upstream');
  const access: DownstreamAccess = {
    kube: ctx.kube('upstream'),
    namespace: names.namespace,
    cluster: names.rabbitmqCluster,
    container: names.container,
  };
  try {
    const pods = (await serverPods(access.kube, access.namespace, access.cluster)).filter((p) => p.ready);
    if (pods.length === 0)
      return { note: 'no Ready upstream pod answered; compared with the fence time only' };
    const perPod = await Promise.all(
      pods.map(async (p) =>
        parseReplicationMetrics(
          standbyCommands.upstreamMetrics,
          await run(access, p.name, standbyCommands.upstreamMetrics, metricsTimeoutMs),
        ),
      ),
    );
    return { points: perPod.flat(), note: `upstream's own points read from ${pods.length} pods` };
  } catch (err) {
    return { note: `upstream did not answer (${errorMessage(err)}); compared with the fence time only` };
  }
};

export const standbyCatchUp = async (
  ctx: StepContext,
  engine: RabbitmqStandbyPlan,
  fencedAt: Date,
): Promise<CatchUpResult> => {
  const access = downstreamAccess(ctx.kube('downstream'), engine);
  const fenceMs = fencedAt.getTime();
  const vhosts = engine.vhosts.filter((v) => !engine.promotion.excludeVirtualHosts.includes(v));
  const pod = (await serverPods(access.kube, access.namespace, access.cluster)).find((p) => p.ready)?.name;
  // Not an error: the next look may find one, until the plan's bound says otherwise.
  if (pod === undefined)
    return {
      caughtUp: false,
      summary: `no Ready pod of ${access.namespace}/${access.cluster} to read the replication points from`,
      evidence: { fencedAtMs: fenceMs },
    };
  const standby = parseReplicationMetrics(
    standbyCommands.downstreamMetrics,
    await run(access, pod, standbyCommands.downstreamMetrics, metricsTimeoutMs),
  ).filter((p) => vhosts.includes(p.vhost));
  const upstream = await upstreamPoints(ctx, engine);
  const reference = new Map(
    (upstream.points ?? []).filter((p) => vhosts.includes(p.vhost)).map((p) => [key(p), p.timestamp]),
  );

  const queues: QueueCatchUp[] = standby.map((p) => {
    const upstreamAtMs = reference.get(key(p));
    return {
      vhost: p.vhost,
      queue: p.queue,
      replicatedAt: new Date(p.timestamp).toISOString(),
      replicatedAtMs: p.timestamp,
      ...(upstreamAtMs === undefined ? {} : { upstreamAtMs }),
      pastFenceMs: p.timestamp - fenceMs,
      caughtUp: p.timestamp >= fenceMs && (upstreamAtMs === undefined || p.timestamp >= upstreamAtMs),
    };
  });
  // A queue the upstream replicates but the standby does not report has nothing on the standby.
  const unknownToStandby = [...reference.keys()].filter((k) => !queues.some((q) => key(q) === k));
  const unmeasured = vhosts.filter((v) => !queues.some((q) => q.vhost === v));
  const behind = queues.filter((q) => !q.caughtUp);
  const caughtUp =
    queues.length > 0 && behind.length === 0 && unknownToStandby.length === 0 && unmeasured.length === 0;

  const describe = (q: QueueCatchUp) =>
    `${q.vhost}/${q.queue} at ${q.replicatedAt}, ${q.pastFenceMs >= 0 ? `${q.pastFenceMs} ms past` : `${-q.pastFenceMs} ms short of`} the fence${
      q.upstreamAtMs !== undefined && q.replicatedAtMs < q.upstreamAtMs
        ? ` and ${q.upstreamAtMs - q.replicatedAtMs} ms short of the upstream's last point`
        : ''
    }`;
  const summary = caughtUp
    ? `every queue replicated past the fence at ${fencedAt.toISOString()} (${queues.map(describe).join('; ')})`
    : [
        ...behind.map(describe),
        ...unknownToStandby.map((k) => `${k} is replicated by the upstream but not reported by the standby`),
        ...unmeasured.map(
          (v) => `no replicated queue of vhost ${v} on the standby: nothing shows it caught up`,
        ),
      ].join('; ');
  return {
    caughtUp,
    summary,
    evidence: {
      pod,
      fencedAtMs: fenceMs,
      vhosts,
      queues,
      upstream: upstream.note,
      ...(unknownToStandby.length > 0 ? { unknownToStandby } : {}),
      ...(unmeasured.length > 0 ? { unmeasured } : {}),
    },
  };
};
