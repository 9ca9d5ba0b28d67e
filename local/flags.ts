// The command line's flags, checked before a command runs anything: a drill that would only fail
// to write its report at the end, or a request that would reach AWS with a malformed ARN, is
// refused up front, one line per problem, each naming the flag and what is expected.
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { excerpt } from '../lambdas/plan/excerpt.js';
import { AWS_REGION } from '../lambdas/plan/names.js';
import { MAX_REASON_CHARS, type OperatorRequest } from '../lambdas/plan/operator-request.js';
import type { Side } from '../lambdas/plan/schema.js';
import type { AnyCommand } from './command.js';
import { usageLine } from './help.js';

type FlagValues = Record<string, string | boolean | undefined>;

/** The choices of the flags that name a side or a mode, in every command that takes one. */
export const sides = ['upstream', 'downstream'] as const satisfies readonly Side[];
export const modes = [
  'graceful',
  'ungraceful',
] as const satisfies readonly OperatorRequest['detail']['mode'][];

/** A path or any other argument longer than this is no typing mistake. */
const MAX_ARGUMENT_CHARS = 4096;

type Check = (value: string, flag: string) => string | undefined | Promise<string | undefined>;

const matching =
  (pattern: RegExp, expected: string): Check =>
  (value, flag) =>
    pattern.test(value) ? undefined : `${flag} ${excerpt(value)}: expected ${expected}`;

const port: Check = (value, flag) =>
  /^\d{1,5}$/.test(value) && Number(value) <= 65535
    ? undefined
    : `${flag} ${excerpt(value)}: expected a port number (0-65535; 0 picks a free one)`;

const httpUrl: Check = (value, flag) => {
  const url = URL.canParse(value) ? new URL(value) : undefined;
  return url && (url.protocol === 'http:' || url.protocol === 'https:')
    ? undefined
    : `${flag} ${excerpt(value)}: expected an http:// or https:// URL`;
};

const text =
  (max: number, what: string): Check =>
  (value, flag) => {
    if (value.trim() === '') return `${flag}: expected ${what}, not an empty text`;
    return value.length > max
      ? `${flag}: ${value.length} characters; expected at most ${max} (${what})`
      : undefined;
  };

/** Where a report or a drafted plan goes: a file that can be written, in a directory that exists. */
const outputFile: Check = async (path, flag) => {
  const code = (err: unknown) => (err as NodeJS.ErrnoException).code ?? String(err);
  const existing = await stat(path).catch(() => undefined);
  if (existing?.isDirectory()) return `${flag} ${excerpt(path)}: is a directory; expected a file to write to`;
  if (existing)
    return access(path, constants.W_OK).then(
      () => undefined,
      (err) => `${flag} ${excerpt(path)}: cannot be written (${code(err)})`,
    );
  const parent = dirname(path);
  const directory = await stat(parent).catch(() => undefined);
  if (!directory) return `${flag} ${excerpt(path)}: its directory ${excerpt(parent)} does not exist`;
  if (!directory.isDirectory()) return `${flag} ${excerpt(path)}: ${excerpt(parent)} is not a directory`;
  return access(parent, constants.W_OK).then(
    () => undefined,
    (err) => `${flag} ${excerpt(path)}: cannot create a file in ${excerpt(parent)} (${code(err)})`,
  );
};

/**
 * Each flag means the same in every command that takes it, so it is checked the same way. A flag
 * with choices is checked against the command table's (local/command.ts).
 */
const checks: Record<string, Check> = {
  report: outputFile,
  out: outputFile,
  'console-port': port,
  'route53-port': port,
  region: matching(AWS_REGION, 'an AWS region such as eu-west-1'),
  endpoint: httpUrl,
  api: httpUrl,
  'state-machine': matching(
    /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}$/,
    "a state machine ARN (the stack's WorkflowArn output)",
  ),
  reason: text(MAX_REASON_CHARS, 'why, as the report and the approval show it'),
  context: matching(/^[^\s-][^\u0000-\u001f]*$/, 'a kubeconfig context name'),
  'upstream-context': matching(/^[^\s-][^\u0000-\u001f]*$/, 'a kubeconfig context name'),
};

export type ParsedFlags =
  { values: FlagValues; positionals: string[] } | { problems: string[] } | { help: true };

