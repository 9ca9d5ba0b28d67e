// What a person starts deliberately, in place of an alarm: a planned switchover (graceful by
// default: nothing is lost) in either direction, or reprotect — making the side that does not
// serve the standby of the one that does. `failover drill --mode`, `--round-trip` and
// `failover reprotect` send it; in AWS it is the workflow input's `trigger`.
import * as z from 'zod';
import { eventTime, exactly, needs } from './alarm-event.js';

/** What a request may say about its reason: the report and the approval show it whole. */
export const MAX_REASON_CHARS = 1024;

export const operatorRequestSchema = z.object({
  /** Unique per request: a request delivered twice is the same request. */
  id: z.string(needs('the request id')).min(1).max(256),
  source: exactly('failover.operator'),
  'detail-type': exactly('Failover Requested'),
  time: eventTime,
  detail: z.object(
    {
      action: z.enum(['switchover', 'reprotect'], { error: 'expected switchover or reprotect' }),
      /** `graceful`: fence, wait until the standby holds everything, then promote (RPO 0); `ungraceful`: as an alarm's failover. */
      mode: z
        .enum(['graceful', 'ungraceful'], { error: 'expected graceful or ungraceful' })
        .default('graceful'),
      requestedBy: z.string(needs('who asked')).min(1).max(256),
      reason: z.string(needs('why')).min(1).max(MAX_REASON_CHARS),
    },
    { error: 'expected a mapping with action, requestedBy and reason' },
  ),
});

export type OperatorRequest = z.infer<typeof operatorRequestSchema>;

export const operatorRequest = (
  action: OperatorRequest['detail']['action'],
  options: { mode?: OperatorRequest['detail']['mode']; requestedBy: string; reason: string; at?: Date },
): OperatorRequest => {
  const at = options.at ?? new Date();
  return {
    id: `operator-${at.getTime()}-${Math.random().toString(36).slice(2)}`,
    source: 'failover.operator',
    'detail-type': 'Failover Requested',
    time: at.toISOString(),
    detail: {
      action,
      mode: options.mode ?? 'graceful',
      requestedBy: options.requestedBy,
      reason: options.reason,
    },
  };
};
