// The record of one execution: every step attempt, its evidence and its side effects, and the
// final report. Steps append; the report and (later) the approval console read it.
// Adapters: DynamoDB (`adapters/dynamodb-journal.ts`) and in-memory for drills.

export interface SideEffect {
  step: string;
  /** What was changed, in words an operator understands. */
  action: string;
  /** The object acted on, e.g. `tanzu-rabbitmq/downstream-cluster` or a DNS name. */
  target: string;
  at: string;
}

export type StepOutcome = 'succeeded' | 'failed' | 'skipped';

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
  /** From the workflow's start to the end of DNS verification; absent when traffic never moved. */
  recoveryTimeMs?: number;
  steps: Array<{ name: string; attempt: number; startedAt: string; endedAt: string; durationMs: number; outcome: StepOutcome; summary: string; detail: unknown }>;
  sideEffects: SideEffect[];
}

export interface JournalPort {
  appendStep(executionId: string, record: StepRecord): Promise<void>;
  listSteps(executionId: string): Promise<StepRecord[]>;
  putReport(report: FailoverReport): Promise<void>;
  getReport(executionId: string): Promise<FailoverReport | undefined>;
}
