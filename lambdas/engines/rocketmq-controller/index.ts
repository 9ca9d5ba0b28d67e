// Engine `rocketmq-controller`: RocketMQ 5 in controller mode with broker groups split across two sites.
import type { Engine, StepContext } from '../engine.js';
import { rocketmqControllerDescription, rocketPlan } from './description.js';
import { probeSite } from '../site-presence.js';
import { rocketmqCatchUp } from './catch-up.js';
import { rocketmqFence } from './fence.js';
import { rocketmqLiftFence } from './lift-fence.js';
import type { RocketmqControllerPlan } from './plan.js';
import { lostSites } from './plan.js';
import { rocketmqPromote, rocketmqVerifyPromotion } from './promote.js';
import { rocketmqReadiness } from './readiness.js';
import { rocketmqReprotect } from './reprotect.js';
import { rocketmqTeardown } from './teardown.js';

const engineOf = (ctx: StepContext): RocketmqControllerPlan => rocketPlan(ctx.plan);

export const rocketmqControllerEngine: Engine = {
  ...rocketmqControllerDescription,
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
};
