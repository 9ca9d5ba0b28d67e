// After the settle time, re-read the alarm that started the workflow: a blip that has cleared
// must not move traffic, and an alarm without data has confirmed nothing either way.
import { AlarmClearedError, AlarmNotConfirmedError, BadInputError } from '../errors.js';
import type { Plan } from '../plan/schema.js';
import { parseTrigger } from './alarm-trigger.js';
import { runStep } from './run-step.js';
import type { AwsDeps, Execution } from './step-deps.js';

export const confirmAlarm = (deps: AwsDeps, execution: Execution, plan: Plan, trigger: unknown) =>
  runStep<{ approvalTimeoutSeconds: number }>(deps, execution, 'confirm-alarm', async () => {
    const parsed = parseTrigger(trigger, plan);
    // approvalTimeoutSeconds feeds the gate's TimeoutSecondsPath: ASL cannot multiply minutes.
    const approvalTimeoutSeconds = plan.gate.timeoutMinutes * 60;
    if (parsed.kind === 'operator') {
      // A person asked for this on purpose: there is no alarm to confirm; the request is the evidence.
      const { requestedBy, reason, action, mode } = parsed.request.detail;
      const detail = {
        requestedBy,
        reason,
        action,
        mode,
        requestedAt: parsed.request.time,
        approvalTimeoutSeconds,
      };
      return { summary: `${mode} ${action} requested by ${requestedBy}: ${reason}`, detail, output: detail };
    }
    const event = parsed.event;
    const alarmName = event.detail.alarmName;
    // Where it lives: a plan of two Regions may be triggered by its other Region's alarm, forwarded.
    const state = (await deps.alarms.getStates([alarmName], event.region)).get(alarmName);
    if (state === undefined) throw new BadInputError(`alarm ${alarmName} does not exist`);
    const detail = {
      alarmName,
      triggeredAt: event.time,
      settleSeconds: plan.thresholds.settleSeconds,
      stateNow: state,
      approvalTimeoutSeconds,
    };
    if (state === 'INSUFFICIENT_DATA') {
      // Silence is not recovery: a lost upstream often stops its own metrics. A person decides.
      throw new AlarmNotConfirmedError(
        `alarm ${alarmName} has no data (INSUFFICIENT_DATA) after the ${plan.thresholds.settleSeconds} s settle time: the failure is not confirmed, so nothing was changed. ` +
          `Its metric stopped arriving: the upstream may be down or its metric pipeline broken. ` +
          `Check the upstream; if it is really down, fail over by hand: \`failover run PLAN --reason "..."\` with plan ${plan.name}'s file (break-glass).`,
        detail,
      );
    }
    if (state !== 'ALARM') {
      throw new AlarmClearedError(
        `alarm ${alarmName} is ${state} after the ${plan.thresholds.settleSeconds} s settle time: no failover`,
        detail,
      );
    }
    return {
      summary: `alarm ${alarmName} still in ALARM after the ${plan.thresholds.settleSeconds} s settle time`,
      detail,
      output: detail,
    };
  });
