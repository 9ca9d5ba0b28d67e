// What the one trigger rule hands the AWS worker: a CloudWatch alarm of the account entered ALARM.
// The published plans say which plan, if any, the alarm starts; the workflow is started with that
// plan's name and content hash, and people are told at once. An alarm no plan names starts
// nothing: the rule matches every alarm of the account and Region, so that its pattern does not
// grow with the plans (infra/failover-trigger.ts).
import { BadInputError } from '../errors.js';
import { alarmEventSchema } from '../plan/alarm-event.js';
import { actingRegion, triggerRegion } from '../plan/regions.js';
import type { Plan } from '../plan/schema.js';
import type { NotifierPort } from '../ports/notifier.js';
import type { PlansPort } from '../ports/plans.js';
import type { WorkflowStartPort } from '../adapters/sfn-workflow-start.js';

export interface StartFailoverDeps {
  plans: PlansPort;
  workflow: WorkflowStartPort;
  notifier: NotifierPort;
  /** Named in the notification: where people follow the execution. */
  stateMachineArn: string;
  /** This orchestrator's Region: a plan with `regions` fails over only from its downstream's. */
  region?: string;
}

export type StartFailoverResult =
  { started: true; plan: string; executionArn: string } | { started: false; reason: string };

const ALARM_STATE_CHANGE = 'CloudWatch Alarm State Change';

export const isAlarmStateChange = (event: unknown): boolean => {
  const e = event as { source?: unknown; 'detail-type'?: unknown } | null;
  return (
    typeof e === 'object' &&
    e !== null &&
    e.source === 'aws.cloudwatch' &&
    e['detail-type'] === ALARM_STATE_CHANGE
  );
};

/** What people read when a failover starts: what the workflow does before it changes anything. */
export const triggeredMessage = (plan: Plan, alarmName: string, at: string, stateMachineArn: string) =>
  `Failover of ${plan.name} triggered: alarm ${alarmName} entered ALARM at ${at}. ` +
  `After the ${plan.thresholds.settleSeconds} s settle time the workflow re-reads the alarm, checks that the standby is ready` +
  `${plan.gate.approval === 'never' ? '' : ` and ${plan.gate.approval === 'always' ? 'asks for approval' : 'asks for approval if it is at risk'}`}` +
  ` before it changes anything. Follow it in Step Functions (${stateMachineArn}); its report follows when it ends.`;

export const startFailover = async (
  deps: StartFailoverDeps,
  event: unknown,
): Promise<StartFailoverResult> => {
  const parsed = alarmEventSchema.safeParse(event);
  if (!parsed.success)
    throw new BadInputError(
      `malformed CloudWatch alarm event: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`).join('; ')}`,
    );
  const { id, time, detail } = parsed.data;
  if (detail.state.value !== 'ALARM')
    return { started: false, reason: `alarm ${detail.alarmName} entered ${detail.state.value}, not ALARM` };
  const ref = await deps.plans.triggeredBy(detail.alarmName);
  if (!ref) return { started: false, reason: `alarm ${detail.alarmName} starts no deployed plan` };
  if (!id) throw new BadInputError(`the event of alarm ${detail.alarmName} has no id to name the execution`);
  const plan = await deps.plans.load(ref);
  // Alarm names are unique only within a Region: another Region's alarm of the same name is not the plan's.
  const alarmIn = triggerRegion(plan, detail.alarmName);
  if (alarmIn !== undefined && parsed.data.region !== undefined && parsed.data.region !== alarmIn)
    return {
      started: false,
      reason: `alarm ${detail.alarmName} of ${parsed.data.region} is not plan ${plan.name}'s: its alarm of that name is in ${alarmIn}`,
    };
  // Both Regions hear the alarm (each forwards its own to the other): one starts the failover.
  const actsFrom = actingRegion(plan, 'downstream');
  if (actsFrom !== undefined && actsFrom !== deps.region)
    return {
      started: false,
      reason: `plan ${plan.name} fails over from ${actsFrom}, its downstream's Region; the orchestrator there starts it`,
    };
  // The event as EventBridge delivered it: Admit and ConfirmAlarm read it again.
  const executionArn = await deps.workflow.start(ref, event, `alarm-${id}`);
  await deps.notifier.notify({
    subject: `[failover] ${plan.name}: TRIGGERED`,
    message: triggeredMessage(plan, detail.alarmName, time, deps.stateMachineArn),
    attributes: { plan: plan.name, execution: executionArn, status: 'TRIGGERED' },
  });
  return { started: true, plan: plan.name, executionArn };
};
