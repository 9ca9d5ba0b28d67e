// The usage line and the help texts, generated from the command table (local/command.ts).
import type { AnyCommand, OptionSpec, PositionalSpec } from './command.js';
import { exitCodeMeanings } from './io.js';

const flagWithValue = (flag: string, spec: OptionSpec) =>
  spec.type === 'boolean' ? `--${flag}` : `--${flag} ${spec.choices?.join('|') ?? spec.value ?? 'VALUE'}`;

const positionalUsage = (p: PositionalSpec) =>
  ({ one: p.name, optional: `[${p.name}]`, 'one or more': `${p.name} [${p.name} ...]` })[p.count];

/**
 * `failover NAME ARGS FLAGS`: flags that exclude each other are shown together, in parentheses
 * when one of them is required, and a required flag without brackets.
 */
export const usageLine = (name: string, command: AnyCommand): string => {
  const shown = new Set<string>();
  const parts = [`failover ${name}`, ...command.positionals.map(positionalUsage)];
  for (const [flag, spec] of Object.entries(command.options)) {
    if (shown.has(flag)) continue;
    // An option is shown in the first group it belongs to whose members are all still unshown.
    const group = command.exclusive?.find(
      (g) => g.options.includes(flag) && g.options.every((o) => !shown.has(o)),
    );
    if (group) {
      group.options.forEach((o) => shown.add(o));
      const alternatives = group.options.map((o) => flagWithValue(o, command.options[o]!)).join(' | ');
      parts.push(group.required ? `(${alternatives})` : `[${alternatives}]`);
    } else {
      shown.add(flag);
      parts.push(spec.required ? flagWithValue(flag, spec) : `[${flagWithValue(flag, spec)}]`);
    }
  }
  return parts.join(' ');
};

/** Two columns: the names padded to the longest. */
const table = (rows: readonly (readonly [string, string])[]): string[] => {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`);
};

const exitCodeLines = () => [
  'Exit codes:',
  ...table(exitCodeMeanings.map(([code, meaning]) => [String(code), meaning])),
];

/** The description, the default and whether it is required; the choices are in the flag's column. */
const optionText = (spec: OptionSpec) =>
  [spec.description, spec.default !== undefined && `default: ${spec.default}`, spec.required && 'required']
    .filter(Boolean)
    .join('; ');

/** `failover --help`: every command with its summary, and the exit codes. */
export const overview = (commands: Record<string, AnyCommand>): string[] => [
  'usage: failover COMMAND [ARGUMENTS] [FLAGS]',
  '',
  'Commands:',
  ...table(Object.entries(commands).map(([name, c]) => [name, c.summary])),
  '',
  'failover COMMAND --help describes a command: its arguments, every flag, its defaults.',
  '',
  ...exitCodeLines(),
];

/** `failover COMMAND --help`: the usage line, the summary, every argument and flag, the exit codes. */
export const commandHelp = (name: string, command: AnyCommand): string[] => {
  const positionals = command.positionals.map((p) => [p.name, p.description] as const);
  const options = Object.entries(command.options).map(
    ([flag, spec]) => [flagWithValue(flag, spec), optionText(spec)] as const,
  );
  const groups = (command.exclusive ?? []).map(
    (g) =>
      `  ${g.required ? 'exactly' : 'at most'} one of ${g.options.map((o) => `--${o}`).join(', ')}: ${g.why}`,
  );
  return [
    `usage: ${usageLine(name, command)}`,
    '',
    command.summary,
    ...(positionals.length > 0 ? ['', 'Arguments:', ...table(positionals)] : []),
    '',
    'Flags:',
    ...table([...options, ['-h, --help', 'print this help']]),
    ...(groups.length > 0 ? ['', 'Flags that exclude each other:', ...groups] : []),
    '',
    ...exitCodeLines(),
  ];
};
