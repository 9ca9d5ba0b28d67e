// The Kubernetes permissions this engine's steps use, on both sides: a round trip runs every
// step in both directions (readiness and promotion on whichever side is the standby, the fence
// and its lifting on whichever serves, reprotect on both). Keep in step with readiness.ts,
// catch-up.ts, promote.ts, teardown.ts and reprotect.ts: the generated RBAC is exactly this.
import type { Side } from '../../plan/schema.js';
import { podExecRule, type KubernetesAccessNeed } from '../engine.js';
import type { RabbitmqStandbyPlan } from './plan.js';
import { sideNames } from './reverse.js';

const sideAccess = (engine: RabbitmqStandbyPlan, side: Side): KubernetesAccessNeed => {
  const names = sideNames(engine, side);
  return {
    side,
    namespace: names.namespace,
    rules: [
      // Server pods are found by label and their Ready condition read; rabbitmqctl runs in them.
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
      podExecRule,
      // Readiness reads the conditions; teardown and reprotect patch additionalConfig (rolling restart).
      {
        apiGroups: ['rabbitmq.com'],
        resources: ['rabbitmqclusters'],
        verbs: ['get', 'patch'],
        resourceNames: [names.rabbitmqCluster],
      },
      // Teardown deletes the replication resources of the promoted side; reprotect configures the standby's.
      {
        apiGroups: ['rabbitmq.com'],
        resources: ['schemareplications'],
        verbs: ['get', 'patch', 'delete'],
        resourceNames: [names.schemaReplication],
      },
      {
        apiGroups: ['rabbitmq.tanzu.vmware.com'],
        resources: ['standbyreplications'],
        verbs: ['get', 'patch', 'delete'],
        resourceNames: [names.standbyReplication],
      },
    ],
  };
};

export const standbyKubernetesAccess = (engine: RabbitmqStandbyPlan): KubernetesAccessNeed[] => [
  sideAccess(engine, 'downstream'),
  sideAccess(engine, 'upstream'),
];
