// What a `failover` command is, as data: the usage line, the help and the command line's checks
// are all derived from it (local/help.ts, local/flags.ts), so they cannot drift apart.
import type { Io } from './io.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  description: string;
  /** The value's name in the usage line (`--plan FILE`); a flag with choices shows them instead. */
  value?: string;
  /** The only values the flag takes. */
  choices?: readonly string[];
  /** What the command uses when the flag is not given. */
  default?: string;
  required?: boolean;
}

export interface PositionalSpec {
  name: string;
  description: string;
  count: 'one' | 'optional' | 'one or more';
}

/** Flags that cannot be given together; with `required`, exactly one of them must be. */
export interface ExclusiveGroup<Name extends string = string> {
  options: readonly Name[];
  /** Why they exclude each other: the refusal and the help say it. */
  why: string;
  required?: boolean;
}

export type OptionSpecs = Record<string, OptionSpec>;

type ValueOf<S extends OptionSpec> = S['type'] extends 'boolean'
  ? boolean
  : S['choices'] extends readonly (infer C)[]
    ? C
    : string;
type Given<S extends OptionSpec> = S extends { default: string } | { required: true } ? true : false;

/** The values a command receives: a flag with a default or a required flag is always there. */
export type Values<O extends OptionSpecs> = {
  [K in keyof O as Given<O[K]> extends true ? K : never]: ValueOf<O[K]>;
} & {
  [K in keyof O as Given<O[K]> extends true ? never : K]?: ValueOf<O[K]>;
};

export interface CommandSpec<O extends OptionSpecs = OptionSpecs> {
  summary: string;
  positionals: readonly PositionalSpec[];
  options: O;
  exclusive?: readonly ExclusiveGroup<Extract<keyof O, string>>[];
  /** Runs with values the command line has checked: choices, defaults, required flags, how many positionals. */
  run(values: Values<O>, positionals: string[], io: Io): Promise<number>;
}

/** A command as the table holds it, its values no longer typed by its own options. */
export type AnyCommand = Omit<CommandSpec, 'run'> & {
  run(values: never, positionals: string[], io: Io): Promise<number>;
};

/** Declares a command, typing its run function's values from its options. */
export const command = <const O extends OptionSpecs>(spec: CommandSpec<O>): CommandSpec<O> => spec;

/** The `--json` flag of a command that reports: `what` says what stdout then holds. */
export const jsonOption = (what: string, more?: string) =>
  ({
    type: 'boolean',
    description: `write ${what} to stdout as JSON instead of text${more ? `; ${more}` : ''}`,
  }) as const;
