// `failover approvals list|show`, `failover approve`, `failover reject`: the approval gate from a
// terminal, with the same evidence the console shows, against a running drill (`--endpoint`,
// printed by the drill) or a deployed stack (`--api`, the stack's ConsoleUrl output); and
// `failover ack`, which re-arms a deployed plan through the same API.
import type { ApprovalSummary, ApprovalView, DecisionInput } from '../lambdas/approvals/approval-service.js';
import type { CheckResult } from '../lambdas/engines/engine.js';
import { shellCommand } from '../lambdas/text/shell-quote.js';
import {
  deployedClient,
  endpointClient,
  type ConsoleClient,
  type DeployedApiOptions,
} from './console-client.js';
import { loadPlan, PlanError } from '../lambdas/plan/load-plan.js';
import { describePlanState } from '../lambdas/operator/acknowledge.js';
import { command, jsonOption, type ExclusiveGroup, type Values } from './command.js';
import { sides } from './flags.js';
import { exitCodes, jsonOutput, terminalIo, type Io } from './io.js';

export interface ApprovalsTargets {
  endpoint(url: string): ConsoleClient;
  deployed(options: DeployedApiOptions): ConsoleClient;
}

const defaultTargets: ApprovalsTargets = { endpoint: endpointClient, deployed: deployedClient };

/** Where the approvals are: a drill's console or a deployed stack's API. */
const targetOptions = {
  endpoint: {
    type: 'string',
    value: 'URL',
    description: "a running drill's approval console (the drill prints it)",
  },
  api: {
    type: 'string',
    value: 'URL',
    description: "a deployed stack's approval API (its ConsoleUrl output), called with your AWS credentials",
  },
  region: { type: 'string', value: 'R', description: "the API's Region, when its address does not name one" },
} as const;
type TargetValues = Values<typeof targetOptions>;

const targetGroups: ExclusiveGroup<keyof typeof targetOptions>[] = [
  {
    options: ['endpoint', 'api'],
    required: true,
    why: "a drill's console has an endpoint, a deployed stack an API",
  },
  { options: ['endpoint', 'region'], why: "a drill's console runs on this machine, in no Region" },
];

const approvalId = {
  name: 'ID',
  description: 'the approval (failover approvals list shows it)',
  count: 'one',
} as const;

/** Refusals a person can fix by changing what they typed get the bad-input code. */
const exitFor = (status: number) =>
  status === 400 || status === 404 ? exitCodes.badInput : exitCodes.failedAfterChange;

/** The command line has made sure exactly one of --endpoint and --api is given, --region only with --api. */
const clientFor = (v: TargetValues, targets: ApprovalsTargets): ConsoleClient =>
  v.endpoint !== undefined
    ? targets.endpoint(v.endpoint)
    : targets.deployed({ api: v.api!, ...(v.region ? { region: v.region } : {}) });

