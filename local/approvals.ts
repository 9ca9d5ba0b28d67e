// `failover approvals list|show`, `failover approve`, `failover reject`: the approval gate from a
// terminal, with the same evidence the console shows, against a running drill (`--endpoint`,
// printed by the drill) or a deployed stack (`--table`, the stack's JournalTableName output).
import type { ApprovalSummary, ApprovalView, DecisionInput } from '../lambdas/approvals/approval-service.js';
import type { CheckResult } from '../lambdas/engines/engine.js';
import { deployedApprovals, type DeployedApprovalsOptions } from './approvals-aws.js';
import { endpointClient, type ApprovalsClient } from './approvals-client.js';
import { exitCodes, type Io } from './io.js';

type Values = Record<string, string | boolean | undefined>;
type Options = Record<string, { type: 'string' | 'boolean' }>;

export interface ApprovalsTargets {
  endpoint(url: string): ApprovalsClient;
  deployed(options: DeployedApprovalsOptions): Promise<ApprovalsClient>;
}

const defaultTargets: ApprovalsTargets = { endpoint: endpointClient, deployed: deployedApprovals };

const TARGET_USAGE = '(--endpoint URL | --table NAME [--region R])';
const targetOptions: Options = { endpoint: { type: 'string' }, table: { type: 'string' }, region: { type: 'string' } };

/** Refusals a person can fix by changing what they typed get the bad-input code. */
const exitFor = (status: number) => (status === 400 || status === 404 ? exitCodes.badInput : exitCodes.failedAfterChange);

const clientFor = async (v: Values, targets: ApprovalsTargets): Promise<ApprovalsClient | string> => {
  const endpoint = v['endpoint'] as string | undefined;
  const table = v['table'] as string | undefined;
  if (endpoint && table) return '--endpoint and --table exclude each other: a drill has an endpoint, a deployed stack a table';
  if (endpoint) return targets.endpoint(endpoint);
  if (table) return targets.deployed({ table, ...(v['region'] ? { region: v['region'] as string } : {}) });
  return 'where? pass --endpoint URL (a running drill prints it) or --table NAME (the deployed stack\'s JournalTableName output)';
};

/** Runs one request, printing a refusal the way the console words it. */
const withClient = async (v: Values, io: Io, targets: ApprovalsTargets, use: (client: ApprovalsClient) => Promise<void>): Promise<number> => {
  try {
    const client = await clientFor(v, targets);
    if (typeof client === 'string') {
      io.err(client);
      return exitCodes.badInput;
    }
    await use(client);
    return 0;
  } catch (err) {
    const status = (err as { status?: unknown }).status;
    if (typeof status !== 'number') throw err;
    io.err(`refused (${status}): ${(err as Error).message}`);
    return exitFor(status);
  }
};

const stateLine = (a: ApprovalSummary): string => {
  const d = a.decision;
  if (a.state === 'pending') return `pending until ${a.decideBy}`;
  if (a.state === 'expired') return `expired at ${a.decideBy} (the failover was aborted)`;
  return `${d!.decision} by ${d!.approver} at ${d!.decidedAt}: ${d!.reason}${a.applied ? '' : ' (not applied: the workflow had stopped waiting)'}`;
};

const printList = (io: Io, approvals: ApprovalSummary[]) => {
  const pending = approvals.filter((a) => a.state === 'pending');
  const past = approvals.filter((a) => a.state !== 'pending');
  io.out(pending.length ? 'Waiting for a decision:' : 'No failover is waiting for a decision.');
  for (const a of pending) {
    io.out(`  ${a.id}  ${a.planName}  requested ${a.requestedAt}, decide by ${a.decideBy}${a.mayDecide ? '' : '  (you are not an approver)'}`);
    for (const r of a.atRisk) io.out(`      AT RISK: ${r}`);
  }
  if (past.length) io.out('Past:');
  for (const a of past) io.out(`  ${a.id}  ${a.planName}  ${stateLine(a)}`);
};

