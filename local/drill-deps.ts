// The ports of a drill: the real handlers and the real Kubernetes client, pointed at the
// simulated clusters, a local DNS zone, the scenario's alarm state, and an answer for the gate.
import { Logger } from '@aws-lambda-powertools/logger';
import { createClientNodeKube } from '../lambdas/adapters/kube/client-node-kube.js';
import { createMemoryJournal } from '../lambdas/adapters/memory-journal.js';
import { createAwsWorker } from '../lambdas/handlers/aws-worker.js';
import { createKubeWorker } from '../lambdas/handlers/kube-worker.js';
import type { Plan } from '../lambdas/plan/schema.js';
import type { AlarmState } from '../lambdas/ports/alarms.js';
import type { ApprovalDecision, ApprovalPort } from '../lambdas/ports/approvals.js';
import { systemClock } from '../lambdas/ports/clock.js';
import type { JournalPort } from '../lambdas/ports/journal.js';
import type { Notification } from '../lambdas/ports/notifier.js';
import type { ProgressEvent } from '../lambdas/steps/step-deps.js';
import { createLocalDnsZone, type LocalDnsZone } from '../sim/local-dns-zone.js';
import type { Simulation } from '../sim/simulation.js';
import type { Workers } from './run-workflow.js';

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
  dns: LocalDnsZone;
  notifications: Notification[];
}

export const drillEnvironment = (options: {
  plan: Plan;
  simulation: Simulation;
  alarmState: AlarmState;
  dnsSyncMs: number;
  approvals: ApprovalPort;
  progress: (event: ProgressEvent) => void;
}): DrillEnvironment => {
  const { plan, simulation } = options;
  const journal = createMemoryJournal();
  const notifications: Notification[] = [];
  const dns = createLocalDnsZone({
    hostedZoneId: plan.dns.hostedZoneId,
    initial: plan.dns.records.map((r) => ({ hostedZoneId: plan.dns.hostedZoneId, name: r.name, type: r.type, values: [r.upstream], ttl: r.ttl })),
    syncMs: options.dnsSyncMs,
  });
  // Structured logs stay available (POWERTOOLS_LOG_LEVEL=DEBUG) without cluttering the drill's output.
  const logger = new Logger({ serviceName: 'failover-drill', logLevel: (process.env['POWERTOOLS_LOG_LEVEL'] as 'DEBUG' | undefined) ?? 'SILENT' });
  const common = { journal, clock: systemClock, progress: options.progress };
  const kubeWorker = createKubeWorker(
    { ...common, kubeFor: async (_plan, side) => createClientNodeKube(simulation.kubeConfigFor(side), `${side} cluster (simulated)`) },
    logger,
  );
  const awsWorker = createAwsWorker(
    {
      ...common,
      dns,
      alarms: { getStates: async (names) => new Map(names.filter((n) => plan.triggers.alarms.some((a) => a.name === n)).map((n) => [n, options.alarmState])) },
      notifier: { notify: async (n) => void notifications.push(n) },
      approvals: options.approvals,
    },
    logger,
  );
  return { workers: { KubeWorkerArn: kubeWorker, AwsWorkerArn: awsWorker }, journal, dns, notifications };
};
