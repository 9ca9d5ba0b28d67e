// Queues that exist but that no running node serves: above all a quorum queue without an elected
// leader (its members lost their majority, or its only member is down), which takes no message
// after a promotion. `rabbitmq-diagnostics check_for_quorum_queues_without_an_elected_leader` is not
// in RabbitMQ 4.0 (nor 3.x), and `list_queues` (3.10 and 4.0 alike) leaves such a queue out
// altogether rather than listing it without a leader. So the queues the metadata store holds (each
// is bound to the default exchange) are compared with the queues `list_queues` lists; a listed
// quorum queue whose leader is not among its online members counts too.
import { execIn, outputOf, type RabbitAccess } from './cluster-access.js';
import {
  healthCommands,
  parseQueueBindings,
  parseServedQueues,
  type ServedQueue,
} from './health-commands.js';

export interface UnavailableQueue {
  vhost: string;
  name: string;
  /** Why: not served by any running node, or listed without an elected leader. */
  reason: string;
}

const served = async (access: RabbitAccess, pod: string, vhost: string): Promise<ServedQueue[]> => {
  const result = await execIn(access, pod, healthCommands.queues(vhost));
  if (result.exitCode !== 0)
    throw new Error(
      `list_queues -p ${vhost} in ${pod} exited ${result.exitCode}: ${outputOf(result).slice(0, 160)}`,
    );
  return parseServedQueues(vhost, result.stdout);
};

const held = async (access: RabbitAccess, pod: string, vhost: string): Promise<string[]> => {
  const result = await execIn(access, pod, healthCommands.queueBindings(vhost));
  if (result.exitCode !== 0)
    throw new Error(
      `list_bindings -p ${vhost} in ${pod} exited ${result.exitCode}: ${outputOf(result).slice(0, 160)}`,
    );
  return parseQueueBindings(vhost, result.stdout);
};

/**
 * The queues of `vhosts` that no running node serves, asked of one node. The queues are listed
 * while the metadata store is read, and again when some queue was missing: a queue declared or
 * deleted meanwhile is listed by one of the two, so only a queue missing from both counts.
 */
export const unavailableQueues = async (
  access: RabbitAccess,
  pod: string,
  vhosts: string[],
): Promise<UnavailableQueue[]> =>
  (
    await Promise.all(
      vhosts.map(async (vhost) => {
        const [before, names] = await Promise.all([served(access, pod, vhost), held(access, pod, vhost)]);
        const listed = new Set(before.map((q) => q.name));
        const missing = names.filter((n) => !listed.has(n));
        const after =
          missing.length > 0 ? new Set((await served(access, pod, vhost)).map((q) => q.name)) : listed;
        const leaderless = before.filter(
          (q) => q.type === 'quorum' && (q.leader === '' || !q.online.includes(q.leader)),
        );
        return [
          ...missing
            .filter((n) => !after.has(n))
            .map((name) => ({
              vhost,
              name,
              reason:
                'not served by any running node (a quorum queue without an elected leader, or a queue whose node is down)',
            })),
          ...leaderless.map((q) => ({
            vhost,
            name: q.name,
            reason: `no elected leader among its online members (${q.online.join(', ') || 'none'})`,
          })),
        ];
      }),
    )
  ).flat();
