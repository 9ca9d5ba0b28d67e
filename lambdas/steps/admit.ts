// The first step of every execution: decide whether this trigger may start a failover at all,
// and which leg it is (plain failover, a person's switchover in either direction, reprotect).
// At most one failover per plan runs at a time (a lease-based lock owned by the execution);
// a duplicate event, a plan in cooldown, a plan already failed over, or a plan waiting for an
// operator starts nothing. Blocked triggers end in RecordBlocked, never in Halt.
import { BlockedError } from '../errors.js';
import type { Plan } from '../plan/schema.js';
import type { Lease, PlanState } from '../ports/coordination.js';
import { parseTrigger, triggerId, type Trigger } from './alarm-trigger.js';
import { alarmLeg, describeLeg, legRegion, otherSide, type Leg } from '../plan/leg.js';
import { leaseExpiry } from './lease.js';
import { runStep } from './run-step.js';
import type { AwsDeps, Execution } from './step-deps.js';

export type BlockedKind =
  'duplicate-event' | 'lock-held' | 'cooldown' | 'failed-over' | 'needs-operator' | 'other-region';

const blocked = (kind: BlockedKind, message: string, detail: Record<string, unknown> = {}) =>
  new BlockedError(message, { kind, ...detail });

/** The leg this trigger asks for, given which side serves now. */
const legOf = (trigger: Trigger, state: PlanState): Leg => {
  if (trigger.kind === 'alarm') return alarmLeg;
  const { action, mode } = trigger.request.detail;
  return {
    action: action === 'reprotect' ? 'reprotect' : 'failover',
    mode,
    trigger: 'operator',
    from: state.activeSide,
    to: otherSide(state.activeSide),
  };
};

/**
 * What the workflow's own states read of the plan (the Settle wait, the ApprovalRequired choice):
 * the execution input names the plan only, so Admit hands them over from the deployed plan.
 */
const workflowSettings = (plan: Plan) => ({
  settleSeconds: plan.thresholds.settleSeconds,
  gateApproval: plan.gate.approval,
});

export const admit = (deps: AwsDeps, execution: Execution, plan: Plan, trigger: unknown) =>
  runStep(deps, execution, 'admit', async () => {
    const parsed = parseTrigger(trigger, plan);
    const id = triggerId(parsed);
    const what =
      parsed.kind === 'alarm'
        ? `alarm ${parsed.event.detail.alarmName}`
        : `${parsed.request.detail.action} requested by ${parsed.request.detail.requestedBy}`;
    // The trigger is this execution's own when Admit is retried: only another execution's is a duplicate.
    if (id && !(await deps.coordination.recordTrigger(plan.name, id, execution.id))) {
      throw blocked('duplicate-event', `event ${id} (${what}) was already handled`);
    }
    const now = deps.clock.now();
    const state = await deps.coordination.getPlanState(plan.name);
    if (state.needsOperator) {
      throw blocked(
        'needs-operator',
        `plan ${plan.name} waits for an operator: ${state.needsOperator}. Check the clusters, then \`failover ack ${plan.name}\``,
        { state },
      );
    }
    // Anti-flap and "never an automatic failback" hold alarms back; a person's request is deliberate.
    if (parsed.kind === 'alarm') {
      if (state.cooldownUntil && Date.parse(state.cooldownUntil) > now.getTime()) {
        throw blocked(
          'cooldown',
          `blocked by cooldown: plan ${plan.name} failed over recently (${state.lastExecutionId ?? 'unknown execution'}); alarms start nothing until ${state.cooldownUntil}. \`failover ack ${plan.name}\` re-arms early`,
          { state },
        );
      }
      if (state.activeSide !== 'upstream') {
        throw blocked(
          'failed-over',
          `plan ${plan.name} already runs on its downstream; an alarm on the old upstream never starts a failback. Fail back deliberately (a graceful switchover after \`failover reprotect\`), or \`failover ack ${plan.name} --active upstream\` after failing back by hand`,
          { state },
        );
      }
    }
    const leg = legOf(parsed, state);
    // Deployed, an orchestrator knows its Region; a person's run from a laptop (break-glass) acts
    // wherever that person is, deliberately.
    const actsFrom = legRegion(plan, leg);
    if (actsFrom !== undefined && deps.region !== undefined && actsFrom !== deps.region) {
      throw blocked(
        'other-region',
        `${describeLeg(leg)} of ${plan.name} acts from ${actsFrom}, the Region of the side ${leg.action === 'failover' ? 'it moves to' : 'that serves'}; this orchestrator runs in ${deps.region}. Nothing was changed: the orchestrator in ${actsFrom} runs it (one Region per leg, so that no two take the plan's lock at once)`,
        { actsFrom, here: deps.region },
      );
    }
    const lease: Lease = {
      owner: execution.id,
      acquiredAt: now.toISOString(),
      expiresAt: leaseExpiry(now, plan, 'admit', deps.budgets),
    };
    const result = await deps.coordination.acquireLock(plan.name, lease);
    if (result.acquired) {
      return {
        summary: `${describeLeg(leg)}; single-flight lock taken for ${plan.name} (lease until ${lease.expiresAt}, renewed by every step)`,
        detail: { lease, leg },
        output: { lease, leg, ...workflowSettings(plan) },
      };
    }
    const holder = result.holder;
    if (
      holder.owner &&
      (await ownerHasEnded(deps, holder, now)) &&
      (await deps.coordination.takeOverLock(plan.name, holder.owner, lease))
    ) {
      return {
        summary: `${describeLeg(leg)}; took over the lock of ${plan.name} from ${holder.owner}, which is no longer running`,
        detail: { lease, leg, takenOverFrom: holder },
        output: { lease, leg, ...workflowSettings(plan) },
      };
    }
    throw blocked(
      'lock-held',
      `another failover of ${plan.name} is in progress (${holder.owner || 'unknown'}, lease until ${holder.expiresAt || 'unknown'})`,
      { holder },
    );
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
