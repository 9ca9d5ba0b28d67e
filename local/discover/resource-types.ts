// The resources discovery looks for, as their operators publish them.
import type { ResourceType } from './cluster-reader.js';

export const RABBITMQ_CLUSTER: ResourceType = {
  group: 'rabbitmq.com',
  version: 'v1beta1',
  plural: 'rabbitmqclusters',
};
export const SCHEMA_REPLICATION: ResourceType = {
  group: 'rabbitmq.com',
  version: 'v1beta1',
  plural: 'schemareplications',
};
export const STANDBY_REPLICATION: ResourceType = {
  group: 'rabbitmq.tanzu.vmware.com',
  version: 'v1beta1',
  plural: 'standbyreplications',
};
export const SHOVEL: ResourceType = { group: 'rabbitmq.com', version: 'v1beta1', plural: 'shovels' };

/** The label the RabbitMQ cluster operator puts on a cluster's server pods. */
export const rabbitmqPodSelector = (cluster: string) => `app.kubernetes.io/name=${cluster}`;

/** `spec.a.b` of an object, when it is a string. */
export const specString = (spec: Record<string, unknown>, ...path: string[]): string | undefined => {
  const value = path.reduce<unknown>(
    (node, key) =>
      node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined,
    spec,
  );
  return typeof value === 'string' ? value : undefined;
};
