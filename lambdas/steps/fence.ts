// Fence the old upstream before promoting the downstream: never two writable primaries.
import { engineFor } from '../engines/registry.js';
import { FenceUnverifiedError } from '../errors.js';
import type { Plan } from '../plan/schema.js';
import type { JournalPort } from '../ports/journal.js';
import { stepContext } from './kube-context.js';
import { runStep } from './run-step.js';
import type { Execution, KubeDeps } from './step-deps.js';

/** An approver may allow an ungraceful failover for this execution (decision `allowUngraceful`). */
const approverAllowsUngraceful = async (journal: JournalPort, executionId: string) =>
  (await journal.listSteps(executionId)).some(
    (r) =>
      r.step === 'approval' &&
      r.outcome === 'succeeded' &&
      (r.detail as { allowUngraceful?: boolean } | undefined)?.allowUngraceful === true,
  );

export const fence = (deps: KubeDeps, execution: Execution, plan: Plan) =>
  runStep(deps, execution, 'fence', async (tools) => {
    const result = await engineFor(plan).fence(stepContext(deps, plan, tools));
    if (result.state === 'fenced') {
      return {
        summary: result.summary,
        detail: { ...result.detail, lift: result.lift },
        output: { fenced: true },
      };
    }
    const allowedBy =
      plan.fencing.whenUnreachable === 'proceed'
        ? 'the plan (fencing.whenUnreachable: proceed)'
        : (await approverAllowsUngraceful(deps.journal, execution.id))
          ? 'the approver'
          : undefined;
    if (!allowedBy) {
      throw new FenceUnverifiedError(
        `${result.summary}; the plan does not allow an ungraceful failover (fencing.whenUnreachable: halt), so nothing was promoted`,
        result.detail,
      );
    }
    return {
      summary: `UNGRACEFUL: ${result.summary}; proceeding as allowed by ${allowedBy}. Fence the old upstream before it comes back`,
      detail: { ...result.detail, ungraceful: true, allowedBy },
      output: { fenced: false },
    };
  });
