// Every engine this build knows: its plan block (`<type>/plan.ts`) and its implementation
// (`<type>/index.ts`). The plan schema's `engine:` union and the registry — and through it the
// generated RBAC — are built from this list, so adding an engine is its folder and one line here
// (and, for drills, its simulator model in sim/models/engine-models.ts, which the compiler then
// asks for: that registry is keyed by every engine type).
import { rabbitmqShovelEngine } from './rabbitmq-shovel/index.js';
import { rabbitmqShovelPlanSchema } from './rabbitmq-shovel/plan.js';
import { rabbitmqStandbyEngine } from './rabbitmq-standby/index.js';
import { rabbitmqStandbyPlanSchema } from './rabbitmq-standby/plan.js';
import { rocketmqControllerEngine } from './rocketmq-controller/index.js';
import { rocketmqControllerPlanSchema } from './rocketmq-controller/plan.js';

export const engineCatalog = [
  { planSchema: rabbitmqStandbyPlanSchema, engine: rabbitmqStandbyEngine },
  { planSchema: rabbitmqShovelPlanSchema, engine: rabbitmqShovelEngine },
  // Its two sites are one Kubernetes cluster whose nodes span them.
  { planSchema: rocketmqControllerPlanSchema, engine: rocketmqControllerEngine, sitesShareOneCluster: true },
] as const;
