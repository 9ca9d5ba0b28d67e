// The end of every execution: one report built from the journal (timings per attempt, evidence,
// side effects), stored, and sent to people. `halt` is the only way a failed run ends, so
// every failure leaves a clear state and a notification.
import type { Plan } from '../plan/schema.js';
import {
  changesOf,
  type EffectEvent,
  type FailoverReport,
  type SideEffect,
  type StepRecord,
} from '../ports/journal.js';
import { describeLeg, legSchema, type Leg } from '../plan/leg.js';
import type { AwsDeps, Execution } from './step-deps.js';

/** The step after which clients are served by the downstream: the end of the recovery time. */
const trafficMovedStep = 'verify-dns';

export const buildReport = (
  execution: Execution,
  plan: Plan,
  records: StepRecord[],
  effects: EffectEvent[],
  status: FailoverReport['status'],
  endedAt: Date,
  reason?: string,
  actedFrom?: string,
): FailoverReport => {
  const started = Date.parse(execution.startedAt);
  const moved = records.find((r) => r.step === trafficMovedStep && r.outcome === 'succeeded');
  const leg = legOf(records);
  const rpo = rpoOf(records);
  return {
    executionId: execution.id,
    planName: plan.name,
    status,
    ...(actedFrom ? { actedFrom } : {}),
    trafficSwitch: plan.dns.switch.via,
    ...(leg ? { leg } : {}),
    ...(rpo ? { rpo } : {}),
    ...(reason ? { reason } : {}),
    startedAt: execution.startedAt,
    endedAt: endedAt.toISOString(),
    ...(moved ? { recoveryTimeMs: Date.parse(moved.endedAt) - started } : {}),
    steps: records.map((r) => ({
      name: r.step,
      attempt: r.attempt,
      startedAt: r.startedAt,
      endedAt: r.endedAt,
      durationMs: Date.parse(r.endedAt) - Date.parse(r.startedAt),
      outcome: r.outcome,
      summary: r.summary,
      detail: r.detail,
    })),
    // From the change log, not the step records: an attempt cut short never wrote its record.
    sideEffects: changesOf(effects),
  };
};

/** The leg Admit decided (its journal record), if it got that far. */
export const legOf = (records: StepRecord[]): Leg | undefined => {
  const parsed = legSchema.safeParse(
    (
      records.findLast((r) => r.step === 'admit' && r.outcome === 'succeeded')?.detail as
        { leg?: unknown } | undefined
    )?.leg,
  );
  return parsed.success ? parsed.data : undefined;
};

/**
 * What may have been lost: 0 with its evidence when a graceful switchover proved the standby held
 * everything; otherwise the replication lag readiness measured, where the engine measures one.
 */
const rpoOf = (records: StepRecord[]): FailoverReport['rpo'] => {
  const caughtUp = records.findLast(
    (r) =>
      r.step === 'catch-up' &&
      r.outcome === 'succeeded' &&
      (r.detail as { caughtUp?: boolean }).caughtUp === true,
  );
  if (caughtUp) return { seconds: 0, evidence: caughtUp.summary.replace(/^RPO 0: /, '') };
  const checks = (
    records.find((r) => r.step === 'readiness' && r.outcome === 'succeeded')?.detail as
      { checks?: Array<{ name: string; summary: string; evidence: { lagSeconds?: unknown } }> } | undefined
  )?.checks;
  const lag = checks?.find((c) => typeof c.evidence?.lagSeconds === 'number');
  return lag
    ? { seconds: lag.evidence.lagSeconds as number, evidence: `${lag.name}: ${lag.summary}` }
    : undefined;
};

export const changesHeading = (changes: SideEffect[]) =>
  changes.length === 0
    ? 'Nothing was changed.'
    : changes.some((c) => c.status === 'unconfirmed')
      ? 'Changes made (UNCONFIRMED ones may have happened: treat them as made):'
      : 'Changes made:';

export const describeChange = (e: SideEffect) =>
  `  - ${e.status === 'unconfirmed' ? 'UNCONFIRMED ' : ''}${e.target}: ${e.action}`;

const OUTCOME_WORDS: Record<FailoverReport['steps'][number]['outcome'], string> = {
  succeeded: 'ok  ',
  failed: 'FAIL',
  skipped: 'skip',
  waiting: 'wait',
};

