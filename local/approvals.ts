// `failover approvals list|show`, `failover approve`, `failover reject`: the approval gate from a
// terminal, with the same evidence the console shows, against a running drill (`--endpoint`,
// printed by the drill) or a deployed stack (`--api`, the stack's ConsoleUrl output); and
// `failover ack`, which re-arms a deployed plan through the same API.
import type { ApprovalSummary, ApprovalView, DecisionInput } from '../lambdas/approvals/approval-service.js';
import type { CheckResult } from '../lambdas/engines/engine.js';
import { shellCommand } from '../lambdas/text/shell-quote.js';
import { deployedClient, endpointClient, type ConsoleClient, type DeployedApiOptions } from './console-client.js';
import { loadPlan, PlanError } from '../lambdas/plan/load-plan.js';
import { describePlanState } from '../lambdas/operator/acknowledge.js';
import { exitCodes, terminalIo, type Io } from './io.js';

type Values = Record<string, string | boolean | undefined>;
type Options = Record<string, { type: 'string' | 'boolean' }>;

export interface ApprovalsTargets {
  endpoint(url: string): ConsoleClient;
  deployed(options: DeployedApiOptions): ConsoleClient;
}

const defaultTargets: ApprovalsTargets = { endpoint: endpointClient, deployed: deployedClient };

const TARGET_USAGE = '(--endpoint URL | --api URL [--region R])';
const targetOptions: Options = { endpoint: { type: 'string' }, api: { type: 'string' }, region: { type: 'string' } };

/** Refusals a person can fix by changing what they typed get the bad-input code. */
const exitFor = (status: number) => (status === 400 || status === 404 ? exitCodes.badInput : exitCodes.failedAfterChange);

const clientFor = (v: Values, targets: ApprovalsTargets): ConsoleClient | string => {
  const endpoint = v['endpoint'] as string | undefined;
  const api = v['api'] as string | undefined;
  if (endpoint && api) return '--endpoint and --api exclude each other: a drill has an endpoint, a deployed stack an API';
  if (endpoint) return v['region'] ? '--region goes with --api only' : targets.endpoint(endpoint);
  if (api) return targets.deployed({ api, ...(v['region'] ? { region: v['region'] as string } : {}) });
  return 'where? pass --endpoint URL (a running drill prints it) or --api URL (the deployed stack\'s ConsoleUrl output)';
};

/** Runs one request, printing a refusal the way the console words it. */
const withClient = async (v: Values, io: Io, targets: ApprovalsTargets, use: (client: ConsoleClient) => Promise<void>): Promise<number> => {
  try {
    const client = clientFor(v, targets);
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

const deliveryNote: Record<NonNullable<ApprovalSummary['delivery']>, string> = {
  delivered: '',
  sending: ' (being handed to the workflow: not known yet whether it arrived)',
  'not-applied': ' (not applied: the workflow had stopped waiting)',
};

const stateLine = (a: ApprovalSummary): string => {
  const d = a.decision;
  if (a.state === 'pending') return `pending until ${a.decideBy}`;
  if (a.state === 'expired') return `expired at ${a.decideBy} (the failover was aborted)`;
  return `${d!.decision} by ${d!.approver} at ${d!.decidedAt}: ${d!.reason}${deliveryNote[a.delivery ?? 'delivered']}`;
};

const printList = (terminal: Io, approvals: ApprovalSummary[]) => {
  const io = terminalIo(terminal);
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

/** Names, evidence, summaries and decisions come from the systems and from people: printed escaped. */
const printApproval = (terminal: Io, a: ApprovalView) => {
  const io = terminalIo(terminal);
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
    const decide = (decision: string) => `${shellCommand(['failover', decision, a.id])} --reason "..."`;
    io.out(a.mayDecide ? `You may decide, as ${a.caller}: ${decide('approve')}  or  ${decide('reject')}` : `You (${a.caller}) are not an approver of plan ${a.planName}.`);
  }
};

const decideCommand = (decision: DecisionInput['decision'], targets: ApprovalsTargets) => ({
  usage: `failover ${decision} ID --reason TEXT${decision === 'approve' ? ' [--allow-ungraceful]' : ''} ${TARGET_USAGE}`,
  options: { ...targetOptions, reason: { type: 'string' }, ...(decision === 'approve' ? { 'allow-ungraceful': { type: 'boolean' } } : {}) } satisfies Options,
  run: async (v: Values, positionals: string[], io: Io): Promise<number> => {
    const reason = ((v['reason'] as string | undefined) ?? '').trim();
    if (positionals.length !== 1 || !reason) {
      io.err(reason ? `usage: failover ${decision} ID --reason TEXT ${TARGET_USAGE}` : `--reason: a reason is required: it is recorded with your name and in the failover report (usage: failover ${decision} ID --reason TEXT ${TARGET_USAGE})`);
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
export const consoleCommands = (targets: ApprovalsTargets = defaultTargets) => ({
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
  ack: {
    usage: 'failover ack PLAN --reason TEXT [--active upstream|downstream] --api URL [--region R]',
    options: { api: { type: 'string' }, region: { type: 'string' }, reason: { type: 'string' }, active: { type: 'string' } } satisfies Options,
    run: async (v: Values, positionals: string[], io: Io): Promise<number> => {
      const reason = ((v['reason'] as string | undefined) ?? '').trim();
      // local/flags.ts has checked each flag's value (--active is upstream or downstream).
      const active = v['active'] as 'upstream' | 'downstream' | undefined;
      if (positionals.length !== 1 || !reason || !v['api']) {
        const missing = !reason ? '--reason: a reason is required: it is recorded with your name in the plan state' : !v['api'] ? "--api: the deployed stack's ConsoleUrl output is required (a drill has nothing to acknowledge)" : 'name one plan: its file or its name';
        io.err(`${missing} (usage: failover ack PLAN --reason TEXT [--active upstream|downstream] --api URL [--region R])`);
        return exitCodes.badInput;
      }
      const plan = await planNameOf(positionals[0]!, io);
      if (plan === undefined) return exitCodes.badInput;
      return withClient(v, io, targets, async (client) => {
        const done = await client.acknowledge(plan, { reason, ...(active ? { active } : {}) });
        io.out(`${done.plan}: was ${describePlanState(done.before)}`);
        io.out(`${done.plan}: now ${describePlanState(done.after)} (acknowledged by ${done.after.acknowledged?.by})`);
        io.out(done.after.activeSide === 'upstream' ? 'The next alarm on the upstream starts a failover.' : 'An alarm on the old upstream still starts nothing: the downstream is active.');
      });
    },
  },
});

/** `failover ack` takes a plan file or a plan's name. */
const planNameOf = async (plan: string, io: Io): Promise<string | undefined> => {
  if (!/\.ya?ml$/.test(plan)) return plan;
  try {
    return (await loadPlan(plan)).name;
  } catch (err) {
    if (!(err instanceof PlanError)) throw err;
    err.problems.forEach((p) => io.err(p));
    return undefined;
  }
};
