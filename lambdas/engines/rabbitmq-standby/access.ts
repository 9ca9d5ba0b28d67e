// The Kubernetes permissions this engine's steps use. Keep in step with readiness.ts,
// promote.ts and teardown.ts: the generated RBAC is exactly this.
import type { KubernetesAccessNeed } from '../engine.js';
import type { RabbitmqStandbyPlan } from './plan.js';

export const standbyKubernetesAccess = (engine: RabbitmqStandbyPlan): KubernetesAccessNeed[] => [
  {
    side: 'downstream',
    namespace: engine.downstream.namespace,
    rules: [
      // Server pods are found by label and their Ready condition read; rabbitmqctl runs in them.
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
      { apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] },
      // Readiness reads the conditions; the rolling-restart teardown patches additionalConfig.
      { apiGroups: ['rabbitmq.com'], resources: ['rabbitmqclusters'], verbs: ['get', 'patch'], resourceNames: [engine.downstream.rabbitmqCluster] },
      { apiGroups: ['rabbitmq.com'], resources: ['schemareplications'], verbs: ['get', 'delete'], resourceNames: [engine.downstream.schemaReplication] },
      { apiGroups: ['rabbitmq.tanzu.vmware.com'], resources: ['standbyreplications'], verbs: ['get', 'delete'], resourceNames: [engine.downstream.standbyReplication] },
    ],
  },
  {
    side: 'upstream',
    namespace: engine.upstream.namespace,
    rules: [
      // The lag check asks every upstream pod for its last replicated point.
      { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
      { apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] },
    ],
  },
];
