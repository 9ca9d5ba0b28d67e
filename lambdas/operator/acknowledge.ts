// An operator re-arms a plan (`failover ack`): it clears the cooldown after a failover and the
// "waits for an operator" mark after a failover that failed half-way; with `active`, it records
// which side serves clients after a deliberate failback. Served by the console API to IAM callers
// (the CLI), which records who acknowledged from the signature API Gateway verified: nobody
// writes a plan's state but the orchestrator's own functions.
import { MAX_REASON_CHARS } from '../approvals/approval-service.js';
import * as z from '../approvals/request-schemas.js';
import type { PlanState, PlanStatePort } from '../ports/coordination.js';

export const acknowledgeInputSchema = z.strictObject({
  reason: z
    .string()
    .check(
      z.trim(),
      z.minLength(1, 'a reason is required: it is recorded with your name in the plan state'),
      z.maxLength(MAX_REASON_CHARS, `a reason of at most ${MAX_REASON_CHARS} characters`),
    ),
  /** After a deliberate failback: the side that serves clients now. */
  active: z.optional(z.enum(['upstream', 'downstream'])),
});

export type AcknowledgeInput = z.input<typeof acknowledgeInputSchema>;

export interface Acknowledged {
  plan: string;
  before: PlanState;
  after: PlanState;
}

/** The plan state in words, as an operator reads it. */
export const describePlanState = (s: PlanState) =>
  [
    `active side ${s.activeSide}`,
    s.cooldownUntil ? `cooldown until ${s.cooldownUntil}` : 'no cooldown',
    s.needsOperator ? `waiting for an operator: ${s.needsOperator}` : undefined,
  ]
    .filter(Boolean)
    .join('; ');

export const acknowledge = async (
  planState: PlanStatePort,
  planName: string,
  input: z.output<typeof acknowledgeInputSchema>,
  by: string,
  now: Date,
): Promise<Acknowledged> => {
  const before = await planState.getPlanState(planName);
  const at = now.toISOString();
  const activeSide = input.active ?? before.activeSide;
  const after: PlanState = {
    activeSide,
    // Replication after a failback done by hand is not known here: the next reprotect says.
    ...(before.protection && activeSide === before.activeSide ? { protection: before.protection } : {}),
    ...(before.lastExecutionId ? { lastExecutionId: before.lastExecutionId } : {}),
    updatedAt: at,
    acknowledged: { by, reason: input.reason, at },
  };
  await planState.putPlanState(planName, after);
  return { plan: planName, before, after };
};
