// The plan: one YAML file per protected service. The same file drives `cdk deploy`, the
// workflow input and the CLI, so this schema is the single definition of what a plan may say.
import { z } from 'zod';
import { approverSchema } from '../approvals/approvers.js';
import { rabbitmqShovelPlanSchema } from '../engines/rabbitmq-shovel/plan.js';
import { rabbitmqStandbyPlanSchema } from '../engines/rabbitmq-standby/plan.js';
import { rocketmqControllerPlanSchema } from '../engines/rocketmq-controller/plan.js';
import { triggersSchema } from './triggers.js';

/**
 * Size bounds. The plan travels whole in every workflow state and task input, which Step
 * Functions limits to 256 KiB (with the alarm event, the other steps' results and the report),
 * so the largest plan the schema allows must stay far below that. Generous for any real
 * service; test/workflow/largest-plan.test.ts runs the largest plan of each engine through the
 * workflow and measures every state.
 */
export const planBounds = {
  descriptionChars: 1024,
  /** EKS allows 100. */
  eksClusterNameChars: 100,
  regionChars: 32,
  /** A kubeconfig context name. */
  contextChars: 253,
  dnsRecords: 10,
  /** A DNS name, or an address. */
  dnsValueChars: 253,
  alarms: 5,
  /** Per defined alarm's metric (CloudWatch allows 30). */
  dimensions: 5,
  approvers: 20,
  /** An IAM role ARN with a path fits; `user:`/`group:` entries are at most 134. */
  approverChars: 512,
} as const;

/** The message of a bound: the limit, and what to do about it. */
const tooMany = (max: number, what: string, instead: string) => `expected at most ${max} ${what}; ${instead}`;
const tooLong = (max: number, what = 'characters') => `expected at most ${max} ${what}`;

const clusterAccessSchema = z
  .strictObject({
    /** In AWS: endpoint and CA from DescribeCluster, a bearer token from a presigned STS call. */
    eks: z.strictObject({
      name: z.string().min(1).max(planBounds.eksClusterNameChars, tooLong(planBounds.eksClusterNameChars, 'characters (an EKS cluster name)')),
      region: z.string().max(planBounds.regionChars, tooLong(planBounds.regionChars)).regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'expected an AWS region such as eu-west-1'),
    }).optional(),
    /** From a laptop (`failover check`, break-glass runs): a kubeconfig context. */
    context: z.string().min(1).max(planBounds.contextChars, tooLong(planBounds.contextChars)).optional(),
  })
  .refine((c) => c.eks !== undefined || c.context !== undefined, {
    message: 'expected `eks` (name and region) or a kubeconfig `context`, or both',
  });

