// What a person starts deliberately, in place of an alarm: a planned switchover (graceful by
// default: nothing is lost) in either direction, or reprotect — making the side that does not
// serve the standby of the one that does. `failover drill --mode`, `--round-trip` and
// `failover reprotect` send it; in AWS it is the workflow input's `trigger`.
import { z } from 'zod';

export const operatorRequestSchema = z.object({
  /** Unique per request: a request delivered twice is the same request. */
  id: z.string().min(1),
  source: z.literal('failover.operator'),
  'detail-type': z.literal('Failover Requested'),
  time: z.string(),
  detail: z.object({
    action: z.enum(['switchover', 'reprotect']),
    /** `graceful`: fence, wait until the standby holds everything, then promote (RPO 0); `ungraceful`: as an alarm's failover. */
    mode: z.enum(['graceful', 'ungraceful']).default('graceful'),
    requestedBy: z.string().min(1).max(256),
    reason: z.string().min(1).max(1024),
  }),
});

export type OperatorRequest = z.infer<typeof operatorRequestSchema>;

export const operatorRequest = (action: OperatorRequest['detail']['action'], options: { mode?: OperatorRequest['detail']['mode']; requestedBy: string; reason: string; at?: Date }): OperatorRequest => {
  const at = options.at ?? new Date();
  return {
    id: `operator-${at.getTime()}-${Math.random().toString(36).slice(2)}`,
    source: 'failover.operator',
    'detail-type': 'Failover Requested',
    time: at.toISOString(),
    detail: { action, mode: options.mode ?? 'graceful', requestedBy: options.requestedBy, reason: options.reason },
  };
};
