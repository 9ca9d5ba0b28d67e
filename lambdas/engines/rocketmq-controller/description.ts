// What the rocketmq-controller engine says about a plan without reaching a cluster (engines/engine.ts).
import type { Plan } from '../../plan/schema.js';
import { engineBlockOf, type EngineDescription } from '../engine.js';
import { rocketmqKubernetesAccess } from './access.js';
import type { RocketmqControllerPlan } from './plan.js';
import { lostSites, reverseRocketmqPlan } from './plan.js';

export const rocketPlan = (plan: Plan): RocketmqControllerPlan =>
  engineBlockOf('rocketmq-controller', plan.engine);

export const rocketmqControllerDescription: EngineDescription = {
  type: 'rocketmq-controller',
  reverse: (engine) => reverseRocketmqPlan(engineBlockOf('rocketmq-controller', engine)),
  sides: (plan) => {
    const e = rocketPlan(plan);
    return {
      upstream: `${e.namespace}/${e.brokerCluster} in ${lostSites(e).join(', ')}`,
      downstream: `${e.namespace}/${e.brokerCluster} in ${e.targetSite}`,
    };
  },
  kubernetesAccess: (plan) => rocketmqKubernetesAccess(rocketPlan(plan)),
  plannedChanges: (plan) => {
    const e = rocketPlan(plan);
    return {
      promote: `make a ${e.targetSite} broker master of ${e.brokerGroups.map((g) => g.brokerName).join(', ')}: a group whose master in ${lostSites(e).join(', ')} is live and read-only after the fence is handed over with mqadmin electMaster at once (the controller makes that master a slave); for the others reschedule the controller ${e.controller.pod} if it is stuck, wait ${e.promotion.electionWaitSeconds} s for it to elect, then mqadmin electMaster with a SyncStateSet member${e.promotion.restartControllerOnFailure ? ', restarting the controller once if it fails to promote' : ''}`,
      teardown: `nothing to remove: report the brokers not in sync (the ${lostSites(e).join(', ')} brokers serve as slaves, or rejoin as slaves when their site returns)`,
    };
  },
};
