// Remove the stale replication links to the old upstream (after the DNS flip: off the
// recovery-time path). A rolling restart is waited on by the workflow: the step answers
// `waiting` and is invoked again (steps/workflow-wait.ts).
import { engineFor } from '../engines/registry.js';
import type { Plan } from '../plan/schema.js';
import { stepContext } from './kube-context.js';
import { runWaitingStep } from './run-step.js';
import type { Execution, KubeDeps } from './step-deps.js';

export const teardown = (deps: KubeDeps, execution: Execution, plan: Plan) =>
  runWaitingStep(deps, execution, 'teardown', async (tools) => {
    const result = await engineFor(plan).teardown(stepContext(deps, plan, tools));
    return { summary: result.summary, detail: result.detail, output: { tornDown: true } };
  });
