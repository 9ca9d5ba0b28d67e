// One bad input and how it must be answered: refused (exit 2, HTTP 400/404, a BadInput error),
// one line per problem, each naming what it is about and what is expected, none a stack trace
// or longer than a person reads at a glance.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../local/cli.js';

export interface Answer {
  /** `exit 2`, `HTTP 400`, `BadInput`, ... */
  outcome: string;
  lines: string[];
}

export interface BadInput {
  name: string;
  run(): Promise<Answer>;
  /** Each must appear in the answer: the file, the field or flag, a word of what is expected. */
  names: string[];
  /** The outcomes that are a clean refusal here. */
  outcomes: string[];
  /** How many problems the input has: one line each. */
  problems?: number;
}

export const MAX_LINE_CHARS = 300;

/** Why the answer is not a clean refusal, or undefined when it is. */
export const uncleanBecause = (input: BadInput, answer: Answer): string | undefined => {
  if (!input.outcomes.includes(answer.outcome))
    return `answered ${answer.outcome}, expected ${input.outcomes.join(' or ')}`;
  const problems = input.problems ?? 1;
  if (answer.lines.length !== problems)
    return `${answer.lines.length} line(s) for ${problems} problem(s): ${JSON.stringify(answer.lines.slice(0, 3).map((l) => l.slice(0, 120)))}`;
  const long = answer.lines.find((l) => l.length > MAX_LINE_CHARS);
  if (long) return `a line of ${long.length} characters: ${long.slice(0, 120)}…`;
  const trace = answer.lines.find((l) => /^\s*at \S/.test(l) || /Error: /.test(l));
  if (trace) return `a stack trace: ${trace.slice(0, 120)}`;
  const missing = input.names.filter((n) => !answer.lines.some((l) => l.includes(n)));
  if (missing.length > 0)
    return `does not name ${missing.map((n) => JSON.stringify(n)).join(', ')}: ${JSON.stringify(answer.lines.map((l) => l.slice(0, 200)))}`;
  return undefined;
};

/** Where the corpus writes the files it generates. */
export const corpusDir = mkdtempSync(join(tmpdir(), 'bad-inputs-'));

/** `failover ARGS` in this process, as a person would see it on stderr. */
export const cli = async (args: string[]): Promise<Answer> => {
  const err: string[] = [];
  const code = await main(args, { out: () => undefined, err: (line) => err.push(line) });
  return { outcome: `exit ${code}`, lines: err.flatMap((line) => line.split('\n')) };
};

export const exit2 = ['exit 2'];
