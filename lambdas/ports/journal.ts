// The record of one execution: every step attempt, its evidence, every change it intended and
// made, and the final report. Steps append; the report and the approval console read it.
// Adapters: DynamoDB (`adapters/dynamodb-journal.ts`) and in-memory for drills.
import type { Leg } from '../plan/leg.js';

export interface SideEffect {
  step: string;
  /** What was changed, in words an operator understands. */
  action: string;
  /** The object acted on, e.g. `tanzu-rabbitmq/downstream-cluster` or a DNS name. */
  target: string;
  at: string;
  /**
   * `done`: the change was made and the step saw it succeed. `unconfirmed`: the step said it was
   * about to make it and never saw the result (it failed, timed out or was killed): the change
   * may have happened, and an operator must treat it as if it had.
   */
  status: 'done' | 'unconfirmed';
}

/**
 * One line of the change log. Written before a change is attempted (`intended`) and after
 * (`done`, `failed`: the attempt returned an error and may or may not have acted, `unchanged`:
 * it found nothing to change), so a step cut short still leaves its intent behind.
 */
export interface EffectEvent {
  /** Shared by the events of one change. */
  id: string;
  step: string;
  attempt: number;
  phase: 'intended' | 'done' | 'failed' | 'unchanged';
  action: string;
  target: string;
  at: string;
  /** `failed`: the error; whether it says the command ended matters to a retry (see promote). */
  error?: { name: string; message: string };
}

/** `waiting`: the invocation handed a wait to the workflow, which invokes the step again (steps/workflow-wait.ts). */
export type StepOutcome = 'succeeded' | 'failed' | 'skipped' | 'waiting';

export interface StepRecord {
  step: string;
  attempt: number;
  startedAt: string;
  endedAt: string;
  outcome: StepOutcome;
  /** One line for people. */
  summary: string;
  /** Evidence: checks with values, parsed command output, errors. */
  detail: unknown;
  sideEffects: SideEffect[];
}

export interface FailoverReport {
  executionId: string;
  planName: string;
  /** BLOCKED: the trigger was not admitted (duplicate, lock held, cooldown, already failed over). */
  status: 'SUCCEEDED' | 'HALTED' | 'FAILED' | 'BLOCKED';
  reason?: string;
  startedAt: string;
  endedAt: string;
  /** The Region of the orchestrator that ran it, where known (a plan with `regions` acts from its leg's). */
  actedFrom?: string;
  /** How traffic moves (absent in reports stored before it was recorded): a Route 53 change batch (`records`) or ARC routing controls (`routing-controls`). */
  trafficSwitch?: 'records' | 'routing-controls';
  /** Which way the execution moved the service and how (steps/leg.ts); absent when Admit never decided. */
  leg?: Leg;
  /** What may have been lost: 0 when a graceful switchover proved it, else the lag readiness measured. */
  rpo?: { seconds: number; evidence: string };
  /** From the workflow's start to the end of DNS verification; absent when traffic never moved. */
  recoveryTimeMs?: number;
  steps: Array<{
    name: string;
    attempt: number;
    startedAt: string;
    endedAt: string;
    durationMs: number;
    outcome: StepOutcome;
    summary: string;
    detail: unknown;
  }>;
  sideEffects: SideEffect[];
}

/** An invocation working on a step of an execution, until `until` (its deadline). */
export interface StepClaim {
  owner: string;
  until: string;
}

export interface JournalPort {
  appendStep(executionId: string, record: StepRecord): Promise<void>;
  listSteps(executionId: string): Promise<StepRecord[]>;
  appendEffect(executionId: string, event: EffectEvent): Promise<void>;
  listEffects(executionId: string): Promise<EffectEvent[]>;
  /**
   * Claims a step for one invocation: the same task delivered twice (a retry while the first
   * invocation still runs) must not act twice at once. Granted when unclaimed, when the claim
   * has passed its `until` at `now`, or when `claim.owner` holds it; otherwise returns the holder.
   */
  claimStep(executionId: string, step: string, claim: StepClaim, now: Date): Promise<StepClaim | undefined>;
  /** Ends the claim, only if `owner` holds it. */
  releaseStep(executionId: string, step: string, owner: string): Promise<void>;
  /** The claims not yet ended: steps an invocation may still be working on (Halt waits for them). */
  listClaims(executionId: string): Promise<Array<StepClaim & { step: string }>>;
  putReport(report: FailoverReport): Promise<void>;
  getReport(executionId: string): Promise<FailoverReport | undefined>;
}

/** The change log folded to one entry per change: what an operator must know was (maybe) changed. */
export const changesOf = (events: readonly EffectEvent[]): SideEffect[] => {
  const byId = new Map<string, EffectEvent[]>();
  for (const e of events) byId.set(e.id, [...(byId.get(e.id) ?? []), e]);
  const changes: SideEffect[] = [];
  for (const group of byId.values()) {
    const intent = group.find((e) => e.phase === 'intended') ?? group[0]!;
    const end = group.find((e) => e.phase !== 'intended');
    if (end?.phase === 'unchanged') continue;
    if (end?.phase === 'done') {
      changes.push({ step: end.step, action: end.action, target: end.target, at: end.at, status: 'done' });
    } else {
      const why = end?.error
        ? `the attempt failed: ${end.error.name}: ${end.error.message}`
        : 'the attempt never reported back';
      changes.push({
        step: intent.step,
        action: `${intent.action} (outcome unknown: ${why})`,
        target: intent.target,
        at: intent.at,
        status: 'unconfirmed',
      });
    }
  }
  return changes.sort((a, b) => a.at.localeCompare(b.at));
};
