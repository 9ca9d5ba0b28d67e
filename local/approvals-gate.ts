// The drill's interactive gate: the approval gate, service and console of a deployed stack, run in
// the drill's process over the in-memory store; only the wiring is the drill's. The gate's
// promise resolves when the decision arrives, so the local runner (which awaits the handler)
// simply waits; the ASL's AwaitApproval timeout, from the plan, bounds the wait exactly as in AWS,
// and the gate stops waiting then too (the request's decideBy).
import { userInfo } from 'node:os';
import { Logger } from '@aws-lambda-powertools/logger';
import { createApprovalService } from '../lambdas/approvals/approval-service.js';
import { loadConsoleAssets } from '../lambdas/approvals/console-assets.js';
import { WorkflowNotWaitingError } from '../lambdas/approvals/errors.js';
import { createApprovalGate } from '../lambdas/approvals/gate.js';
import { createApprovalApi } from '../lambdas/approvals/http-api.js';
import { createMemoryApprovalStore } from '../lambdas/approvals/memory-store.js';
import type { ApprovalDecision, ApprovalPort, WorkflowResumePort } from '../lambdas/approvals/port.js';
import { systemClock, type ClockPort } from '../lambdas/ports/clock.js';
import { packageFile } from '../lambdas/package-files.js';
import type { JournalPort } from '../lambdas/ports/journal.js';
import { startConsoleServer } from './console-server.js';
import type { Io } from './io.js';
import { terminalText } from '../lambdas/text/terminal-text.js';

export const consoleDir = packageFile('console');

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

export const startDrillGate = async (options: {
  journal: Pick<JournalPort, 'listSteps'>;
  io: Io;
  consolePort?: number;
  clock?: ClockPort;
}): Promise<DrillGate> => {
  const { io } = options;
  const clock = options.clock ?? systemClock;
  const operator = drillOperator();
  const store = createMemoryApprovalStore();
  /** The decision each waiting gate resolves with, by task token. */
  const waiting = new Map<
    string,
    { approvalId: string; deliver(decision: ApprovalDecision | undefined): void; expiry: NodeJS.Timeout }
  >();
  const delivered = new Set<string>();
  const resume: WorkflowResumePort = {
    resume: async (taskToken, approval) => {
      const gate = waiting.get(taskToken);
      if (!gate || gate.approvalId !== approval.id)
        throw new WorkflowNotWaitingError(
          `approval ${approval.id}: the drill had stopped waiting for it (the gate timed out or the drill ended)`,
        );
      waiting.delete(taskToken);
      clearTimeout(gate.expiry);
      delivered.add(approval.id);
      gate.deliver(approval.decision);
    },
    gateState: async (approval) =>
      delivered.has(approval.id)
        ? 'delivered'
        : [...waiting.values()].some((w) => w.approvalId === approval.id)
          ? 'waiting'
          : 'closed',
  };
  const logger = new Logger({
    serviceName: 'failover-drill-console',
    logLevel: (process.env['POWERTOOLS_LOG_LEVEL'] as 'DEBUG' | undefined) ?? 'SILENT',
  });
  const handler = createApprovalApi(
    {
      service: createApprovalService({ store, resume, journal: options.journal, clock }),
      callerOf: () => ({ kind: 'local', operator }),
      assets: loadConsoleAssets(consoleDir, { type: 'local', operator }),
    },
    logger,
  );
  const server = await startConsoleServer(handler, options.consolePort);

  const approvals: ApprovalPort = createApprovalGate({
    store,
    // Approvers are told here, in the drill's output, what a deployed stack sends them.
    // Each line of the notice printed as one terminal line: evidence summaries come from the systems.
    notifier: {
      notify: async (notice) =>
        notice.message.split('\n').forEach((line) => io.out(`    ... ${terminalText(line)}`)),
    },
    where: {
      consoleUrl: `${server.url}/`,
      cli: { command: 'npm run failover --', target: `--endpoint ${server.url}` },
    },
    // Until the workflow stops waiting (the request's decideBy, from the gate's timeout): then the
    // step ends with no decision, as it ends at once in AWS, and does not hold its claim (Halt
    // waits for a step still working) for the rest of its budget.
    awaitDecision: (taskToken, approval) =>
      new Promise<ApprovalDecision | undefined>((deliver) => {
        const expiry = setTimeout(
          () => {
            waiting.delete(taskToken);
            deliver(undefined);
          },
          Math.max(0, Date.parse(approval.decideBy) - clock.now().getTime()),
        );
        waiting.set(taskToken, { approvalId: approval.id, deliver, expiry });
      }),
  });
  return {
    approvals,
    consoleUrl: server.url,
    close: async () => {
      // Whatever still waits is no longer waited on: a late decision is answered "not applied".
      for (const gate of waiting.values()) clearTimeout(gate.expiry);
      waiting.clear();
      await server.close();
    },
  };
};
