// Reads a plan file (YAML) and validates it (parse-plan.ts), reporting every problem as
// `file: path.to.field: what is wrong`.
import { parsePlan, PlanError } from './parse-plan.js';
import type { Plan } from './schema.js';
import { parseYaml, readYamlFile, type YamlRead } from './yaml-input.js';

// Who reads plan files also validates documents and reports problems: one module to import.
export { formatIssues, listedProblems, parsePlan, PlanError } from './parse-plan.js';

const planOf = (read: YamlRead, file: string): Plan => {
  if (!read.ok) throw new PlanError(file, read.problems);
  return parsePlan(read.value, file);
};

export const parsePlanYaml = (text: string, file: string): Plan =>
  planOf(parseYaml(text, file, 'plan'), file);

export const loadPlan = async (file: string): Promise<Plan> => planOf(await readYamlFile(file, 'plan'), file);