const printApproval = (io: Io, a: ApprovalView) => {
  io.out(`Approval ${a.id}: failover of ${a.planName}, ${stateLine(a)}`);
  io.out(`  execution ${a.executionId}`);
  io.out(`  gate: approval ${a.gate.approval}, timeout ${a.gate.timeoutMinutes} min, on timeout ${a.gate.onTimeout}; approvers: ${a.gate.approvers.join(', ') || '(none listed)'}`);
  for (const r of a.atRisk) io.out(`  AT RISK: ${r} (approving accepts it, and the report records it)`);
  io.out('Evidence (readiness checks):');
  for (const c of (Array.isArray(a.evidence) ? a.evidence : []) as CheckResult[]) {
    io.out(`  ${c.passed ? 'pass' : 'FAIL'}  ${c.name.padEnd(20)} ${c.summary}`);
    for (const [key, value] of Object.entries(c.evidence ?? {})) io.out(`        ${key}: ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`);
  }
  io.out('Approving will:');
  a.intendedChanges.forEach((c, i) => io.out(`  ${i + 1}. ${c}`));
  io.out('Timeline so far:');
  for (const t of a.timeline) io.out(`  ${t.startedAt}  ${`${t.step}${t.attempt > 1 ? ` (attempt ${t.attempt})` : ''}`.padEnd(22)} ${t.outcome.padEnd(9)} ${t.summary}`);
  if (a.state === 'pending') {
    io.out(a.mayDecide ? `You may decide, as ${a.caller}: failover approve ${a.id} --reason "..."  or  failover reject ${a.id} --reason "..."` : `You (${a.caller}) are not an approver of plan ${a.planName}.`);
  }
};

const decideCommand = (decision: DecisionInput['decision'], targets: ApprovalsTargets) => ({
  usage: `failover ${decision} ID --reason TEXT${decision === 'approve' ? ' [--allow-ungraceful]' : ''} ${TARGET_USAGE}`,
  options: { ...targetOptions, reason: { type: 'string' }, ...(decision === 'approve' ? { 'allow-ungraceful': { type: 'boolean' } } : {}) } satisfies Options,
  run: async (v: Values, positionals: string[], io: Io): Promise<number> => {
    const reason = ((v['reason'] as string | undefined) ?? '').trim();
    if (positionals.length !== 1 || !reason) {
      io.err(`usage: failover ${decision} ID --reason TEXT ${TARGET_USAGE}${reason ? '' : '\na reason is required: it is recorded with your name and in the failover report'}`);
      return exitCodes.badInput;
    }
    const id = positionals[0]!;
    return withClient(v, io, targets, async (client) => {
      const decided = await client.decide(id, { decision, reason, ...(v['allow-ungraceful'] ? { allowUngraceful: true } : {}) });
      io.out(`${decided.decision!.decision} ${decided.id} (plan ${decided.planName}) as ${decided.decision!.approver}: ${decided.decision!.reason}`);
      io.out(decision === 'approve' ? 'The failover goes on.' : 'The failover halts; nothing was changed.');
    });
  },
});

/** The commands, with their targets injectable for tests. */
export const approvalCommands = (targets: ApprovalsTargets = defaultTargets) => ({
  approvals: {
    usage: `failover approvals list|show ID ${TARGET_USAGE}`,
    options: targetOptions,
    run: async (v: Values, positionals: string[], io: Io): Promise<number> => {
      const [what, id, ...rest] = positionals;
      if (!((what === 'list' && id === undefined) || (what === 'show' && id !== undefined)) || rest.length > 0) {
        io.err(`usage: failover approvals list|show ID ${TARGET_USAGE}`);
        return exitCodes.badInput;
      }
      return withClient(v, io, targets, async (client) => (what === 'list' ? printList(io, await client.list()) : printApproval(io, await client.get(id!))));
    },
  },
  approve: decideCommand('approve', targets),
  reject: decideCommand('reject', targets),
});
