// Reprotect: make the downstream the standby of the upstream (the plan as the leg orients it:
// after a failover, the old primary becomes the standby of the new one), the way Tanzu's
// documentation sets up a downstream: its SchemaReplication and StandbyReplication name the
// upstream's endpoints and the replicator's Secret, and both operating modes are `downstream`
// in its RabbitmqCluster (a rolling restart). The upstream must run in upstream mode, which the
// rolling-restart teardown already made permanent; after a live-switch teardown it is made so
// here. The standby is fenced too: a client still writing to it would write where nobody reads.
// Everything is read first; only what differs is changed; then it waits until replication runs.
import { MisconfiguredError, TransientError, VerificationFailedError, errorMessage } from '../../errors.js';
import type { CustomObjectRef, KubePort } from '../../ports/kube.js';
import type { ActionResult, StepContext } from '../engine.js';
import {
  fenceRabbitVhosts,
  parseConnections,
  parseVhostLimits,
  vhostAccessCommands,
} from '../rabbitmq/fence.js';
import {
  parsePromotionSummary,
  parseReplicationMetrics,
  parseSchemaReplicationStatus,
  parseVhostsAvailable,
  standbyCommands,
} from './commands.js';
import { run, type DownstreamAccess } from './exec.js';
import type { RabbitmqStandbyPlan } from './plan.js';
import {
  additionalConfigOf,
  configuredModes,
  downstreamModeConfig,
  rabbitmqClusterRef,
  schemaReplicationRef,
  serverPods,
  standbyReplicationRef,
  upstreamModeConfig,
} from './resources.js';
import { sideNames, type SideNames } from './reverse.js';
import { waitForNodesToRejoin, waitForRollingRestart } from './teardown.js';

const verifyTimeoutMs = 120_000;
const verifyPollMs = 2_000;

const accessOf = (kube: KubePort, names: SideNames): DownstreamAccess => ({
  kube,
  namespace: names.namespace,
  cluster: names.rabbitmqCluster,
  container: names.container,
});
const describe = (access: DownstreamAccess) => `${access.namespace}/${access.cluster}`;
const specOf = (obj: Record<string, unknown>): Record<string, unknown> =>
  (obj['spec'] as Record<string, unknown> | undefined) ?? {};
const resourceVersionOf = (obj: Record<string, unknown>) =>
  (obj['metadata'] as { resourceVersion?: string } | undefined)?.resourceVersion;
/** Only the fields reprotect sets are compared: the operator may add its own. */
const differs = (current: Record<string, unknown>, wanted: Record<string, unknown>): boolean =>
  Object.entries(wanted).some(([k, v]) =>
    v === null ? current[k] !== undefined : JSON.stringify(current[k]) !== JSON.stringify(v),
  );

interface Desired {
  ref: CustomObjectRef;
  kind: string;
  spec: Record<string, unknown>;
}

/** The objects a standby needs, as the upstream's endpoints and the standby's Secret make them. */
const desiredResources = (down: SideNames, endpoints: { schema: string; stream: string }): Desired[] => {
  const secret = { name: down.upstreamSecret };
  const cluster = { name: down.rabbitmqCluster };
  return [
    {
      ref: schemaReplicationRef(down.namespace, down.schemaReplication),
      kind: 'SchemaReplication',
      spec: { endpoints: endpoints.schema, upstreamSecret: secret, rabbitmqClusterReference: cluster },
    },
    {
      ref: standbyReplicationRef(down.namespace, down.standbyReplication),
      kind: 'StandbyReplication',
      spec: {
        operatingMode: 'downstream',
        downstreamModeConfiguration: { endpoints: endpoints.stream, upstreamSecret: secret },
        // An old upstream's object carries its replication policies: a downstream has none.
        upstreamModeConfiguration: null,
        rabbitmqClusterReference: cluster,
      },
    },
  ];
};

