// `failover`: the command line. A thin shell: commands are data (local/command.ts), their usage,
// help and flag checks are generated from it, and output goes through Io.
import { quoted } from '../lambdas/plan/excerpt.js';
import { loadPlan, PlanError } from '../lambdas/plan/load-plan.js';
import { planHash } from '../lambdas/plan/plan-ref.js';
import { packageFileFromCwd } from '../lambdas/package-files.js';
import { DEFAULT_KUBERNETES_GROUP } from '../lambdas/plan/rbac.js';
import { consoleCommands } from './approvals.js';
import { breakGlass } from './break-glass.js';
import { check } from './check.js';
import { command, jsonOption, type AnyCommand } from './command.js';
import { discoverableEngineTypes, planDiscover } from './discover/plan-discover.js';
import { drill } from './drill.js';
import { modes, parseFlags, sides } from './flags.js';
import { commandHelp, overview } from './help.js';
import { exitCodes, jsonOutput, type Io } from './io.js';
import { requestLeg } from './operator-requests.js';
import { printRbac } from './rbac.js';
import { simUp } from './sim-up.js';

// The example plan the package ships, wherever the command runs from.
const defaultPlan = packageFileFromCwd('examples/plans/rabbitmq-standby.yaml');

const plan = { name: 'PLAN', description: 'the plan file (YAML)', count: 'one' } as const;

/** How `check` and `run` reach the clusters. */
const contextOptions = {
  context: {
    type: 'string',
    value: 'C',
    description: "the downstream's kubeconfig context (default: the plan's clusters.downstream.context)",
  },
  'upstream-context': {
    type: 'string',
    value: 'C',
    description: "the upstream's kubeconfig context (default: the plan's clusters.upstream.context)",
  },
  kubeconfig: {
    type: 'string',
    value: 'FILE',
    description: 'the kubeconfig file (default: $KUBECONFIG or ~/.kube/config)',
  },
} as const;

/** What `switchover` and `reprotect` send to a deployed stack. */
const requestOptions = {
  reason: {
    type: 'string',
    value: 'TEXT',
    required: true,
    description: 'why you ask: the report and the approval show it',
  },
  'state-machine': {
    type: 'string',
    value: 'ARN',
    required: true,
    description: "the deployed workflow (the stack's WorkflowArn output)",
  },
  region: {
    type: 'string',
    value: 'R',
    description: "the workflow's AWS Region (default: the SDK's, from AWS_REGION or the profile)",
  },
} as const;

/** One plan file's verdict: what `validate --json` writes for it. */
const validateFile = async (file: string) => {
  try {
    const p = await loadPlan(file);
    return {
      file,
      valid: true as const,
      name: p.name,
      engine: p.engine.type,
      dnsRecords: p.dns.records.length,
      gate: p.gate.approval,
      // What an execution input names the plan by: {"plan": {"name", "sha256"}, "trigger"}.
      sha256: planHash(p),
    };
  } catch (err) {
    if (!(err instanceof PlanError)) throw err;
    return { file, valid: false as const, problems: err.problems };
  }
};

