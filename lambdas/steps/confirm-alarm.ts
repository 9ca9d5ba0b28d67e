// After the settle time, re-read the alarm that started the workflow: a blip that has cleared
// must not move traffic.
import { AlarmClearedError, BadInputError } from '../errors.js';
import type { Plan } from '../plan/schema.js';
import { parseTrigger } from './alarm-trigger.js';
import { runStep } from './run-step.js';
import type { AwsDeps, Execution } from './step-deps.js';

export const confirmAlarm = (deps: AwsDeps, execution: Execution, plan: Plan, trigger: unknown) =>
  runStep(deps, execution, 'confirm-alarm', async () => {
    const event = parseTrigger(trigger, plan);
    const alarmName = event.detail.alarmName;
    const state = (await deps.alarms.getStates([alarmName])).get(alarmName);
    if (state === undefined) throw new BadInputError(`alarm ${alarmName} does not exist`);
    // approvalTimeoutSeconds feeds the gate's TimeoutSecondsPath: ASL cannot multiply minutes.
    const detail = { alarmName, triggeredAt: event.time, settleSeconds: plan.thresholds.settleSeconds, stateNow: state, approvalTimeoutSeconds: plan.gate.timeoutMinutes * 60 };
    if (state !== 'ALARM') {
      throw new AlarmClearedError(`alarm ${alarmName} is ${state} after the ${plan.thresholds.settleSeconds} s settle time: no failover`, detail);
    }
    return { summary: `alarm ${alarmName} still in ALARM after the ${plan.thresholds.settleSeconds} s settle time`, detail, output: detail };
  });
