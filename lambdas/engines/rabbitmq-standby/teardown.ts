// After promotion the downstream still runs schema sync in `downstream` mode and refuses new
// definitions, and its links to the old upstream stay up. Two ways out (the reference guide):
// rolling restart into upstream mode (permanent), or a live switch without restart (temporary).
import { TeardownFailedError } from '../../errors.js';
import type { ActionResult, StepContext } from '../engine.js';
import { RabbitCommandError } from '../rabbitmq/cluster-access.js';
import { notRejoined, waitForRejoin } from '../rabbitmq/cluster-health.js';
import { parseDiskSpaceUsed, parseSchemaReplicationStatus, podOfNode, standbyCommands } from './commands.js';
import { downstreamAccess, readyPod, run, type DownstreamAccess } from './exec.js';
import type { RabbitmqStandbyPlan } from './plan.js';
import {
  additionalConfigOf,
  conditionsOf,
  rabbitmqClusterRef,
  schemaReplicationRef,
  serverPods,
  standbyReplicationRef,
  upstreamModeConfig,
} from './resources.js';

const restartPollMs = 2_000;
/**
 * Between looks at a rolling restart the workflow waits this long: about one pod's stop, start and
 * rejoin, so each look sees another pod come back. Each look costs three state transitions, and
 * teardown runs after traffic has moved, off the recovery-time path.
 */
const restartWorkflowCheckEverySeconds = 60;
/**
 * After traffic has moved, giving up on teardown leaves the new primary half-switched: an
 * idempotent command that exits non-zero is tried again within the step before it fails.
 */
const idempotentCommandAttempts = 3;
const idempotentRetryPauseMs = 1_000;

export const standbyTeardown = async (
  ctx: StepContext,
  engine: RabbitmqStandbyPlan,
): Promise<ActionResult> => {
  const access = downstreamAccess(ctx.kube('downstream'), engine);
  const removed = await deleteReplicationResources(ctx, access, engine);
  const detail =
    engine.teardown.way === 'rolling-restart'
      ? await rollingRestartWay(ctx, access, engine)
      : await liveSwitchWay(ctx, access, engine);
  return {
    summary:
      engine.teardown.way === 'rolling-restart'
        ? `replication resources removed (${removed.join(', ')}); ${access.cluster} restarted in upstream mode${'rejoin' in detail ? `, all ${detail.rejoin.nodes.length} nodes rejoined` : ''}`
        : `replication resources removed (${removed.join(', ')}); stream link disconnected and schema mode upstream on every pod — temporary until a restart: apply the rolling-restart way in a quiet hour`,
    detail: { way: engine.teardown.way, removed, ...detail },
  };
};

const deleteReplicationResources = async (
  ctx: StepContext,
  access: DownstreamAccess,
  engine: RabbitmqStandbyPlan,
) => {
  const refs = [
    standbyReplicationRef(access.namespace, engine.downstream.standbyReplication),
    schemaReplicationRef(access.namespace, engine.downstream.schemaReplication),
  ];
  return allSettled(
    refs.map(async (ref) => {
      const label = `${ref.plural}/${ref.name}`;
      const outcome = await ctx.act(
        `delete ${ref.plural}.${ref.group} ${ref.name}`,
        `${ref.namespace}/${ref.name}`,
        () => access.kube.deleteCustomObject(ref),
        (o) => (o === 'deleted' ? `deleted ${ref.plural}.${ref.group} ${ref.name}` : undefined),
      );
      const stillThere = await access.kube.getCustomObject(ref);
      // A finalizer may keep it briefly; a retry of the step finds it gone or deletes again.
      if (
        stillThere &&
        !(stillThere['metadata'] as { deletionTimestamp?: string } | undefined)?.deletionTimestamp
      ) {
        throw new TeardownFailedError(`${label} in ${ref.namespace} still exists after delete`);
      }
      return outcome === 'deleted' ? label : `${label} (already absent)`;
    }),
  );
};

