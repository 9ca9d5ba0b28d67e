// Where each shovel of the plan stands on the downstream: its state (`shovel_status`), its
// definition (the dynamic `shovel` parameter), and the `Shovel` resource that declares it when
// the topology operator does. And the upstream's backlog: what the shovels still have to move.
import { errorMessage, TransientError, UnreachableError } from '../../errors.js';
import { KubeApiError } from '../../ports/kube.js';
import { runIn, serverPods, type RabbitAccess } from '../rabbitmq/cluster-access.js';
import {
  parseQueueDepths,
  parseShovelParameters,
  parseShovelStatus,
  shovelCommands,
  type ShovelDefinition,
  type ShovelState,
} from './commands.js';
import type { RabbitmqShovelPlan, ShovelSpec } from './plan.js';
import { shovelledVhosts, shovelQueue } from './plan.js';
import { shovelRef } from './resources.js';

export interface Link {
  spec: ShovelSpec;
  /** Absent: no node runs it. */
  status?: ShovelState;
  /** Absent: no dynamic shovel parameter of that name (removed, or a static shovel). */
  definition?: ShovelDefinition;
  /** For operator-declared shovels: the `Shovel` resource, absent once deleted. */
  resource?: Record<string, unknown>;
}

export const readyPods = async (access: RabbitAccess): Promise<string[]> =>
  (await serverPods(access.kube, access.namespace, access.cluster))
    .filter((p) => p.ready && !p.terminating)
    .map((p) => p.name);

export const firstReadyPod = async (access: RabbitAccess): Promise<string> => {
  const pods = await readyPods(access);
  if (pods[0] === undefined)
    throw new Error(`no Ready server pod of ${access.namespace}/${access.cluster} to run rabbitmqctl in`);
  return pods[0];
};

const key = (vhost: string, name: string) => `${vhost}/${name}`;

export const readLinks = async (access: RabbitAccess, engine: RabbitmqShovelPlan): Promise<Link[]> => {
  const pods = await readyPods(access);
  if (pods[0] === undefined)
    throw new Error(`no Ready server pod of ${access.namespace}/${access.cluster} to run rabbitmqctl in`);
  const first = pods[0];
  const [statuses, definitions, resources] = await Promise.all([
    // A dynamic shovel runs on one node of the cluster, and each node reports its own.
    Promise.all(
      pods.map(async (pod) => parseShovelStatus(await runIn(access, pod, shovelCommands.shovelStatus))),
    ).then((all) => all.flat()),
    Promise.all(
      shovelledVhosts(engine).map(async (vhost) =>
        parseShovelParameters(vhost, await runIn(access, first, shovelCommands.parameters(vhost))),
      ),
    ).then((all) => all.flat()),
    Promise.all(
      engine.shovels.map((s) =>
        s.declaredBy === 'topology-operator'
          ? access.kube.getCustomObject(shovelRef(access.namespace, s))
          : Promise.resolve(undefined),
      ),
    ),
  ]);
  const statusOf = new Map(statuses.map((s) => [key(s.vhost, s.name), s]));
  const definitionOf = new Map(definitions.map((d) => [key(d.vhost, d.name), d]));
  return engine.shovels.map((spec, i) => {
    const status = statusOf.get(key(spec.vhost, spec.name));
    const definition = definitionOf.get(key(spec.vhost, spec.name));
    const resource = resources[i];
    return {
      spec,
      ...(status ? { status } : {}),
      ...(definition ? { definition } : {}),
      ...(resource ? { resource } : {}),
    };
  });
};

/** Still replicating, or declared to come back: not yet removed. */
export const isPresent = (link: Link): boolean =>
  link.status !== undefined || link.definition !== undefined || link.resource !== undefined;

export interface Backlog {
  /** The upstream answered; otherwise `error` says why the backlog is unknown. */
  measured: boolean;
  error?: string;
  /**
   * Not measured because the upstream cannot answer at all (its API is out of reach, or no broker
   * runs), as opposed to one that answered with an error, which is worth asking again.
   */
  unreachable?: boolean;
  total: number;
  queues: Array<{ shovel: string; vhost: string; queue: string; messages: number }>;
  /** Shovels whose source cannot be measured by name (an exchange, through a server-named queue). */
  unmeasurable: string[];
}

/**
 * Messages still in the upstream's shovelled source queues (ready plus unacknowledged: a
 * message the shovel holds but the downstream has not confirmed is still there).
 */
export const readBacklog = async (upstream: RabbitAccess, links: Link[]): Promise<Backlog> => {
  const sources = links.flatMap((l) =>
    l.definition?.srcQueue
      ? [{ shovel: l.spec.name, vhost: l.spec.vhost, queue: l.definition.srcQueue }]
      : [],
  );
  const unmeasurable = links
    .filter((l) => !l.definition?.srcQueue)
    .map(
      (l) =>
        `${l.spec.name} (${l.definition?.srcExchange ? `reads exchange ${l.definition.srcExchange}` : 'definition not found'})`,
    );
  let pod: string;
  try {
    pod = await firstReadyPod(upstream);
  } catch (err) {
    // No broker runs (no Ready pod), or the API is out of reach; an API error (5xx, 409) is neither.
    const answered =
      (err instanceof TransientError && !(err instanceof UnreachableError)) || err instanceof KubeApiError;
    return {
      measured: false,
      unreachable: !answered,
      error: errorMessage(err),
      total: 0,
      queues: [],
      unmeasurable,
    };
  }
  try {
    const depths = new Map(
      await Promise.all(
        [...new Set(sources.map((s) => s.vhost))].map(
          async (vhost) =>
            [
              vhost,
              parseQueueDepths(vhost, await runIn(upstream, pod, shovelCommands.queueDepths(vhost))),
            ] as const,
        ),
      ),
    );
    const queues = sources.map((s) => ({ ...s, messages: depths.get(s.vhost)?.get(s.queue) ?? 0 }));
    return { measured: true, total: queues.reduce((sum, q) => sum + q.messages, 0), queues, unmeasurable };
  } catch (err) {
    return {
      measured: false,
      unreachable: err instanceof UnreachableError,
      error: errorMessage(err),
      total: 0,
      queues: [],
      unmeasurable,
    };
  }
};

export const describeBacklog = (backlog: Backlog): string =>
  backlog.queues.map((q) => `${q.vhost}/${q.queue}: ${q.messages}`).join(', ') || 'no shovelled queue';

/** The queue a link writes on its own cluster: its definition's, else the plan's. */
export const destinationQueue = (link: Link): string =>
  link.definition?.destQueue ?? link.definition?.srcQueue ?? shovelQueue(link.spec);

/** Messages in the queues the links write, on the cluster they run on. */
export const destinationDepths = async (
  access: RabbitAccess,
  links: Link[],
): Promise<Array<{ vhost: string; queue: string; messages: number }>> => {
  const pod = await firstReadyPod(access);
  const vhosts = [...new Set(links.map((l) => l.spec.vhost))];
  const depths = new Map(
    await Promise.all(
      vhosts.map(
        async (v) =>
          [v, parseQueueDepths(v, await runIn(access, pod, shovelCommands.queueDepths(v)))] as const,
      ),
    ),
  );
  return links.map((l) => ({
    vhost: l.spec.vhost,
    queue: destinationQueue(l),
    messages: depths.get(l.spec.vhost)?.get(destinationQueue(l)) ?? 0,
  }));
};

export const describeDepths = (depths: Array<{ vhost: string; queue: string; messages: number }>): string =>
  depths.map((q) => `${q.vhost}/${q.queue}: ${q.messages}`).join(', ');