export const standbyReprotect = async (
  ctx: StepContext,
  engine: RabbitmqStandbyPlan,
): Promise<ActionResult> => {
  const up = sideNames(engine, 'upstream');
  const down = sideNames(engine, 'downstream');
  const upstream = accessOf(ctx.kube('upstream'), up);
  const standby = accessOf(ctx.kube('downstream'), down);
  const endpoints = up.replicationEndpoints;
  if (!endpoints) {
    throw new MisconfiguredError(
      `reprotect needs the replication endpoints of ${describe(upstream)} (the side that serves): the plan's engine block names none for it (replicationEndpoints: { schema, stream }); nothing was changed`,
    );
  }

  // Everything is read before anything changes: a plan that cannot be carried out halts untouched.
  const [upCluster, downCluster] = await Promise.all([
    upstream.kube.getCustomObject(rabbitmqClusterRef(upstream.namespace, upstream.cluster)),
    standby.kube.getCustomObject(rabbitmqClusterRef(standby.namespace, standby.cluster)),
  ]);
  if (!upCluster)
    throw new MisconfiguredError(`RabbitmqCluster ${describe(upstream)} not found; nothing was changed`);
  if (!downCluster)
    throw new MisconfiguredError(`RabbitmqCluster ${describe(standby)} not found; nothing was changed`);
  const desired = desiredResources(down, endpoints);
  const current = await Promise.all(desired.map((d) => standby.kube.getCustomObject(d.ref)));
  const missing = desired.filter((_, i) => current[i] === undefined);
  if (missing.length > 0) {
    // The orchestrator's Kubernetes access patches and deletes objects; it does not create them.
    throw new MisconfiguredError(
      `${missing.map((d) => `${d.kind} ${d.ref.namespace}/${d.ref.name}`).join(' and ')} must exist before reprotect can configure them; create ${missing.length > 1 ? 'them' : 'it'} with spec ${missing
        .map((d) => JSON.stringify(Object.fromEntries(Object.entries(d.spec).filter(([, v]) => v !== null))))
        .join(' and ')}, then run reprotect again; nothing was changed`,
    );
  }
  await refuseAStandbyAsUpstream(upstream, standby, additionalConfigOf(upCluster));

  const changes: string[] = [];
  const upConfig = additionalConfigOf(upCluster);
  const upRestarting = changeNotObserved(upCluster);
  if (configuredModes(upConfig).standby !== 'upstream' || configuredModes(upConfig).schema !== 'upstream') {
    await patchConfig(
      ctx,
      upstream,
      upCluster,
      upstreamModeConfig(upConfig),
      'set schema_definition_sync and standby.replication operating modes to upstream in additionalConfig (rolling restart)',
    );
    changes.push(`${describe(upstream)} restarted in upstream mode`);
    await waitForRestart(ctx, upstream, engine);
  } else if (upRestarting) {
    // A cut-short attempt changed it: its restart may still be running.
    await waitForRestart(ctx, upstream, engine);
  }

  if (!(await alreadyFenced(standby, engine.vhosts))) {
    const fence = await fenceRabbitVhosts(ctx, standby, engine.vhosts);
    if (fence.state !== 'fenced')
      throw new TransientError(
        `${describe(standby)} could not be fenced before it becomes the standby: ${fence.summary}`,
      );
    changes.push(`${describe(standby)} fenced (a standby takes no client writes)`);
  }

  for (const [i, d] of desired.entries()) {
    const obj = current[i]!;
    if (!differs(specOf(obj), d.spec)) continue;
    const target = `${d.ref.namespace}/${d.ref.name}`;
    // resourceVersion makes this a compare-and-swap: a concurrent edit gets 409 and a retry re-reads.
    await ctx.act(`configure ${d.kind} ${d.ref.name} as a downstream of ${describe(upstream)}`, target, () =>
      standby.kube.mergePatchCustomObject(d.ref, {
        metadata: { resourceVersion: resourceVersionOf(obj) },
        spec: d.spec,
      }),
    );
    changes.push(
      `${d.kind} ${d.ref.name} points at ${d.kind === 'SchemaReplication' ? endpoints.schema : endpoints.stream}`,
    );
  }

  const downConfig = additionalConfigOf(downCluster);
  const wantedDown = downstreamModeConfig(downConfig);
  if (wantedDown !== downConfig) {
    // Re-read: status updates since the first read have moved its resourceVersion on.
    const fresh = await standby.kube.getCustomObject(rabbitmqClusterRef(standby.namespace, standby.cluster));
    if (!fresh)
      throw new MisconfiguredError(`RabbitmqCluster ${describe(standby)} disappeared during reprotect`);
    await patchConfig(
      ctx,
      standby,
      fresh,
      wantedDown,
      'set schema_definition_sync and standby.replication operating modes to downstream in additionalConfig (rolling restart)',
    );
    changes.push(`${describe(standby)} restarted in downstream mode`);
  }
  // A retry after a cut-short attempt finds the config changed and the restart perhaps still running.
  await waitForRestart(ctx, standby, engine);

  const running = await waitUntilReplicating(ctx, standby, engine);
  return {
    summary: `${describe(standby)} is the standby of ${describe(upstream)}: ${changes.length > 0 ? changes.join('; ') : 'nothing needed changing'}; ${running.summary}`,
    detail: {
      upstream: describe(upstream),
      standby: describe(standby),
      endpoints,
      changes,
      ...running.detail,
    },
  };
};

