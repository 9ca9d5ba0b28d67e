// A deployed plan travels whole, as JSON with its defaults written out, inside EventBridge target
// inputs: the input of the rule that starts the failover and that of the readiness schedule
// (infra/failover-trigger-input.ts, infra/readiness-evaluation.ts). EventBridge refuses a target
// input template longer than 8,192 characters, so a plan whose JSON would not fit is refused when
// it is read, not when the stack is synthesized.

/** EventBridge's limit on a target's InputTransformer.InputTemplate. */
export const MAX_INPUT_TEMPLATE_CHARS = 8192;

/** Room for what a target wraps around the plan; the readiness schedule's wrapper, the longest, is under 100 characters. */
const WRAPPER_CHARS = 192;

export const maxPlanJsonChars = MAX_INPUT_TEMPLATE_CHARS - WRAPPER_CHARS;

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
  return `the plan is ${chars} characters as JSON, over ${maxPlanJsonChars}: a deployed plan travels whole in one EventBridge input (${MAX_INPUT_TEMPLATE_CHARS}); shorten its largest parts (${largest}) or split it into several plans`;
};
