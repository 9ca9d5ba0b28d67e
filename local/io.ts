// Where the CLI writes. Injected, so tests read exactly what a person would see.
import { BadInputError } from '../lambdas/errors.js';
import { PlanError } from '../lambdas/plan/load-plan.js';
import { terminalText } from '../lambdas/text/terminal-text.js';

export interface Io {
  out(line: string): void;
  err(line: string): void;
}

export const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/**
 * For lines that carry text from the systems (names, summaries, evidence, command output): each
 * line is written with its control characters shown escaped, so none reaches the terminal.
 */
export const terminalIo = (io: Io): Io => ({
  out: (line) => io.out(terminalText(line)),
  err: (line) => io.err(terminalText(line)),
});

export const exitCodes = {
  failedOver: 0,
  /** Failed after a side effect: an operator is needed. */
  failedAfterChange: 1,
  badInput: 2,
  /** Halted safely, nothing changed (not ready, rejected, alarm cleared). */
  haltedSafely: 3,
} as const;

/** What each exit code tells a person or a script: `failover --help` prints them. */
export const exitCodeMeanings: readonly (readonly [number, string])[] = [
  [exitCodes.failedOver, 'done (failed over, valid, ready, decided)'],
  [
    exitCodes.failedAfterChange,
    'failed after a change (an operator is needed), or refused by the approval API',
  ],
  [
    exitCodes.badInput,
    'bad input (plan, scenario, flags or arguments), one line per problem; nothing was run',
  ],
  [exitCodes.haltedSafely, 'halted safely, nothing changed (not ready, rejected, alarm cleared)'],
];

/**
 * With `--json` stdout carries one JSON document and nothing else, so a script can parse it;
 * what a person reads meanwhile (progress, links) goes to stderr.
 */
export const jsonOutput = (io: Io) => ({
  progress: { out: io.err, err: io.err } satisfies Io,
  // JSON escapes every control character, so the systems' text in it cannot reach a terminal raw.
  write: (value: unknown) => io.out(JSON.stringify(value, null, 2)),
});

/**
 * Prints a plan problem or another bad-input error the way every command does and returns the
 * bad-input exit code; any other error is not bad input and is thrown on.
 */
export const reportBadInput = (err: unknown, io: Io): number => {
  if (err instanceof PlanError) err.problems.forEach((p) => io.err(p));
  else if (err instanceof BadInputError) io.err(err.message);
  else throw err;
  return exitCodes.badInput;
};
