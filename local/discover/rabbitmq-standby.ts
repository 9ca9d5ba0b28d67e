// Discovers a Warm Standby Replication pair: the downstream is the cluster whose
// StandbyReplication runs in downstream mode; its SchemaReplication and StandbyReplication name
// where the upstream is reached; the upstream's StandbyReplication (upstream mode) names the
// replicated vhosts.
import type { Side } from '../../lambdas/plan/schema.js';
import type { ClusterReader } from './cluster-reader.js';
import { fillIn, found, type Note } from './draft.js';
import {
  rabbitmqPodSelector,
  SCHEMA_REPLICATION,
  specString,
  STANDBY_REPLICATION,
} from './resource-types.js';
import type { EngineDiscovery } from './engine-discovery.js';

export const discoverRabbitmqStandby = async (
  readers: Record<Side, ClusterReader>,
): Promise<EngineDiscovery | string> => {
  const downstreamLinks = (await readers.downstream.list(STANDBY_REPLICATION)).filter(
    (o) => specString(o.spec, 'operatingMode') === 'downstream',
  );
  const link = downstreamLinks[0];
  if (!link) return `no StandbyReplication in downstream mode on ${readers.downstream.describe}`;
  const notes: Note[] = [];
  const cluster = specString(link.spec, 'rabbitmqClusterReference', 'name') ?? link.name;
  const others = downstreamLinks.slice(1).map((o) => `${o.namespace}/${o.name}`);
  notes.push(
    found(
      ['downstream'],
      `StandbyReplication ${link.namespace}/${link.name} on ${readers.downstream.describe} (downstream mode)${others.length ? `; also found: ${others.join(', ')}` : ''}`,
    ),
  );
  const schemaLink = (await readers.downstream.list(SCHEMA_REPLICATION)).find(
    (o) =>
      o.namespace === link.namespace &&
      (specString(o.spec, 'rabbitmqClusterReference', 'name') ?? '') === cluster,
  );
  const pods = await readers.downstream.pods(rabbitmqPodSelector(cluster));
  const container = pods.find((p) => p.namespace === link.namespace)?.containers[0];

  const upstreamLink = (await readers.upstream.list(STANDBY_REPLICATION)).find(
    (o) => specString(o.spec, 'operatingMode') === 'upstream',
  );
  const policies = (
    upstreamLink?.spec.upstreamModeConfiguration as { replicationPolicies?: unknown } | undefined
  )?.replicationPolicies;
  const vhosts = [
    ...new Set(
      (Array.isArray(policies) ? policies : []).flatMap((p) =>
        typeof (p as { vhost?: unknown }).vhost === 'string' ? [(p as { vhost: string }).vhost] : [],
      ),
    ),
  ];

  const streamEndpoints = specString(link.spec, 'downstreamModeConfiguration', 'endpoints');
  const schemaEndpoints = schemaLink && specString(schemaLink.spec, 'endpoints');
  const upstream: Record<string, unknown> = upstreamLink
    ? {
        namespace: upstreamLink.namespace,
        rabbitmqCluster:
          specString(upstreamLink.spec, 'rabbitmqClusterReference', 'name') ?? upstreamLink.name,
      }
    : { namespace: 'rabbitmq', rabbitmqCluster: 'upstream' };
  if (upstreamLink)
    notes.push(
      found(
        ['upstream'],
        `StandbyReplication ${upstreamLink.namespace}/${upstreamLink.name} on ${readers.upstream.describe} (upstream mode)`,
      ),
    );
  else {
    notes.push(
      fillIn(
        ['upstream', 'namespace'],
        `no StandbyReplication in upstream mode on ${readers.upstream.describe}: the upstream RabbitmqCluster's namespace`,
      ),
    );
    notes.push(fillIn(['upstream', 'rabbitmqCluster'], 'the upstream RabbitmqCluster'));
  }
  if (streamEndpoints && schemaEndpoints) {
    upstream.replicationEndpoints = { schema: schemaEndpoints, stream: streamEndpoints };
    notes.push(
      found(
        ['upstream', 'replicationEndpoints'],
        "as the downstream's SchemaReplication and StandbyReplication reach the upstream",
      ),
    );
  }
  const downstream: Record<string, unknown> = {
    namespace: link.namespace,
    rabbitmqCluster: cluster,
    standbyReplication: link.name,
  };
  if (schemaLink) downstream.schemaReplication = schemaLink.name;
  else {
    downstream.schemaReplication = `${cluster}-schema-replication`;
    notes.push(
      fillIn(
        ['downstream', 'schemaReplication'],
        `no SchemaReplication for ${cluster} in ${link.namespace}: its name`,
      ),
    );
  }
  if (container) downstream.container = container;
  const secret = specString(link.spec, 'downstreamModeConfiguration', 'upstreamSecret', 'name');
  if (secret) downstream.upstreamSecret = secret;
  notes.push(
    fillIn(
      ['downstream', 'replicationEndpoints'],
      "where the old upstream reaches this cluster once it serves (reprotect needs it): { schema: 'host:5672', stream: 'host:5552' }",
    ),
  );
  if (vhosts.length === 0)
    notes.push(fillIn(['vhosts'], 'the replicated virtual hosts: no replication policy names one'));
  else notes.push(found(['vhosts'], "the upstream StandbyReplication's replication policies"));

  return {
    engine: { type: 'rabbitmq-standby', upstream, downstream, vhosts: vhosts.length ? vhosts : ['/'] },
    notes,
    // The service is known by the cluster that serves it.
    name: String(upstream.rabbitmqCluster === 'upstream' ? cluster : upstream.rabbitmqCluster),
  };
};
