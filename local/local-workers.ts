// The two workers wired for a run on this machine (drills and break-glass runs): the same
// handler code as the Lambdas, with the ports the caller chooses, an in-memory journal, and
// notifications kept for printing.
import { Logger } from '@aws-lambda-powertools/logger';
import { createMemoryJournal } from '../lambdas/adapters/memory-journal.js';
import { createAwsWorker } from '../lambdas/handlers/aws-worker.js';
import { createKubeWorker } from '../lambdas/handlers/kube-worker.js';
import type { WorkerDeps } from '../lambdas/handlers/worker.js';
import { systemClock } from '../lambdas/ports/clock.js';
import type { JournalPort } from '../lambdas/ports/journal.js';
import type { Notification } from '../lambdas/ports/notifier.js';
import type { AwsDeps, KubeDeps } from '../lambdas/steps/step-deps.js';
import type { LocalHandler, Workers } from './run-workflow.js';
import type { TaskFaults } from './task-faults.js';

export type LocalPorts = WorkerDeps &
  Pick<KubeDeps, 'kubeFor' | 'progress' | 'budgets'> &
  Pick<
    AwsDeps,
    | 'coordination'
    | 'executions'
    | 'dns'
    | 'routingControlsFor'
    | 'answers'
    | 'region'
    | 'alarms'
    | 'approvals'
  > & {
    /** Platform faults (local/task-faults.ts) applied to the workers and the ports they reach. */
    taskFaults?: TaskFaults;
    /**
     * Another Region's workers' journal and notifications: the orchestrators of a plan's two
     * Regions share one global table (and people get both Regions' notifications).
     */
    shared?: Pick<LocalWorkers, 'journal' | 'notifications'>;
  };

export interface LocalWorkers {
  workers: Workers;
  journal: JournalPort;
  notifications: Notification[];
}

export const localWorkers = (ports: LocalPorts): LocalWorkers => {
  const journal = ports.shared?.journal ?? createMemoryJournal();
  const notifications: Notification[] = ports.shared?.notifications ?? [];
  // Structured logs stay available (POWERTOOLS_LOG_LEVEL=DEBUG) without cluttering the output.
  const logger = new Logger({
    serviceName: 'failover-local',
    logLevel: (process.env['POWERTOOLS_LOG_LEVEL'] as 'DEBUG' | undefined) ?? 'SILENT',
  });
  const faults = ports.taskFaults;
  const common = {
    plans: ports.plans,
    journal: faults ? faults.journal(journal) : journal,
    clock: systemClock,
    progress: ports.progress,
    ...(ports.budgets ? { budgets: ports.budgets } : {}),
  };
  const kubeFor: KubeDeps['kubeFor'] = faults
    ? async (plan, side) => faults.kube(await ports.kubeFor(plan, side))
    : ports.kubeFor;
  const routingControlsFor: AwsDeps['routingControlsFor'] =
    faults && ports.routingControlsFor
      ? (traffic) => faults.routingControls(ports.routingControlsFor!(traffic))
      : ports.routingControlsFor;
  const kubeWorker = createKubeWorker({ ...common, kubeFor, coordination: ports.coordination }, logger);
  const awsWorker = createAwsWorker(
    {
      ...common,
      coordination: ports.coordination,
      executions: ports.executions,
      dns: faults ? faults.dns(ports.dns) : ports.dns,
      ...(routingControlsFor ? { routingControlsFor } : {}),
      ...(ports.answers ? { answers: ports.answers } : {}),
      ...(ports.region === undefined ? {} : { region: ports.region }),
      alarms: ports.alarms,
      notifier: { notify: async (n) => void notifications.push(n) },
      approvals: ports.approvals,
    },
    logger,
  );
  const wrap = faults ? faults.wrapHandler : (handler: LocalHandler) => handler;
  return {
    workers: { KubeWorkerArn: wrap(kubeWorker), AwsWorkerArn: wrap(awsWorker) },
    journal,
    notifications,
  };
};
