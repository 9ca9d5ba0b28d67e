// Promotion of a shovel-replicated downstream: once the upstream is fenced (no client writes,
// the shovels' own connections kept), wait until the shovels have moved every message still
// upstream, then remove the shovels the way they were declared. Every message the upstream
// confirmed to a publisher is then on the downstream: it was either already shovelled (and,
// with ack-mode on-confirm, confirmed by the downstream before it left the upstream) or still
// in a source queue, which is drained before the links are cut.
import { PromotionFailedError, TransientError, VerificationFailedError } from '../../errors.js';
import type { ActionResult, StepContext } from '../engine.js';
import { execIn, RabbitCommandError, runIn, type RabbitAccess } from '../rabbitmq/cluster-access.js';
import { parseVhostLimits, vhostAccessCommands } from '../rabbitmq/fence.js';
import { shovelCommands } from './commands.js';
import { drainPollMs, emptyReadsNeeded } from './drain.js';
import {
  describeBacklog,
  firstReadyPod,
  isPresent,
  readBacklog,
  readLinks,
  type Backlog,
  type Link,
} from './links.js';
import type { RabbitmqShovelPlan } from './plan.js';
import { shovelledVhosts } from './plan.js';
import { clusterAccess, deletionPolicyOf, shovelRef } from './resources.js';

/** How long the topology operator gets to remove a shovel after its resource is deleted. */
const operatorSeconds = 30;
const gonePollMs = 1_000;
/** Promotion is on the recovery time: each invocation looks for a few seconds before the workflow waits. */
const drainLookWithinInvocationMs = 5_000;

export const shovelPromote = async (ctx: StepContext, engine: RabbitmqShovelPlan): Promise<ActionResult> => {
  try {
    return await drainThenRemove(ctx, engine);
  } catch (err) {
    // Every action reads first, so the workflow's retry of a failed command is safe.
    if (err instanceof RabbitCommandError) throw new PromotionFailedError(err.message);
    throw err;
  }
};

const drainThenRemove = async (ctx: StepContext, engine: RabbitmqShovelPlan): Promise<ActionResult> => {
  const downstream = clusterAccess(ctx.kube('downstream'), engine, 'downstream');
  const upstream = clusterAccess(ctx.kube('upstream'), engine, 'upstream');
  const links = await readLinks(downstream, engine);
  const present = links.filter(isPresent);
  if (present.length === 0) {
    return {
      summary: `already promoted: no shovel of the plan is left on ${engine.downstream.rabbitmqCluster}`,
      detail: { alreadyPromoted: true },
    };
  }
  const drained = await drain(ctx, upstream, links, engine.drain.timeoutSeconds);
  const removed = await removeLinks(ctx, downstream, present);
  await waitUntilGone(ctx, downstream, engine, removed);
  return {
    summary: `${drained.measured ? `backlog drained in ${((drained.waitedMs ?? 0) / 1000).toFixed(1)} s (${describeBacklog(drained)})` : `backlog NOT drained: ${drained.error}`}; removed ${removed.map((r) => `${r.shovel} (${r.how})`).join(', ')}`,
    detail: { drained, removed },
  };
};

/**
 * Waits until the upstream's source queues all read empty twice in a row, bounded by the plan's
 * drain timeout; a look every second, for a few seconds per invocation (this is on the recovery
 * time), then the workflow's Wait. An invocation after a Wait reads twice again before it trusts
 * an empty backlog.
 */
