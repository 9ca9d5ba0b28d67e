// Kubernetes resources of the RabbitMQ Cluster Operator and the Tanzu replication operators.
import type { CustomObjectRef } from '../../ports/kube.js';

export const rabbitmqClusterRef = (namespace: string, name: string): CustomObjectRef => ({
  group: 'rabbitmq.com',
  version: 'v1beta1',
  plural: 'rabbitmqclusters',
  namespace,
  name,
});

export const schemaReplicationRef = (namespace: string, name: string): CustomObjectRef => ({
  group: 'rabbitmq.com',
  version: 'v1beta1',
  plural: 'schemareplications',
  namespace,
  name,
});

// The group is as the reference setup shows it, and not verified beyond that (README.md, "What
// is real and what is simulated here").
export const standbyReplicationRef = (namespace: string, name: string): CustomObjectRef => ({
  group: 'rabbitmq.tanzu.vmware.com',
  version: 'v1beta1',
  plural: 'standbyreplications',
  namespace,
  name,
});

/** Server pods of a RabbitmqCluster: shared by the RabbitMQ engines. */
export { serverPods } from '../rabbitmq/cluster-access.js';

export interface ClusterCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export const conditionsOf = (cluster: Record<string, unknown>): ClusterCondition[] => {
  const status = cluster['status'] as { conditions?: ClusterCondition[] } | undefined;
  return status?.conditions ?? [];
};

export const additionalConfigOf = (cluster: Record<string, unknown>): string =>
  (cluster['spec'] as { rabbitmq?: { additionalConfig?: string } } | undefined)?.rabbitmq?.additionalConfig ??
  '';

export const replicasOf = (cluster: Record<string, unknown>): number | undefined =>
  (cluster['spec'] as { replicas?: number } | undefined)?.replicas;

/**
 * The configuration of a promoted cluster: both operating modes `upstream`, and the
 * `schema_definition_sync.downstream.locals.*` exceptions dropped (they only apply downstream).
 */
export const upstreamModeConfig = (config: string): string =>
  config
    .split('\n')
    .filter((line) => !/^\s*schema_definition_sync\.downstream\.locals\./.test(line))
    .map((line) =>
      line.replace(
        /^(\s*(?:schema_definition_sync|standby\.replication)\.operating_mode\s*=\s*)downstream\s*$/,
        '$1upstream',
      ),
    )
    .join('\n');

/** What schema sync on a downstream keeps local: its own default user and the standby's own global parameters (seed 000). */
const downstreamLocals: Record<string, string> = {
  'schema_definition_sync.downstream.locals.users': '^default_user_',
  'schema_definition_sync.downstream.locals.global_parameters': '^standby',
};

/**
 * The configuration of a standby: both operating modes `downstream`, and the locals schema sync
 * must not overwrite (without them the sync would delete the operator's own default user).
 * Every other line stays as it is.
 */
export const downstreamModeConfig = (config: string): string => {
  const keyOf = (line: string) => (line.trim().startsWith('#') ? undefined : line.split('=')[0]?.trim());
  const wanted: Record<string, string> = {
    'schema_definition_sync.operating_mode': 'downstream',
    'standby.replication.operating_mode': 'downstream',
    ...downstreamLocals,
  };
  const lines = config.split('\n').filter((l, i, all) => l !== '' || i < all.length - 1);
  const present = new Set<string>();
  const kept = lines.flatMap((line) => {
    const key = keyOf(line);
    if (key === undefined || !(key in wanted)) return [line];
    // One line per setting: a repeated one would leave it to the order which value wins.
    if (present.has(key)) return [];
    present.add(key);
    return key in downstreamLocals ? [line] : [`${key} = ${wanted[key]}`];
  });
  const added = Object.entries(wanted)
    .filter(([key]) => !present.has(key))
    .map(([key, value]) => `${key} = ${value}`);
  return `${[...kept, ...added].join('\n')}\n`;
};

/** The operating modes the RabbitmqCluster's configuration gives its pods (RabbitMQ's default: upstream). */
export const configuredModes = (
  config: string,
): { schema: 'upstream' | 'downstream'; standby: 'upstream' | 'downstream' } => {
  const mode = (setting: string) => {
    const line = config
      .split('\n')
      .map((l) => l.trim())
      .findLast((l) => !l.startsWith('#') && l.split('=')[0]?.trim() === setting);
    return line?.split('=')[1]?.trim() === 'downstream' ? 'downstream' : 'upstream';
  };
  return {
    schema: mode('schema_definition_sync.operating_mode'),
    standby: mode('standby.replication.operating_mode'),
  };
};
