// The Kubernetes objects of one Warm Standby site as seed 000 declares them: the
// RabbitmqCluster, SchemaReplication, StandbyReplication and the server pods.
import type { Side } from '../../lambdas/plan/schema.js';
import { isJsonObject, type JsonObject } from '../json-patch.js';
import { metadataOf, type ObjectKey, type ResourceStore, type ResourceType } from '../resource-store.js';

export const POD: ResourceType = { group: '', version: 'v1', plural: 'pods', kind: 'Pod' };
export const RABBITMQ_CLUSTER: ResourceType = {
  group: 'rabbitmq.com',
  version: 'v1beta1',
  plural: 'rabbitmqclusters',
  kind: 'RabbitmqCluster',
};
export const SCHEMA_REPLICATION: ResourceType = {
  group: 'rabbitmq.com',
  version: 'v1beta1',
  plural: 'schemareplications',
  kind: 'SchemaReplication',
};
export const STANDBY_REPLICATION: ResourceType = {
  group: 'rabbitmq.tanzu.vmware.com',
  version: 'v1beta1',
  plural: 'standbyreplications',
  kind: 'StandbyReplication',
};

export const CONDITION_TYPES = [
  'AllReplicasReady',
  'ClusterAvailable',
  'NoWarnings',
  'ReconcileSuccess',
] as const;
export type ConditionType = (typeof CONDITION_TYPES)[number];

/** The seed's upstream service: schema sync over AMQP (5672), messages over streams (5552). */
export const UPSTREAM_SERVICE_IP = '10.110.224.126';
/** Where the downstream's service answers when it is the upstream (not in the seed; the example plan names it). */
export const DOWNSTREAM_SERVICE_IP = '10.104.27.212';
export const SCHEMA_PORT = 5672;
export const STREAM_PORT = 5552;
export const REPLICATOR_SECRET = 'upstream-replicator-secret';
const IMAGE = 'registry.tanzu.vmware.com/rabbitmq-for-kubernetes/vmware-rabbitmq:3.11.10';

export interface SiteNames {
  side: Side;
  namespace: string;
  cluster: string;
  standbyReplication: string;
  schemaReplication: string;
  container: string;
}

const ADDITIONAL_CONFIG: Record<Side, string> = {
  upstream: [
    'schema_definition_sync.operating_mode = upstream',
    'standby.replication.operating_mode = upstream',
    'standby.replication.retention.size_limit.messages = 5000000000',
    '',
  ].join('\n'),
  downstream: [
    'schema_definition_sync.operating_mode = downstream',
    'standby.replication.operating_mode = downstream',
    'schema_definition_sync.downstream.locals.users = ^default_user_',
    'schema_definition_sync.downstream.locals.global_parameters = ^standby',
    '',
  ].join('\n'),
};

export const keyOf = (type: ResourceType, namespace: string, name: string): ObjectKey => ({
  group: type.group,
  version: type.version,
  plural: type.plural,
  namespace,
  name,
});

export const now = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

export const pathOf = (obj: JsonObject, path: readonly string[]): unknown =>
  path.reduce<unknown>((node, key) => (isJsonObject(node) ? node[key] : undefined), obj);

export const isReady = (pod: JsonObject): boolean => {
  const conditions = pathOf(pod, ['status', 'conditions']);
  return (
    Array.isArray(conditions) &&
    conditions.some((c) => isJsonObject(c) && c.type === 'Ready' && c.status === 'True')
  );
};

