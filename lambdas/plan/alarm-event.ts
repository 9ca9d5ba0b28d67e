// The EventBridge event CloudWatch sends when an alarm changes state: what starts a failover.
import * as z from 'zod';

/** When an event happened, as EventBridge writes it (ISO 8601, UTC). */
export const eventTime = z.iso.datetime({ error: 'expected an ISO 8601 time' });

/** Its one value, in a message short enough to list several problems on one line. */
export const exactly = <T extends string>(value: T) =>
  z.literal(value, { error: `expected ${JSON.stringify(value)}` });

/** What a missing or mistyped field must be; its bounds keep their own messages. */
export const needs = (what: string) => ({
  error: (issue: { code: string }) => (issue.code === 'invalid_type' ? `expected ${what}` : undefined),
});

/** Bounds as CloudWatch and EventBridge set them; anything beyond is not their event. */
export const alarmEventSchema = z.object({
  /** EventBridge's event id: the same state change delivered twice has the same id. */
  id: z.string().min(1).max(256).optional(),
  source: exactly('aws.cloudwatch'),
  'detail-type': exactly('CloudWatch Alarm State Change'),
  time: eventTime,
  /** The Region of the alarm: a plan of two Regions may hear an alarm of its other one, forwarded. */
  region: z.string().max(32).optional(),
  resources: z.array(z.string().max(2048)).max(100).default([]),
  detail: z.object(
    {
      alarmName: z.string(needs('an alarm name')).min(1).max(255),
      state: z.object(
        {
          value: z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA'], {
            error: 'expected OK, ALARM or INSUFFICIENT_DATA',
          }),
          reason: z.string().max(1023).optional(),
          timestamp: z.string().max(64).optional(),
        },
        { error: 'expected a mapping with the state value' },
      ),
    },
    { error: 'expected a mapping with alarmName and state' },
  ),
});

export type AlarmEvent = z.infer<typeof alarmEventSchema>;

/** The event a drill sends in place of CloudWatch's. */
export const drillAlarmEvent = (
  alarmName: string,
  at: Date,
  id = `drill-${at.getTime()}-${Math.random().toString(36).slice(2)}`,
  region?: string,
): AlarmEvent => ({
  id,
  ...(region === undefined ? {} : { region }),
  source: 'aws.cloudwatch',
  'detail-type': 'CloudWatch Alarm State Change',
  time: at.toISOString(),
  resources: [],
  detail: { alarmName, state: { value: 'ALARM', reason: 'failover drill', timestamp: at.toISOString() } },
});
