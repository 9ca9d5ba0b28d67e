// The end of every execution: one report built from the journal (timings per attempt, evidence,
// side effects), stored, and sent to people. `halt` is the only way a failed run ends, so
// every failure leaves a clear state and a notification.
import type { Plan } from '../plan/schema.js';
import { changesOf, type EffectEvent, type FailoverReport, type SideEffect, type StepRecord } from '../ports/journal.js';
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
): FailoverReport => {
  const started = Date.parse(execution.startedAt);
  const moved = records.find((r) => r.step === trafficMovedStep && r.outcome === 'succeeded');
  return {
    executionId: execution.id,
    planName: plan.name,
    status,
    ...(reason ? { reason } : {}),
    startedAt: execution.startedAt,
    endedAt: endedAt.toISOString(),
    ...(moved ? { recoveryTimeMs: Date.parse(moved.endedAt) - started } : {}),
    steps: records.map((r) => ({
      name: r.step, attempt: r.attempt, startedAt: r.startedAt, endedAt: r.endedAt,
      durationMs: Date.parse(r.endedAt) - Date.parse(r.startedAt), outcome: r.outcome, summary: r.summary, detail: r.detail,
    })),
    // From the change log, not the step records: an attempt cut short never wrote its record.
    sideEffects: changesOf(effects),
  };
};

export const changesHeading = (changes: SideEffect[]) =>
  changes.length === 0 ? 'Nothing was changed.' : changes.some((c) => c.status === 'unconfirmed') ? 'Changes made (UNCONFIRMED ones may have happened: treat them as made):' : 'Changes made:';

export const describeChange = (e: SideEffect) => `  - ${e.status === 'unconfirmed' ? 'UNCONFIRMED ' : ''}${e.target}: ${e.action}`;

const notify = async (deps: AwsDeps, report: FailoverReport) => {
  const lines = [
    `Failover of ${report.planName}: ${report.status}${report.reason ? ` - ${report.reason}` : ''}`,
    `Execution: ${report.executionId}`,
    ...(report.recoveryTimeMs !== undefined ? [`Recovery time: ${(report.recoveryTimeMs / 1000).toFixed(1)} s`] : []),
    '',
    'Steps:',
    ...report.steps.map((s) => `  ${s.outcome === 'succeeded' ? 'ok  ' : s.outcome === 'failed' ? 'FAIL' : 'skip'} ${s.name}${s.attempt > 1 ? ` (attempt ${s.attempt})` : ''} ${s.durationMs} ms: ${s.summary}`),
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

/** Success: the downstream is now the active side, the plan enters cooldown, the lock is freed. */
export const reportSuccess = async (deps: AwsDeps, execution: Execution, plan: Plan): Promise<FailoverReport> => {
  const now = deps.clock.now();
  const [records, effects] = await Promise.all([deps.journal.listSteps(execution.id), deps.journal.listEffects(execution.id)]);
  const report = buildReport(execution, plan, records, effects, 'SUCCEEDED', now);
  await deps.coordination.putPlanState(plan.name, {
    activeSide: 'downstream',
    cooldownUntil: new Date(now.getTime() + plan.thresholds.cooldownMinutes * 60_000).toISOString(),
    lastExecutionId: execution.id,
    updatedAt: now.toISOString(),
  });
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
export const haltWhenStepsStopped = async (deps: AwsDeps, execution: Execution, plan: Plan, error: WorkflowError): Promise<FailoverReport | HaltPending> => {
  const now = deps.clock.now().getTime();
  const working = (await deps.journal.listClaims(execution.id)).filter((c) => Date.parse(c.until) > now);
  if (working.length > 0) {
    deps.progress({ kind: 'step-progress', step: 'halt', message: `waiting for ${working.map((c) => `${c.step} (until ${c.until})`).join(', ')} to stop before reporting` });
    return { pending: true, waitingFor: working.map(({ step, until }) => ({ step, until })) };
  }
  return halt(deps, execution, plan, error);
};

/**
 * HALTED: stopped before changing anything (not ready, rejected, alarm cleared).
 * FAILED: stopped after a change, or after an intent to change whose outcome is unknown (a step
 * that timed out may still be working): an operator must look (the report lists every change).
 */
export const halt = async (deps: AwsDeps, execution: Execution, plan: Plan, error: WorkflowError): Promise<FailoverReport> => {
  const [records, effects] = await Promise.all([deps.journal.listSteps(execution.id), deps.journal.listEffects(execution.id)]);
  const changed = changesOf(effects).length > 0;
  const reason = describeError(error);
  const now = deps.clock.now();
  const report = buildReport(execution, plan, records, effects, changed ? 'FAILED' : 'HALTED', now, reason);
  if (changed) {
    // Half-done: no new failover may start on top of it until a person has looked.
    const state = await deps.coordination.getPlanState(plan.name);
    await deps.coordination.putPlanState(plan.name, { ...state, needsOperator: `failover ${execution.id} failed after changing things (${reason})`, lastExecutionId: execution.id, updatedAt: now.toISOString() });
  }
  await deps.journal.putReport(report);
  // Only the owner's release takes effect, so a halt before the lock was taken frees nothing.
  await deps.coordination.releaseLock(plan.name, execution.id);
  await notify(deps, report);
  return report;
};

/** Kinds of blocked triggers worth waking someone for; duplicates and lock contention are expected in a storm. */
const notifiedBlocks = new Set(['cooldown', 'failed-over', 'needs-operator']);

export const recordBlocked = async (deps: AwsDeps, execution: Execution, plan: Plan, error: WorkflowError): Promise<FailoverReport> => {
  const [records, effects] = await Promise.all([deps.journal.listSteps(execution.id), deps.journal.listEffects(execution.id)]);
  // The kind travels in the admit step's evidence: Step Functions passes only name and message.
  const kind = (records.findLast((r) => r.step === 'admit')?.detail as { evidence?: { kind?: string } } | undefined)?.evidence?.kind;
  const report = buildReport(execution, plan, records, effects, 'BLOCKED', deps.clock.now(), describeError(error));
  await deps.journal.putReport(report);
  if (kind && notifiedBlocks.has(kind)) await notify(deps, report);
  return report;
};
