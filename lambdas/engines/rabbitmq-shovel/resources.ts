// Kubernetes resources of this engine: the RabbitMQ Messaging Topology Operator's `Shovel`.
import type { CustomObjectRef } from '../../ports/kube.js';
import type { RabbitAccess } from '../rabbitmq/cluster-access.js';
import type { RabbitmqShovelPlan, ShovelSpec } from './plan.js';
import { shovelResourceName } from './plan.js';

export const shovelRef = (namespace: string, shovel: ShovelSpec): CustomObjectRef => ({
  group: 'rabbitmq.com',
  version: 'v1beta1',
  plural: 'shovels',
  namespace,
  name: shovelResourceName(shovel),
});

/** `delete` (the operator's default) removes the shovel from RabbitMQ with the resource; `retain` leaves it running. */
export const deletionPolicyOf = (resource: Record<string, unknown>): string =>
  (resource['spec'] as { deletionPolicy?: string } | undefined)?.deletionPolicy ?? 'delete';

export const clusterAccess = (
  kube: RabbitAccess['kube'],
  engine: RabbitmqShovelPlan,
  side: 'upstream' | 'downstream',
): RabbitAccess => ({
  kube,
  namespace: engine[side].namespace,
  cluster: engine[side].rabbitmqCluster,
  container: engine.container,
});
