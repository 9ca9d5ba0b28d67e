// The plan and scenario a simulated run starts from (`failover drill`, `failover sim up`): a bad
// plan or scenario is bad input, reported in one place before anything starts.
import { packageFileFromCwd } from '../lambdas/package-files.js';
import { loadPlan, PlanError } from '../lambdas/plan/load-plan.js';
import type { Plan } from '../lambdas/plan/schema.js';
import { engineModels } from '../sim/models/engine-models.js';
import { loadScenario, type Scenario } from '../sim/scenario.js';

export interface SimulatedInputs {
  plan: Plan;
  scenario: Scenario;
  scenarioFile: string;
}

/** Undefined when the plan or scenario is invalid; the problems have gone to `err`. */
export const loadSimulatedInputs = async (
  planFile: string,
  scenarioFile: string | undefined,
  err: (line: string) => void,
): Promise<SimulatedInputs | undefined> => {
  try {
    const plan = await loadPlan(planFile);
    // Without a scenario, the healthy one of the plan's engine, which ships with the package:
    // found from the package, not from the working directory.
    const file = scenarioFile ?? packageFileFromCwd(engineModels[plan.engine.type].healthyScenario);
    return { plan, scenario: await loadScenario(file, plan), scenarioFile: file };
  } catch (caught) {
    if (caught instanceof PlanError || (caught as Error).name === 'ScenarioInvalid') {
      err((caught as Error).message);
      return undefined;
    }
    throw caught;
  }
};
