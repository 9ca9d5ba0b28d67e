// The EventBridge event CloudWatch sends when an alarm changes state: what starts a failover.
import { z } from 'zod';

export const alarmEventSchema = z.object({
  /** EventBridge's event id: the same state change delivered twice has the same id. */
  id: z.string().min(1).optional(),
  source: z.literal('aws.cloudwatch'),
  'detail-type': z.literal('CloudWatch Alarm State Change'),
  time: z.string(),
  resources: z.array(z.string()).default([]),
  detail: z.object({
    alarmName: z.string().min(1),
    state: z.object({ value: z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']), reason: z.string().optional(), timestamp: z.string().optional() }),
  }),
});

export type AlarmEvent = z.infer<typeof alarmEventSchema>;

/** The event a drill sends in place of CloudWatch's. */
export const drillAlarmEvent = (alarmName: string, at: Date, id = `drill-${at.getTime()}-${Math.random().toString(36).slice(2)}`): AlarmEvent => ({
  id,
  source: 'aws.cloudwatch',
  'detail-type': 'CloudWatch Alarm State Change',
  time: at.toISOString(),
  resources: [],
  detail: { alarmName, state: { value: 'ALARM', reason: 'failover drill', timestamp: at.toISOString() } },
});
