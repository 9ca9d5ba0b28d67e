// One model per plan engine type. Adding an engine: one model file and one line here.
import type { EnginePlan } from '../../lambdas/plan/schema.js';
import { rabbitmqStandbyModel, type RabbitmqStandbyClusters, type RabbitmqStandbySnapshot } from './rabbitmq-standby.js';
import type { EngineModel } from './sim-model.js';

export const engineModels: { [T in EnginePlan['type']]: EngineModel<ScenarioClusters, EngineSnapshot> } = {
  'rabbitmq-standby': rabbitmqStandbyModel,
};

/** The scenario's `clusters:` block, whichever engine it is for. */
export type ScenarioClusters = RabbitmqStandbyClusters;

/** What `Simulation.state()` reports besides the log, discriminated by `engine`. */
export type EngineSnapshot = RabbitmqStandbySnapshot;
