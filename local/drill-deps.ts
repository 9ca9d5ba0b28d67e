// The ports of a drill: the real handlers and the real Kubernetes client, pointed at the
// simulated clusters, a local DNS zone, the scenario's alarm state, and an answer for the gate.
import { Logger } from '@aws-lambda-powertools/logger';
import { createClientNodeKube } from '../lambdas/adapters/kube/client-node-kube.js';
import { createMemoryCoordination } from '../lambdas/adapters/memory-coordination.js';
import { createMemoryJournal } from '../lambdas/adapters/memory-journal.js';
import { createAwsWorker } from '../lambdas/handlers/aws-worker.js';
import { createKubeWorker } from '../lambdas/handlers/kube-worker.js';
import type { Plan } from '../lambdas/plan/schema.js';
import type { ApprovalDecision, ApprovalPort } from '../lambdas/ports/approvals.js';
import { systemClock } from '../lambdas/ports/clock.js';
import type { CoordinationPort, ExecutionsPort } from '../lambdas/ports/coordination.js';
import type { JournalPort } from '../lambdas/ports/journal.js';
import type { Notification } from '../lambdas/ports/notifier.js';
import type { ProgressEvent } from '../lambdas/steps/step-deps.js';
import type { Scenario } from '../sim/scenario.js';
import type { Simulation } from '../sim/simulation.js';
import { localExecutions, type Workers } from './run-workflow.js';

export type GateAnswer = 'approve' | 'reject';

export const autoApprovals = (answer: GateAnswer, clock = systemClock): ApprovalPort => ({
  request: async (): Promise<ApprovalDecision> => ({
    decision: answer === 'approve' ? 'approved' : 'rejected',
    approver: `failover drill --auto-${answer}`,
    reason: `the drill answered the gate with --auto-${answer}`,
    decidedAt: clock.now().toISOString(),
  }),
});

export interface DrillEnvironment {
  workers: Workers;
  journal: JournalPort;
  notifications: Notification[];
}

/** The plan's coordination state as the scenario describes it. */
export const seededCoordination = async (plan: Plan, scenario: Scenario) => {
  const coordination = createMemoryCoordination();
  const c = scenario.coordination;
  const now = Date.now();
  await coordination.putPlanState(plan.name, {
    activeSide: c.activeSide,
    ...(c.cooldownMinutesLeft > 0 ? { cooldownUntil: new Date(now + c.cooldownMinutesLeft * 60_000).toISOString(), lastExecutionId: 'an earlier failover' } : {}),
    ...(c.needsOperator ? { needsOperator: c.needsOperator } : {}),
  });
  if (c.lock) {
    await coordination.acquireLock(plan.name, { owner: c.lock.owner, acquiredAt: new Date(now).toISOString(), expiresAt: new Date(now + 3_600_000).toISOString() }, new Date(now));
  }
  return coordination;
};

export const drillEnvironment = (options: {
  plan: Plan;
  scenario: Scenario;
  simulation: Simulation;
  approvals: ApprovalPort;
  progress: (event: ProgressEvent) => void;
  coordination: CoordinationPort;
  /** Shorter than the real defaults where a run injects timeouts on purpose (the fault matrix). */
  kubeTimeouts?: { requestTimeoutMs: number; execTimeoutMs: number };
}): DrillEnvironment => {
  const { plan, scenario, simulation } = options;
  const journal = createMemoryJournal();
  const notifications: Notification[] = [];
  const { coordination } = options;
  // A lock the scenario says is held by a live execution must look live to the takeover check.
  const runningElsewhere = new Set(scenario.coordination.lock?.running ? [scenario.coordination.lock.owner] : []);
  const executions: ExecutionsPort = { isRunning: async (id) => runningElsewhere.has(id) || (await localExecutions.isRunning(id)) };
  // Structured logs stay available (POWERTOOLS_LOG_LEVEL=DEBUG) without cluttering the drill's output.
  const logger = new Logger({ serviceName: 'failover-drill', logLevel: (process.env['POWERTOOLS_LOG_LEVEL'] as 'DEBUG' | undefined) ?? 'SILENT' });
  const progress = (event: ProgressEvent) => {
    if (event.kind === 'step-started') simulation.enterStep(event.step);
    options.progress(event);
  };
  const common = { journal, clock: systemClock, progress };
  const kubeWorker = createKubeWorker(
    { ...common, kubeFor: async (_plan, side) => createClientNodeKube(simulation.kubeConfigFor(side), `${side} cluster (simulated)`, options.kubeTimeouts) },
    logger,
  );
  const awsWorker = createAwsWorker(
    {
      ...common,
      coordination,
      executions,
      dns: simulation.dns,
      alarms: { getStates: async (names) => new Map(names.filter((n) => plan.triggers.alarms.some((a) => a.name === n)).map((n) => [n, scenario.alarm.state])) },
      notifier: { notify: async (n) => void notifications.push(n) },
      approvals: options.approvals,
    },
    logger,
  );
  return { workers: { KubeWorkerArn: kubeWorker, AwsWorkerArn: awsWorker }, journal, notifications };
};
