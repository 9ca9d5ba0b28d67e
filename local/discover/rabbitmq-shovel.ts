// Discovers shovels that replicate one open-source RabbitMQ cluster to another: the downstream is
// the cluster whose shovels run (`shovel_status` in its pods), each declared by a Shovel resource
// or by a parameter; their definitions name the user and the upstream's AMQP endpoint (never the
// password: the parsers keep only what the engine needs).
import {
  parseShovelParameters,
  parseShovelStatus,
  shovelCommands,
  type ShovelDefinition,
} from '../../lambdas/engines/rabbitmq-shovel/commands.js';
import type { Side } from '../../lambdas/plan/schema.js';
import type { ClusterReader, FoundObject, FoundPod } from './cluster-reader.js';
import { fillIn, found, type Note } from './draft.js';
import type { EngineDiscovery } from './engine-discovery.js';
import { RABBITMQ_CLUSTER, rabbitmqPodSelector, SHOVEL, specString } from './resource-types.js';

interface ShovelSite {
  cluster: FoundObject;
  pod: FoundPod;
  definitions: ShovelDefinition[];
}

/** The first downstream cluster whose pods run shovels, with every shovel's definition. */
const shovelSite = async (reader: ClusterReader): Promise<ShovelSite | undefined> => {
  for (const cluster of await reader.list(RABBITMQ_CLUSTER)) {
    const pods = (await reader.pods(rabbitmqPodSelector(cluster.name))).filter(
      (p) => p.namespace === cluster.namespace && p.ready,
    );
    const pod = pods[0];
    if (!pod) continue;
    const status = await reader.exec(pod, [...shovelCommands.shovelStatus]);
    if (status.exitCode !== 0) continue;
    const running = parseShovelStatus(status.stdout);
    if (running.length === 0) continue;
    const definitions: ShovelDefinition[] = [];
    for (const vhost of new Set(running.map((s) => s.vhost))) {
      const listed = await reader.exec(pod, shovelCommands.parameters(vhost));
      if (listed.exitCode === 0) definitions.push(...parseShovelParameters(vhost, listed.stdout));
    }
    return { cluster, pod, definitions };
  }
  return undefined;
};

export const discoverRabbitmqShovel = async (
  readers: Record<Side, ClusterReader>,
): Promise<EngineDiscovery | string> => {
  const site = await shovelSite(readers.downstream);
  if (!site) return `no RabbitmqCluster on ${readers.downstream.describe} runs shovels`;
  const notes: Note[] = [
    found(
      ['downstream'],
      `RabbitmqCluster ${site.cluster.namespace}/${site.cluster.name} on ${readers.downstream.describe}: its shovels (shovel_status in ${site.pod.name})`,
    ),
  ];
  const resources = (await readers.downstream.list(SHOVEL)).filter(
    (r) => r.namespace === site.cluster.namespace,
  );
  const shovels = site.definitions.map((d) => {
    const resource = resources.find(
      (r) =>
        (specString(r.spec, 'name') ?? r.name) === d.name && (specString(r.spec, 'vhost') ?? '/') === d.vhost,
    );
    return {
      name: d.name,
      vhost: d.vhost,
      declaredBy: resource ? 'topology-operator' : 'parameter',
      ...(resource && resource.name !== d.name ? { resource: resource.name } : {}),
      ...(d.srcQueue && d.srcQueue !== d.name ? { queue: d.srcQueue } : {}),
    };
  });
  notes.push(
    found(['shovels'], 'declared by a Shovel resource where one names the shovel, else by a parameter'),
  );

  const users = [...new Set(site.definitions.flatMap((d) => (d.srcUser ? [d.srcUser] : [])))];
  if (users.length === 1) notes.push(found(['shovelUser'], "the user in the shovels' source URI"));
  else
    notes.push(
      fillIn(
        ['shovelUser'],
        users.length === 0
          ? 'the user the shovels log in to the upstream with (their source URIs name none)'
          : `the shovels log in as ${users.join(', ')}: one user the fence spares`,
      ),
    );

  const upstreamClusters = await readers.upstream.list(RABBITMQ_CLUSTER);
  const upstreamCluster = upstreamClusters[0];
  if (upstreamClusters.length === 1)
    notes.push(found(['upstream'], `the only RabbitmqCluster on ${readers.upstream.describe}`));
  else
    notes.push(
      fillIn(
        ['upstream'],
        upstreamClusters.length === 0
          ? `no RabbitmqCluster on ${readers.upstream.describe}: the upstream's namespace and cluster`
          : `${upstreamClusters.length} RabbitmqClusters on ${readers.upstream.describe} (${upstreamClusters.map((c) => `${c.namespace}/${c.name}`).join(', ')}): the one the shovels pull from`,
      ),
    );
  const endpoints = [...new Set(site.definitions.flatMap((d) => (d.srcEndpoint ? [d.srcEndpoint] : [])))];
  const upstream: Record<string, unknown> = {
    namespace: upstreamCluster?.namespace ?? 'rabbitmq',
    rabbitmqCluster: upstreamCluster?.name ?? 'upstream',
    ...(endpoints.length === 1 ? { amqpUri: endpoints[0] } : {}),
  };
  if (endpoints.length === 1) notes.push(found(['upstream', 'amqpUri'], "the shovels' source"));

  return {
    engine: {
      type: 'rabbitmq-shovel',
      upstream,
      downstream: { namespace: site.cluster.namespace, rabbitmqCluster: site.cluster.name },
      ...(site.pod.containers[0] ? { container: site.pod.containers[0] } : {}),
      shovelUser: users[0] ?? 'shovel',
      shovels,
    },
    notes,
    // The service is known by the cluster that serves it.
    name: upstreamCluster?.name ?? site.cluster.name,
  };
};
