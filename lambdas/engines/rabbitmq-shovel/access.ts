// The Kubernetes permissions this engine's steps use. Keep in step with readiness.ts,
// promote.ts, teardown.ts and the shared fence: the generated RBAC is exactly this.
import type { KubernetesAccessNeed } from '../engine.js';
import type { RabbitmqShovelPlan } from './plan.js';
import { shovelResourceName } from './plan.js';

export const shovelKubernetesAccess = (engine: RabbitmqShovelPlan): KubernetesAccessNeed[] => {
  const declared = engine.shovels.filter((s) => s.declaredBy === 'topology-operator').map(shovelResourceName);
  return [
    {
      side: 'downstream',
      namespace: engine.downstream.namespace,
      rules: [
        // Server pods are found by label and their Ready condition read; rabbitmqctl runs in them.
        { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
        { apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] },
        // Operator-declared shovels are removed by deleting their Shovel resource.
        ...(declared.length > 0 ? [{ apiGroups: ['rabbitmq.com'], resources: ['shovels'], verbs: ['get', 'delete'], resourceNames: declared }] : []),
      ],
    },
    {
      side: 'upstream',
      namespace: engine.upstream.namespace,
      rules: [
        // The backlog check and the fence run rabbitmqctl in the upstream's pods.
        { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
        { apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] },
      ],
    },
  ];
};
