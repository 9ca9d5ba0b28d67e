// Engine `rabbitmq-standby`: VMware Tanzu RabbitMQ Warm Standby Replication.
import type { Engine, StepContext } from '../engine.js';
import type { RabbitmqStandbyPlan } from './plan.js';
import { standbyPromote, standbyVerifyPromotion } from './promote.js';
import { standbyReadiness } from './readiness.js';
import { standbyTeardown } from './teardown.js';

const engineOf = (ctx: StepContext): RabbitmqStandbyPlan => {
  if (ctx.plan.engine.type !== 'rabbitmq-standby') throw new Error(`plan ${ctx.plan.name} is not a rabbitmq-standby plan`);
  return ctx.plan.engine;
};

export const rabbitmqStandbyEngine: Engine = {
  type: 'rabbitmq-standby',
  readiness: (ctx) => standbyReadiness(ctx, engineOf(ctx)),
  promote: (ctx) => standbyPromote(ctx, engineOf(ctx)),
  verifyPromotion: (ctx) => standbyVerifyPromotion(ctx, engineOf(ctx)),
  teardown: (ctx) => standbyTeardown(ctx, engineOf(ctx)),
  plannedChanges: (plan) => {
    const e = plan.engine;
    return {
      promote: `promote ${e.downstream.namespace}/${e.downstream.rabbitmqCluster} (standby) to upstream${e.promotion.startFromScratch ? ' from scratch' : ''}`,
      teardown: `remove the replication links to ${e.upstream.namespace}/${e.upstream.rabbitmqCluster}: delete StandbyReplication ${e.downstream.standbyReplication} and SchemaReplication ${e.downstream.schemaReplication}, then ${
        e.teardown.way === 'rolling-restart' ? 'set both operating modes to upstream (rolling restart)' : 'disconnect the stream link and set schema mode upstream on every pod (no restart)'
      }${e.teardown.deleteReplicatedData ? ', and delete the replicated data' : ''}`,
    };
  },
};
