// One model per plan engine type. Adding an engine: one model file and one line in `models`.
import type { EnginePlan, Plan } from '../../lambdas/plan/schema.js';
import {
  rabbitmqShovelModel,
  rabbitmqShovelSafety,
  type RabbitmqShovelClusters,
  type RabbitmqShovelSnapshot,
} from './rabbitmq-shovel.js';
import {
  rabbitmqStandbyModel,
  rabbitmqStandbySafety,
  type RabbitmqStandbyClusters,
  type RabbitmqStandbySnapshot,
} from './rabbitmq-standby.js';
import {
  rocketmqControllerModel,
  rocketmqSafety,
  type RocketmqClusters,
  type RocketmqSnapshot,
} from './rocketmq-controller.js';
import type { SafetyView } from './safety-view.js';
import type { EngineModel } from './sim-model.js';

/** The scenario's `clusters:` block, whichever engine it is for. */
export type ScenarioClusters = RabbitmqStandbyClusters | RabbitmqShovelClusters | RocketmqClusters;

/** What `Simulation.state()` reports besides the log, discriminated by `engine`. */
export type EngineSnapshot = RabbitmqStandbySnapshot | RabbitmqShovelSnapshot | RocketmqSnapshot;

export type EngineType = EnginePlan['type'];

/**
 * A model seen through the union types. Sound because a model only ever receives the `clusters:`
 * block its own `clustersSchema` produced (sim/scenario.ts parses with the plan's model) and a
 * plan of its own engine type (startSimulation picks the model by `plan.engine.type`).
 */
const anyEngine = <C extends ScenarioClusters, S extends EngineSnapshot>(
  model: EngineModel<C, S>,
): EngineModel<ScenarioClusters, EngineSnapshot> =>
  model as unknown as EngineModel<ScenarioClusters, EngineSnapshot>;

export const engineModels: Record<EngineType, EngineModel<ScenarioClusters, EngineSnapshot>> = {
  'rabbitmq-standby': anyEngine(rabbitmqStandbyModel),
  'rabbitmq-shovel': anyEngine(rabbitmqShovelModel),
  'rocketmq-controller': anyEngine(rocketmqControllerModel),
};

/** Each engine's safety-relevant reading of its own snapshot (safety-view.ts); `plan` is the one the simulation runs. */
export const safetyOf = (plan: Plan, snapshot: EngineSnapshot): SafetyView => {
  switch (snapshot.engine) {
    case 'rabbitmq-standby':
      return rabbitmqStandbySafety(plan, snapshot);
    case 'rabbitmq-shovel':
      return rabbitmqShovelSafety(plan, snapshot);
    case 'rocketmq-controller':
      return rocketmqSafety(plan, snapshot);
  }
};
