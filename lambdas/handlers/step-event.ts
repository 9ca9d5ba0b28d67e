// The input every worker receives from the workflow (see statemachines/failover.asl.json).
import { z } from 'zod';
import { BadInputError } from '../errors.js';
import { parsePlan } from '../plan/load-plan.js';
import type { Plan } from '../plan/schema.js';
import type { Execution } from '../steps/step-deps.js';

const stepEventSchema = z.object({
  step: z.string().min(1),
  execution: z.object({ id: z.string().min(1), startedAt: z.string().min(1) }),
  plan: z.unknown(),
  trigger: z.unknown().optional(),
  evidence: z.unknown().optional(),
  taskToken: z.string().optional(),
  /** The gate's timeout, also given to the waiting Task (see PrepareApproval in the ASL). */
  approvalTimeoutSeconds: z.number().int().positive().optional(),
  error: z.object({ Error: z.string(), Cause: z.string().optional() }).optional(),
});

export type StepEvent = Omit<z.infer<typeof stepEventSchema>, 'plan'> & { plan: Plan; execution: Execution };

/** Validates the event and its plan; problems become BadInput, which the workflow never retries. */
export const parseStepEvent = (event: unknown, steps: readonly string[]): StepEvent => {
  const parsed = stepEventSchema.safeParse(event);
  if (!parsed.success) {
    throw new BadInputError(`malformed step input: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ')}`);
  }
  if (!steps.includes(parsed.data.step)) {
    throw new BadInputError(`this function runs steps ${steps.join(', ')}; got "${parsed.data.step}"`);
  }
  try {
    return { ...parsed.data, plan: parsePlan(parsed.data.plan, 'workflow input plan') };
  } catch (err) {
    throw new BadInputError((err as Error).message);
  }
};
