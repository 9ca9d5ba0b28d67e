// The command line's flags, checked before a command runs anything: a drill that would only fail
// to write its report at the end, or a request that would reach AWS with a malformed ARN, is
// refused up front, one line per problem, each naming the flag and what is expected.
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { excerpt } from '../lambdas/plan/excerpt.js';
import { AWS_REGION } from '../lambdas/plan/names.js';
import { MAX_REASON_CHARS } from '../lambdas/plan/operator-request.js';

export type FlagTypes = Record<string, { type: 'string' | 'boolean' }>;
export type FlagValues = Record<string, string | boolean | undefined>;

/** A path or any other argument longer than this is no typing mistake. */
const MAX_ARGUMENT_CHARS = 4096;

type Check = (value: string, flag: string) => string | undefined | Promise<string | undefined>;

const oneOf =
  (...values: string[]): Check =>
  (value, flag) =>
    values.includes(value) ? undefined : `${flag} ${excerpt(value)}: expected ${values.join(' or ')}`;

const matching =
  (pattern: RegExp, expected: string): Check =>
  (value, flag) =>
    pattern.test(value) ? undefined : `${flag} ${excerpt(value)}: expected ${expected}`;

const port: Check = (value, flag) => (/^\d{1,5}$/.test(value) && Number(value) <= 65535 ? undefined : `${flag} ${excerpt(value)}: expected a port number (0-65535; 0 picks a free one)`);

const httpUrl: Check = (value, flag) => {
  const url = URL.canParse(value) ? new URL(value) : undefined;
  return url && (url.protocol === 'http:' || url.protocol === 'https:') ? undefined : `${flag} ${excerpt(value)}: expected an http:// or https:// URL`;
};

const text =
  (max: number, what: string): Check =>
  (value, flag) => {
    if (value.trim() === '') return `${flag}: expected ${what}, not an empty text`;
    return value.length > max ? `${flag}: ${value.length} characters; expected at most ${max} (${what})` : undefined;
  };

/** Where a report goes: a file that can be written, in a directory that exists. */
const outputFile: Check = async (path, flag) => {
  const code = (err: unknown) => (err as NodeJS.ErrnoException).code ?? String(err);
  const existing = await stat(path).catch(() => undefined);
  if (existing?.isDirectory()) return `${flag} ${excerpt(path)}: is a directory; expected a file to write the report to`;
  if (existing) return access(path, constants.W_OK).then(() => undefined, (err) => `${flag} ${excerpt(path)}: cannot be written (${code(err)})`);
  const parent = dirname(path);
  const directory = await stat(parent).catch(() => undefined);
  if (!directory) return `${flag} ${excerpt(path)}: its directory ${excerpt(parent)} does not exist`;
  if (!directory.isDirectory()) return `${flag} ${excerpt(path)}: ${excerpt(parent)} is not a directory`;
  return access(parent, constants.W_OK).then(() => undefined, (err) => `${flag} ${excerpt(path)}: cannot create a file in ${excerpt(parent)} (${code(err)})`);
};

/** Each flag means the same in every command that takes it, so it is checked the same way. */
const checks: Record<string, Check> = {
  report: outputFile,
  'console-port': port,
  mode: oneOf('graceful', 'ungraceful'),
  side: oneOf('upstream', 'downstream'),
  active: oneOf('upstream', 'downstream'),
  region: matching(AWS_REGION, 'an AWS region such as eu-west-1'),
  endpoint: httpUrl,
  api: httpUrl,
  'state-machine': matching(/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}$/, "a state machine ARN (the stack's WorkflowArn output)"),
  reason: text(MAX_REASON_CHARS, 'why, as the report and the approval show it'),
  context: matching(/^[^\s-][^\u0000-\u001f]*$/, 'a kubeconfig context name'),
  'upstream-context': matching(/^[^\s-][^\u0000-\u001f]*$/, 'a kubeconfig context name'),
};

export type ParsedFlags = { values: FlagValues; positionals: string[] } | { problems: string[] };

/**
 * Parses `args` against the flags a command takes. Unknown flags, flags without their value or
 * with one they do not take, and flags given twice are problems, as is any value the flag's check
 * refuses or flags given together that exclude each other.
 */
export const parseFlags = async (command: string, args: string[], types: FlagTypes, exclusive: string[][] = []): Promise<ParsedFlags> => {
  const { tokens } = parseArgs({ args, options: types, allowPositionals: true, strict: false, tokens: true });
  const problems: string[] = [];
  const values: FlagValues = {};
  const positionals: string[] = [];
  const known = Object.keys(types).map((f) => `--${f}`);
  for (const token of tokens) {
    if (token.kind === 'option-terminator') continue;
    if (token.kind === 'positional') {
      if (token.value.length > MAX_ARGUMENT_CHARS) problems.push(`argument ${positionals.length + 1}: ${token.value.length} characters; expected at most ${MAX_ARGUMENT_CHARS}`);
      positionals.push(token.value);
      continue;
    }
    const flag = excerpt(token.rawName);
    const type = types[token.name]?.type;
    if (type === undefined) {
      problems.push(`unknown flag ${flag} for failover ${command}; ${known.length > 0 ? `expected one of: ${known.join(', ')}` : 'it takes no flags'}`);
    } else if (token.name in values) {
      problems.push(`${flag} is given twice; give it once`);
    } else if (type === 'boolean') {
      if (token.value !== undefined) problems.push(`${flag} takes no value`);
      else values[token.name] = true;
    } else if (token.value === undefined || (!token.inlineValue && token.value.startsWith('-'))) {
      // A value that starts with "-" is taken only inline (--flag=VALUE): given apart, it is most likely the next flag.
      problems.push(`${flag} needs a value${token.value === undefined ? '' : `; got ${excerpt(token.value)}, which looks like a flag (write ${flag}=VALUE if it is the value)`}`);
    } else if (token.value.length > MAX_ARGUMENT_CHARS) {
      problems.push(`${flag}: ${token.value.length} characters; expected at most ${MAX_ARGUMENT_CHARS}`);
    } else {
      values[token.name] = token.value;
    }
  }
  for (const [name, value] of Object.entries(values)) {
    const problem = typeof value === 'string' ? await checks[name]?.(value, `--${name}`) : undefined;
    if (problem) problems.push(problem);
  }
  for (const group of exclusive) {
    const given = group.filter((name) => values[name] !== undefined);
    if (given.length > 1) problems.push(`${given.map((n) => `--${n}`).join(' and ')} exclude each other: pass one of ${group.map((n) => `--${n}`).join(', ')}`);
  }
  return problems.length > 0 ? { problems } : { values, positionals };
};
