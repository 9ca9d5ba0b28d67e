// The trigger of a workflow: a CloudWatch alarm state change for one of the plan's alarms.
import { BadInputError } from '../errors.js';
import { alarmEventSchema, type AlarmEvent } from '../plan/alarm-event.js';
import type { Plan } from '../plan/schema.js';
import { planAlarmNames } from '../plan/triggers.js';

export const parseTrigger = (trigger: unknown, plan: Plan): AlarmEvent => {
  const event = alarmEventSchema.safeParse(trigger);
  if (!event.success) {
    throw new BadInputError(`the workflow input's trigger is not a CloudWatch Alarm State Change event: ${event.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`).join('; ')}`);
  }
  const alarmName = event.data.detail.alarmName;
  // Any alarm the plan names, including its composite: the composite is what fires in AWS.
  if (!planAlarmNames(plan).includes(alarmName)) {
    throw new BadInputError(`alarm ${alarmName} is not one of plan ${plan.name}'s triggers (${planAlarmNames(plan).join(', ')})`);
  }
  return event.data;
};
