// The trigger of a workflow: a CloudWatch alarm state change for one of the plan's alarms, or a
// person's request (plan/operator-request.ts).
import { BadInputError } from '../errors.js';
import { alarmEventSchema, type AlarmEvent } from '../plan/alarm-event.js';
import { operatorRequestSchema, type OperatorRequest } from '../plan/operator-request.js';
import type { Plan } from '../plan/schema.js';
import { planAlarmNames } from '../plan/triggers.js';
import { excerpt } from '../plan/excerpt.js';

export type Trigger = { kind: 'alarm'; event: AlarmEvent } | { kind: 'operator'; request: OperatorRequest };

const issuesOf = (error: { issues: Array<{ path: PropertyKey[]; message: string }> }) =>
  error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`).join('; ');

export const parseTrigger = (trigger: unknown, plan: Plan): Trigger => {
  if ((trigger as { source?: unknown } | null)?.source === 'failover.operator') {
    const request = operatorRequestSchema.safeParse(trigger);
    if (!request.success)
      throw new BadInputError(
        `the workflow input's trigger is not a valid operator request: ${issuesOf(request.error)}`,
      );
    return { kind: 'operator', request: request.data };
  }
  const event = alarmEventSchema.safeParse(trigger);
  if (!event.success) {
    throw new BadInputError(
      `the workflow input's trigger is not a CloudWatch Alarm State Change event (nor an operator request): ${issuesOf(event.error)}`,
    );
  }
  const alarmName = event.data.detail.alarmName;
  // Any alarm the plan names, including its composite: the composite is what fires in AWS.
  if (!planAlarmNames(plan).includes(alarmName)) {
    throw new BadInputError(
      `alarm ${excerpt(alarmName)} is not one of plan ${plan.name}'s triggers (${planAlarmNames(plan)
        .map((n) => excerpt(n))
        .join(', ')})`,
    );
  }
  return { kind: 'alarm', event: event.data };
};

/** The trigger's unique id (EventBridge's event id; the operator request's id), when it has one. */
export const triggerId = (t: Trigger): string | undefined => (t.kind === 'alarm' ? t.event.id : t.request.id);
