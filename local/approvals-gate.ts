// The drill's interactive gate: the approval service and console of a deployed stack, run in the
// drill's process. The gate stores the request, prints where to decide, and its promise resolves
// when the decision arrives, so the local runner (which awaits the handler) simply waits; the
// ASL's AwaitApproval timeout, from the plan, bounds the wait exactly as it does in AWS.
import { userInfo } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Logger } from '@aws-lambda-powertools/logger';
import { createMemoryApprovalStore } from '../lambdas/adapters/memory-approval-store.js';
import { acceptedRiskOf, pendingApproval } from '../lambdas/approvals/approval-record.js';
import { createApprovalService } from '../lambdas/approvals/approval-service.js';
import { loadConsoleAssets } from '../lambdas/approvals/console-assets.js';
import { WorkflowNotWaitingError } from '../lambdas/approvals/errors.js';
import { BadInputError } from '../lambdas/errors.js';
import { createApprovalApi } from '../lambdas/handlers/approval-api.js';
import type { ApprovalDecision, ApprovalPort, WorkflowResumePort } from '../lambdas/ports/approvals.js';
import { systemClock, type ClockPort } from '../lambdas/ports/clock.js';
import type { JournalPort } from '../lambdas/ports/journal.js';
import { startConsoleServer } from './console-server.js';
import type { Io } from './io.js';

export const consoleDir = fileURLToPath(new URL('../console/', import.meta.url));

/** Who decides in a drill: the person running it (the console listens on 127.0.0.1 only). */
export const drillOperator = (): string => {
  let name: string;
  try {
    name = userInfo().username;
  } catch {
    // Some containers run as a uid with no passwd entry.
    name = process.env['USER'] ?? 'operator';
  }
  return `${name} (local drill)`;
};

export interface DrillGate {
  approvals: ApprovalPort;
  /** `http://127.0.0.1:PORT`: the console, and the endpoint for `failover approve --endpoint`. */
  consoleUrl: string;
  close(): Promise<void>;
}

export const startDrillGate = async (options: { journal: Pick<JournalPort, 'listSteps'>; io: Io; consolePort?: number; clock?: ClockPort }): Promise<DrillGate> => {
  const { io } = options;
  const clock = options.clock ?? systemClock;
  const operator = drillOperator();
  const store = createMemoryApprovalStore();
  const waiting = new Map<string, (decision: ApprovalDecision) => void>();
  const resume: WorkflowResumePort = {
    resume: async (taskToken, approval) => {
      const deliver = waiting.get(taskToken);
      if (!deliver) throw new WorkflowNotWaitingError(`approval ${approval.id}: the drill had stopped waiting for it (the gate timed out or the drill ended)`);
      waiting.delete(taskToken);
      deliver(approval.decision);
    },
  };
  const logger = new Logger({ serviceName: 'failover-drill-console', logLevel: (process.env['POWERTOOLS_LOG_LEVEL'] as 'DEBUG' | undefined) ?? 'SILENT' });
  const handler = createApprovalApi(
    {
      service: createApprovalService({ store, resume, journal: options.journal, clock }),
      callerOf: () => ({ kind: 'local', operator }),
      assets: loadConsoleAssets(consoleDir, { type: 'local', operator }),
    },
    logger,
  );
  const server = await startConsoleServer(handler, options.consolePort);

  const approvals: ApprovalPort = {
    request: async (request) => {
      const token = request.taskToken;
      if (!token) throw new BadInputError('the drill gate needs the task token the local runner passes');
      const approval = pendingApproval(request);
      await store.create(approval, token);
      const decision = new Promise<ApprovalDecision>((resolve) => waiting.set(token, resolve));
      const risk = acceptedRiskOf(approval.evidence);
      io.out(`    ... approval ${approval.id} is waiting for a decision until ${approval.decideBy}; without one the failover is aborted`);
      if (risk.length) io.out(`    ... AT RISK: approving accepts ${risk.join('; ')}`);
      io.out(`    ... decide in the console: ${server.url}/#/approvals/${approval.id}`);
      io.out(`    ... or: npm run failover -- approve ${approval.id} --endpoint ${server.url} --reason "..."`);
      io.out(`    ...     npm run failover -- reject ${approval.id} --endpoint ${server.url} --reason "..."`);
      return decision;
    },
  };
  return { approvals, consoleUrl: server.url, close: server.close };
};