/** Runs one request, printing a refusal the way the console words it. */
const withClient = async (
  v: TargetValues,
  io: Io,
  targets: ApprovalsTargets,
  use: (client: ConsoleClient) => Promise<void>,
): Promise<number> => {
  try {
    await use(clientFor(v, targets));
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
    io.out(
      `  ${a.id}  ${a.planName}  requested ${a.requestedAt}, decide by ${a.decideBy}${a.mayDecide ? '' : '  (you are not an approver)'}`,
    );
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
  io.out(
    `  gate: approval ${a.gate.approval}, timeout ${a.gate.timeoutMinutes} min, on timeout ${a.gate.onTimeout}; approvers: ${a.gate.approvers.join(', ') || '(none listed)'}`,
  );
  for (const r of a.atRisk) io.out(`  AT RISK: ${r} (approving accepts it, and the report records it)`);
  io.out('Evidence (readiness checks):');
  for (const c of (Array.isArray(a.evidence) ? a.evidence : []) as CheckResult[]) {
    io.out(`  ${c.passed ? 'pass' : 'FAIL'}  ${c.name.padEnd(20)} ${c.summary}`);
    for (const [key, value] of Object.entries(c.evidence ?? {}))
      io.out(`        ${key}: ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`);
  }
  io.out('Approving will:');
  a.intendedChanges.forEach((c, i) => io.out(`  ${i + 1}. ${c}`));
  io.out('Timeline so far:');
  for (const t of a.timeline)
    io.out(
      `  ${t.startedAt}  ${`${t.step}${t.attempt > 1 ? ` (attempt ${t.attempt})` : ''}`.padEnd(22)} ${t.outcome.padEnd(9)} ${t.summary}`,
    );
  if (a.state === 'pending') {
    const decide = (decision: string) => `${shellCommand(['failover', decision, a.id])} --reason "..."`;
    io.out(
      a.mayDecide
        ? `You may decide, as ${a.caller}: ${decide('approve')}  or  ${decide('reject')}`
        : `You (${a.caller}) are not an approver of plan ${a.planName}.`,
    );
  }
};

const decideOptions = {
  reason: {
    type: 'string',
    value: 'TEXT',
    required: true,
    description: 'why you decide: recorded with your name and in the failover report',
  },
  ...targetOptions,
} as const;

const decide =
  (decision: DecisionInput['decision'], targets: ApprovalsTargets) =>
  async (
    v: Values<typeof decideOptions> & { 'allow-ungraceful'?: boolean },
    [id]: string[],
    io: Io,
  ): Promise<number> =>
    withClient(v, io, targets, async (client) => {
      const decided = await client.decide(id!, {
        decision,
        reason: v.reason.trim(),
        ...(v['allow-ungraceful'] ? { allowUngraceful: true } : {}),
      });
      io.out(
        `${decided.decision!.decision} ${decided.id} (plan ${decided.planName}) as ${decided.decision!.approver}: ${decided.decision!.reason}`,
      );
      io.out(decision === 'approve' ? 'The failover goes on.' : 'The failover halts; nothing was changed.');
    });

/** The commands, with their targets injectable for tests. */
export const consoleCommands = (targets: ApprovalsTargets = defaultTargets) => ({
  approvals: command({
    summary: 'list the approvals, or show one: its evidence, the changes approving makes, the timeline',
    positionals: [
      { name: 'list|show', description: 'list every approval, or show the one named', count: 'one' },
      { name: 'ID', description: 'the approval to show', count: 'optional' },
    ],
    options: { ...targetOptions, json: jsonOption("the API's answer") },
    exclusive: targetGroups,
    run: async (v, [what, id], io) => {
      if (!((what === 'list' && id === undefined) || (what === 'show' && id !== undefined))) {
        io.err('expected "failover approvals list" or "failover approvals show ID"');
        return exitCodes.badInput;
      }
      const show = <T>(answer: T, print: (io: Io, answer: T) => void) =>
        v.json ? jsonOutput(io).write(answer) : print(io, answer);
      return withClient(v, io, targets, async (client) =>
        what === 'list' ? show(await client.list(), printList) : show(await client.get(id!), printApproval),
      );
    },
  }),
  approve: command({
    summary: 'approve a failover waiting at its gate: it goes on',
    positionals: [approvalId],
    options: {
      ...decideOptions,
      'allow-ungraceful': {
        type: 'boolean',
        description: 'allow an ungraceful failover if the old upstream cannot be fenced',
      },
    },
    exclusive: targetGroups,
    run: decide('approve', targets),
  }),
  reject: command({
    summary: 'reject a failover waiting at its gate: it halts, nothing changed',
    positionals: [approvalId],
    options: decideOptions,
    exclusive: targetGroups,
    run: decide('reject', targets),
  }),
  ack: command({
    summary: 're-arm a deployed plan: clear its cooldown and its "waits for an operator" mark',
    positionals: [{ name: 'PLAN', description: "the plan file, or the plan's name", count: 'one' }],
    options: {
      reason: {
        type: 'string',
        value: 'TEXT',
        required: true,
        description: 'why you re-arm it: recorded with your name in the plan state',
      },
      active: {
        type: 'string',
        choices: sides,
        description: 'record which side serves now (upstream after a deliberate failback)',
      },
      api: {
        ...targetOptions.api,
        required: true,
        description: `${targetOptions.api.description} (a drill has nothing to acknowledge)`,
      },
      region: targetOptions.region,
    },
    run: async (v, [planArgument], io) => {
      const plan = await planNameOf(planArgument!, io);
      if (plan === undefined) return exitCodes.badInput;
      return withClient(v, io, targets, async (client) => {
        const done = await client.acknowledge(plan, {
          reason: v.reason.trim(),
          ...(v.active ? { active: v.active } : {}),
        });
        io.out(`${done.plan}: was ${describePlanState(done.before)}`);
        io.out(
          `${done.plan}: now ${describePlanState(done.after)} (acknowledged by ${done.after.acknowledged?.by})`,
        );
        io.out(
          done.after.activeSide === 'upstream'
            ? 'The next alarm on the upstream starts a failover.'
            : 'An alarm on the old upstream still starts nothing: the downstream is active.',
        );
      });
    },
  }),
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