const deleteReplicatedData = (ctx: StepContext, access: DownstreamAccess, pod: string) =>
  ctx.act(
    'delete all locally replicated standby data (delete_all_data_on_standby_replication_cluster)',
    `${access.namespace}/${access.cluster}`,
    () => runIdempotent(ctx, access, pod, standbyCommands.deleteReplicatedData),
    () => 'deleted all locally replicated standby data (delete_all_data_on_standby_replication_cluster)',
  );

/**
 * Every sibling runs to its end before the first failure is thrown: a change that finishes after
 * another has failed is still journalled, and nothing keeps acting once the step has returned.
 */
const allSettled = async <T>(work: Array<Promise<T>>): Promise<T[]> => {
  const results = await Promise.allSettled(work);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
};

/** An idempotent command, tried again after a non-zero exit (a busy node answers the next time). */
const runIdempotent = async (
  ctx: StepContext,
  access: DownstreamAccess,
  pod: string,
  command: readonly string[],
): Promise<string> => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run(access, pod, command);
    } catch (err) {
      if (!(err instanceof RabbitCommandError) || attempt >= idempotentCommandAttempts) throw err;
      ctx.progress(`${err.message}; trying again (${attempt + 1}/${idempotentCommandAttempts})`);
      await ctx.clock.sleep(idempotentRetryPauseMs);
    }
  }
};

/** Way 1: switch both operating modes in the RabbitmqCluster and wait for the rolling restart. */
const rollingRestartWay = async (ctx: StepContext, access: DownstreamAccess, engine: RabbitmqStandbyPlan) => {
  if (engine.teardown.deleteReplicatedData)
    await deleteReplicatedData(ctx, access, (await readyPod(access)).name);
  const ref = rabbitmqClusterRef(access.namespace, access.cluster);
  const cluster = await access.kube.getCustomObject(ref);
  if (!cluster)
    throw new TeardownFailedError(`RabbitmqCluster ${access.namespace}/${access.cluster} not found`);
  const current = additionalConfigOf(cluster);
  const wanted = upstreamModeConfig(current);
  if (wanted !== current) {
    const resourceVersion = (cluster['metadata'] as { resourceVersion?: string }).resourceVersion;
    // resourceVersion makes this a compare-and-swap: a concurrent edit gets 409 and a retry re-reads.
    const change =
      'set schema_definition_sync and standby.replication operating modes to upstream in additionalConfig (rolling restart)';
    await ctx.act(change, `${access.namespace}/${access.cluster}`, () =>
      access.kube.mergePatchCustomObject(ref, {
        metadata: { resourceVersion },
        spec: { rabbitmq: { additionalConfig: wanted } },
      }),
    );
  }
  const restart = await waitForRollingRestart(ctx, access, engine.teardown.restartTimeoutSeconds);
  const rejoin = await waitForNodesToRejoin(ctx, access, engine.teardown.restartTimeoutSeconds);
  const modes = await verifySchemaModeEverywhere(access);
  return { configChanged: wanted !== current, restart, rejoin, modes };
};

export const waitForRollingRestart = async (
  ctx: StepContext,
  access: DownstreamAccess,
  timeoutSeconds: number,
) => {
  const ref = rabbitmqClusterRef(access.namespace, access.cluster);
  const state = await ctx.waitFor(
    async () => {
      const [cluster, pods] = await Promise.all([
        access.kube.getCustomObject(ref),
        serverPods(access.kube, access.namespace, access.cluster),
      ]);
      const generation = (cluster?.['metadata'] as { generation?: number } | undefined)?.generation ?? 0;
      const observed =
        (cluster?.['status'] as { observedGeneration?: number } | undefined)?.observedGeneration ?? 0;
      const allReady =
        conditionsOf(cluster ?? {}).find((c) => c.type === 'AllReplicasReady')?.status === 'True';
      const notReady = pods.filter((p) => !p.ready).map((p) => p.name);
      const state = `generation ${observed}/${generation} observed, ${pods.length - notReady.length}/${pods.length} pods Ready`;
      return observed >= generation && allReady && notReady.length === 0 && pods.length > 0
        ? { done: true, value: state }
        : { done: false, state: `${state}${notReady.length ? `; not Ready: ${notReady.join(', ')}` : ''}` };
    },
    {
      name: `the rolling restart of ${access.namespace}/${access.cluster}`,
      timeoutSeconds,
      checkEveryMs: restartPollMs,
      workflowCheckEverySeconds: restartWorkflowCheckEverySeconds,
      timedOut: (state) =>
        new TeardownFailedError(
          `rolling restart of ${access.namespace}/${access.cluster} not finished after ${timeoutSeconds} s (${state})`,
        ),
    },
  );
  return { state };
};

