// The custom resources the RabbitMQ engines get, patch and delete, as minimal structural CRDs:
// namespaced, with a status subresource, and with the fields the engines read and write (a
// structural schema prunes every other field, so a field left out here would silently vanish from
// a patch). None is the upstream YAML, which is not to be had here:
// - RabbitmqCluster (rabbitmq.com/v1beta1) is written from the RabbitMQ cluster operator's
//   documented fields, and SchemaReplication (rabbitmq.com/v1beta1) from the messaging topology
//   operator's; Shovel is in shovel-crd.ts.
// - StandbyReplication (rabbitmq.tanzu.vmware.com/v1beta1) is written from the fields VMware
//   Tanzu RabbitMQ's Warm Standby Replication documentation shows; its group is as that
//   documentation's reference setup names it.
import { SHOVEL, shovelCrd } from './shovel-crd.js';

export interface CrdNames {
  group: string;
  version: string;
  plural: string;
  kind: string;
}

const string = { type: 'string' };
const reference = { type: 'object', properties: { name: string }, required: ['name'] };
const conditions = {
  type: 'array',
  items: {
    type: 'object',
    properties: { type: string, status: string, reason: string, message: string },
  },
};
const status = {
  type: 'object',
  properties: { observedGeneration: { type: 'integer', format: 'int64' }, conditions },
};

const crd = (names: CrdNames, spec: Record<string, unknown>) => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${names.plural}.${names.group}` },
  spec: {
    group: names.group,
    scope: 'Namespaced',
    names: {
      plural: names.plural,
      singular: names.kind.toLowerCase(),
      kind: names.kind,
      listKind: `${names.kind}List`,
    },
    versions: [
      {
        name: names.version,
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: { openAPIV3Schema: { type: 'object', properties: { spec, status } } },
      },
    ],
  },
});

export const RABBITMQ_CLUSTER: CrdNames = {
  group: 'rabbitmq.com',
  version: 'v1beta1',
  plural: 'rabbitmqclusters',
  kind: 'RabbitmqCluster',
};
export const SCHEMA_REPLICATION: CrdNames = {
  group: 'rabbitmq.com',
  version: 'v1beta1',
  plural: 'schemareplications',
  kind: 'SchemaReplication',
};
export const STANDBY_REPLICATION: CrdNames = {
  group: 'rabbitmq.tanzu.vmware.com',
  version: 'v1beta1',
  plural: 'standbyreplications',
  kind: 'StandbyReplication',
};

const rabbitmqClusterCrd = crd(RABBITMQ_CLUSTER, {
  type: 'object',
  properties: {
    replicas: { type: 'integer', format: 'int32' },
    image: string,
    rabbitmq: {
      type: 'object',
      properties: {
        additionalConfig: string,
        advancedConfig: string,
        envConfig: string,
        additionalPlugins: { type: 'array', items: string },
      },
    },
  },
});

const schemaReplicationCrd = crd(SCHEMA_REPLICATION, {
  type: 'object',
  required: ['rabbitmqClusterReference'],
  properties: { endpoints: string, upstreamSecret: reference, rabbitmqClusterReference: reference },
});

const replicationPolicy = {
  type: 'object',
  properties: { name: string, pattern: string, vhost: string },
};
const standbyReplicationCrd = crd(STANDBY_REPLICATION, {
  type: 'object',
  required: ['operatingMode', 'rabbitmqClusterReference'],
  properties: {
    operatingMode: { type: 'string', enum: ['upstream', 'downstream'] },
    upstreamModeConfiguration: {
      type: 'object',
      properties: { replicationPolicies: { type: 'array', items: replicationPolicy } },
    },
    downstreamModeConfiguration: {
      type: 'object',
      properties: { endpoints: string, upstreamSecret: reference },
    },
    rabbitmqClusterReference: reference,
  },
});

/** Every CRD the engines' Roles name, by plural and group, with the spec a valid object of each carries. */
export const engineCrds: Array<{ names: CrdNames; crd: object; exampleSpec: Record<string, unknown> }> = [
  {
    names: RABBITMQ_CLUSTER,
    crd: rabbitmqClusterCrd,
    exampleSpec: { replicas: 3, rabbitmq: { additionalConfig: '' } },
  },
  {
    names: SCHEMA_REPLICATION,
    crd: schemaReplicationCrd,
    exampleSpec: {
      endpoints: '10.0.0.1:5672',
      upstreamSecret: { name: 'upstream-secret' },
      rabbitmqClusterReference: { name: 'cluster' },
    },
  },
  {
    names: STANDBY_REPLICATION,
    crd: standbyReplicationCrd,
    exampleSpec: { operatingMode: 'downstream', rabbitmqClusterReference: { name: 'cluster' } },
  },
  {
    names: SHOVEL,
    crd: shovelCrd,
    exampleSpec: {
      name: 'shovel',
      uriSecret: { name: 'shovel-uri' },
      rabbitmqClusterReference: { name: 'cluster' },
    },
  },
];
