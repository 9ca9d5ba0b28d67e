// The first step of every execution: decide whether this trigger may start a failover at all.
// At most one failover per plan runs at a time (a lease-based lock owned by the execution);
// a duplicate event, a plan in cooldown, a plan already failed over, or a plan waiting for an
// operator starts nothing. Blocked triggers end in RecordBlocked, never in Halt.
import { BlockedError } from '../errors.js';
import type { Plan } from '../plan/schema.js';
import type { Lease } from '../ports/coordination.js';
import { parseTrigger } from './alarm-trigger.js';
import { leaseExpiry } from './lease.js';
import { runStep } from './run-step.js';
import type { AwsDeps, Execution } from './step-deps.js';

export type BlockedKind = 'duplicate-event' | 'lock-held' | 'cooldown' | 'failed-over' | 'needs-operator';

const blocked = (kind: BlockedKind, message: string, detail: Record<string, unknown> = {}) => new BlockedError(message, { kind, ...detail });

export const admit = (deps: AwsDeps, execution: Execution, plan: Plan, trigger: unknown) =>
  runStep(deps, execution, 'admit', async () => {
    const event = parseTrigger(trigger, plan);
    // The trigger is this execution's own when Admit is retried: only another execution's is a duplicate.
    if (event.id && !(await deps.coordination.recordTrigger(plan.name, event.id, execution.id))) {
      throw blocked('duplicate-event', `event ${event.id} (alarm ${event.detail.alarmName}) was already handled`);
    }
    const now = deps.clock.now();
    const state = await deps.coordination.getPlanState(plan.name);
    if (state.cooldownUntil && Date.parse(state.cooldownUntil) > now.getTime()) {
      throw blocked('cooldown', `blocked by cooldown: plan ${plan.name} failed over recently (${state.lastExecutionId ?? 'unknown execution'}); alarms start nothing until ${state.cooldownUntil}. \`failover ack ${plan.name}\` re-arms early`, { state });
    }
    if (state.needsOperator) {
      throw blocked('needs-operator', `plan ${plan.name} waits for an operator: ${state.needsOperator}. Check the clusters, then \`failover ack ${plan.name}\``, { state });
    }
    if (state.activeSide !== 'upstream') {
      throw blocked('failed-over', `plan ${plan.name} already runs on its downstream; an alarm on the old upstream never starts a failback. Fail back deliberately, then \`failover ack ${plan.name} --active upstream\``, { state });
    }
    const lease: Lease = { owner: execution.id, acquiredAt: now.toISOString(), expiresAt: leaseExpiry(now, plan, 'admit', deps.budgets) };
    const result = await deps.coordination.acquireLock(plan.name, lease);
    if (result.acquired) {
      return { summary: `single-flight lock taken for ${plan.name} (lease until ${lease.expiresAt}, renewed by every step)`, detail: { lease }, output: { lease } };
    }
    const holder = result.holder;
    if (holder.owner && (await ownerHasEnded(deps, holder, now)) && (await deps.coordination.takeOverLock(plan.name, holder.owner, lease))) {
      return { summary: `took over the lock of ${plan.name} from ${holder.owner}, which is no longer running`, detail: { lease, takenOverFrom: holder }, output: { lease } };
    }
    throw blocked('lock-held', `another failover of ${plan.name} is in progress (${holder.owner || 'unknown'}, lease until ${holder.expiresAt || 'unknown'})`, { holder });
  });

/**
 * A lock is taken over only from an owner that has ended (crashed, timed out, aborted): Step
 * Functions is asked, since a lease may lapse while its owner still works. Only when Step
 * Functions cannot answer does a lapsed lease count as proof.
 */
const ownerHasEnded = async (deps: AwsDeps, holder: Lease, now: Date): Promise<boolean> => {
  try {
    return !(await deps.executions.isRunning(holder.owner));
  } catch (err) {
    const expires = Date.parse(holder.expiresAt);
    if (Number.isFinite(expires) && expires < now.getTime()) return true;
    throw err;
  }
};