/**
 * Ready pods are not yet a cluster: each restarted node must find its peers again (seed 004),
 * within `timeoutSeconds` of the first look after the restart.
 */
export const waitForNodesToRejoin = async (
  ctx: StepContext,
  access: DownstreamAccess,
  timeoutSeconds: number,
) => {
  const result = await waitForRejoin(ctx, access, {
    timeoutSeconds,
    pollMs: restartPollMs,
    workflowCheckEverySeconds: restartWorkflowCheckEverySeconds,
  });
  if (!result.rejoined) {
    throw new TeardownFailedError(
      `after the rolling restart, not every node rejoined ${access.namespace}/${access.cluster} within ${Math.round(timeoutSeconds)} s: ${notRejoined(result.membership).join(', ')} (${result.membership.problems.join('; ')})`,
      { membership: result.membership },
    );
  }
  return { nodes: result.membership.running, attempts: result.attempts, waitedMs: result.waitedMs };
};

const verifySchemaModeEverywhere = async (access: DownstreamAccess) => {
  const pods = await serverPods(access.kube, access.namespace, access.cluster);
  const modes = await Promise.all(
    pods.map(async (p) => ({
      pod: p.name,
      ...parseSchemaReplicationStatus(await run(access, p.name, standbyCommands.schemaReplicationStatus)),
    })),
  );
  const wrong = modes.filter((m) => m.mode !== 'upstream');
  if (wrong.length > 0)
    throw new TeardownFailedError(
      `schema replication mode is not upstream on ${wrong.map((m) => `${m.pod} (${m.mode})`).join(', ')}`,
    );
  return modes.map(({ pod, mode, state }) => ({ pod, mode, state }));
};

/** Way 2: disconnect the stream link and switch schema mode on every pod, without a restart. */
const liveSwitchWay = async (ctx: StepContext, access: DownstreamAccess, engine: RabbitmqStandbyPlan) => {
  const pods = await serverPods(access.kube, access.namespace, access.cluster);
  const target = `${access.namespace}/${access.cluster}`;
  const anyPod = (await readyPod(access)).name;
  // The node holding the stream connection is the one listed with replicated data.
  const linkNodes = [
    ...new Set(
      parseDiskSpaceUsed(await run(access, anyPod, standbyCommands.diskSpaceUsed)).map((row) =>
        podOfNode(row.node),
      ),
    ),
  ];
  const disconnectOn = linkNodes.length > 0 ? linkNodes : pods.map((p) => p.name);
  const disconnected = await allSettled(
    disconnectOn.map(async (pod) => {
      const printed = await ctx.act(
        `disconnect the standby replication stream link on ${pod}`,
        target,
        async () =>
          (await runIdempotent(ctx, access, pod, standbyCommands.disconnectDownstream))
            .trim()
            .split('\n')
            .pop(),
      );
      return { pod, printed };
    }),
  );
  const switched = await allSettled(
    pods.map(async (p) => {
      const status = parseSchemaReplicationStatus(
        await run(access, p.name, standbyCommands.schemaReplicationStatus),
      );
      if (status.mode === 'upstream') return { pod: p.name, changed: false };
      await ctx.act(
        `set schema replication mode upstream on ${p.name} (until its next restart)`,
        target,
        () => runIdempotent(ctx, access, p.name, standbyCommands.setSchemaModeUpstream),
      );
      return { pod: p.name, changed: true };
    }),
  );
  const modes = await verifySchemaModeEverywhere(access);
  if (engine.teardown.deleteReplicatedData) await deleteReplicatedData(ctx, access, anyPod);
  return {
    disconnected,
    switched,
    modes,
    followUp:
      'a restart brings back downstream mode: set both operating modes to upstream in the RabbitmqCluster (the rolling-restart way) in a quiet hour',
  };
};