/**
 * Each record's attempt of its step, counted without the invocations that handed a wait to the
 * workflow (those are 0): a look is not a retry.
 */
export const attemptsOf = (steps: FailoverReport['steps']): number[] => {
  const seen = new Map<string, number>();
  return steps.map((s) => {
    if (s.outcome === 'waiting') return 0;
    seen.set(s.name, (seen.get(s.name) ?? 0) + 1);
    return seen.get(s.name)!;
  });
};

/**
 * One line per attempt, and one per run of invocations that waited (steps/workflow-wait.ts): a
 * restart looked at ten times is one line with its last state.
 */
export const stepLines = (steps: FailoverReport['steps']): string[] => {
  const lines: string[] = [];
  const attempts = attemptsOf(steps);
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i]!;
    if (s.outcome === 'waiting') {
      let last = i;
      while (steps[last + 1]?.outcome === 'waiting' && steps[last + 1]!.name === s.name) last++;
      const looks = last - i + 1;
      const spanMs = Date.parse(steps[last]!.endedAt) - Date.parse(s.startedAt);
      lines.push(
        `  ${OUTCOME_WORDS.waiting} ${s.name} (${looks} invocation${looks > 1 ? 's' : ''} over ${spanMs} ms): ${steps[last]!.summary}`,
      );
      i = last;
      continue;
    }
    lines.push(
      `  ${OUTCOME_WORDS[s.outcome]} ${s.name}${attempts[i]! > 1 ? ` (attempt ${attempts[i]})` : ''} ${s.durationMs} ms: ${s.summary}`,
    );
  }
  return lines;
};

const notify = async (deps: AwsDeps, report: FailoverReport) => {
  const lines = [
    `Failover of ${report.planName}: ${report.status}${report.reason ? ` - ${report.reason}` : ''}`,
    ...(report.leg ? [`Leg: ${describeLeg(report.leg)}`] : []),
    ...(report.rpo ? [`RPO: ${report.rpo.seconds} s (${report.rpo.evidence})`] : []),
    `Execution: ${report.executionId}`,
    ...(report.recoveryTimeMs !== undefined
      ? [`Recovery time: ${(report.recoveryTimeMs / 1000).toFixed(1)} s`]
      : []),
    '',
    'Steps:',
    ...stepLines(report.steps),
    '',
    changesHeading(report.sideEffects),
    ...report.sideEffects.map(describeChange),
  ];
  await deps.notifier.notify({
    subject: `[failover] ${report.planName}: ${report.status}`,
    message: lines.join('\n'),
    attributes: { plan: report.planName, execution: report.executionId, status: report.status },
  });
};

/**
 * Success. A failover: the side it went to is now the active one, with nothing replicating to the
 * other (teardown removed the links), and the plan enters cooldown. A reprotect: the other side
 * is now the standby of the active one. Either way the lock is freed.
 */
export const reportSuccess = async (
  deps: AwsDeps,
  execution: Execution,
  plan: Plan,
  leg: Leg,
): Promise<FailoverReport> => {
  const now = deps.clock.now();
  const [records, effects, before] = await Promise.all([
    deps.journal.listSteps(execution.id),
    deps.journal.listEffects(execution.id),
    deps.coordination.getPlanState(plan.name),
  ]);
  const report = buildReport(execution, plan, records, effects, 'SUCCEEDED', now, undefined, deps.region);
  await deps.coordination.putPlanState(
    plan.name,
    leg.action === 'reprotect'
      ? {
          ...before,
          activeSide: leg.from,
          protection: 'replicating',
          lastExecutionId: execution.id,
          updatedAt: now.toISOString(),
        }
      : {
          activeSide: leg.to,
          protection: 'unprotected',
          cooldownUntil: new Date(now.getTime() + plan.thresholds.cooldownMinutes * 60_000).toISOString(),
          lastExecutionId: execution.id,
          updatedAt: now.toISOString(),
        },
  );
  await deps.journal.putReport(report);
  await deps.coordination.releaseLock(plan.name, execution.id);
  await notify(deps, report);
  return report;
};

export interface WorkflowError {
  Error: string;
  Cause?: string;
}

/** Step Functions wraps a Lambda's error as JSON in `Cause`; the local runner passes the message. */
export const describeError = (error: WorkflowError): string => {
  try {
    const cause = JSON.parse(error.Cause ?? '') as { errorMessage?: string };
    if (cause.errorMessage) return `${error.Error}: ${cause.errorMessage}`;
  } catch {
    // not JSON: already the message
  }
  return `${error.Error}: ${error.Cause ?? 'no cause given'}`;
};