/** A side that is itself an unpromoted standby does not serve: making the other its standby would leave no primary. */
const refuseAStandbyAsUpstream = async (
  upstream: DownstreamAccess,
  standby: DownstreamAccess,
  config: string,
) => {
  if (configuredModes(config).standby === 'upstream') return;
  const pod = (await serverPods(upstream.kube, upstream.namespace, upstream.cluster)).find((p) => p.ready);
  if (!pod) throw new TransientError(`no Ready pod of ${describe(upstream)} to tell whether it was promoted`);
  const summary = parsePromotionSummary(
    standbyCommands.promotionSummary,
    await run(upstream, pod.name, standbyCommands.promotionSummary),
  );
  if (summary.length === 0) {
    throw new MisconfiguredError(
      `${describe(upstream)} is configured as a standby and was never promoted: it does not serve, so it cannot be the upstream of ${describe(standby)}; nothing was changed`,
    );
  }
};

const patchConfig = (
  ctx: StepContext,
  access: DownstreamAccess,
  cluster: Record<string, unknown>,
  wanted: string,
  intent: string,
) =>
  ctx.act(intent, describe(access), () =>
    access.kube.mergePatchCustomObject(rabbitmqClusterRef(access.namespace, access.cluster), {
      metadata: { resourceVersion: resourceVersionOf(cluster) },
      spec: { rabbitmq: { additionalConfig: wanted } },
    }),
  );

/** The operator has not yet rolled out the latest spec change. */
const changeNotObserved = (cluster: Record<string, unknown>): boolean =>
  ((cluster['status'] as { observedGeneration?: number } | undefined)?.observedGeneration ?? 0) <
  ((cluster['metadata'] as { generation?: number } | undefined)?.generation ?? 0);

const waitForRestart = async (ctx: StepContext, access: DownstreamAccess, engine: RabbitmqStandbyPlan) => {
  await waitForRollingRestart(ctx, access, engine.teardown.restartTimeoutSeconds);
  await waitForNodesToRejoin(ctx, access, engine.teardown.restartTimeoutSeconds);
};

/** Every plan vhost refuses connections and no client connection is open: fencing again would change nothing. */
const alreadyFenced = async (access: DownstreamAccess, vhosts: string[]): Promise<boolean> => {
  const pod = (await serverPods(access.kube, access.namespace, access.cluster)).find((p) => p.ready);
  if (!pod) return false;
  const limits = await Promise.all(
    vhosts.map(async (v) => parseVhostLimits(v, await run(access, pod.name, vhostAccessCommands.limits(v)))),
  );
  if (limits.some((l) => l['max-connections'] !== 0)) return false;
  const connections = parseConnections(await run(access, pod.name, vhostAccessCommands.connections));
  return !connections.some((c) => vhosts.includes(c.vhost));
};

