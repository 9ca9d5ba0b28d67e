// Promote the downstream, then read back that it is promoted. DNS never moves before this.
// Promotion may hand a wait to the workflow (the shovels' backlog draining): steps/workflow-wait.ts.
import { engineFor } from '../engines/registry.js';
import type { Plan } from '../plan/schema.js';
import { stepContext } from './kube-context.js';
import { runStep, runWaitingStep } from './run-step.js';
import type { Execution, KubeDeps } from './step-deps.js';

export const promote = (deps: KubeDeps, execution: Execution, plan: Plan) =>
  runWaitingStep(deps, execution, 'promote', async (tools) => {
    const result = await engineFor(plan).promote(stepContext(deps, plan, tools));
    return { summary: result.summary, detail: result.detail, output: { promoted: true } };
  });

export const verifyPromotion = (deps: KubeDeps, execution: Execution, plan: Plan) =>
  runStep(deps, execution, 'verify-promotion', async (tools) => {
    const result = await engineFor(plan).verifyPromotion(stepContext(deps, plan, tools));
    return { summary: result.summary, detail: result.detail, output: { verified: true } };
  });
