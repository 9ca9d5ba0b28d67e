// The Kubernetes permissions this engine's steps use, in both directions (a leg from the
// downstream sees the plan reversed: the reverse shovels run on the upstream). Keep in step with
// readiness.ts, promote.ts, teardown.ts, reprotect.ts and the shared fence: the generated RBAC
// is exactly this.
import { podExecRule, type KubernetesAccessNeed } from '../engine.js';
import type { RabbitmqShovelPlan, ShovelSpec } from './plan.js';
import { reverseDirection, shovelResourceName } from './plan.js';

const declaredResources = (shovels: ShovelSpec[]): string[] =>
  shovels.filter((s) => s.declaredBy === 'topology-operator').map(shovelResourceName);

export const shovelKubernetesAccess = (engine: RabbitmqShovelPlan): KubernetesAccessNeed[] => {
  const declared = declaredResources(engine.shovels);
  const declaredBack = declaredResources(reverseDirection(engine).shovels);
  return [
    {
      side: 'downstream',
      namespace: engine.downstream.namespace,
      rules: [
        // Server pods are found by label and their Ready condition read; rabbitmqctl runs in them.
        { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
        podExecRule,
        // Operator-declared shovels are removed by deleting their Shovel resource.
        ...(declared.length > 0
          ? [
              {
                apiGroups: ['rabbitmq.com'],
                resources: ['shovels'],
                verbs: ['get', 'delete'],
                resourceNames: declared,
              },
            ]
          : []),
      ],
    },
    {
      side: 'upstream',
      namespace: engine.upstream.namespace,
      rules: [
        // The backlog check and the fence run rabbitmqctl in the upstream's pods; reprotect defines the reverse shovels there.
        { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
        podExecRule,
        // Reverse shovels the operator declares are read there, and deleted at a failback's promotion.
        ...(declaredBack.length > 0
          ? [
              {
                apiGroups: ['rabbitmq.com'],
                resources: ['shovels'],
                verbs: ['get', 'delete'],
                resourceNames: declaredBack,
              },
            ]
          : []),
      ],
    },
  ];
};