export const podObject = (
  site: Pick<SiteNames, 'cluster' | 'container'>,
  pod: { name: string; appDown: boolean },
  phase: 'Pending' | 'Running',
): JsonObject => {
  const running = phase === 'Running';
  const ready = running && !pod.appDown;
  const flag = (value: boolean): string => (value ? 'True' : 'False');
  return {
    metadata: {
      name: pod.name,
      labels: {
        'app.kubernetes.io/name': site.cluster,
        'app.kubernetes.io/component': 'rabbitmq',
        'app.kubernetes.io/part-of': 'rabbitmq',
        'statefulset.kubernetes.io/pod-name': pod.name,
      },
    },
    spec: {
      containers: [{ name: site.container, image: IMAGE }],
      hostname: pod.name,
      subdomain: `${site.cluster}-nodes`,
    },
    status: {
      phase,
      conditions: [
        { type: 'Initialized', status: 'True' },
        { type: 'Ready', status: flag(ready) },
        { type: 'ContainersReady', status: flag(ready) },
        { type: 'PodScheduled', status: 'True' },
      ],
      containerStatuses: [
        {
          name: site.container,
          image: IMAGE,
          imageID: '',
          ready,
          restartCount: 0,
          started: running,
          state: running ? { running: { startedAt: now() } } : { waiting: { reason: 'ContainerCreating' } },
        },
      ],
    },
  };
};

/** Everything seed 000 creates on one site; `conditions` is the RabbitmqCluster's initial status. */
export const seedSiteObjects = (
  store: ResourceStore,
  site: SiteNames,
  pods: readonly { name: string; appDown: boolean }[],
  conditions: readonly JsonObject[],
  vhosts: readonly string[],
): void => {
  for (const type of [POD, RABBITMQ_CLUSTER, SCHEMA_REPLICATION, STANDBY_REPLICATION]) store.register(type);
  const clusterRef = { name: site.cluster };
  const replicationStatus = {
    conditions: [
      { type: 'Ready', status: 'True', reason: 'SuccessfulCreateOrUpdate', lastTransitionTime: now() },
    ],
    observedGeneration: 1,
  };
  const withStatus = (type: ResourceType, body: JsonObject, status: JsonObject): void => {
    const created = store.create(keyOf(type, site.namespace, ''), body);
    store.update(keyOf(type, site.namespace, String(metadataOf(created).name)), (obj) => {
      obj.status = status;
    });
  };

  withStatus(
    RABBITMQ_CLUSTER,
    {
      metadata: { name: site.cluster },
      spec: {
        replicas: pods.length,
        imagePullSecrets: [{ name: 'tanzu-rabbitmq-registry-creds' }],
        service: { type: 'NodePort' },
        rabbitmq: {
          additionalPlugins: [
            'rabbitmq_stream',
            'rabbitmq_schema_definition_sync',
            'rabbitmq_standby_replication',
            'rabbitmq_stream_management',
          ],
          additionalConfig: ADDITIONAL_CONFIG[site.side],
        },
      },
    },
    {
      conditions: [...conditions],
      observedGeneration: 1,
      // As the cluster operator reports it (its CRD requires the keys).
      defaultUser: {
        secretReference: {
          name: `${site.cluster}-default-user`,
          namespace: site.namespace,
          keys: { username: 'username', password: 'password', host: 'host', port: 'port' },
        },
        serviceReference: { name: site.cluster, namespace: site.namespace },
      },
    },
  );
  withStatus(
    SCHEMA_REPLICATION,
    {
      metadata: { name: site.schemaReplication },
      spec: {
        endpoints: `${UPSTREAM_SERVICE_IP}:${SCHEMA_PORT}`,
        upstreamSecret: { name: REPLICATOR_SECRET },
        rabbitmqClusterReference: clusterRef,
      },
    },
    replicationStatus,
  );
  withStatus(
    STANDBY_REPLICATION,
    {
      metadata: { name: site.standbyReplication },
      spec:
        site.side === 'upstream'
          ? {
              operatingMode: 'upstream',
              upstreamModeConfiguration: {
                replicationPolicies: vhosts.map((vhost) => ({
                  name: `${vhost}-replica-policy`,
                  pattern: '^.*',
                  vhost,
                })),
              },
              rabbitmqClusterReference: clusterRef,
            }
          : {
              operatingMode: 'downstream',
              downstreamModeConfiguration: {
                endpoints: `${UPSTREAM_SERVICE_IP}:${STREAM_PORT}`,
                upstreamSecret: { name: REPLICATOR_SECRET },
              },
              rabbitmqClusterReference: clusterRef,
            },
    },
    replicationStatus,
  );
  for (const pod of pods) {
    const { status, ...body } = podObject(site, pod, 'Running');
    withStatus(POD, body, status as JsonObject);
  }
};
