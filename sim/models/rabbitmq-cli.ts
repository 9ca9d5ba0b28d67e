// How the RabbitMQ CLI tools (rabbitmqctl, rabbitmq-diagnostics) parse arguments and
// report problems, copied from the real 3.x tools: unknown commands and bad arguments
// exit 64 with a usage text on stderr, an unreachable node exits 69.

export type CliTool = 'rabbitmqctl' | 'rabbitmq-diagnostics' | 'rabbitmq-queues';

export interface CommandSpec {
  tool: CliTool;
  /** Exactly these positional arguments. */
  positionals?: readonly string[];
  /** Any number of positional arguments (e.g. the columns of `list_connections`). */
  variadic?: boolean;
  /** Options without a value. */
  flags?: readonly string[];
  /** Options followed by one or more values (space- or comma-separated). */
  listOptions?: readonly string[];
  /** Options followed by exactly one value, e.g. `-p <vhost>`. */
  valueOptions?: readonly string[];
  /** The command's part of the usage line. */
  usage: string;
}

export interface ParsedCommand {
  tool: CliTool;
  command: string;
  positionals: string[];
  flags: Set<string>;
  lists: Map<string, string[]>;
  values: Map<string, string>;
  /** `-q`/`--quiet`: no banner line. `-s`/`--silent`: no banner, no table header. */
  quiet: boolean;
  silent: boolean;
  /** For argument errors found by the command itself. */
  given: string;
  usage: string;
}

export type CliParse = { ok: true; parsed: ParsedCommand } | { ok: false; exitCode: number; stderr: string };

const EX_USAGE = 64;
export const EX_UNAVAILABLE = 69;
const QUIET = new Set(['-q', '--quiet']);
const SILENT = new Set(['-s', '--silent']);
const BOLD_USAGE = '\u001b[1mUsage\u001b[0m';

export const isCliTool = (name: string | undefined): name is CliTool =>
  name === 'rabbitmqctl' || name === 'rabbitmq-diagnostics' || name === 'rabbitmq-queues';

export const parseCli = (
  argv: readonly string[],
  commands: Readonly<Record<string, CommandSpec>>,
): CliParse => {
  const [tool, ...args] = argv;
  if (!isCliTool(tool)) throw new Error(`not a RabbitMQ CLI tool: ${String(tool)}`);
  const quiet = args.some((a) => QUIET.has(a) || SILENT.has(a));
  const silent = args.some((a) => SILENT.has(a));
  const rest = args.filter((a) => !QUIET.has(a) && !SILENT.has(a));
  const command = rest.find((a) => !a.startsWith('-'));
  const spec = command === undefined ? undefined : commands[command];
  if (command === undefined || spec === undefined || spec.tool !== tool) {
    return { ok: false, exitCode: EX_USAGE, stderr: unknownCommand(tool, command ?? '', commands) };
  }

  const given = args.join(' ');
  const positionals: string[] = [];
  const flags = new Set<string>();
  const lists = new Map<string, string[]>();
  const values = new Map<string, string>();
  const invalid: string[] = [];
  const afterCommand = rest.slice(rest.indexOf(command) + 1);
  for (let i = 0; i < afterCommand.length; i += 1) {
    const arg = afterCommand[i] as string;
    if (!arg.startsWith('-')) positionals.push(arg);
    else if (spec.flags?.includes(arg)) flags.add(arg);
    else if (spec.valueOptions?.includes(arg) && i + 1 < afterCommand.length) {
      i += 1;
      values.set(arg, afterCommand[i] as string);
    } else if (spec.listOptions?.includes(arg)) {
      const values: string[] = [];
      while (i + 1 < afterCommand.length && !(afterCommand[i + 1] as string).startsWith('-')) {
        i += 1;
        values.push(
          ...(afterCommand[i] as string)
            .split(',')
            .map((v) => v.trim())
            .filter((v) => v !== ''),
        );
      }
      lists.set(arg, [...(lists.get(arg) ?? []), ...values]);
    } else invalid.push(arg);
  }
  const usage = `${tool} [--node <node>] [--longnames] [--quiet] ${command}${spec.usage ? ` ${spec.usage}` : ''}`;
  if (invalid.length > 0) {
    return {
      ok: false,
      exitCode: EX_USAGE,
      stderr: argumentError(
        `Invalid options for this command:\n${invalid.map((o) => `${o} : `).join('\n')}`,
        given,
        usage,
      ),
    };
  }
  const expected = spec.positionals?.length ?? 0;
  if (positionals.length < expected)
    return { ok: false, exitCode: EX_USAGE, stderr: argumentError('not enough arguments.', given, usage) };
  if (positionals.length > expected && !spec.variadic)
    return { ok: false, exitCode: EX_USAGE, stderr: argumentError('too many arguments.', given, usage) };
  return {
    ok: true,
    parsed: { tool, command, positionals, flags, lists, values, quiet, silent, given, usage },
  };
};

export const argumentError = (problem: string, given: string, usage: string): string =>
  `Error (argument validation): ${problem}\nArguments given:\n\t${given}\n\n${BOLD_USAGE}\n\n${usage}\n`;

const unknownCommand = (
  tool: CliTool,
  command: string,
  commands: Readonly<Record<string, CommandSpec>>,
): string => {
  const available = Object.entries(commands)
    .filter(([, spec]) => spec.tool === tool)
    .map(([name]) => `   ${name}`)
    .join('\n');
  return (
    `\nCommand '${command}' not found. \n\n${BOLD_USAGE}\n\n` +
    `${tool} [--node <node>] [--timeout <timeout>] [--longnames] [--quiet] <command> [<command options>]\n\n` +
    `Available commands:\n\n${available}\n`
  );
};

/** What the CLI prints when the node's RabbitMQ is not running (the pod is not Ready). */
export const nodeDown = (node: string): string => {
  const host = node.slice(node.indexOf('@') + 1);
  return [
    `Error: unable to perform an operation on node '${node}'. Please see diagnostics information and suggestions below.`,
    '',
    'Most common reasons for this are:',
    '',
    ' * Target node is unreachable (e.g. due to hostname resolution, TCP connection or firewall issues)',
    " * CLI tool fails to authenticate with the server (e.g. due to CLI tool's Erlang cookie not matching that of the server)",
    ' * Target node is not running',
    '',
    'In addition to the diagnostics info below:',
    '',
    ' * See the CLI, clustering and networking guides on https://rabbitmq.com/documentation.html to learn more',
    ` * Consult server logs on node ${node}`,
    " * If target node is configured to use long node names, don't forget to use --longnames with CLI tools",
    '',
    'DIAGNOSTICS',
    '===========',
    '',
    `attempted to contact: [${node}]`,
    '',
    `${node}:`,
    `  * connected to epmd (port 4369) on ${host}`,
    "  * epmd reports: node 'rabbit' not running at all",
    `                  no other nodes on ${host}`,
    '  * suggestion: start the node',
    '',
  ].join('\n');
};

/**
 * The tools' output: a banner line, then body lines; tables are tab-separated with a header
 * row. `-q` drops the banner, `-s` also the table header.
 */
export const render = (
  parsed: ParsedCommand,
  banner: string | undefined,
  body: readonly string[],
  tableHeader?: readonly string[],
): string => {
  const lines = [
    ...(banner === undefined || parsed.quiet ? [] : [banner]),
    ...(tableHeader === undefined || parsed.silent ? [] : [tableHeader.join('\t')]),
    ...body,
  ];
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
};

/** `2023-03-17 09:50:34`, as the promotion table prints times (UTC). */
export const formatTimestamp = (ms: number): string =>
  new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
