// Every engine this build knows: its plan block (`<type>/plan.ts`), what it says about a plan
// without reaching a cluster (`<type>/description.ts`) and its implementation (`<type>/index.ts`).
// The plan schema's `engine:` union and the registries — and through them the generated RBAC — are
// built from these lists, so adding an engine is its folder and a line in each (and, for drills,
// its simulator model in sim/models/engine-models.ts, which the compiler then asks for: that
// registry is keyed by every engine type). The implementations are engines/registry.ts's, so that
// what reads only plans (the AWS worker, the construct) bundles no cluster operation.
import type { Plan } from '../plan/schema.js';
import type { EngineDescription } from './engine.js';
import { rabbitmqShovelDescription } from './rabbitmq-shovel/description.js';
import { rabbitmqShovelPlanSchema } from './rabbitmq-shovel/plan.js';
import { rabbitmqStandbyDescription } from './rabbitmq-standby/description.js';
import { rabbitmqStandbyPlanSchema } from './rabbitmq-standby/plan.js';
import { rocketmqControllerDescription } from './rocketmq-controller/description.js';
import { rocketmqControllerPlanSchema } from './rocketmq-controller/plan.js';

export const engineCatalog = [
  { planSchema: rabbitmqStandbyPlanSchema, description: rabbitmqStandbyDescription },
  { planSchema: rabbitmqShovelPlanSchema, description: rabbitmqShovelDescription },
  // Its two sites are one Kubernetes cluster whose nodes span them.
  {
    planSchema: rocketmqControllerPlanSchema,
    description: rocketmqControllerDescription,
    sitesShareOneCluster: true,
  },
] as const;

const descriptions = new Map<string, EngineDescription>(
  engineCatalog.map((e) => [e.description.type, e.description]),
);

/** A plan is only ever parsed with the catalog's schemas, so its type always has a description. */
export const describeEngine = (plan: Plan): EngineDescription => descriptions.get(plan.engine.type)!;
