// Every valid plan deploys: the largest valid plan of each engine is published with the workers
// and loaded from there by name and hash, and the readiness schedule's input, which names it,
// stays far inside EventBridge Scheduler's 8,192 characters.
import { evaluationInput } from '../../infra/readiness-evaluation.js';
import { parsePlan } from '../../lambdas/plan/load-plan.js';
import { maxPlanJsonChars } from '../../lambdas/plan/plan-size.js';
import { planRef } from '../../lambdas/plan/plan-ref.js';
import type { EngineType } from '../../sim/models/engine-models.js';
import { publishedPlans } from '../../local/published-plans.js';
import { largestValidPlan } from '../workflow/largest-plan.js';

const ENGINES: EngineType[] = ['rabbitmq-standby', 'rabbitmq-shovel', 'rocketmq-controller'];

/** EventBridge Scheduler's limit on a target's input. */
const MAX_SCHEDULE_INPUT_CHARS = 8192;

describe('the largest valid plan', () => {
  it.each(ENGINES)('%s: is published and loaded whole, and its schedule input fits', async (engine) => {
    const plan = parsePlan(largestValidPlan(engine));
    expect(JSON.stringify(plan)).toHaveLength(maxPlanJsonChars);
    expect(await publishedPlans([plan]).load(planRef(plan))).toEqual(plan);
    expect(evaluationInput(plan).length).toBeLessThanOrEqual(MAX_SCHEDULE_INPUT_CHARS);
  });
});
