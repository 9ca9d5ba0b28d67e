// Downstream readiness: every check of the plan's engine, with evidence. Any failure halts
// before anything is changed. The evidence goes to the journal only: the workflow state, which
// Step Functions limits to 256 KiB, carries the answer and the names of the failed checks, and
// the approval gate reads the evidence back from the journal (request-approval.ts).
import { engineFor } from '../engines/registry.js';
import { NotReadyError } from '../errors.js';
import type { Plan } from '../plan/schema.js';
import { stepContext } from './kube-context.js';
import { runStep } from './run-step.js';
import { siteChecks } from './site-checks.js';
import { READINESS_STEP, readinessEvidence, type ReadinessDetail } from './readiness-evidence.js';
import type { Execution, KubeDeps } from './step-deps.js';

export interface ReadinessOutput {
  /** False only under the `on-risk` gate, which then asks a person instead of halting. */
  ready: boolean;
  /** Names of the checks that failed (their evidence is in the journal). */
  failedChecks: string[];
}

export const checkReadiness = (deps: KubeDeps, execution: Execution, plan: Plan) =>
  runStep<ReadinessOutput>(deps, execution, READINESS_STEP, async (tools) => {
    const ctx = stepContext(deps, plan, tools);
    const [checks, records] = await Promise.all([
      (async () => [...(await siteChecks(ctx)), ...(await engineFor(plan).readiness(ctx))])(),
      deps.journal.listSteps(execution.id),
    ]);
    const failed = checks.filter((c) => !c.passed);
    const problems = failed.map((c) => `${c.name}: ${c.summary}`).join('; ');
    const detail: ReadinessDetail = { checks };
    const decided = records.some((r) => r.step === 'approval' && r.outcome === 'succeeded');
    if (decided) {
      // Again after the decision: what the approver saw failing (and so accepted) may still fail;
      // anything that fails now and did not then was never put to them.
      const accepted = new Set(
        (readinessEvidence(records) ?? []).filter((c) => !c.passed).map((c) => c.name),
      );
      const changed = failed.filter((c) => !accepted.has(c.name));
      if (changed.length > 0) {
        throw new NotReadyError(
          `downstream readiness changed since the approval, nothing was changed: ${changed.map((c) => `${c.name}: ${c.summary}`).join('; ')}`,
          { checks },
        );
      }
      return {
        summary:
          failed.length === 0
            ? `after the decision: ${checks.length}/${checks.length} checks passed`
            : `after the decision: still at the risk the approver accepted: ${problems}`,
        detail,
        output: { ready: failed.length === 0, failedChecks: failed.map((c) => c.name) },
      };
    }
    if (failed.length > 0 && plan.gate.approval !== 'on-risk')
      throw new NotReadyError(`downstream not ready: ${problems}`, { checks });
    return {
      summary:
        failed.length === 0
          ? `${checks.length}/${checks.length} checks passed`
          : `AT RISK, a person must decide: ${problems}`,
      detail,
      output: { ready: failed.length === 0, failedChecks: failed.map((c) => c.name) },
    };
  });
