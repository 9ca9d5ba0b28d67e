// Lifting the fence of a RabbitMQ cluster that stays (or becomes again) the primary: a graceful
// switchover that could not catch up, so its clients must be let back in. Reads each vhost's
// limits first and changes only a vhost still fenced (`max-connections` 0), then verifies that
// every vhost accepts connections again. Shared by the RabbitMQ engines.
import { TransientError, UnreachableError, errorMessage } from '../../errors.js';
import type { Side } from '../../plan/schema.js';
import { shellCommand } from '../../text/shell-quote.js';
import type { ActionResult, StepContext } from '../engine.js';
import { rabbitClusterPresence, serverPods, type RabbitAccess } from './cluster-access.js';
import { parseVhostLimits, runFenceCommand, vhostAccessCommands } from './fence.js';

const verifyAttempts = 5;
const verifyPauseMs = 500;

const limitsOf = async (access: RabbitAccess, pod: string, vhost: string) =>
  parseVhostLimits(vhost, await runFenceCommand(access, pod, vhostAccessCommands.limits(vhost)));

/**
 * Removes the fence's `max-connections` 0 from every vhost in `vhosts` and keeps the vhost's
 * other limits. A `max-connections` the vhost had before the fence is not restored: the cluster
 * does not remember it (the fence step's journal does, as `(was N)`), and letting clients in is
 * what lifting is for. An unreachable cluster throws (the step is retried): a fence that cannot
 * be lifted must not pass for lifted. `side`: which side of the (oriented) plan the cluster is,
 * for the message when it is not there at all.
 */
export const liftRabbitFence = async (
  ctx: StepContext,
  access: RabbitAccess,
  vhosts: string[],
  side: Side = 'upstream',
): Promise<ActionResult> => {
  const target = `${access.namespace}/${access.cluster}`;
  let pods: string[];
  try {
    const all = await serverPods(access.kube, access.namespace, access.cluster);
    if (all.length === 0) await rabbitClusterPresence(side, access);
    pods = all.filter((p) => p.ready).map((p) => p.name);
  } catch (err) {
    if (err instanceof UnreachableError)
      throw new UnreachableError(`the fence of ${target} cannot be lifted: ${errorMessage(err)}`);
    throw err;
  }
  const first = pods[0];
  if (first === undefined)
    throw new TransientError(`the fence of ${target} cannot be lifted: no Ready server pod`);
  const perVhost: Array<{
    vhost: string;
    limitsBefore: Record<string, number>;
    limitsAfter: Record<string, number>;
    lifted: boolean;
  }> = [];
  for (const vhost of vhosts) {
    const before = await limitsOf(access, first, vhost);
    if (before['max-connections'] !== 0) {
      perVhost.push({ vhost, limitsBefore: before, limitsAfter: before, lifted: false });
      continue;
    }
    const { 'max-connections': _fenced, ...others } = before;
    // set_vhost_limits replaces the whole map; with nothing else left, clear it.
    const command =
      Object.keys(others).length === 0
        ? vhostAccessCommands.clearLimits(vhost)
        : vhostAccessCommands.setLimits(vhost, others);
    await ctx.act(
      `lift the fence of vhost ${vhost}: remove max-connections 0`,
      target,
      () => runFenceCommand(access, first, command),
      () => `lifted the fence of vhost ${vhost}: \`${shellCommand(command)}\``,
    );
    perVhost.push({ vhost, limitsBefore: before, limitsAfter: others, lifted: true });
  }
  let stillFenced: string[] = [];
  for (let attempt = 1; attempt <= verifyAttempts; attempt++) {
    const now = await Promise.all(vhosts.map(async (v) => [v, await limitsOf(access, first, v)] as const));
    stillFenced = now.filter(([, l]) => l['max-connections'] === 0).map(([v]) => v);
    if (stillFenced.length === 0) break;
    await ctx.clock.sleep(verifyPauseMs);
  }
  if (stillFenced.length > 0)
    throw new TransientError(
      `lifting the fence of ${target} not verified: ${stillFenced.map((v) => `vhost ${v} still refuses connections`).join('; ')}`,
    );
  const lifted = perVhost.filter((v) => v.lifted).map((v) => v.vhost);
  return {
    summary:
      lifted.length > 0
        ? `fence of ${target} lifted: ${lifted.map((v) => `vhost ${v} accepts connections again`).join(', ')}; verified no vhost of ${vhosts.join(', ')} refuses connections`
        : `${target} was not fenced: every vhost of ${vhosts.join(', ')} accepts connections (nothing changed)`,
    detail: { pods, vhosts: perVhost },
  };
};
