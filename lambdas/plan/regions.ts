// Where a plan's orchestrator acts. A plan that names `regions` is deployed with an orchestrator in
// each side's AWS Region (infra/app.ts), and each leg acts from the Region of the side it moves
// to: a failover to the downstream from the downstream's Region, so that it never needs the
// Region it is leaving. Its trigger alarms say which Region they live in; at least one must be in
// the downstream's, on the upstream's health as seen from there: an alarm in the upstream's Region
// cannot fire once that Region is lost.
import * as z from 'zod';
import { AWS_REGION } from './names.js';
import type { Plan, Side } from './schema.js';
import type { TriggerAlarm } from './triggers.js';

export const awsRegion = z
  .string()
  .max(32, 'expected at most 32 characters (an AWS Region)')
  .regex(AWS_REGION, 'expected an AWS Region such as eu-west-1');

export const regionsSchema = z
  .strictObject({
    upstream: awsRegion.describe("The upstream's AWS Region: a failback to the upstream acts from here."),
    downstream: awsRegion.describe(
      "The downstream's AWS Region: the failover acts from here, and at least one trigger alarm lives here.",
    ),
  })
  .refine((r) => r.upstream !== r.downstream, {
    message: 'expected two different Regions: a plan in one Region leaves `regions` out',
  })
  .describe(
    'The AWS Regions of the two sides, each with an orchestrator (`cdk deploy` with `--context regions=...`): a leg acts from the Region of the side it moves to, so a failover never needs the Region it leaves. Absent: the plan runs in the one Region it is deployed to.',
  );

export type PlanRegions = z.infer<typeof regionsSchema>;

/** The Region a leg moving the service to `to` acts from; undefined for a plan of one Region. */
export const actingRegion = (plan: Pick<Plan, 'regions'>, to: Side): string | undefined => plan.regions?.[to];

/** The Region an alarm lives in: its own `region`, else the upstream's (where its metrics are). */
export const alarmRegion = (plan: Pick<Plan, 'regions'>, alarm: Pick<TriggerAlarm, 'region'>) =>
  alarm.region ?? plan.regions?.upstream;

/**
 * The Region of the plan's triggering alarm of this name: a composite lives where the alarms it
 * combines do. Undefined for a plan of one Region, or a name that is not the plan's.
 */
export const triggerRegion = (plan: Pick<Plan, 'regions' | 'triggers'>, alarmName: string) => {
  const { alarms, composite } = plan.triggers;
  const alarm = composite?.name === alarmName ? alarms[0] : alarms.find((a) => a.name === alarmName);
  return alarm && alarmRegion(plan, alarm);
};

/**
 * A plan's alarms against its Regions: a `region` only where the plan names `regions`, one of the
 * two; a composite's alarms in one Region (CloudWatch combines alarms of its own Region); and some
 * trigger in the downstream's Region.
 */
export const checkAlarmRegions = (plan: Pick<Plan, 'regions' | 'triggers'>, ctx: z.RefinementCtx): void => {
  const { regions, triggers } = plan;
  triggers.alarms.forEach((alarm, i) => {
    if (alarm.region === undefined) return;
    if (!regions)
      ctx.addIssue({
        code: 'custom',
        path: ['triggers', 'alarms', i, 'region'],
        message:
          'a plan of one Region has its alarms there: name both sides in `regions`, or leave `region` out',
      });
    else if (alarm.region !== regions.upstream && alarm.region !== regions.downstream)
      ctx.addIssue({
        code: 'custom',
        path: ['triggers', 'alarms', i, 'region'],
        message: `expected one of the plan's Regions (${regions.upstream}, ${regions.downstream}): the orchestrator is deployed only there`,
      });
  });
  if (!regions) return;
  const where = new Set(triggers.alarms.map((a) => alarmRegion(plan, a)));
  if (triggers.composite && where.size > 1)
    ctx.addIssue({
      code: 'custom',
      path: ['triggers', 'composite'],
      message: `combines alarms of ${[...where].join(' and ')}: CloudWatch combines alarms of one Region; put them all in ${regions.downstream}, or drop the composite`,
    });
  else if (!where.has(regions.downstream))
    ctx.addIssue({
      code: 'custom',
      path: ['triggers', 'alarms'],
      message: `no alarm in ${regions.downstream} (regions.downstream): alarms in ${regions.upstream} cannot fire once that Region is lost; add one there on the upstream's health as seen from outside (e.g. a canary's metric), with \`region: ${regions.downstream}\``,
    });
};
