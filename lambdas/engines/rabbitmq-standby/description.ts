// What the rabbitmq-standby engine says about a plan without reaching a cluster (engines/engine.ts).
import type { Plan } from '../../plan/schema.js';
import { engineBlockOf, type EngineDescription } from '../engine.js';
import { standbyKubernetesAccess } from './access.js';
import type { RabbitmqStandbyPlan } from './plan.js';
import { reverseStandbyPlan } from './reverse.js';

export const standbyPlan = (plan: Plan): RabbitmqStandbyPlan =>
  engineBlockOf('rabbitmq-standby', plan.engine);

export const rabbitmqStandbyDescription: EngineDescription = {
  type: 'rabbitmq-standby',
  reverse: (engine) => reverseStandbyPlan(engineBlockOf('rabbitmq-standby', engine)),
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
