// Engine `rabbitmq-standby`: VMware Tanzu RabbitMQ Warm Standby Replication.
import type { Side } from '../../plan/schema.js';
import type { Engine, StepContext } from '../engine.js';
import { rabbitmqStandbyDescription, standbyPlan } from './description.js';
import { rabbitClusterPresence, type RabbitAccess } from '../rabbitmq/cluster-access.js';
import { fenceRabbitVhosts } from '../rabbitmq/fence.js';
import { liftRabbitFence } from '../rabbitmq/lift-fence.js';
import { standbyCatchUp } from './catch-up.js';
import type { RabbitmqStandbyPlan } from './plan.js';
import { standbyPromote, standbyVerifyPromotion } from './promote.js';
import { standbyReadiness } from './readiness.js';
import { standbyReprotect } from './reprotect.js';
import { sideNames } from './reverse.js';
import { standbyTeardown } from './teardown.js';

const engineOf = (ctx: StepContext): RabbitmqStandbyPlan => standbyPlan(ctx.plan);

const sideAccess = (ctx: StepContext, e: RabbitmqStandbyPlan, side: Side): RabbitAccess => {
  const names = sideNames(e, side);
  return {
    kube: ctx.kube(side),
    namespace: names.namespace,
    cluster: names.rabbitmqCluster,
    container: names.container,
  };
};

export const rabbitmqStandbyEngine: Engine = {
  ...rabbitmqStandbyDescription,
  presence: (ctx, side) => rabbitClusterPresence(side, sideAccess(ctx, engineOf(ctx), side)),
  readiness: (ctx) => standbyReadiness(ctx, engineOf(ctx)),
  fence: (ctx) => {
    const e = engineOf(ctx);
    return fenceRabbitVhosts(ctx, sideAccess(ctx, e, 'upstream'), e.vhosts);
  },
  promote: (ctx) => standbyPromote(ctx, engineOf(ctx)),
  verifyPromotion: (ctx) => standbyVerifyPromotion(ctx, engineOf(ctx)),
  teardown: (ctx) => standbyTeardown(ctx, engineOf(ctx)),
  catchUp: (ctx, fencedAt) => standbyCatchUp(ctx, engineOf(ctx), fencedAt),
  liftFence: (ctx) => {
    const e = engineOf(ctx);
    return liftRabbitFence(ctx, sideAccess(ctx, e, 'upstream'), e.vhosts);
  },
  reprotect: (ctx) => standbyReprotect(ctx, engineOf(ctx)),
};
