// Kubernetes resources of the RabbitMQ Cluster Operator and the Tanzu replication operators.
import type { CustomObjectRef } from '../../ports/kube.js';

export const rabbitmqClusterRef = (namespace: string, name: string): CustomObjectRef => ({
  group: 'rabbitmq.com', version: 'v1beta1', plural: 'rabbitmqclusters', namespace, name,
});

export const schemaReplicationRef = (namespace: string, name: string): CustomObjectRef => ({
  group: 'rabbitmq.com', version: 'v1beta1', plural: 'schemareplications', namespace, name,
});

// The group is as the reference setup shows it, and not verified beyond that (README, "What is real").
export const standbyReplicationRef = (namespace: string, name: string): CustomObjectRef => ({
  group: 'rabbitmq.tanzu.vmware.com', version: 'v1beta1', plural: 'standbyreplications', namespace, name,
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
  ((cluster['spec'] as { rabbitmq?: { additionalConfig?: string } } | undefined)?.rabbitmq?.additionalConfig ?? '');

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
    .map((line) => line.replace(/^(\s*(?:schema_definition_sync|standby\.replication)\.operating_mode\s*=\s*)downstream\s*$/, '$1upstream'))
    .join('\n');
