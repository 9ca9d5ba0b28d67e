// A deployed plan is published as JSON, with its defaults written out, in the code of both
// workers (infra/plan-catalogue-asset.ts); executions and schedules carry only its name and hash.
// The bound keeps a deployment's published plans small whatever their number (500 plans, at most
// 4 MB) and every plan readable by a person, so a plan whose JSON would be larger is refused when
// it is read, not when the stack is synthesized.

export const maxPlanJsonChars = 8000;

/**
 * Why a plan of this JSON is too large, naming its largest top-level parts (where shortening
 * helps), or undefined when it fits.
 */
export const planSizeProblem = (plan: Record<string, unknown>): string | undefined => {
  const chars = JSON.stringify(plan).length;
  if (chars <= maxPlanJsonChars) return undefined;
  const largest = Object.entries(plan)
    .map(([field, value]) => ({ field, chars: JSON.stringify(value)?.length ?? 0 }))
    .sort((a, b) => b.chars - a.chars)
    .slice(0, 3)
    .map((p) => `${p.field} ${p.chars}`)
    .join(', ');
  return `the plan is ${chars} characters as JSON, over ${maxPlanJsonChars}: shorten its largest parts (${largest}) or split it into several plans`;
};
