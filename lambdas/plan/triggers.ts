// What starts a plan's failover: CloudWatch alarms the plan references (they exist already) or
// defines (the stack creates them), optionally combined by a composite alarm so that one noisy
// signal alone starts nothing.
import * as z from 'zod';
import { excerpt } from './excerpt.js';
import { awsRegion } from './regions.js';
import type { Plan } from './schema.js';

/** CloudWatch's bound on an alarm name. */
const alarmName = z
  .string()
  .min(1, 'expected an alarm name, not an empty text')
  .max(255, 'expected at most 255 characters (a CloudWatch alarm name)');

const statistic = z
  .string()
  .regex(
    /^(Average|Minimum|Maximum|Sum|SampleCount|p(100|\d{1,2}(\.\d{1,2})?))$/,
    'expected Average, Minimum, Maximum, Sum, SampleCount or a percentile such as p99',
  )
  .describe('`Average`, `Minimum`, `Maximum`, `Sum`, `SampleCount` or a percentile such as `p99`.');

const periodSeconds = z
  .number()
  .int()
  .refine(
    (p) => p === 10 || p === 30 || (p >= 60 && p % 60 === 0),
    'expected 10, 30 or a multiple of 60 seconds',
  )
  .describe(
    'The length of one datapoint, as CloudWatch accepts it: 10 or 30 s (high-resolution metrics) or whole minutes.',
  );

const metricSchema = z
  .strictObject({
    namespace: z
      .string()
      .min(1)
      .max(255)
      .describe(
        "The metric's namespace, e.g. `ContainerInsights/Prometheus` (the CloudWatch agent's Prometheus scrape) or `AWS/Route53`.",
      ),
    name: z.string().min(1).max(255).describe("The metric's name."),
    dimensions: z
      .record(z.string().min(1).max(255), z.string().min(1).max(1024))
      .default({})
      .describe("The metric's dimensions: name to value."),
    statistic,
    periodSeconds,
  })
  .describe('The metric the alarm watches.');

const definedAlarmSchema = z
  .strictObject({
    metric: metricSchema,
    comparison: z
      .enum([
        'GreaterThanOrEqualToThreshold',
        'GreaterThanThreshold',
        'LessThanThreshold',
        'LessThanOrEqualToThreshold',
      ])
      .describe('How the statistic compares with `threshold` to breach.'),
    threshold: z.number().describe('The value the statistic is compared with.'),
    evaluationPeriods: z
      .number()
      .int()
      .min(1)
      .default(1)
      .describe(
        'How many of the latest periods the alarm evaluates; times `metric.periodSeconds`, at most one day.',
      ),
    datapointsToAlarm: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe(
        'How many of the evaluated periods must breach, at most `evaluationPeriods`; all of them when absent.',
      ),
    treatMissingData: z
      .enum(['breaching', 'notBreaching', 'ignore', 'missing'])
      .default('breaching')
      .describe(
        'How missing data counts. A silent upstream is a failing upstream, so it breaches unless the plan says otherwise.',
      ),
  })
  .refine((a) => a.datapointsToAlarm === undefined || a.datapointsToAlarm <= a.evaluationPeriods, {
    message: 'expected at most evaluationPeriods',
    path: ['datapointsToAlarm'],
  })
  .refine((a) => a.evaluationPeriods * a.metric.periodSeconds <= 86_400, {
    message: 'evaluationPeriods x metric.periodSeconds exceeds one day, the longest CloudWatch evaluates',
    path: ['evaluationPeriods'],
  });

const triggerAlarmSchema = z.strictObject({
  name: alarmName.describe('The alarm: an existing one, or the one `define` creates. Each is listed once.'),
  description: z
    .string()
    .max(1024)
    .optional()
    .describe('The description of the alarm the stack creates; by default it names the plan.'),
  region: awsRegion
    .optional()
    .describe(
      "Only in a plan with `regions`: the Region the alarm lives in, one of the two; the upstream's when absent. At least one trigger must be in the downstream's.",
    ),
  define: definedAlarmSchema
    .optional()
    .describe(
      'Present: the stack creates this metric alarm. Absent: the alarm exists and is only referenced.',
    ),
});

const compositeSchema = z.strictObject({
  name: alarmName.describe(
    'The composite alarm the stack creates: a name different from every alarm it combines.',
  ),
  description: z
    .string()
    .max(1024)
    .optional()
    .describe('Its description; by default it names the plan and the alarms it combines.'),
  atLeast: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe(
      'How many of `alarms` must be in ALARM together, at most all of them; all of them when absent.',
    ),
});

export const triggersSchema = z
  .strictObject({
    alarms: z
      .array(triggerAlarmSchema)
      .min(1, 'expected at least one alarm that triggers the failover')
      .describe(
        "CloudWatch alarms on the upstream's health; without `composite`, ALARM on any of them starts the workflow.",
      ),
    composite: compositeSchema
      .optional()
      .describe(
        'When present, only this composite alarm starts the workflow: ALARM once enough of `alarms` (at least two) agree.',
      ),
  })
  .superRefine((t, ctx) => {
    const seen = new Set<string>();
    t.alarms.forEach((a, i) => {
      if (seen.has(a.name))
        ctx.addIssue({
          code: 'custom',
          path: ['alarms', i, 'name'],
          message: `alarm ${excerpt(a.name)} is listed twice`,
        });
      seen.add(a.name);
    });
    if (!t.composite) return;
    if (t.alarms.length < 2)
      ctx.addIssue({
        code: 'custom',
        path: ['composite'],
        message: 'a composite alarm combines several signals: list at least two alarms',
      });
    if (seen.has(t.composite.name))
      ctx.addIssue({
        code: 'custom',
        path: ['composite', 'name'],
        message: 'expected a name different from every alarm it combines',
      });
    if (t.composite.atLeast !== undefined && t.composite.atLeast > t.alarms.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['composite', 'atLeast'],
        message: `expected at most the number of alarms (${t.alarms.length})`,
      });
    }
  });

export type Triggers = z.infer<typeof triggersSchema>;
export type TriggerAlarm = Triggers['alarms'][number];

/** The alarms whose ALARM state starts the workflow: the composite alone when there is one. */
export const triggerAlarmNames = (plan: Plan): string[] =>
  plan.triggers.composite ? [plan.triggers.composite.name] : plan.triggers.alarms.map((a) => a.name);

/** Every alarm the plan names: what the workflow may re-read, and what a drill may fire. */
export const planAlarmNames = (plan: Plan): string[] => [
  ...plan.triggers.alarms.map((a) => a.name),
  ...(plan.triggers.composite ? [plan.triggers.composite.name] : []),
];
