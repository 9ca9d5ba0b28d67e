// The custom resources the engines get, patch and delete, as CRDs for a real kube-apiserver.
// Where an operator publishes its CRD, it is that operator's own YAML at a pinned release, fetched by
// scripts/operator-crds.sh: RabbitmqCluster (RabbitMQ cluster operator), Shovel and
// SchemaReplication (messaging topology operator). StandbyReplication
// (rabbitmq.tanzu.vmware.com/v1beta1) ships only with VMware Tanzu RabbitMQ, so it is written here
// from the fields its Warm Standby Replication documentation shows, with its group as that
// documentation's reference setup names it: namespaced, structural, with a status subresource.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import {
  RABBITMQ_CLUSTER,
  SCHEMA_REPLICATION,
  STANDBY_REPLICATION,
} from '../../sim/models/rabbitmq-standby-objects.js';
import { SHOVEL } from './shovel-crd.js';

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

// The names the simulator serves them under: one definition of each resource's API names.
export { RABBITMQ_CLUSTER, SCHEMA_REPLICATION, STANDBY_REPLICATION };

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

const OPERATOR_CRDS = fileURLToPath(new URL('../../scripts/operator-crds.sh', import.meta.url));

/** An operator's CRD as its release publishes it; fails with the one command to run when it is not fetched yet. */
const upstreamCrd = (file: string): object => {
  const dir = execFileSync('bash', [OPERATOR_CRDS, '--print-dir'], { encoding: 'utf8' }).trim();
  const path = join(dir, file);
  if (!existsSync(path)) throw new Error(`${path} is missing: run  bash scripts/operator-crds.sh  first`);
  return parse(readFileSync(path, 'utf8')) as object;
};

export interface EngineCrd {
  names: CrdNames;
  /** As the API takes it (JSON field names, e.g. `enum`, which client-node's typed models rename). */
  crd: object;
  /** Where it comes from, for what the tests print. */
  source: string;
  /** A spec a valid object of it carries. */
  exampleSpec: Record<string, unknown>;
}

let loaded: EngineCrd[] | undefined;

/** Every CRD the engines' Roles name, by plural and group (read once). */
export const engineCrds = (): EngineCrd[] =>
  (loaded ??= [
    {
      names: RABBITMQ_CLUSTER,
      crd: upstreamCrd('rabbitmq.com_rabbitmqclusters.yaml'),
      source: 'RabbitMQ cluster operator',
      exampleSpec: { replicas: 3, rabbitmq: { additionalConfig: '' } },
    },
    {
      names: SCHEMA_REPLICATION,
      crd: upstreamCrd('rabbitmq.com_schemareplications.yaml'),
      source: 'RabbitMQ messaging topology operator',
      exampleSpec: {
        endpoints: '10.0.0.1:5672',
        upstreamSecret: { name: 'upstream-secret' },
        rabbitmqClusterReference: { name: 'cluster' },
      },
    },
    {
      names: STANDBY_REPLICATION,
      crd: standbyReplicationCrd,
      source: 'written from the Tanzu RabbitMQ documentation',
      exampleSpec: { operatingMode: 'downstream', rabbitmqClusterReference: { name: 'cluster' } },
    },
    {
      names: SHOVEL,
      crd: upstreamCrd('rabbitmq.com_shovels.yaml'),
      source: 'RabbitMQ messaging topology operator',
      exampleSpec: {
        name: 'shovel',
        uriSecret: { name: 'shovel-uri' },
        rabbitmqClusterReference: { name: 'cluster' },
      },
    },
  ]);
