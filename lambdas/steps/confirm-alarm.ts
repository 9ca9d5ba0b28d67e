// After the settle time, re-read the alarm that started the workflow: a blip that has cleared
// must not move traffic.
import { AlarmClearedError, BadInputError } from '../errors.js';
import { alarmEventSchema } from '../plan/alarm-event.js';
import type { Plan } from '../plan/schema.js';
import { runStep } from './run-step.js';
import type { AwsDeps, Execution } from './step-deps.js';

export const confirmAlarm = (deps: AwsDeps, execution: Execution, plan: Plan, trigger: unknown) =>
  runStep(deps, execution, 'confirm-alarm', async () => {
    const event = alarmEventSchema.safeParse(trigger);
    if (!event.success) {
      throw new BadInputError(`the workflow input's trigger is not a CloudWatch Alarm State Change event: ${event.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    }
    const alarmName = event.data.detail.alarmName;
    if (!plan.triggers.alarms.some((a) => a.name === alarmName)) {
      throw new BadInputError(`alarm ${alarmName} is not one of plan ${plan.name}'s triggers (${plan.triggers.alarms.map((a) => a.name).join(', ')})`);
    }
    const state = (await deps.alarms.getStates([alarmName])).get(alarmName);
    if (state === undefined) throw new BadInputError(`alarm ${alarmName} does not exist`);
    // approvalTimeoutSeconds feeds the gate's TimeoutSecondsPath: ASL cannot multiply minutes.
    const detail = { alarmName, triggeredAt: event.data.time, settleSeconds: plan.thresholds.settleSeconds, stateNow: state, approvalTimeoutSeconds: plan.gate.timeoutMinutes * 60 };
    if (state !== 'ALARM') {
      throw new AlarmClearedError(`alarm ${alarmName} is ${state} after the ${plan.thresholds.settleSeconds} s settle time: no failover`, detail);
    }
    return { summary: `alarm ${alarmName} still in ALARM after the ${plan.thresholds.settleSeconds} s settle time`, detail, output: detail };
  });