/** What says replication runs: schema sync downstream/syncing on every pod, every vhost recoverable, every vhost's queues replicated within the RPO bound. */
const replicationState = async (ctx: StepContext, access: DownstreamAccess, engine: RabbitmqStandbyPlan) => {
  const pods = await serverPods(access.kube, access.namespace, access.cluster);
  const problems: string[] = [];
  const modes = await Promise.all(
    pods.map(async (p) => {
      if (!p.ready) return { pod: p.name, mode: 'unknown', state: 'pod not Ready' };
      const status = parseSchemaReplicationStatus(
        await run(access, p.name, standbyCommands.schemaReplicationStatus),
      );
      return { pod: p.name, mode: status.mode, state: status.state };
    }),
  );
  problems.push(
    ...modes
      .filter((m) => m.mode !== 'downstream' || m.state !== 'syncing')
      .map((m) => `${m.pod}: schema replication ${m.mode}/${m.state}`),
  );
  const pod = pods.find((p) => p.ready)?.name;
  if (pod === undefined) return { problems: [...problems, 'no Ready pod'], modes, queues: [] };
  const available = parseVhostsAvailable(await run(access, pod, standbyCommands.vhostsAvailableForRecovery));
  problems.push(
    ...engine.vhosts
      .filter((v) => !available.includes(v))
      .map((v) => `vhost ${v} not available for recovery yet`),
  );
  const points = parseReplicationMetrics(
    standbyCommands.downstreamMetrics,
    await run(access, pod, standbyCommands.downstreamMetrics),
  );
  const now = ctx.clock.now().getTime();
  const boundMs = ctx.plan.thresholds.maxReplicationLagSeconds * 1000;
  const queues = points
    .filter((p) => engine.vhosts.includes(p.vhost))
    .map((p) => ({
      vhost: p.vhost,
      queue: p.queue,
      lastReplicated: new Date(p.timestamp).toISOString(),
      behindMs: now - p.timestamp,
    }));
  problems.push(
    ...engine.vhosts
      .filter((v) => !queues.some((q) => q.vhost === v))
      .map((v) => `no replicated queue of vhost ${v} yet`),
  );
  problems.push(
    ...queues
      .filter((q) => q.behindMs > boundMs)
      .map((q) => `${q.vhost}/${q.queue} ${q.behindMs} ms behind (RPO bound ${boundMs} ms)`),
  );
  return { problems, modes, queues };
};

const waitUntilReplicating = async (
  ctx: StepContext,
  access: DownstreamAccess,
  engine: RabbitmqStandbyPlan,
) => {
  let last: Awaited<ReturnType<typeof replicationState>> = { problems: [], modes: [], queues: [] };
  const state = await ctx.waitFor(
    async () => {
      try {
        last = await replicationState(ctx, access, engine);
      } catch (err) {
        // A node just back from its restart may not answer yet: it is looked at again.
        last = { problems: [errorMessage(err)], modes: [], queues: [] };
      }
      return last.problems.length === 0
        ? { done: true, value: last }
        : { done: false, state: last.problems.join('; ') };
    },
    {
      name: `replication into ${describe(access)}`,
      timeoutSeconds: verifyTimeoutMs / 1000,
      checkEveryMs: verifyPollMs,
      timedOut: (line) =>
        new VerificationFailedError(
          `${describe(access)} was configured as the standby, but replication did not run within ${verifyTimeoutMs / 1000} s: ${line}`,
          { modes: last.modes, queues: last.queues },
        ),
    },
  );
  return {
    summary: `replication runs: schema sync downstream/syncing on ${state.modes.length} pods, ${state.queues.map((q) => `${q.vhost}/${q.queue} ${q.behindMs} ms behind`).join(', ')}`,
    detail: { modes: state.modes, queues: state.queues },
  };
};