export const commands: Record<string, AnyCommand> = {
  drill: command({
    summary: 'a whole failover on simulated clusters, on the workflow file AWS runs',
    positionals: [],
    options: {
      plan: { type: 'string', value: 'FILE', default: defaultPlan, description: 'the plan to drill' },
      scenario: {
        type: 'string',
        value: 'FILE',
        description:
          "the simulated clusters' state and faults (default: the healthy scenario of the plan's engine)",
      },
      mode: {
        type: 'string',
        choices: modes,
        description: "a switchover a person asked for, in this mode, instead of the alarm's failover",
      },
      'round-trip': {
        type: 'boolean',
        description: "three legs on the same clusters: the alarm's failover, reprotect, a graceful failback",
      },
      'auto-approve': { type: 'boolean', description: 'answer the approval gate with yes' },
      'auto-reject': {
        type: 'boolean',
        description: 'answer the approval gate with no: the drill halts there, nothing changed',
      },
      'console-port': {
        type: 'string',
        value: 'N',
        description:
          "the approval console's port on 127.0.0.1, where a person decides (default: any free port)",
      },
      report: {
        type: 'string',
        value: 'FILE',
        description: "write the report to this file as JSON (a round trip: every leg's, as an array)",
      },
      json: jsonOption("the report (a round trip: every leg's, as an array)", 'progress goes to stderr'),
    },
    exclusive: [
      {
        options: ['mode', 'round-trip'],
        why: 'a round trip runs its own legs: an ungraceful failover, reprotect and a graceful failback',
      },
      {
        options: ['auto-approve', 'auto-reject', 'console-port'],
        why: 'the gate is answered once: by the drill, or by a person at the console',
      },
    ],
    run: async (v, _p, io) => {
      const gate = v['auto-approve'] ? 'approve' : v['auto-reject'] ? 'reject' : undefined;
      const result = await drill(
        {
          planFile: v.plan,
          // Without --scenario the drill runs the healthy scenario of the plan's engine.
          ...(v.scenario ? { scenarioFile: v.scenario } : {}),
          ...(gate ? { gate } : {}),
          ...(v.mode ? { mode: v.mode } : {}),
          ...(v['round-trip'] ? { roundTrip: true } : {}),
          ...(v['console-port'] !== undefined ? { consolePort: Number(v['console-port']) } : {}),
          ...(v.report ? { reportFile: v.report } : {}),
          ...(v.json ? { json: true } : {}),
        },
        io,
      );
      return result.exitCode;
    },
  }),
  validate: command({
    summary: 'check plan files, naming every problem',
    positionals: [{ name: 'PLAN', description: 'a plan file (YAML)', count: 'one or more' }],
    options: { json: jsonOption("each plan's summary or problems") },
    run: async (v, files, io) => {
      const plans = [];
      for (const file of files) plans.push(await validateFile(file));
      const valid = plans.every((p) => p.valid);
      if (v.json) jsonOutput(io).write({ valid, plans });
      for (const p of v.json ? [] : plans) {
        if (p.valid)
          io.out(
            `${p.file}: valid plan "${p.name}" (engine ${p.engine}, ${p.dnsRecords} DNS record(s), gate ${p.gate})`,
          );
        else p.problems.forEach((problem) => io.err(problem));
      }
      return valid ? 0 : exitCodes.badInput;
    },
  }),
  check: command({
    summary: "the readiness evaluation, read from the clusters' kubeconfig contexts; changes nothing",
    positionals: [plan],
    options: { ...contextOptions, json: jsonOption('the check results') },
    run: async (v, [planFile], io) =>
      check(
        {
          planFile: planFile!,
          ...(v.context ? { context: v.context } : {}),
          ...(v['upstream-context'] ? { upstreamContext: v['upstream-context'] } : {}),
          ...(v.kubeconfig ? { kubeconfig: v.kubeconfig } : {}),
          ...(v.json ? { json: true } : {}),
        },
        io,
      ),
  }),
  rbac: command({
    summary: 'the Roles and RoleBindings a plan needs, as YAML for kubectl apply -f -',
    positionals: [plan],
    options: {
      side: {
        type: 'string',
        choices: sides,
        description: "only this side's objects, for its cluster's context",
      },
      group: {
        type: 'string',
        value: 'G',
        default: DEFAULT_KUBERNETES_GROUP,
        description: 'the Kubernetes group the orchestrator is in',
      },
    },
    run: async (v, [planFile], io) =>
      printRbac({ planFile: planFile!, group: v.group, ...(v.side ? { side: v.side } : {}) }, io),
  }),
  run: command({
    summary:
      "break-glass: the failover from this machine, with kubeconfig contexts and Route 53, when AWS's control plane is impaired",
    positionals: [plan],
    options: {
      ...contextOptions,
      'dry-run': {
        type: 'boolean',
        description: 'run every check and print every change a run would make; changes nothing',
      },
      reason: {
        type: 'string',
        value: 'TEXT',
        description: "why you fail over by hand: the report records it as the approval's reason",
      },
      report: { type: 'string', value: 'FILE', description: 'write the report to this file as JSON' },
      json: jsonOption('the report', 'progress goes to stderr'),
    },
    exclusive: [
      {
        options: ['dry-run', 'reason'],
        required: true,
        why: 'a break-glass run changes production and records why; a dry run changes nothing',
      },
      { options: ['dry-run', 'json'], why: 'a dry run makes no report: what it prints is for a person' },
    ],
    run: async (v, [planFile], io) =>
      breakGlass(
        {
          planFile: planFile!,
          dryRun: v['dry-run'] === true,
          ...(v.context ? { context: v.context } : {}),
          ...(v['upstream-context'] ? { upstreamContext: v['upstream-context'] } : {}),
          ...(v.kubeconfig ? { kubeconfig: v.kubeconfig } : {}),
          ...(v.reason ? { reason: v.reason } : {}),
          ...(v.report ? { reportFile: v.report } : {}),
          ...(v.json ? { json: true } : {}),
        },
        io,
      ),
  }),
  'plan discover': command({
    summary:
      'read both clusters and draft a plan: what they tell, and a placeholder marked "fill in" for what they cannot',
    positionals: [],
    options: {
      'upstream-context': {
        type: 'string',
        value: 'C',
        required: true,
        description: "the upstream's kubeconfig context",
      },
      context: {
        type: 'string',
        value: 'C',
        required: true,
        description: "the downstream's kubeconfig context",
      },
      kubeconfig: contextOptions.kubeconfig,
      engine: {
        type: 'string',
        choices: discoverableEngineTypes,
        description: 'look only for this engine (default: each in turn)',
      },
      name: {
        type: 'string',
        value: 'NAME',
        description: "the plan's name (default: after the cluster found)",
      },
      out: { type: 'string', value: 'FILE', description: 'write the plan here (default: stdout)' },
    },
    run: async (v, _p, io) =>
      planDiscover(
        {
          upstreamContext: v['upstream-context'],
          context: v.context,
          ...(v.kubeconfig ? { kubeconfig: v.kubeconfig } : {}),
          ...(v.engine ? { engine: v.engine } : {}),
          ...(v.name ? { name: v.name } : {}),
          ...(v.out ? { outFile: v.out } : {}),
        },
        io,
      ),
  }),
  'sim up': command({
    summary:
      'keep simulated clusters and Route 53 running, with a kubeconfig, to try check and run (break-glass) against',
    positionals: [],
    options: {
      plan: { type: 'string', value: 'FILE', default: defaultPlan, description: 'the plan to simulate' },
      scenario: {
        type: 'string',
        value: 'FILE',
        description:
          "the simulated clusters' state and faults (default: the healthy scenario of the plan's engine)",
      },
      dir: {
        type: 'string',
        value: 'DIR',
        description:
          'where the kubeconfig and the environment file go (default: failover-sim-PLANNAME in the temp folder)',
      },
      'route53-port': {
        type: 'string',
        value: 'N',
        description: "the simulated Route 53's port on 127.0.0.1 (default: any free port)",
      },
    },
    run: async (v, _p, io) =>
      simUp(
        {
          planFile: v.plan,
          ...(v.scenario ? { scenarioFile: v.scenario } : {}),
          ...(v.dir ? { dir: v.dir } : {}),
          ...(v['route53-port'] !== undefined ? { route53Port: Number(v['route53-port']) } : {}),
        },
        io,
      ),
  }),
  switchover: command({
    summary: 'ask a deployed stack for a switchover: its workflow runs with your request as the trigger',
    positionals: [plan],
    options: {
      ...requestOptions,
      mode: {
        type: 'string',
        choices: modes,
        default: 'graceful',
        description:
          'graceful waits until the standby holds everything (RPO 0); ungraceful promotes it within the RPO bound',
      },
    },
    run: async (v, [planFile], io) =>
      requestLeg(
        {
          planFile: planFile!,
          action: 'switchover',
          mode: v.mode,
          reason: v.reason,
          stateMachineArn: v['state-machine'],
          ...(v.region ? { region: v.region } : {}),
        },
        io,
      ),
  }),
  reprotect: command({
    summary:
      'ask a deployed stack to reprotect: the side that does not serve becomes the standby of the one that does',
    positionals: [plan],
    options: requestOptions,
    run: async (v, [planFile], io) =>
      requestLeg(
        {
          planFile: planFile!,
          action: 'reprotect',
          reason: v.reason,
          stateMachineArn: v['state-machine'],
          ...(v.region ? { region: v.region } : {}),
        },
        io,
      ),
  }),
  // approvals list|show, approve, reject, ack (local/approvals.ts)
  ...consoleCommands(),
};