const hostname = z
  .string()
  .max(253, tooLong(253, 'characters (the longest DNS name)'))
  .regex(/^(?=.{1,253}\.?$)([a-zA-Z0-9_]([-a-zA-Z0-9_]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}\.?$/, 'expected a fully qualified DNS name such as amqp.example.com');

const dnsRecordSchema = z
  .strictObject({
    name: hostname,
    type: z.enum(['CNAME', 'A', 'AAAA']).default('CNAME'),
    ttl: z.number().int().min(0).max(86400).default(60),
    /** Value while the upstream is active. */
    upstream: z.string().min(1).max(planBounds.dnsValueChars, tooLong(planBounds.dnsValueChars, 'characters (a DNS name or an address)')),
    /** Value after failover. */
    downstream: z.string().min(1).max(planBounds.dnsValueChars, tooLong(planBounds.dnsValueChars, 'characters (a DNS name or an address)')),
  })
  .refine((r) => r.upstream !== r.downstream, { message: 'upstream and downstream values are equal: the flip would change nothing', path: ['downstream'] });

/** One `engine:` schema per engine (lambdas/engines/<type>/plan.ts); adding an engine adds it here. */
const enginePlanSchemas = [rabbitmqStandbyPlanSchema, rabbitmqShovelPlanSchema, rocketmqControllerPlanSchema] as const;

const engineSchema = z.discriminatedUnion('type', enginePlanSchemas, {
  error: (issue) =>
    issue.code === 'invalid_union' ? `unknown engine type; expected one of: ${enginePlanSchemas.map((s) => s.shape.type.value).join(', ')}` : undefined,
});

export const planSchema = z.strictObject({
  /** Identifies the plan in alarms, locks, reports and resource names. */
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'expected 1-40 lowercase letters, digits and "-" (used in AWS resource names)'),
  description: z.string().max(planBounds.descriptionChars, tooLong(planBounds.descriptionChars, 'characters; keep the details in the service documentation')).optional(),
  engine: engineSchema,
  clusters: z.strictObject({ upstream: clusterAccessSchema, downstream: clusterAccessSchema }),
  dns: z.strictObject({
    hostedZoneId: z.string().regex(/^Z[A-Z0-9]{1,31}$/, 'expected a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ'),
    records: z
      .array(dnsRecordSchema)
      .min(1, 'expected at least one DNS record to flip')
      .max(planBounds.dnsRecords, tooMany(planBounds.dnsRecords, 'DNS records', 'point more names at these with CNAMEs, or split the service into several plans')),
    /** How long to wait for Route 53 to report INSYNC. */
    syncTimeoutSeconds: z.number().int().positive().default(300),
  }),
  /** CloudWatch alarms on the upstream's health, referenced or defined, optionally combined (plan/triggers.ts). */
  triggers: triggersSchema.superRefine((t, ctx) => {
    if (t.alarms.length > planBounds.alarms) {
      ctx.addIssue({ code: 'too_big', origin: 'array', maximum: planBounds.alarms, inclusive: true, path: ['alarms'], message: tooMany(planBounds.alarms, 'alarms', 'combine signals in one CloudWatch alarm (metric math, or a composite alarm of your own) and reference it') });
    }
    t.alarms.forEach((alarm, i) => {
      const count = Object.keys(alarm.define?.metric.dimensions ?? {}).length;
      if (count > planBounds.dimensions) {
        ctx.addIssue({ code: 'too_big', origin: 'object', maximum: planBounds.dimensions, inclusive: true, path: ['alarms', i, 'define', 'metric', 'dimensions'], message: tooMany(planBounds.dimensions, 'dimensions', 'define the alarm in CloudWatch and reference it by name') });
      }
    });
  }),
  /** Readiness checks only, on a schedule, long before any incident: a standby that would not be ready raises an alarm. */
  evaluation: z
    .strictObject({
      /** Also the alarm's look-back: it raises when an evaluation failed, or none ran, within two intervals. */
      everyMinutes: z.number().int().min(1).max(720).default(30),
    })
    .default({ everyMinutes: 30 }),
  thresholds: z
    .strictObject({
      /** RPO: the downstream may be at most this far behind the upstream. */
      maxReplicationLagSeconds: z.number().positive(),
      /** Wait this long after the alarm, then re-read it: a blip that cleared starts nothing. */
      settleSeconds: z.number().int().min(0).default(60),
      /** After a completed failover, alarms start nothing for this long (anti-flap); `failover ack` re-arms early. */
      cooldownMinutes: z.number().int().min(0).default(60),
    }),
  /** A planned switchover (an operator's, graceful): after the fence, how long the standby may take to hold everything. */
  switchover: z
    .strictObject({
      catchUpTimeoutSeconds: z.number().int().min(1).max(3600, 'expected at most 3600 s: a standby that needs longer is not in sync; fail over instead').default(300),
    })
    .default({ catchUpTimeoutSeconds: 300 }),
  fencing: z
    .strictObject({
      /**
       * When the old upstream cannot be reached to fence it: `halt` (default) stops before
       * promotion; `proceed` allows an ungraceful failover (the report says the fence was not
       * verified). An approver may also allow it for one failover.
       */
      whenUnreachable: z.enum(['halt', 'proceed']).default('halt'),
    })
    .default({ whenUnreachable: 'halt' }),
  gate: z
    .strictObject({
      /**
       * `always`: a person approves every failover of a ready standby. `never`: fully automatic.
       * `on-risk`: automatic when every readiness check passes; when any fails (e.g. lag beyond
       * the RPO bound) a person decides, and approving records the accepted risk. A failing
       * check halts the failover under `always` and `never`.
       */
      approval: z.enum(['always', 'never', 'on-risk']).default('always'),
      /** The workflow waits this long for a decision; the console, the CLI and the ASL's AwaitApproval share it. */
      timeoutMinutes: z.number().int().positive().default(30),
      /**
       * `abort` only: no decision means nobody looked, and proceeding would make the gate (and under
       * `on-risk`, the RPO bound) meaningless. A plan that should fail over unattended says `never`.
       */
      onTimeout: z.enum(['abort']).default('abort'),
      /** Who may decide (lambdas/approvals/approvers.ts); a deployed gated plan needs at least one. */
      approvers: z
        .array(approverSchema.max(planBounds.approverChars, tooLong(planBounds.approverChars, 'characters (an IAM ARN with a shorter path, or a console group, fits)')))
        .max(planBounds.approvers, tooMany(planBounds.approvers, 'approvers', 'name a console group (group:NAME) instead of each person'))
        .default([]),
    })
    .default({ approval: 'always', timeoutMinutes: 30, onTimeout: 'abort', approvers: [] }),
});

export type Plan = z.infer<typeof planSchema>;
export type PlanInput = z.input<typeof planSchema>;
export type EnginePlan = Plan['engine'];
export type Side = 'upstream' | 'downstream';
