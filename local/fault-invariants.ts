// What every cell of the fault matrix must leave behind, whatever broke: checked on the simulated
// world once all work a fault left running has ended, on what the run reported and told people,
// and on moments during the run (each step's start). Each problem is one sentence with the
// values that decided it.
import type { PlanState } from '../lambdas/ports/coordination.js';
import type { FailoverReport } from '../lambdas/ports/journal.js';
import type { Notification } from '../lambdas/ports/notifier.js';
import type { SafetyView } from '../sim/models/safety-view.js';

export interface RunEvidence {
  report: FailoverReport;
  notifications: Notification[];
  planState: PlanState;
  lockHeld: boolean;
  /** The world at the end, as the engine model reads it. */
  end: SafetyView;
  /** The world when promotion first started, if it did. */
  atPromotion?: SafetyView;
  /** Each plan record at the end: whether it points at its downstream value (a flip moves all or none). */
  dnsRecords: Array<{ name: string; atDownstream: boolean }>;
  /** Moments when a record pointed at the downstream while it was not primary. */
  dnsOnUnpromoted: string[];
  /** Changes the simulated clusters and zone saw, in words. */
  writes: string[];
}

interface ReadinessCheck {
  name: string;
  passed: boolean;
  evidence?: Record<string, unknown>;
}

const num = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

/**
 * Readiness checks the run went past that failed, or whose evidence shows the RPO bound
 * exceeded (replication lag, or the backlog still upstream) whatever the check concluded.
 */
const risksTaken = (report: FailoverReport): ReadinessCheck[] | undefined => {
  const latest = report.steps.findLast((s) => s.name === 'readiness' && s.outcome === 'succeeded');
  const checks = (latest?.detail as { checks?: ReadinessCheck[] } | undefined)?.checks;
  if (!Array.isArray(checks)) return undefined;
  return checks.filter((c) => {
    const e = c.evidence ?? {};
    const lag = num(e['lagSeconds']);
    const lagBound = num(e['maxReplicationLagSeconds']);
    const backlog = num(e['total']);
    const backlogBound = num(e['maxBacklogMessages']);
    return (
      !c.passed ||
      (lag !== undefined && lagBound !== undefined && lag > lagBound) ||
      (backlog !== undefined && backlogBound !== undefined && backlog > backlogBound)
    );
  });
};

/** The checks an approver accepted, by name (`acceptedRisk` lines start with the check's name). */
const acceptedChecks = (report: FailoverReport): string[] => {
  const approval = report.steps.findLast((s) => s.name === 'approval' && s.outcome === 'succeeded')
    ?.detail as { decision?: string; acceptedRisk?: string[] } | undefined;
  if (approval?.decision !== 'approved') return [];
  return (approval.acceptedRisk ?? []).map((line) => line.split(':')[0] ?? '');
};

export const problemsOf = (e: RunEvidence): string[] => {
  const { report, end } = e;
  const status = report.status;
  const problems: string[] = [];
  const moved = e.dnsRecords.filter((r) => r.atDownstream).map((r) => r.name);
  const dnsAtDownstream = moved.length === e.dnsRecords.length;
  if (moved.length > 0 && !dnsAtDownstream) {
    problems.push(
      `DNS half flipped: ${moved.join(', ')} at the downstream, ${e.dnsRecords
        .filter((r) => !r.atDownstream)
        .map((r) => r.name)
        .join(', ')} not`,
    );
  }
  if (end.upstreamWritable && end.downstreamPrimary) problems.push(`two writable primaries: ${end.summary}`);
  if (e.atPromotion?.upstreamWritable)
    problems.push(
      `promotion started while the old upstream still took client writes: ${e.atPromotion.summary}`,
    );
  if (dnsAtDownstream && !end.downstreamPrimary)
    problems.push(`DNS points at the downstream, which is not primary: ${end.summary}`);
  problems.push(
    ...e.dnsOnUnpromoted.map((when) => `DNS pointed at the downstream before it was primary (${when})`),
  );
  if (end.duplicatePromotions > 0)
    problems.push(
      `promoted twice: ${end.duplicatePromotions} promotion(s) beyond the first (${end.summary})`,
    );
  if (status === 'SUCCEEDED' && !(dnsAtDownstream && end.downstreamPrimary))
    problems.push(
      `SUCCEEDED but traffic did not move: DNS ${dnsAtDownstream ? 'at' : 'not at'} the downstream; ${end.summary}`,
    );
  if (status === 'BLOCKED')
    problems.push(
      `BLOCKED: the trigger was not admitted (${report.reason ?? 'no reason'}), though nothing else held the plan`,
    );
  if (e.writes.length > 0 && (status === 'HALTED' || report.sideEffects.length === 0)) {
    problems.push(
      `the clusters saw changes (${e.writes.slice(0, 3).join('; ')}${e.writes.length > 3 ? '; ...' : ''}) but the report is ${status} listing ${report.sideEffects.length} changes`,
    );
  }
  if (status !== 'SUCCEEDED') {
    if (!report.reason) problems.push(`${status} without a reason`);
    if (!e.notifications.some((n) => n.attributes['status'] === status))
      problems.push(`${status} and nobody was notified`);
  }
  if (status === 'FAILED' && !e.planState.needsOperator)
    problems.push('FAILED after a change, but the plan is not marked as needing an operator');
  if (e.lockHeld && !e.planState.needsOperator)
    problems.push('the lock is still held and the plan is not marked as needing an operator');
  if (end.promotions > 0) {
    const risks = risksTaken(report);
    if (risks === undefined) problems.push('promoted without readiness evidence in the report');
    else {
      const accepted = acceptedChecks(report);
      const unaccepted = risks.filter((c) => !accepted.includes(c.name)).map((c) => c.name);
      if (unaccepted.length > 0)
        problems.push(
          `promoted past failed readiness checks without a recorded decision: ${unaccepted.join(', ')}`,
        );
    }
    // Messages a reachable old upstream still holds were not lost to the disaster but left behind by the failover.
    if ((end.leftBehind ?? 0) > 0 && acceptedChecks(report).length === 0) {
      problems.push(
        `promoted with ${end.leftBehind} messages the old upstream had confirmed left behind on it, with no decision recorded for that loss`,
      );
    }
  }
  return problems;
};
