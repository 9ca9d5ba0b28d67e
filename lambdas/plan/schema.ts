// The plan: one YAML file per protected service. The same file drives `cdk deploy`, the
// workflow input and the CLI, so this schema is the single definition of what a plan may say.
import { z } from 'zod';
import { approverSchema } from '../approvals/approvers.js';
import { rabbitmqShovelPlanSchema } from '../engines/rabbitmq-shovel/plan.js';
import { rabbitmqStandbyPlanSchema } from '../engines/rabbitmq-standby/plan.js';
import { rocketmqControllerPlanSchema } from '../engines/rocketmq-controller/plan.js';
import { triggersSchema } from './triggers.js';

const clusterAccessSchema = z
  .strictObject({
    /** In AWS: endpoint and CA from DescribeCluster, a bearer token from a presigned STS call. */
    eks: z.strictObject({ name: z.string().min(1), region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'expected an AWS region such as eu-west-1') }).optional(),
    /** From a laptop (`failover check`, break-glass runs): a kubeconfig context. */
    context: z.string().min(1).optional(),
  })
  .refine((c) => c.eks !== undefined || c.context !== undefined, {
    message: 'expected `eks` (name and region) or a kubeconfig `context`, or both',
  });

const hostname = z
  .string()
  .regex(/^(?=.{1,253}\.?$)([a-zA-Z0-9_]([-a-zA-Z0-9_]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}\.?$/, 'expected a fully qualified DNS name such as amqp.example.com');

const dnsRecordSchema = z
  .strictObject({
    name: hostname,
    type: z.enum(['CNAME', 'A', 'AAAA']).default('CNAME'),
    ttl: z.number().int().min(0).max(86400).default(60),
    /** Value while the upstream is active. */
    upstream: z.string().min(1),
    /** Value after failover. */
    downstream: z.string().min(1),
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
  description: z.string().optional(),
  engine: engineSchema,
  clusters: z.strictObject({ upstream: clusterAccessSchema, downstream: clusterAccessSchema }),
  dns: z.strictObject({
    hostedZoneId: z.string().regex(/^Z[A-Z0-9]{1,31}$/, 'expected a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ'),
    records: z.array(dnsRecordSchema).min(1, 'expected at least one DNS record to flip'),
    /** How long to wait for Route 53 to report INSYNC. */
    syncTimeoutSeconds: z.number().int().positive().default(300),
  }),
  /** CloudWatch alarms on the upstream's health, referenced or defined, optionally combined (plan/triggers.ts). */
  triggers: triggersSchema,
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
      approvers: z.array(approverSchema).default([]),
    })
    .default({ approval: 'always', timeoutMinutes: 30, onTimeout: 'abort', approvers: [] }),
});

export type Plan = z.infer<typeof planSchema>;
export type PlanInput = z.input<typeof planSchema>;
export type EnginePlan = Plan['engine'];
export type Side = 'upstream' | 'downstream';
