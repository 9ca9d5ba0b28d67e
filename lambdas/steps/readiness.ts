// Downstream readiness: every check of the plan's engine, with evidence. Any failure halts
// before anything is changed.
import type { CheckResult } from '../engines/engine.js';
import { engineFor } from '../engines/registry.js';
import { NotReadyError } from '../errors.js';
import type { Plan } from '../plan/schema.js';
import { stepContext } from './kube-context.js';
import { runStep } from './run-step.js';
import type { Execution, KubeDeps } from './step-deps.js';

export interface ReadinessOutput {
  /** False only under the `on-risk` gate, which then asks a person instead of halting. */
  ready: boolean;
  checks: CheckResult[];
}

export const checkReadiness = (deps: KubeDeps, execution: Execution, plan: Plan) =>
  runStep<ReadinessOutput>(deps, execution, 'readiness', async (tools) => {
    const checks = await engineFor(plan).readiness(stepContext(deps, plan, tools));
    const failed = checks.filter((c) => !c.passed);
    const problems = failed.map((c) => `${c.name}: ${c.summary}`).join('; ');
    if (failed.length > 0 && plan.gate.approval !== 'on-risk') throw new NotReadyError(`downstream not ready: ${problems}`, { checks });
    return {
      summary: failed.length === 0 ? `${checks.length}/${checks.length} checks passed` : `AT RISK, a person must decide: ${problems}`,
      detail: { checks },
      output: { ready: failed.length === 0, checks },
    };
  });
