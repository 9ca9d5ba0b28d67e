// What each engine of the catalog (engines/catalog.ts) does to the clusters, by the plan's
// `engine.type`: keyed by every type, so the compiler asks for a new engine's implementation.
import type { Plan } from '../plan/schema.js';
import type { Engine } from './engine.js';
import { rabbitmqShovelEngine } from './rabbitmq-shovel/index.js';
import { rabbitmqStandbyEngine } from './rabbitmq-standby/index.js';
import { rocketmqControllerEngine } from './rocketmq-controller/index.js';

const engines: Record<Plan['engine']['type'], Engine> = {
  'rabbitmq-standby': rabbitmqStandbyEngine,
  'rabbitmq-shovel': rabbitmqShovelEngine,
  'rocketmq-controller': rocketmqControllerEngine,
};

export const engineFor = (plan: Plan): Engine => engines[plan.engine.type];
