// Before anything else: both sides exist as the plan names them. The upstream may be
// unreachable (a lost site is why we fail over), but an API that answers that the namespace or
// cluster is not there stops the run (Misconfigured) before any change.
import type { CheckResult, StepContext } from '../engines/engine.js';
import { engineFor } from '../engines/registry.js';
import type { Side } from '../plan/schema.js';

const sides: readonly Side[] = ['downstream', 'upstream'];

export const siteChecks = async (ctx: StepContext): Promise<CheckResult[]> => {
  const engine = engineFor(ctx.plan);
  const found = await Promise.all(
    sides.map(async (side) => ({ side, presence: await engine.presence(ctx, side) })),
  );
  return found.map(({ side, presence }) => ({
    name: `${side}-present`,
    // A lost upstream is no reason to stop; an unreachable downstream is.
    passed: presence.reachable || side === 'upstream',
    summary: presence.summary,
    evidence: { reachable: presence.reachable },
  }));
};
