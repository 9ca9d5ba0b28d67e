// A leg of the round trip: which way an execution moves the service and how. Admit decides it
// from the trigger and the plan's recorded state; every later step gets it and sees the plan
// oriented by it (steps/leg.ts).
import * as z from 'zod';
import { actingRegion } from './regions.js';
import type { Plan, Side } from './schema.js';

const side = z.enum(['upstream', 'downstream']);

export const legSchema = z.object({
  /** `failover`: move traffic (after an alarm, or a switchover a person asked for); `reprotect`: replicate to the side that does not serve. */
  action: z.enum(['failover', 'reprotect']),
  mode: z.enum(['graceful', 'ungraceful']),
  /** What started it: an alarm never starts a failback, a graceful switchover or a reprotect. */
  trigger: z.enum(['alarm', 'operator']),
  from: side,
  to: side,
});

export type Leg = z.infer<typeof legSchema>;

export const otherSide = (s: Side): Side => (s === 'upstream' ? 'downstream' : 'upstream');

/** The leg of a plain failover from the plan's upstream: what every execution was before legs. */
export const alarmLeg: Leg = {
  action: 'failover',
  mode: 'ungraceful',
  trigger: 'alarm',
  from: 'upstream',
  to: 'downstream',
};

export const describeLeg = (leg: Leg): string =>
  leg.action === 'reprotect'
    ? `reprotect: ${leg.to} becomes the standby of ${leg.from}`
    : `${leg.mode} ${leg.trigger === 'alarm' ? 'failover' : 'switchover'} ${leg.from} -> ${leg.to}`;

/**
 * The Region a leg acts from, for a plan with `regions`: a failover's destination's (it never
 * needs the Region it leaves), a reprotect's serving side's (the one that acted the failover).
 */
export const legRegion = (plan: Pick<Plan, 'regions'>, leg: Leg): string | undefined =>
  actingRegion(plan, leg.action === 'failover' ? leg.to : leg.from);
