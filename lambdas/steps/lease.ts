// The plan's single-flight lock is a lease that the owning execution keeps renewing: every step
// between Admit and the end renews it for as long as that step may take, so a long wait (a
// rolling restart, a person at the gate) never lets it lapse while the owner still works, and a
// crashed owner's lock lapses soon after. Durations are bounded, whatever the plan says.
import { LockLostError } from '../errors.js';
import type { Plan } from '../plan/schema.js';
import type { CoordinationPort } from '../ports/coordination.js';
import type { ClockPort } from '../ports/clock.js';
import { budgetMs } from './step-budgets.js';
import type { Execution } from './step-deps.js';

/** Covers the workflow's retry back-off and the hop to the next step. */
export const LEASE_MARGIN_MS = 15 * 60_000;
/** No lease reaches further than this, so its date is always a real, comparable one. */
export const MAX_LEASE_MS = 26 * 3_600_000;

/** The steps of an execution that holds the lock; the others take it (admit) or end it. */
export const stepsUnderLock = new Set([
  'confirm-alarm',
  'check-dns',
  'readiness',
  'approval',
  'fence',
  'catch-up',
  'lift-fence',
  'promote',
  'verify-promotion',
  'flip-dns',
  'verify-dns',
  'teardown',
  'reprotect',
]);

/** How long the lock must outlive the start of `step`: its budget, or the gate's wait for a person. */
export const leaseMsFor = (plan: Plan, step: string, budgets?: Partial<Record<string, number>>): number => {
  const work =
    step === 'approval'
      ? plan.gate.timeoutMinutes * 60_000
      : step === 'admit'
        ? plan.thresholds.settleSeconds * 1000 + budgetMs('confirm-alarm', budgets)
        : budgetMs(step, budgets);
  return Math.min(work + LEASE_MARGIN_MS, MAX_LEASE_MS);
};

export const leaseExpiry = (
  now: Date,
  plan: Plan,
  step: string,
  budgets?: Partial<Record<string, number>>,
): string => new Date(now.getTime() + leaseMsFor(plan, step, budgets)).toISOString();

/**
 * Renews the lock before a step under it runs. A lock this execution no longer holds means
 * another run may be acting on the plan: the step must not act (LockLost halts the workflow).
 */
export const renewLease = async (
  deps: {
    coordination: Pick<CoordinationPort, 'renewLock'>;
    clock: ClockPort;
    budgets?: Partial<Record<string, number>>;
  },
  execution: Execution,
  plan: Plan,
  step: string,
) => {
  if (!stepsUnderLock.has(step)) return;
  const expiresAt = leaseExpiry(deps.clock.now(), plan, step, deps.budgets);
  if (!(await deps.coordination.renewLock(plan.name, execution.id, expiresAt))) {
    throw new LockLostError(
      `${step}: execution ${execution.id} no longer holds the lock of plan ${plan.name} (another run may be acting on it); nothing more is done by this run`,
    );
  }
};
