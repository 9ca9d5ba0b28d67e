// The steps only a leg a person asked for runs: a graceful switchover waits, after the fence,
// until the standby provably holds everything (RPO 0), and lifts the fence when it never does;
// reprotect makes the side that does not serve the standby of the one that does.
import { engineFor } from '../engines/registry.js';
import { CatchUpTimedOutError } from '../errors.js';
import type { Plan } from '../plan/schema.js';
import { stepContext } from './kube-context.js';
import { runStep, runWaitingStep } from './run-step.js';
import type { Execution, KubeDeps } from './step-deps.js';

export interface CatchUpOutput {
  caughtUp: boolean;
}

/** When the fence was verified: the point the standby must have caught up to. */
const fencedAt = async (deps: KubeDeps, execution: Execution): Promise<Date> => {
  const fence = (await deps.journal.listSteps(execution.id)).findLast(
    (r) => r.step === 'fence' && r.outcome === 'succeeded',
  );
  if (!fence)
    throw new Error('catch-up runs after a successful fence, and the journal holds none for this execution');
  return new Date(fence.endedAt);
};

export const catchUp = (deps: KubeDeps, execution: Execution, plan: Plan) =>
  runStep<CatchUpOutput>(deps, execution, 'catch-up', async (tools) => {
    const since = await fencedAt(deps, execution);
    const result = await engineFor(plan).catchUp(stepContext(deps, plan, tools), since);
    const waitedMs = deps.clock.now().getTime() - since.getTime();
    const detail = {
      ...result.evidence,
      fencedAt: since.toISOString(),
      waitedMs,
      boundSeconds: plan.switchover.catchUpTimeoutSeconds,
    };
    if (!result.caughtUp && waitedMs >= plan.switchover.catchUpTimeoutSeconds * 1000) {
      throw new CatchUpTimedOutError(
        `the standby did not catch up within ${plan.switchover.catchUpTimeoutSeconds} s of the fence (${result.summary}): a graceful switchover never loses data, so nothing is promoted and the fence is lifted`,
        detail,
      );
    }
    return {
      summary: result.caughtUp
        ? `RPO 0: ${result.summary}`
        : `not yet (${Math.round(waitedMs / 1000)} s of ${plan.switchover.catchUpTimeoutSeconds} s): ${result.summary}`,
      detail: { ...detail, caughtUp: result.caughtUp },
      output: { caughtUp: result.caughtUp },
    };
  });

export const liftFence = (deps: KubeDeps, execution: Execution, plan: Plan) =>
  runStep(deps, execution, 'lift-fence', async (tools) => {
    const result = await engineFor(plan).liftFence(stepContext(deps, plan, tools));
    return { summary: result.summary, detail: result.detail, output: { lifted: true } };
  });

export const reprotect = (deps: KubeDeps, execution: Execution, plan: Plan) =>
  runWaitingStep(deps, execution, 'reprotect', async (tools) => {
    const result = await engineFor(plan).reprotect(stepContext(deps, plan, tools));
    return { summary: result.summary, detail: result.detail, output: { reprotected: true } };
  });