const helpWords = ['--help', '-h', 'help'];

/**
 * Runs one command line against a command table: `failover` alone or an unknown command is bad
 * input, `failover --help` (or `help`) lists the commands, `failover COMMAND --help` (or
 * `help COMMAND`) describes one.
 */
export const runCommandLine = async (
  table: Record<string, AnyCommand>,
  argv: string[],
  io: Io,
): Promise<number> => {
  const [first, ...afterFirst] = argv;
  if (first === undefined) {
    overview(table).forEach((line) => io.err(line));
    return exitCodes.badInput;
  }
  const asksHelp = helpWords.includes(first);
  const words = asksHelp ? afterFirst : argv;
  if (asksHelp && words[0] === undefined) {
    overview(table).forEach((line) => io.out(line));
    return 0;
  }
  // A command is one word (`drill`) or two (`sim up`): the longer name wins.
  const twoWords = words.length > 1 ? `${words[0]} ${words[1]}` : undefined;
  const name = twoWords !== undefined && Object.hasOwn(table, twoWords) ? twoWords : words[0];
  const rest = words.slice(name!.split(' ').length);
  const found = Object.hasOwn(table, name!) ? table[name!] : undefined;
  if (!found) {
    io.err(
      `unknown command ${quoted(name!)}; expected one of: ${Object.keys(table).join(', ')} (failover --help describes them)`,
    );
    return exitCodes.badInput;
  }
  const parsed = asksHelp ? ({ help: true } as const) : await parseFlags(name!, found, rest);
  if ('help' in parsed) {
    commandHelp(name!, found).forEach((line) => io.out(line));
    return 0;
  }
  if ('problems' in parsed) {
    parsed.problems.forEach((problem) => io.err(problem));
    return exitCodes.badInput;
  }
  return found.run(parsed.values as never, parsed.positionals, io);
};

export const main = (argv: string[], io: Io): Promise<number> => runCommandLine(commands, argv, io);