/** The workflow waits and calls Halt again (its StepsStillWorking loop): a step cut off by its state's timeout is still working. */
export interface HaltPending {
  pending: true;
  waitingFor: Array<{ step: string; until: string }>;
}

/**
 * A state that timed out does not stop its Lambda: until that step's invocation has ended (its
 * claim released, or its deadline passed), it may still change things, and a report written now
 * would miss them. Halt then answers `pending` and the workflow waits before calling it again;
 * each wait is bounded by the step's budget.
 */
export const haltWhenStepsStopped = async (
  deps: AwsDeps,
  execution: Execution,
  plan: Plan,
  error: WorkflowError,
): Promise<FailoverReport | HaltPending> => {
  const now = deps.clock.now().getTime();
  const working = (await deps.journal.listClaims(execution.id)).filter((c) => Date.parse(c.until) > now);
  if (working.length > 0) {
    deps.progress({
      kind: 'step-progress',
      step: 'halt',
      message: `waiting for ${working.map((c) => `${c.step} (until ${c.until})`).join(', ')} to stop before reporting`,
    });
    return { pending: true, waitingFor: working.map(({ step, until }) => ({ step, until })) };
  }
  return halt(deps, execution, plan, error);
};

/**
 * HALTED: stopped before changing anything (not ready, rejected, alarm cleared).
 * FAILED: stopped after a change, or after an intent to change whose outcome is unknown (a step
 * that timed out may still be working): an operator must look (the report lists every change).
 */
export const halt = async (
  deps: AwsDeps,
  execution: Execution,
  plan: Plan,
  error: WorkflowError,
): Promise<FailoverReport> => {
  const [records, effects] = await Promise.all([
    deps.journal.listSteps(execution.id),
    deps.journal.listEffects(execution.id),
  ]);
  // A graceful switchover that could not catch up lifted its own fence: the world is as it was.
  const fenceLifted = records.some((r) => r.step === 'lift-fence' && r.outcome === 'succeeded');
  const changed = changesOf(effects).some(
    (c) => !(fenceLifted && (c.step === 'fence' || c.step === 'lift-fence') && c.status === 'done'),
  );
  const reason =
    describeError(error) +
    (fenceLifted && !changed ? '; the fence was lifted: nothing else was changed and nothing was lost' : '');
  const now = deps.clock.now();
  const report = buildReport(
    execution,
    plan,
    records,
    effects,
    changed ? 'FAILED' : 'HALTED',
    now,
    reason,
    deps.region,
  );
  if (changed) {
    // Half-done: no new failover may start on top of it until a person has looked.
    const state = await deps.coordination.getPlanState(plan.name);
    await deps.coordination.putPlanState(plan.name, {
      ...state,
      needsOperator: `failover ${execution.id} failed after changing things (${reason})`,
      lastExecutionId: execution.id,
      updatedAt: now.toISOString(),
    });
  }
  await deps.journal.putReport(report);
  // Only the owner's release takes effect, so a halt before the lock was taken frees nothing.
  await deps.coordination.releaseLock(plan.name, execution.id);
  await notify(deps, report);
  return report;
};

/** Kinds of blocked triggers worth waking someone for; duplicates and lock contention are expected in a storm. */
const notifiedBlocks = new Set(['cooldown', 'failed-over', 'needs-operator', 'other-region']);

export const recordBlocked = async (
  deps: AwsDeps,
  execution: Execution,
  plan: Plan,
  error: WorkflowError,
): Promise<FailoverReport> => {
  const [records, effects] = await Promise.all([
    deps.journal.listSteps(execution.id),
    deps.journal.listEffects(execution.id),
  ]);
  // The kind travels in the admit step's evidence: Step Functions passes only name and message.
  const kind = (
    records.findLast((r) => r.step === 'admit')?.detail as { evidence?: { kind?: string } } | undefined
  )?.evidence?.kind;
  const report = buildReport(
    execution,
    plan,
    records,
    effects,
    'BLOCKED',
    deps.clock.now(),
    describeError(error),
    deps.region,
  );
  await deps.journal.putReport(report);
  if (kind && notifiedBlocks.has(kind)) await notify(deps, report);
  return report;
};
