// Engine `rabbitmq-standby`: VMware Tanzu RabbitMQ Warm Standby Replication.
import type { Plan, Side } from '../../plan/schema.js';
import type { Engine, StepContext } from '../engine.js';
import { rabbitClusterPresence, type RabbitAccess } from '../rabbitmq/cluster-access.js';
import { fenceRabbitVhosts } from '../rabbitmq/fence.js';
import { liftRabbitFence } from '../rabbitmq/lift-fence.js';
import { standbyKubernetesAccess } from './access.js';
import { standbyCatchUp } from './catch-up.js';
import type { RabbitmqStandbyPlan } from './plan.js';
import { standbyPromote, standbyVerifyPromotion } from './promote.js';
import { standbyReadiness } from './readiness.js';
import { standbyReprotect } from './reprotect.js';
import { reverseStandbyPlan, sideNames } from './reverse.js';
import { standbyTeardown } from './teardown.js';

const standbyPlan = (plan: Plan): RabbitmqStandbyPlan => {
  if (plan.engine.type !== 'rabbitmq-standby')
    throw new Error(`plan ${plan.name} is not a rabbitmq-standby plan`);
  return plan.engine;
};

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
  type: 'rabbitmq-standby',
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
  reverse: (engine) => {
    if (engine.type !== 'rabbitmq-standby')
      throw new Error(`not a rabbitmq-standby engine block: ${engine.type}`);
    return reverseStandbyPlan(engine);
  },
  sides: (plan) => {
    const e = standbyPlan(plan);
    return {
      upstream: `${e.upstream.namespace}/${e.upstream.rabbitmqCluster}`,
      downstream: `${e.downstream.namespace}/${e.downstream.rabbitmqCluster}`,
    };
  },
  kubernetesAccess: (plan) => standbyKubernetesAccess(standbyPlan(plan)),
  plannedChanges: (plan) => {
    const e = standbyPlan(plan);
    return {
      promote: `promote ${e.downstream.namespace}/${e.downstream.rabbitmqCluster} (standby) to upstream${e.promotion.startFromScratch ? ' from scratch' : ''}`,
      teardown: `remove the replication links to ${e.upstream.namespace}/${e.upstream.rabbitmqCluster}: delete StandbyReplication ${e.downstream.standbyReplication} and SchemaReplication ${e.downstream.schemaReplication}, then ${
        e.teardown.way === 'rolling-restart'
          ? 'set both operating modes to upstream (rolling restart)'
          : 'disconnect the stream link and set schema mode upstream on every pod (no restart)'
      }${e.teardown.deleteReplicatedData ? ', and delete the replicated data' : ''}`,
    };
  },
};
