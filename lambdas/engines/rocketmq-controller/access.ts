// The Kubernetes permissions this engine's steps use. Keep in step with readiness.ts, fence.ts,
// catch-up.ts, lift-fence.ts, promote.ts, teardown.ts and reprotect.ts: the generated RBAC is
// exactly this (the round-trip steps only list pods and run mqadmin).
import { podExecRule, type KubernetesAccessNeed } from '../engine.js';
import type { RocketmqControllerPlan } from './plan.js';

export const rocketmqKubernetesAccess = (engine: RocketmqControllerPlan): KubernetesAccessNeed[] => [
  {
    side: 'downstream',
    namespace: engine.namespace,
    rules: [
      // Pods are listed to find where each broker runs (its IP and node) and which are Ready; mqadmin runs in a tools pod.
      { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
      podExecRule,
      // The controller's pod is deleted when stuck on a lost node, or to restart it (seed 002).
      { apiGroups: [''], resources: ['pods'], verbs: ['delete'], resourceNames: [engine.controller.pod] },
    ],
  },
];
