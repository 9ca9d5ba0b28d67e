// Validates a plan document, reporting every problem as `file: path.to.field: what is wrong`.
// Apart from reading YAML (load-plan.ts): the deployed workers validate the plans they were
// published with, which are JSON, and so bundle no YAML parser.
import type { z } from 'zod';
import { EXCERPT_CHARS, excerpt, quoted } from './excerpt.js';
import { planSchema, type Plan } from './schema.js';

export class PlanError extends Error {
  override readonly name = 'PlanInvalid';
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(problems.join('\n'));
  }
}

/** Formats zod issues as `file: path.to.field: message`, one line per problem. */
export const formatIssues = (file: string, issues: z.core.$ZodIssue[]): string[] =>
  issues.flatMap((issue) => {
    const path = formatPath(issue.path) || '(top level)';
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map(
        (key) =>
          `${file}: ${formatPath([...issue.path, key])}: unknown field; check its spelling and the plan reference in docs/plan.md`,
      );
    }
    if (issue.code === 'invalid_union' && issue.errors.length > 0 && issue.message === 'Invalid input') {
      return formatIssues(file, issue.errors.flat());
    }
    return [`${file}: ${path}: ${humanize(issue)}`];
  });

/** `dns.records[0].name`: the way a person points at a field in YAML. */
const formatPath = (path: PropertyKey[]): string =>
  path.reduce<string>(
    (acc, key) =>
      typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${fieldName(key)}` : fieldName(key),
    '',
  );

/** A key a person could not see or would misread (empty, with dots or spaces) is quoted; a long one shortened. */
const fieldName = (key: PropertyKey): string =>
  /^[\w-]+$/.test(String(key)) && String(key).length <= EXCERPT_CHARS ? String(key) : quoted(String(key));

const typeNames: Record<string, string> = { object: 'a mapping', array: 'a list', int: 'an integer' };

const humanize = (issue: z.core.$ZodIssue): string => {
  if (issue.code === 'invalid_type') {
    return issue.input === undefined
      ? `missing; expected ${typeNames[issue.expected] ?? issue.expected}`
      : `expected ${typeNames[issue.expected] ?? issue.expected}, got ${describe(issue.input)}`;
  }
  if (issue.code === 'invalid_value')
    return `got ${describe(issue.input)}; expected one of: ${excerpt(issue.values.map(String).join(', '), 160)}`;
  return excerpt(issue.message, 240);
};

/** A bad value as a message shows it: its kind, or the start of its text. */
const describe = (value: unknown): string => {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Uint8Array) return 'binary data';
  switch (typeof value) {
    case 'object':
      return 'a mapping';
    case 'string':
      return value.length > EXCERPT_CHARS ? `${quoted(value)} (${value.length} characters)` : quoted(value);
    case 'number':
    case 'boolean':
    case 'bigint':
      return excerpt(String(value));
    default:
      return typeof value;
  }
};

/** More problems than this are counted, not listed: past it, a document is not a plan at all. */
const LISTED_PROBLEMS = 20;

/** The first problems, and how many more there are. */
export const listedProblems = (file: string, problems: string[]): string[] =>
  problems.length <= LISTED_PROBLEMS
    ? problems
    : [
        ...problems.slice(0, LISTED_PROBLEMS),
        // Shaped as every other line (`file: where: what`), so a reader or a tool can take it apart.
        `${file}: (not listed): ${problems.length - LISTED_PROBLEMS} more problems; fix the ones above first`,
      ];

/** Validates an already-parsed plan document (e.g. the workflow input). */
export const parsePlan = (document: unknown, file = 'plan'): Plan => {
  const result = planSchema.safeParse(document, { reportInput: true });
  if (!result.success)
    throw new PlanError(file, listedProblems(file, formatIssues(file, result.error.issues)));
  return result.data;
};