const drain = async (
  ctx: StepContext,
  upstream: RabbitAccess,
  links: Link[],
  timeoutSeconds: number,
): Promise<Backlog & { waitedMs?: number; error?: string }> => {
  let emptyReads = 0;
  let last: Backlog | undefined;
  const reading = await ctx.waitFor<Backlog & { waitedMs: number }>(
    async (waitedMs) => {
      const backlog = await readBacklog(upstream, links);
      last = backlog;
      if (!backlog.measured) return { done: true, value: { ...backlog, waitedMs } };
      emptyReads = backlog.total === 0 ? emptyReads + 1 : 0;
      if (emptyReads >= emptyReadsNeeded) return { done: true, value: { ...backlog, waitedMs } };
      return {
        done: false,
        state:
          backlog.total > 0
            ? `${backlog.total} messages to drain (${describeBacklog(backlog)})`
            : `read empty ${emptyReads} of ${emptyReadsNeeded} times in a row`,
      };
    },
    {
      name: "the upstream's backlog to drain",
      timeoutSeconds,
      checkEveryMs: drainPollMs,
      lookWithinInvocationMs: drainLookWithinInvocationMs,
      timedOut: () => {
        const states = links.map((l) => `${l.spec.name} ${l.status?.state ?? 'absent'}`).join(', ');
        return new PromotionFailedError(
          `the backlog did not drain within ${timeoutSeconds} s: ${last ? describeBacklog(last) : 'nothing read'} still upstream (shovels: ${states}); nothing was removed. A shovel whose connection to the fenced upstream dropped cannot reconnect: lift the fence for its user, or promote anyway by removing the shovels by hand`,
          { backlog: last },
        );
      },
    },
  );
  // A lost upstream cannot be drained: what it holds is lost, which the fence step already reported.
  if (!reading.measured && reading.unreachable)
    return { ...reading, error: `the upstream did not answer (${reading.error}): its backlog is unknown` };
  // One that answered with an error still holds its backlog: removing the shovels now would
  // strand it. Nothing is removed; the workflow asks again.
  if (!reading.measured)
    throw new TransientError(
      `cannot read the upstream's backlog before removing the shovels (${reading.error}); nothing was removed`,
    );
  return reading;
};

interface Removal {
  shovel: string;
  how: string;
}

const removeLinks = async (ctx: StepContext, access: RabbitAccess, links: Link[]): Promise<Removal[]> => {
  const pod = await firstReadyPod(access);
  const removals: Removal[] = [];
  for (const link of links) {
    const { spec } = link;
    if (spec.declaredBy === 'topology-operator') {
      if (link.resource === undefined) {
        // Deleted by an earlier attempt: the operator is removing the shovel (waitUntilGone checks).
        removals.push({
          shovel: spec.name,
          how: link.definition ? 'Shovel resource already deleted' : 'already gone',
        });
        continue;
      }
      // Deleting the resource is the only lasting removal: the operator restores a parameter it still declares.
      const ref = shovelRef(access.namespace, spec);
      await ctx.act(
        `delete shovels.rabbitmq.com ${ref.name}`,
        `${ref.namespace}/${ref.name}`,
        () => access.kube.deleteCustomObject(ref),
        (outcome) => (outcome === 'deleted' ? `deleted shovels.rabbitmq.com ${ref.name}` : undefined),
      );
      // With deletionPolicy retain the operator leaves the shovel running in RabbitMQ.
      const retained = link.definition !== undefined && deletionPolicyOf(link.resource) === 'retain';
      if (retained) await clearParameter(ctx, access, pod, spec, '');
      removals.push({
        shovel: spec.name,
        how: `Shovel resource ${ref.name} deleted${retained ? ', parameter cleared (deletionPolicy retain)' : ''}`,
      });
    } else if (link.definition !== undefined) {
      const outcome = await clearParameter(ctx, access, pod, spec, '');
      removals.push({ shovel: spec.name, how: outcome === 'cleared' ? 'parameter cleared' : 'already gone' });
    } else {
      removals.push({ shovel: spec.name, how: 'already gone' });
    }
  }
  return removals;
};

