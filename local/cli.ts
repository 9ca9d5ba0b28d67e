// `failover`: the command line. A thin shell: commands are data, output goes through Io.
import { quoted } from '../lambdas/plan/excerpt.js';
import { loadPlan, PlanError } from '../lambdas/plan/load-plan.js';
import { consoleCommands } from './approvals.js';
import { check } from './check.js';
import { breakGlass } from './break-glass.js';
import { drill } from './drill.js';
import { parseFlags, type FlagTypes } from './flags.js';
import { exitCodes, type Io } from './io.js';
import { requestLeg } from './operator-requests.js';
import { printRbac } from './rbac.js';

const defaultPlan = 'examples/plans/rabbitmq-standby.yaml';

interface Command {
  usage: string;
  options: FlagTypes;
  /** Flags that cannot be given together (local/flags.ts refuses them before the command runs). */
  exclusive?: string[][];
  run(values: Record<string, string | boolean | undefined>, positionals: string[], io: Io): Promise<number>;
}

const commands: Record<string, Command> = {
  drill: {
    usage: 'failover drill [--plan F] [--scenario F] [--mode graceful|ungraceful | --round-trip] [--auto-approve | --auto-reject | --console-port N] [--report F]',
    options: {
      plan: { type: 'string' }, scenario: { type: 'string' }, mode: { type: 'string' }, 'round-trip': { type: 'boolean' },
      'auto-approve': { type: 'boolean' }, 'auto-reject': { type: 'boolean' }, 'console-port': { type: 'string' }, report: { type: 'string' },
    },
    // A round trip runs an ungraceful failover, reprotect and a graceful failback: no --mode; the console port serves a person's decision.
    exclusive: [['auto-approve', 'auto-reject', 'console-port'], ['mode', 'round-trip']],
    run: async (v, _p, io) => {
      const mode = v['mode'] as 'graceful' | 'ungraceful' | undefined;
      const gate = v['auto-approve'] ? 'approve' : v['auto-reject'] ? 'reject' : undefined;
      const consolePort = v['console-port'] === undefined ? undefined : Number(v['console-port']);
      const result = await drill(
        {
          planFile: (v['plan'] as string | undefined) ?? defaultPlan,
          // Without --scenario the drill runs the healthy scenario of the plan's engine.
          ...(v['scenario'] ? { scenarioFile: v['scenario'] as string } : {}),
          ...(gate ? { gate } : {}),
          ...(mode ? { mode } : {}),
          ...(v['round-trip'] ? { roundTrip: true } : {}),
          ...(consolePort !== undefined ? { consolePort } : {}),
          ...(v['report'] ? { reportFile: v['report'] as string } : {}),
        },
        io,
      );
      return result.exitCode;
    },
  },
  validate: {
    usage: 'failover validate PLAN [PLAN ...]',
    options: {},
    run: async (_v, files, io) => {
      if (files.length === 0) {
        io.err('usage: failover validate PLAN [PLAN ...]');
        return exitCodes.badInput;
      }
      let ok = true;
      for (const file of files) {
        try {
          const plan = await loadPlan(file);
          io.out(`${file}: valid plan "${plan.name}" (engine ${plan.engine.type}, ${plan.dns.records.length} DNS record(s), gate ${plan.gate.approval})`);
        } catch (err) {
          if (!(err instanceof PlanError)) throw err;
          ok = false;
          for (const problem of err.problems) io.err(problem);
        }
      }
      return ok ? 0 : exitCodes.badInput;
    },
  },
  check: {
    usage: 'failover check PLAN [--context C] [--upstream-context C] [--kubeconfig F]',
    options: { context: { type: 'string' }, 'upstream-context': { type: 'string' }, kubeconfig: { type: 'string' } },
    run: async (v, files, io) => {
      if (files.length !== 1) {
        io.err('usage: failover check PLAN [--context C] [--upstream-context C] [--kubeconfig F]');
        return exitCodes.badInput;
      }
      return check(
        {
          planFile: files[0]!,
          ...(v['context'] ? { context: v['context'] as string } : {}),
          ...(v['upstream-context'] ? { upstreamContext: v['upstream-context'] as string } : {}),
          ...(v['kubeconfig'] ? { kubeconfig: v['kubeconfig'] as string } : {}),
        },
        io,
      );
    },
  },
  rbac: {
    usage: 'failover rbac PLAN [--side upstream|downstream] [--group G]',
    options: { side: { type: 'string' }, group: { type: 'string' } },
    run: async (v, files, io) => {
      if (files.length !== 1) {
        io.err('usage: failover rbac PLAN [--side upstream|downstream] [--group G]');
        return exitCodes.badInput;
      }
      return printRbac({ planFile: files[0]!, ...(v['side'] ? { side: v['side'] as string } : {}), ...(v['group'] ? { group: v['group'] as string } : {}) }, io);
    },
  },
  run: {
    usage: 'failover run PLAN [--context C] [--upstream-context C] [--kubeconfig F] (--dry-run | --reason "...") [--report F]',
    options: { context: { type: 'string' }, 'upstream-context': { type: 'string' }, kubeconfig: { type: 'string' }, 'dry-run': { type: 'boolean' }, reason: { type: 'string' }, report: { type: 'string' } },
    exclusive: [['dry-run', 'reason']],
    run: async (v, args, io) => {
      if (args.length !== 1) {
        io.err('usage: failover run PLAN [--context C] [--upstream-context C] [--kubeconfig F] (--dry-run | --reason "...") [--report F]');
        return exitCodes.badInput;
      }
      const s = (k: string) => (typeof v[k] === 'string' ? { [k === 'upstream-context' ? 'upstreamContext' : k === 'report' ? 'reportFile' : k]: v[k] as string } : {});
      return breakGlass({ planFile: args[0]!, dryRun: v['dry-run'] === true, ...s('context'), ...s('upstream-context'), ...s('kubeconfig'), ...s('reason'), ...s('report') }, io);
    },
  },
  switchover: {
    usage: 'failover switchover PLAN --reason "..." --state-machine ARN [--mode graceful|ungraceful] [--region R]',
    options: { reason: { type: 'string' }, 'state-machine': { type: 'string' }, mode: { type: 'string' }, region: { type: 'string' } },
    run: async (v, args, io) => {
      const mode = (v['mode'] as 'graceful' | 'ungraceful' | undefined) ?? 'graceful';
      if (args.length !== 1) {
        io.err('usage: failover switchover PLAN --reason "..." --state-machine ARN [--mode graceful|ungraceful] [--region R]');
        return exitCodes.badInput;
      }
      return requestLeg({ planFile: args[0]!, action: 'switchover', mode, ...(v as { reason?: string; region?: string }), ...(v['state-machine'] ? { stateMachineArn: v['state-machine'] as string } : {}) }, io);
    },
  },
  reprotect: {
    usage: 'failover reprotect PLAN --reason "..." --state-machine ARN [--region R]',
    options: { reason: { type: 'string' }, 'state-machine': { type: 'string' }, region: { type: 'string' } },
    run: async (v, args, io) => {
      if (args.length !== 1) {
        io.err('usage: failover reprotect PLAN --reason "..." --state-machine ARN [--region R]');
        return exitCodes.badInput;
      }
      return requestLeg({ planFile: args[0]!, action: 'reprotect', ...(v as { reason?: string; region?: string }), ...(v['state-machine'] ? { stateMachineArn: v['state-machine'] as string } : {}) }, io);
    },
  },
  // approvals list|show, approve, reject (local/approvals.ts)
  ...consoleCommands(),
};

const usage = () => ['usage:', ...Object.values(commands).map((c) => `  ${c.usage}`)].join('\n');

export const main = async (argv: string[], io: Io): Promise<number> => {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.err(usage());
    return exitCodes.badInput;
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!command) {
    io.err(`unknown command ${quoted(name)}; expected one of: ${Object.keys(commands).join(', ')}`);
    return exitCodes.badInput;
  }
  const parsed = await parseFlags(name, rest, command.options, command.exclusive);
  if ('problems' in parsed) {
    parsed.problems.forEach((problem) => io.err(problem));
    return exitCodes.badInput;
  }
  return command.run(parsed.values, parsed.positionals, io);
};
