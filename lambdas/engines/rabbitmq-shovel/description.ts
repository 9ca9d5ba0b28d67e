// What the rabbitmq-shovel engine says about a plan without reaching a cluster (engines/engine.ts).
import type { Plan } from '../../plan/schema.js';
import { engineBlockOf, type EngineDescription } from '../engine.js';
import { shovelKubernetesAccess } from './access.js';
import type { RabbitmqShovelPlan } from './plan.js';
import { reverseShovelPlan } from './plan.js';

export const shovelPlan = (plan: Plan): RabbitmqShovelPlan => engineBlockOf('rabbitmq-shovel', plan.engine);

export const rabbitmqShovelDescription: EngineDescription = {
  type: 'rabbitmq-shovel',
  reverse: (engine) => reverseShovelPlan(engineBlockOf('rabbitmq-shovel', engine)),
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
