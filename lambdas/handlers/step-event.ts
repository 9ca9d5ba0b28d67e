// The input every worker receives: a step of the workflow (see statemachines/failover.asl.json),
// or the EventBridge event that says an execution ended FAILED, TIMED_OUT or ABORTED, which
// becomes the step `execution-ended` (infra/execution-ended.ts routes it to the AWS worker).
import * as z from 'zod';
import { BadInputError } from '../errors.js';
import { planRefSchema, type PlanRef } from '../plan/plan-ref.js';
import type { Plan } from '../plan/schema.js';
import type { PlansPort } from '../ports/plans.js';
import { alarmLeg, legSchema, type Leg } from '../plan/leg.js';
import { orientPlan } from '../steps/leg.js';
import type { Execution } from '../steps/step-deps.js';

const endedStatus = z.enum(['FAILED', 'TIMED_OUT', 'ABORTED']);

const stepEventSchema = z.object({
  step: z.string().min(1),
  execution: z.object({ id: z.string().min(1), startedAt: z.string().min(1) }),
  /** The published plan this execution runs: its name and content hash (plan/plan-ref.ts). */
  plan: planRefSchema,
  trigger: z.unknown().optional(),
  taskToken: z.string().optional(),
  /** The gate's timeout, also given to the waiting Task (see PrepareApproval in the ASL). */
  approvalTimeoutSeconds: z.number().int().positive().optional(),
  error: z.object({ Error: z.string(), Cause: z.string().optional() }).optional(),
  /** Which way this execution moves the service (decided by Admit); steps see the plan oriented by it. */
  leg: legSchema.optional(),
  /** `execution-ended`: how the execution ended, as Step Functions reported it. */
  ended: z
    .object({ status: endedStatus, error: z.string().optional(), cause: z.string().optional() })
    .optional(),
});

/**
 * `plan` is oriented by the leg (steps/leg.ts): its upstream is the side the leg leaves. Reports
 * and coordination use `leg` to name the sides as the plan file does.
 */
export type StepEvent = Omit<z.infer<typeof stepEventSchema>, 'plan' | 'leg'> & {
  plan: Plan;
  execution: Execution;
  leg: Leg;
};
export type ExecutionEnding = NonNullable<StepEvent['ended']>;

const STATUS_CHANGE = 'Step Functions Execution Status Change';

// Step Functions' own event (EventBridge, source aws.states). `input` is the execution input as a
// JSON string; EventBridge leaves it out (`inputDetails.included: false`) when it is too large.
const statusChangeSchema = z.object({
  source: z.literal('aws.states'),
  'detail-type': z.literal(STATUS_CHANGE),
  detail: z.object({
    executionArn: z.string().min(1),
    status: endedStatus,
    /** Milliseconds since the epoch. */
    startDate: z.number(),
    input: z.string().nullish(),
    inputDetails: z.object({ included: z.boolean() }).nullish(),
    error: z.string().nullish(),
    cause: z.string().nullish(),
  }),
});

const isStatusChange = (event: unknown): boolean => {
  const e = event as { source?: unknown; 'detail-type'?: unknown } | null;
  return (
    typeof e === 'object' && e !== null && e.source === 'aws.states' && e['detail-type'] === STATUS_CHANGE
  );
};

const issuesOf = (error: z.ZodError) =>
  error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ');

/**
 * The status-change event as the `execution-ended` step. The plan comes from the execution input
 * (`{plan: {name, sha256}, trigger}`). Without it the step cannot know the plan, and fails loudly
 * instead of asking Step Functions: every execution the stack starts carries a plan reference and
 * an alarm event or operator request, far below the size up to which EventBridge includes the
 * input, so a missing input means an execution started by hand with an input of another shape.
 * The failure lands in the rule's dead-letter queue, whose alarm tells people.
 */
const fromStatusChange = (event: unknown): unknown => {
  const parsed = statusChangeSchema.safeParse(event);
  if (!parsed.success)
    throw new BadInputError(`malformed Step Functions status-change event: ${issuesOf(parsed.error)}`);
  const { executionArn, status, startDate, input, inputDetails, error, cause } = parsed.data.detail;
  if (typeof input !== 'string' || inputDetails?.included === false) {
    throw new BadInputError(
      `execution ${executionArn} ended ${status}${error ? ` (${error})` : ''}, but its status-change event does not carry the execution input ` +
        `(inputDetails.included: ${String(inputDetails?.included ?? 'absent')}), so its plan is unknown and nothing was recorded: ` +
        'read the execution in the Step Functions console; the next trigger of its plan takes over the lock of this ended execution',
    );
  }
  let workflowInput: { plan?: unknown };
  try {
    workflowInput = JSON.parse(input) as { plan?: unknown };
  } catch (err) {
    throw new BadInputError(
      `execution ${executionArn} ended ${status}, and its input is not JSON: ${(err as Error).message}`,
    );
  }
  return {
    step: 'execution-ended',
    execution: { id: executionArn, startedAt: new Date(startDate).toISOString() },
    plan: workflowInput?.plan,
    ended: { status, ...(error ? { error } : {}), ...(cause ? { cause } : {}) },
  };
};

/**
 * The steps that record how an execution ended. When the plan an execution started with is no
 * longer the deployed one (it was redeployed mid-run, or the input was made by hand), every other
 * step refuses to act on it, and these record that end with the deployed plan of the same name:
 * the report, the lock released, and the plan left to an operator when a change may have been
 * made, rather than an end nobody recorded.
 */
const RECORDS_AN_END = new Set(['halt', 'execution-ended']);

const loadPlan = async (step: string, ref: PlanRef, plans: PlansPort): Promise<Plan> => {
  try {
    return await plans.load(ref);
  } catch (err) {
    if (!RECORDS_AN_END.has(step)) throw err;
    return plans.deployed(ref.name);
  }
};

/**
 * Validates the event and loads the plan it names from the published plans, verifying its hash;
 * problems become BadInput, which the workflow never retries.
 */
export const parseStepEvent = async (
  event: unknown,
  steps: readonly string[],
  plans: PlansPort,
): Promise<StepEvent> => {
  const parsed = stepEventSchema.safeParse(isStatusChange(event) ? fromStatusChange(event) : event);
  if (!parsed.success) {
    throw new BadInputError(`malformed step input: ${issuesOf(parsed.error)}`);
  }
  if (!steps.includes(parsed.data.step)) {
    throw new BadInputError(`this function runs steps ${steps.join(', ')}; got "${parsed.data.step}"`);
  }
  const plan = await loadPlan(parsed.data.step, parsed.data.plan, plans);
  // Before Admit has decided, and for executions started before legs existed: a failover from the upstream.
  const leg = parsed.data.leg ?? alarmLeg;
  return { ...parsed.data, leg, plan: orientPlan(plan, leg) };
};
