// Reads and validates a plan, reporting every problem as `file: path.to.field: what is wrong`.
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
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
      return issue.keys.map((key) => `${file}: ${formatPath([...issue.path, key])}: unknown field; check its spelling and the plan reference in README.md`);
    }
    if (issue.code === 'invalid_union' && issue.errors.length > 0 && issue.message === 'Invalid input') {
      return formatIssues(file, issue.errors.flat());
    }
    return [`${file}: ${path}: ${humanize(issue)}`];
  });

/** `dns.records[0].name`: the way a person points at a field in YAML. */
const formatPath = (path: PropertyKey[]): string =>
  path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${fieldName(key)}` : fieldName(key)), '');

/** A key a person could not see or would misread (empty, with dots or spaces) is quoted. */
const fieldName = (key: PropertyKey): string => (/^[\w-]+$/.test(String(key)) ? String(key) : JSON.stringify(String(key)));

const typeNames: Record<string, string> = { object: 'a mapping', array: 'a list' };

const humanize = (issue: z.core.$ZodIssue): string => {
  if (issue.code === 'invalid_type') {
    return issue.input === undefined ? `missing; expected ${typeNames[issue.expected] ?? issue.expected}` : `expected ${typeNames[issue.expected] ?? issue.expected}, got ${describe(issue.input)}`;
  }
  if (issue.code === 'invalid_value') return `got ${describe(issue.input)}; expected one of: ${issue.values.map(String).join(', ')}`;
  return issue.message;
};

const describe = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'a mapping' : JSON.stringify(value));

/** Validates an already-parsed plan document (e.g. the workflow input). */
export const parsePlan = (document: unknown, file = 'plan'): Plan => {
  const result = planSchema.safeParse(document, { reportInput: true });
  if (!result.success) throw new PlanError(file, formatIssues(file, result.error.issues));
  return result.data;
};

export const parsePlanYaml = (text: string, file: string): Plan => {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new PlanError(
      file,
      doc.errors.map((e) => `${file}:${e.linePos?.[0]?.line ?? '?'}:${e.linePos?.[0]?.col ?? '?'}: not valid YAML: ${e.message.split('\n')[0]}`),
    );
  }
  return parsePlan(doc.toJS(), file);
};

export const loadPlan = async (file: string): Promise<Plan> => {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new PlanError(file, [`${file}: cannot read the plan file (${(err as NodeJS.ErrnoException).code ?? String(err)}); pass the path of a plan YAML file`]);
  }
  return parsePlanYaml(text, file);
};
