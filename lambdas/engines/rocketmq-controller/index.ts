// Engine `rocketmq-controller`: RocketMQ 5 in controller mode with broker groups split across two sites.
import type { Plan } from '../../plan/schema.js';
import type { Engine, StepContext } from '../engine.js';
import { probeSite } from '../site-presence.js';
import { rocketmqKubernetesAccess } from './access.js';
import { rocketmqCatchUp } from './catch-up.js';
import { rocketmqFence } from './fence.js';
import { rocketmqLiftFence } from './lift-fence.js';
import type { RocketmqControllerPlan } from './plan.js';
import { lostSites, reverseRocketmqPlan } from './plan.js';
import { rocketmqPromote, rocketmqVerifyPromotion } from './promote.js';
import { rocketmqReadiness } from './readiness.js';
import { rocketmqReprotect } from './reprotect.js';
import { rocketmqTeardown } from './teardown.js';

const rocketPlan = (plan: Plan): RocketmqControllerPlan => {
  if (plan.engine.type !== 'rocketmq-controller')
    throw new Error(`plan ${plan.name} is not a rocketmq-controller plan`);
  return plan.engine;
};

const engineOf = (ctx: StepContext): RocketmqControllerPlan => rocketPlan(ctx.plan);

export const rocketmqControllerEngine: Engine = {
  type: 'rocketmq-controller',
  // One Kubernetes cluster spans both sites: a side is present when the API lists any of the plan's brokers of that side.
  presence: (ctx, side) => {
    const e = engineOf(ctx);
    const sites = side === 'downstream' ? [e.targetSite] : lostSites(e);
    const pods = e.brokerGroups.flatMap((g) =>
      g.members.filter((m) => sites.includes(m.site)).map((m) => m.pod),
    );
    const kube = ctx.kube('downstream');
    return probeSite(
      side,
      kube,
      `any of the ${sites.join(', ')} broker pods ${pods.join(', ')} in namespace ${e.namespace}`,
      async () => {
        const listed = new Set((await kube.listPods(e.namespace, '')).map((p) => p.name));
        return pods.some((p) => listed.has(p));
      },
    );
  },
  readiness: (ctx) => rocketmqReadiness(ctx, engineOf(ctx)),
  fence: (ctx) => rocketmqFence(ctx, engineOf(ctx)),
  promote: (ctx) => rocketmqPromote(ctx, engineOf(ctx)),
  verifyPromotion: (ctx) => rocketmqVerifyPromotion(ctx, engineOf(ctx)),
  teardown: (ctx) => rocketmqTeardown(ctx, engineOf(ctx)),
  catchUp: (ctx, fencedAt) => rocketmqCatchUp(ctx, engineOf(ctx), fencedAt),
  liftFence: (ctx) => rocketmqLiftFence(ctx, engineOf(ctx)),
  reprotect: (ctx) => rocketmqReprotect(ctx, engineOf(ctx)),
  reverse: (engine) => {
    if (engine.type !== 'rocketmq-controller')
      throw new Error(`the rocketmq-controller engine cannot reverse a ${engine.type} block`);
    return reverseRocketmqPlan(engine);
  },
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
