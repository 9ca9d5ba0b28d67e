// How long each step may work. A Step Functions state timeout does not stop the Lambda it
// invoked: the workflow moves on to Halt while the work goes on. So each handler has a budget
// that ends inside its state's TimeoutSeconds (test/infra/workflow-definition.test.ts ties every
// Task to this table) and issues no command past it (kube-context.ts, run-step.ts).

/** At least this much of a state's TimeoutSeconds is left after the step's budget: the Lambda's start and the journal's last writes. */
export const stateTimeoutMarginSeconds = 10;

export const stepBudgetSeconds: Record<string, number> = {
  admit: 50,
  blocked: 50,
  'confirm-alarm': 50,
  'check-dns': 50,
  readiness: 170,
  approval: 50,
  fence: 170,
  'catch-up': 50,
  'lift-fence': 170,
  reprotect: 890,
  promote: 290,
  'verify-promotion': 110,
  'flip-dns': 590,
  'verify-dns': 50,
  teardown: 890,
  report: 50,
  halt: 50,
  'execution-ended': 50,
  evaluate: 170,
};

/** Budgets in ms, with per-step overrides (drills and the fault matrix shorten them). */
export const budgetMs = (step: string, overrides: Partial<Record<string, number>> = {}): number =>
  overrides[step] ?? (stepBudgetSeconds[step] ?? 50) * 1000;