/** `clear_parameter` exits 69 "Parameter does not exist" for one already gone: that is done, not failed. */
const clearParameter = async (
  ctx: StepContext,
  access: RabbitAccess,
  pod: string,
  spec: Link['spec'],
  why: string,
): Promise<'cleared' | 'absent'> => {
  const what = `shovel parameter ${spec.name} in vhost ${spec.vhost} (rabbitmqctl clear_parameter${why})`;
  return ctx.act(
    `clear ${what}`,
    `${access.namespace}/${access.cluster}`,
    async () => {
      const result = await execIn(access, pod, shovelCommands.clearParameter(spec));
      if (result.exitCode !== 0 && /Parameter does not exist/.test(`${result.stderr}${result.stdout}`))
        return 'absent' as const;
      if (result.exitCode !== 0)
        throw new RabbitCommandError(pod, shovelCommands.clearParameter(spec), result);
      return 'cleared' as const;
    },
    (outcome) => (outcome === 'cleared' ? `cleared ${what}` : undefined),
  );
};

/**
 * The operator removes a deleted resource's shovel asynchronously; past operatorSeconds from the
 * first look, the step clears it itself (the resources are gone, so nothing puts these back).
 */
const waitUntilGone = (
  ctx: StepContext,
  access: RabbitAccess,
  engine: RabbitmqShovelPlan,
  removals: Removal[],
) =>
  ctx.waitFor(
    async (waitedMs) => {
      const left = (await readLinks(access, engine)).filter(isPresent);
      if (left.length === 0) return { done: true, value: undefined };
      const lagging = left.filter((l) => l.definition !== undefined && l.resource === undefined);
      if (waitedMs > operatorSeconds * 1000 && lagging.length > 0) {
        const pod = await firstReadyPod(access);
        for (const link of lagging) {
          const why = `: the operator had not removed it after ${operatorSeconds} s`;
          if ((await clearParameter(ctx, access, pod, link.spec, why)) === 'absent') continue;
          const removal = removals.find((r) => r.shovel === link.spec.name);
          if (removal) removal.how += `; parameter cleared after ${operatorSeconds} s`;
        }
      }
      return {
        done: false,
        state: left
          .map(
            (l) =>
              `${l.spec.name} (${l.status?.state ?? 'defined'}${l.resource ? ', Shovel resource still there' : ''})`,
          )
          .join(', '),
      };
    },
    {
      name: 'the removed shovels to be gone',
      timeoutSeconds: 2 * operatorSeconds,
      checkEveryMs: gonePollMs,
      lookWithinInvocationMs: drainLookWithinInvocationMs,
      timedOut: (state) => new PromotionFailedError(`still present after removal: ${state}`),
    },
  );

export const shovelVerifyPromotion = async (
  ctx: StepContext,
  engine: RabbitmqShovelPlan,
): Promise<ActionResult> => {
  const downstream = clusterAccess(ctx.kube('downstream'), engine, 'downstream');
  const links = await readLinks(downstream, engine);
  const left = links.filter(isPresent);
  const pod = await firstReadyPod(downstream);
  const limits = await Promise.all(
    shovelledVhosts(engine).map(async (vhost) => ({
      vhost,
      limits: parseVhostLimits(vhost, await runIn(downstream, pod, vhostAccessCommands.limits(vhost))),
    })),
  );
  const refusing = limits.filter((l) => l.limits['max-connections'] === 0);
  const problems = [
    ...left.map(
      (l) =>
        `${l.spec.name} still present (${l.status ? `state ${l.status.state}` : l.resource ? 'Shovel resource' : 'parameter'})`,
    ),
    ...refusing.map(
      (l) =>
        `vhost ${l.vhost} on the downstream refuses connections (max-connections 0): clients could not connect`,
    ),
  ];
  if (problems.length > 0)
    throw new VerificationFailedError(`the downstream is not standing alone: ${problems.join('; ')}`, {
      links,
      limits,
    });
  return {
    summary: `shovel_status lists none of ${links.map((l) => l.spec.name).join(', ')}; ${limits.map((l) => l.vhost).join(', ')} accept connections on ${engine.downstream.rabbitmqCluster}`,
    detail: { shovels: links.map((l) => l.spec.name), limits },
  };
};
