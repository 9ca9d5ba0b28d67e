// Engine `rabbitmq-shovel`: open-source RabbitMQ replicated to a DR cluster with dynamic shovels.
import type { Engine, StepContext } from '../engine.js';
import { rabbitmqShovelDescription, shovelPlan } from './description.js';
import { rabbitClusterPresence } from '../rabbitmq/cluster-access.js';
import { fenceRabbitVhosts } from '../rabbitmq/fence.js';
import { liftRabbitFence } from '../rabbitmq/lift-fence.js';
import { shovelCatchUp } from './catch-up.js';
import type { RabbitmqShovelPlan } from './plan.js';
import { shovelledVhosts } from './plan.js';
import { shovelPromote, shovelVerifyPromotion } from './promote.js';
import { shovelReadiness } from './readiness.js';
import { shovelReprotect } from './reprotect.js';
import { clusterAccess } from './resources.js';
import { shovelTeardown } from './teardown.js';

const engineOf = (ctx: StepContext): RabbitmqShovelPlan => shovelPlan(ctx.plan);

export const rabbitmqShovelEngine: Engine = {
  ...rabbitmqShovelDescription,
  presence: (ctx, side) => rabbitClusterPresence(side, clusterAccess(ctx.kube(side), engineOf(ctx), side)),
  readiness: (ctx) => shovelReadiness(ctx, engineOf(ctx)),
  // The shovels' own connections stay open so the backlog drains; every client's is closed.
  fence: (ctx) => {
    const e = engineOf(ctx);
    return fenceRabbitVhosts(ctx, clusterAccess(ctx.kube('upstream'), e, 'upstream'), shovelledVhosts(e), {
      spareUsers: [e.shovelUser],
    });
  },
  promote: (ctx) => shovelPromote(ctx, engineOf(ctx)),
  verifyPromotion: (ctx) => shovelVerifyPromotion(ctx, engineOf(ctx)),
  teardown: (ctx) => shovelTeardown(ctx, engineOf(ctx)),
  catchUp: (ctx, fencedAt) => shovelCatchUp(ctx, engineOf(ctx), fencedAt),
  // The fence's own max-connections 0 goes; the clients reconnect and the shovels keep running.
  liftFence: (ctx) => {
    const e = engineOf(ctx);
    return liftRabbitFence(ctx, clusterAccess(ctx.kube('upstream'), e, 'upstream'), shovelledVhosts(e));
  },
  reprotect: (ctx) => shovelReprotect(ctx, engineOf(ctx)),
};