/** Every command takes it: `failover COMMAND --help` (or -h) prints the command's help, whatever else is given. */
const helpFlag = { help: { type: 'boolean', short: 'h' } } as const;

const listed = (flags: readonly string[]) =>
  flags.map((f) => `--${f}`).join(flags.length > 2 ? ', ' : ' and ');

/**
 * Parses `args` against the command's table entry. Unknown flags, flags without their value or
 * with one they do not take, and flags given twice are problems, as is any value the flag's
 * check or choices refuse, flags given together that exclude each other, a required flag left
 * out and too few or too many arguments. Flags left out get their default.
 */
export const parseFlags = async (name: string, command: AnyCommand, args: string[]): Promise<ParsedFlags> => {
  const types = Object.fromEntries(
    Object.entries(command.options).map(([flag, spec]) => [flag, { type: spec.type }]),
  );
  const { tokens } = parseArgs({
    args,
    options: { ...types, ...helpFlag },
    allowPositionals: true,
    strict: false,
    tokens: true,
  });
  if (tokens.some((t) => t.kind === 'option' && t.name === 'help')) return { help: true };
  const problems: string[] = [];
  const values: FlagValues = {};
  const positionals: string[] = [];
  const known = [...Object.keys(types), 'help'].map((f) => `--${f}`);
  for (const token of tokens) {
    if (token.kind === 'option-terminator') continue;
    if (token.kind === 'positional') {
      if (token.value.length > MAX_ARGUMENT_CHARS)
        problems.push(
          `argument ${positionals.length + 1}: ${token.value.length} characters; expected at most ${MAX_ARGUMENT_CHARS}`,
        );
      positionals.push(token.value);
      continue;
    }
    const flag = excerpt(token.rawName);
    const type = command.options[token.name]?.type;
    if (type === undefined) {
      problems.push(`unknown flag ${flag} for failover ${name}; expected one of: ${known.join(', ')}`);
    } else if (token.name in values) {
      problems.push(`${flag} is given twice; give it once`);
    } else if (type === 'boolean') {
      if (token.value !== undefined) problems.push(`${flag} takes no value`);
      else values[token.name] = true;
    } else if (token.value === undefined || (!token.inlineValue && token.value.startsWith('-'))) {
      // A value that starts with "-" is taken only inline (--flag=VALUE): given apart, it is most likely the next flag.
      problems.push(
        `${flag} needs a value${token.value === undefined ? '' : `; got ${excerpt(token.value)}, which looks like a flag (write ${flag}=VALUE if it is the value)`}`,
      );
    } else if (token.value.length > MAX_ARGUMENT_CHARS) {
      problems.push(`${flag}: ${token.value.length} characters; expected at most ${MAX_ARGUMENT_CHARS}`);
    } else {
      values[token.name] = token.value;
    }
  }
  for (const [flag, value] of Object.entries(values)) {
    if (typeof value !== 'string') continue;
    const choices = command.options[flag]?.choices;
    const problem =
      choices && !choices.includes(value)
        ? `--${flag} ${excerpt(value)}: expected ${choices.join(' or ')}`
        : await checks[flag]?.(value, `--${flag}`);
    if (problem) problems.push(problem);
  }
  for (const group of command.exclusive ?? []) {
    const given = group.options.filter((flag) => values[flag] !== undefined);
    if (given.length > 1) problems.push(`${listed(given)} exclude each other: ${group.why}`);
    if (given.length === 0 && group.required)
      problems.push(`pass ${group.options.map((f) => `--${f}`).join(' or ')}: ${group.why}`);
  }
  for (const [flag, spec] of Object.entries(command.options)) {
    if (spec.required && values[flag] === undefined)
      problems.push(`--${flag}${spec.value ? ` ${spec.value}` : ''} is required: ${spec.description}`);
    if (spec.default !== undefined) values[flag] ??= spec.default;
  }
  if (!countFits(command, positionals.length)) problems.push(`usage: ${usageLine(name, command)}`);
  return problems.length > 0 ? { problems } : { values, positionals };
};

const countFits = (command: AnyCommand, count: number) => {
  const counts = command.positionals.map((p) => p.count);
  const least = counts.filter((c) => c !== 'optional').length;
  return count >= least && (counts.includes('one or more') || count <= counts.length);
};
