// Engine `rabbitmq-shovel`: open-source RabbitMQ replicated to a DR cluster with dynamic shovels.
import type { Plan } from '../../plan/schema.js';
import type { Engine, StepContext } from '../engine.js';
import { rabbitClusterPresence } from '../rabbitmq/cluster-access.js';
import { fenceRabbitVhosts } from '../rabbitmq/fence.js';
import { liftRabbitFence } from '../rabbitmq/lift-fence.js';
import { shovelKubernetesAccess } from './access.js';
import { shovelCatchUp } from './catch-up.js';
import type { RabbitmqShovelPlan } from './plan.js';
import { reverseShovelPlan, shovelledVhosts } from './plan.js';
import { shovelPromote, shovelVerifyPromotion } from './promote.js';
import { shovelReadiness } from './readiness.js';
import { shovelReprotect } from './reprotect.js';
import { clusterAccess } from './resources.js';
import { shovelTeardown } from './teardown.js';

const shovelPlan = (plan: Plan): RabbitmqShovelPlan => {
  if (plan.engine.type !== 'rabbitmq-shovel')
    throw new Error(`plan ${plan.name} is not a rabbitmq-shovel plan`);
  return plan.engine;
};

const engineOf = (ctx: StepContext): RabbitmqShovelPlan => shovelPlan(ctx.plan);

export const rabbitmqShovelEngine: Engine = {
  type: 'rabbitmq-shovel',
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
  reverse: (engine) => {
    if (engine.type !== 'rabbitmq-shovel')
      throw new Error(`not a rabbitmq-shovel engine block: ${engine.type}`);
    return reverseShovelPlan(engine);
  },
  sides: (plan) => {
    const e = shovelPlan(plan);
    return {
      upstream: `${e.upstream.namespace}/${e.upstream.rabbitmqCluster}`,
      downstream: `${e.downstream.namespace}/${e.downstream.rabbitmqCluster}`,
    };
  },
  kubernetesAccess: (plan) => shovelKubernetesAccess(shovelPlan(plan)),
  plannedChanges: (plan) => {
    const e = shovelPlan(plan);
    const how = (s: RabbitmqShovelPlan['shovels'][number]) =>
      `${s.name} (${s.declaredBy === 'topology-operator' ? 'delete its Shovel resource' : 'clear_parameter shovel'})`;
    return {
      promote: `wait up to ${e.drain.timeoutSeconds} s for the shovels to move the fenced upstream's backlog to ${e.downstream.namespace}/${e.downstream.rabbitmqCluster}, then remove ${e.shovels.map(how).join(', ')}`,
      teardown: `check that the shovels stay removed from ${e.downstream.namespace}/${e.downstream.rabbitmqCluster} (remove any that came back)`,
    };
  },
};
