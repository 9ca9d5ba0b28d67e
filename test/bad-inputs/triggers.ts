// Workflow triggers the workers must refuse as BadInput: CloudWatch alarm events and operator
// requests that are malformed, out of bounds or not this plan's.
import { loadPlan } from '../../lambdas/plan/load-plan.js';
import type { Plan } from '../../lambdas/plan/schema.js';
import { parseTrigger } from '../../lambdas/steps/alarm-trigger.js';
import type { Answer, BadInput } from './case.js';

let plan: Plan | undefined;

/** What the admit step's parsing answers: the error's name and message. */
const admit = async (trigger: unknown): Promise<Answer> => {
  plan ??= await loadPlan('examples/plans/rabbitmq-standby.yaml');
  try {
    parseTrigger(trigger, plan);
    return { outcome: 'admitted', lines: [] };
  } catch (err) {
    return { outcome: (err as Error).name, lines: (err as Error).message.split('\n') };
  }
};

const refused = (name: string, trigger: unknown, ...names: string[]): BadInput => ({
  name: `trigger: ${name}`,
  names,
  outcomes: ['BadInput'],
  run: () => admit(trigger),
});

const alarm = (change: (event: Record<string, any>) => void) => {
  const event: Record<string, any> = {
    id: 'c5a0f0e4-9d3c-4b5f-9c55-3c7c3c1c2b10',
    source: 'aws.cloudwatch',
    'detail-type': 'CloudWatch Alarm State Change',
    time: '2026-03-01T10:00:00Z',
    resources: [],
    detail: {
      alarmName: 'orders-rabbitmq-upstream-unhealthy',
      state: { value: 'ALARM', reason: 'Threshold crossed' },
    },
  };
  change(event);
  return event;
};

const request = (change: (event: Record<string, any>) => void) => {
  const event: Record<string, any> = {
    id: 'operator-1772359200000-abc',
    source: 'failover.operator',
    'detail-type': 'Failover Requested',
    time: '2026-03-01T10:00:00Z',
    detail: { action: 'switchover', mode: 'graceful', requestedBy: 'ops', reason: 'DR rehearsal' },
  };
  change(event);
  return event;
};

export const triggerCases: BadInput[] = [
  refused('nothing', null, 'expected object, received null'),
  refused('a text', 'ALARM', 'expected object, received string'),
  refused('a list', [], 'expected object, received array'),
  refused('an empty mapping', {}, 'source: expected "aws.cloudwatch"', 'detail: expected a mapping'),
  refused(
    'another source',
    alarm((e) => void (e['source'] = 'aws.ec2')),
    'source: expected "aws.cloudwatch"',
  ),
  refused(
    'another detail type',
    alarm((e) => void (e['detail-type'] = 'EC2 Instance State-change Notification')),
    'detail-type: expected "CloudWatch Alarm State Change"',
  ),
  refused(
    'a time in words',
    alarm((e) => void (e['time'] = 'yesterday')),
    'time: expected an ISO 8601 time',
  ),
  refused(
    'no alarm name',
    alarm((e) => void delete e['detail'].alarmName),
    'detail.alarmName: expected an alarm name',
  ),
  refused(
    'an alarm name of 10,000 characters',
    alarm((e) => void (e['detail'].alarmName = 'a'.repeat(10_000))),
    'detail.alarmName',
    '<=255',
  ),
  refused(
    'a state BROKEN',
    alarm((e) => void (e['detail'].state.value = 'BROKEN')),
    'detail.state.value: expected OK, ALARM or INSUFFICIENT_DATA',
  ),
  refused(
    'a state reason of 5,000 characters',
    alarm((e) => void (e['detail'].state.reason = 'r'.repeat(5000))),
    'detail.state.reason',
    '<=1023',
  ),
  refused(
    'detail a text',
    alarm((e) => void (e['detail'] = 'ALARM')),
    'detail: expected a mapping with alarmName and state',
  ),
  refused(
    'resources a text',
    alarm((e) => void (e['resources'] = 'arn:aws:cloudwatch:eu-west-1:111122223333:alarm:x')),
    'resources',
  ),
  refused(
    'an empty id',
    alarm((e) => void (e['id'] = '')),
    'id',
    '>=1',
  ),
  refused(
    "another plan's alarm",
    alarm((e) => void (e['detail'].alarmName = 'payments-rabbitmq-upstream-unhealthy')),
    'alarm payments-rabbitmq-upstream-unhealthy is not one of plan orders-rabbitmq',
  ),
  refused(
    'a request to delete',
    request((e) => void (e['detail'].action = 'delete')),
    'detail.action: expected switchover or reprotect',
  ),
  refused(
    'a request sideways',
    request((e) => void (e['detail'].mode = 'sideways')),
    'detail.mode: expected graceful or ungraceful',
  ),
  refused(
    'a request without a reason',
    request((e) => void delete e['detail'].reason),
    'detail.reason: expected why',
  ),
  refused(
    'a request with a reason of 2,000 characters',
    request((e) => void (e['detail'].reason = 'r'.repeat(2000))),
    'detail.reason',
    '<=1024',
  ),
  refused(
    'a request from nobody',
    request((e) => void (e['detail'].requestedBy = '')),
    'detail.requestedBy',
    '>=1',
  ),
  refused(
    'a request without an id',
    request((e) => void delete e['id']),
    'id: expected the request id',
  ),
  refused(
    'a request with a time in words',
    request((e) => void (e['time'] = 'now')),
    'time: expected an ISO 8601 time',
  ),
  refused(
    'a request of another type',
    request((e) => void (e['detail-type'] = 'Failback Requested')),
    'detail-type: expected "Failover Requested"',
  ),
];
