// The plan: one YAML file per protected service. The same file drives `cdk deploy`, the
// workflow input and the CLI, so this schema is the single definition of what a plan may say.
import * as z from 'zod';
import { APPROVER_EXPECTED, isApproverEntry } from '../approvals/approvers.js';
import { engineCatalog } from '../engines/catalog.js';
import { LEASE_MARGIN_MS, MAX_LEASE_MS } from '../steps/lease.js';
import { quoted } from './excerpt.js';
import { argumentText, AWS_REGION, dnsKey, hostname, isHostname, isIpv4, isIpv6 } from './names.js';
import { planSizeProblem } from './plan-size.js';
import { checkAlarmRegions, regionsSchema } from './regions.js';
import { workflowWaitSeconds } from './step-waits.js';
import { trafficSwitchSchema } from './traffic-switch.js';
import { triggersSchema } from './triggers.js';

/**
 * Size bounds of the fields. A whole plan has a bound of its own too (plan-size.ts), which no sum
 * of field bounds generous for a real service would guarantee. The workflow's states carry the
 * plan's name and hash only, but the steps' results that describe the plan's resources travel in
 * them, which Step Functions limits to 256 KiB (with the alarm event and the report):
 * test/workflow/largest-plan.test.ts checks every field's bound and runs the largest valid plan of
 * each engine through the workflow, measuring every state.
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
  /** An RPO beyond a day is no bound. */
  maxReplicationLagSeconds: 86_400,
  /** An alarm that has not cleared within an hour is an outage. */
  settleSeconds: 3600,
  /** A week. */
  cooldownMinutes: 10_080,
} as const;

/**
 * The plan's lock is leased for the gate's wait plus a margin for the workflow's retries, and no
 * lease reaches past MAX_LEASE_MS (steps/lease.ts): a longer wait would let the lock lapse while
 * a person may still approve, and another run take the plan.
 */
const maxGateMinutes = Math.floor((MAX_LEASE_MS - LEASE_MARGIN_MS) / 60_000);

/** The message of a bound: the limit, and what to do about it. */
const tooMany = (max: number, what: string, instead: string) => `expected at most ${max} ${what}; ${instead}`;
const tooLong = (max: number, what = 'characters') => `expected at most ${max} ${what}`;

const clusterAccessSchema = z
  .strictObject({
    eks: z
      .strictObject({
        name: z
          .string()
          .max(
            planBounds.eksClusterNameChars,
            tooLong(planBounds.eksClusterNameChars, 'characters (an EKS cluster name)'),
          )
          .regex(
            /^[0-9A-Za-z][A-Za-z0-9_-]*$/,
            'expected an EKS cluster name: letters, digits, "-" and "_", starting with a letter or digit',
          )
          .describe('The EKS cluster name: letters, digits, `-` and `_`, starting with a letter or digit.'),
        region: z
          .string()
          .max(planBounds.regionChars, tooLong(planBounds.regionChars))
          .regex(AWS_REGION, 'expected an AWS region such as eu-west-1')
          .describe('Its AWS region, e.g. `eu-west-1`.'),
      })
      .optional()
      .describe(
        'In AWS (deployed): the endpoint and CA come from DescribeCluster, a bearer token from a presigned STS call.',
      ),
    context: argumentText(planBounds.contextChars, 'a kubeconfig context')
      .optional()
      .describe('From a laptop (`failover check`, a drill, break-glass runs): a kubeconfig context.'),
  })
  .refine((c) => c.eks !== undefined || c.context !== undefined, {
    message: 'expected `eks` (name and region) or a kubeconfig `context`, or both',
  });

const recordType = z.enum(['CNAME', 'A', 'AAAA']);
type RecordType = z.infer<typeof recordType>;

/** What Route 53 accepts as a record's value, by type. */
const recordValues: Record<RecordType, { accepts: (value: string) => boolean; expected: string }> = {
  CNAME: {
    accepts: isHostname,
    expected: "a fully qualified DNS name such as amqp.example.com (a CNAME record's value)",
  },
  A: { accepts: isIpv4, expected: "an IPv4 address such as 192.0.2.10 (an A record's value)" },
  AAAA: { accepts: isIpv6, expected: "an IPv6 address such as 2001:db8::10 (an AAAA record's value)" },
};

const recordValue = z
  .string()
  .min(1)
  .max(planBounds.dnsValueChars, tooLong(planBounds.dnsValueChars, 'characters (a DNS name or an address)'));

const dnsRecordSchema = z
  .strictObject({
    name: hostname.describe("The record's fully qualified DNS name, e.g. `amqp.example.com`."),
    type: recordType
      .default('CNAME')
      .describe(
        'The record type, which its values must match: a DNS name for CNAME, an IPv4 address for A, an IPv6 address for AAAA.',
      ),
    ttl: z
      .number()
      .int()
      .min(0)
      .max(86400)
      .default(60)
      .describe('How long, in seconds, resolvers may cache the record.'),
    upstream: recordValue.describe("The record's value while the upstream is active."),
    downstream: recordValue.describe(
      "The record's value after failover; it must differ from `upstream` by more than case or a trailing dot.",
    ),
  })
  .superRefine((r, ctx) => {
    const { accepts, expected } = recordValues[r.type];
    const sides = (['upstream', 'downstream'] as const).filter((side) => {
      if (accepts(r[side])) return true;
      ctx.addIssue({ code: 'custom', path: [side], message: `got ${quoted(r[side])}; expected ${expected}` });
      return false;
    });
    if (sides.length < 2) return;
    // DNS compares names ignoring case and the root's dot: a "different" value that is not would flip nothing.
    if (dnsKey(r.upstream) === dnsKey(r.downstream)) {
      const how = r.upstream === r.downstream ? 'equal' : 'the same but for case or a trailing dot';
      ctx.addIssue({
        code: 'custom',
        path: ['downstream'],
        message: `upstream and downstream values are ${how}: the flip would change nothing`,
      });
    }
    if (r.type === 'CNAME' && [r.upstream, r.downstream].some((v) => dnsKey(v) === dnsKey(r.name))) {
      ctx.addIssue({
        code: 'custom',
        path: ['name'],
        message: 'a CNAME record cannot point at its own name',
      });
    }
  });

/**
 * Every record is set in one change batch, which Route 53 refuses whole when it sets a name and
 * type twice, or a CNAME beside any other record of its name.
 */
const checkRecordSet = (records: Array<{ name: string; type: RecordType }>, ctx: z.RefinementCtx) => {
  const types = new Map<string, RecordType[]>();
  records.forEach((record, i) => {
    const key = dnsKey(record.name);
    const seen = types.get(key) ?? [];
    if (seen.includes(record.type)) {
      ctx.addIssue({
        code: 'custom',
        path: ['records', i, 'name'],
        message: `${record.type} ${quoted(record.name)} is listed twice (names compare ignoring case and a trailing dot)`,
      });
    } else if (seen.length > 0 && (record.type === 'CNAME' || seen.includes('CNAME'))) {
      ctx.addIssue({
        code: 'custom',
        path: ['records', i, 'name'],
        message: `${quoted(record.name)} has a CNAME record and another record: DNS allows nothing beside a CNAME`,
      });
    }
    types.set(key, [...seen, record.type]);
  });
};

type PlanSchemasOf<C extends readonly { planSchema: unknown }[]> = {
  -readonly [K in keyof C]: C[K]['planSchema'];
};
/** One `engine:` schema per engine of the catalog (lambdas/engines/catalog.ts), as a tuple for the union. */
const enginePlanSchemas = engineCatalog.map((e) => e.planSchema) as unknown as PlanSchemasOf<
  typeof engineCatalog
>;

const engineSchema = z
  .discriminatedUnion('type', enginePlanSchemas, {
    error: (issue) =>
      issue.code === 'invalid_union'
        ? `unknown engine type; expected one of: ${enginePlanSchemas.map((s) => s.shape.type.value).join(', ')}`
        : undefined,
  })
  .describe('The system failed over and how: `type` picks the engine, whose fields are in its own table.');

/** Every field with its own bounds; planSchema adds what concerns the plan as a whole. */
export const planFieldsSchema = z.strictObject({
  name: z
    .string()
    .regex(
      /^[a-z0-9][a-z0-9-]{0,39}$/,
      'expected 1-40 lowercase letters, digits and "-" (used in AWS resource names)',
    )
    .describe(
      'Identifies the plan in alarms, locks, reports and AWS resource names: 1–40 lowercase letters, digits and `-`.',
    ),
  description: z
    .string()
    .max(
      planBounds.descriptionChars,
      tooLong(planBounds.descriptionChars, 'characters; keep the details in the service documentation'),
    )
    .optional()
    .describe('What the plan protects, in a sentence; the details belong in the service documentation.'),
  engine: engineSchema,
  clusters: z
    .strictObject({
      upstream: clusterAccessSchema.describe(
        'The Kubernetes cluster that serves before the failover: `eks` (deployed) and/or a kubeconfig `context`.',
      ),
      downstream: clusterAccessSchema.describe(
        "The standby's Kubernetes cluster, which serves after the failover: `eks` and/or `context`. It may not name the upstream's (compared ignoring case), except for `rocketmq-controller`, whose sites share one cluster.",
      ),
    })
    .describe("How the orchestrator reaches each side's Kubernetes cluster."),
  dns: z
    .strictObject({
      hostedZoneId: z
        .string()
        .regex(/^Z[A-Z0-9]{1,31}$/, 'expected a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ')
        .describe('The Route 53 hosted zone of the records, e.g. `Z0123456789ABCDEFGHIJ`.'),
      records: z
        .array(dnsRecordSchema)
        .min(1, 'expected at least one DNS record to flip')
        .max(
          planBounds.dnsRecords,
          tooMany(
            planBounds.dnsRecords,
            'DNS records',
            'point more names at these with CNAMEs, or split the service into several plans',
          ),
        )
        .describe(
          'The records the failover flips, in one change batch: a name and type at most once, and nothing beside a CNAME of the same name.',
        ),
      switch: trafficSwitchSchema,
      syncTimeoutSeconds: workflowWaitSeconds()
        .default(300)
        .describe(
          "How long the flip waits for its change to show: Route 53 reporting the change INSYNC (`records`), or the zone's name servers answering the downstream (`routing-controls`); the workflow waits between looks.",
        ),
    })
    .superRefine((dns, ctx) => checkRecordSet(dns.records, ctx))
    .describe(
      'Where clients find the service: the Route 53 records that point at the upstream, then at the downstream.',
    ),
  regions: regionsSchema.optional(),
  triggers: triggersSchema
    .superRefine((t, ctx) => {
      if (t.alarms.length > planBounds.alarms) {
        ctx.addIssue({
          code: 'too_big',
          origin: 'array',
          maximum: planBounds.alarms,
          inclusive: true,
          path: ['alarms'],
          message: tooMany(
            planBounds.alarms,
            'alarms',
            'combine signals in one CloudWatch alarm (metric math, or a composite alarm of your own) and reference it',
          ),
        });
      }
      t.alarms.forEach((alarm, i) => {
        const count = Object.keys(alarm.define?.metric.dimensions ?? {}).length;
        if (count > planBounds.dimensions) {
          ctx.addIssue({
            code: 'too_big',
            origin: 'object',
            maximum: planBounds.dimensions,
            inclusive: true,
            path: ['alarms', i, 'define', 'metric', 'dimensions'],
            message: tooMany(
              planBounds.dimensions,
              'dimensions',
              'define the alarm in CloudWatch and reference it by name',
            ),
          });
        }
      });
    })
    .describe(
      `What starts a failover: CloudWatch alarms on the upstream's health, referenced or defined (at most ${planBounds.alarms}, with at most ${planBounds.dimensions} metric dimensions each), optionally combined.`,
    ),
  evaluation: z
    .strictObject({
      everyMinutes: z
        .number()
        .int()
        .min(1)
        .max(720)
        .default(30)
        .describe(
          "How often readiness is checked; also the alarm's look-back: it raises when an evaluation failed, or none ran, within two intervals.",
        ),
    })
    .default({ everyMinutes: 30 })
    .describe(
      'Readiness checks only, on a schedule, long before any incident: a standby that would not be ready raises an alarm.',
    ),
  thresholds: z
    .strictObject({
      maxReplicationLagSeconds: z
        .number()
        .positive()
        .max(planBounds.maxReplicationLagSeconds, tooLong(planBounds.maxReplicationLagSeconds, 's (a day)'))
        .describe(
          'The RPO bound: readiness fails when the downstream is further behind the upstream than this.',
        ),
      settleSeconds: z
        .number()
        .int()
        .min(0)
        .max(
          planBounds.settleSeconds,
          tooLong(planBounds.settleSeconds, 's: an alarm that has not cleared within an hour is an outage'),
        )
        .default(60)
        .describe('Wait this long after the alarm, then re-read it: a blip that cleared starts nothing.'),
      cooldownMinutes: z
        .number()
        .int()
        .min(0)
        .max(
          planBounds.cooldownMinutes,
          tooLong(planBounds.cooldownMinutes, 'minutes (a week); `failover ack` re-arms a plan'),
        )
        .default(60)
        .describe(
          'After a completed failover, alarms start nothing for this long (anti-flap); `failover ack` re-arms the plan early.',
        ),
    })
    .describe('The bounds that decide whether, and when, a failover starts.'),
  switchover: z
    .strictObject({
      catchUpTimeoutSeconds: z
        .number()
        .int()
        .min(1)
        .max(3600, 'expected at most 3600 s: a standby that needs longer is not in sync; fail over instead')
        .default(300)
        .describe(
          'After the fence, how long the standby may take to hold everything the upstream had; then the switchover halts with the fence lifted.',
        ),
    })
    .default({ catchUpTimeoutSeconds: 300 })
    .describe("A planned switchover: an operator's, graceful, with nothing lost."),
  fencing: z
    .strictObject({
      whenUnreachable: z
        .enum(['halt', 'proceed'])
        .default('halt')
        .describe(
          'When the old upstream cannot be reached to fence it: `halt` stops before promotion; `proceed` allows an ungraceful failover (the report says the fence was not verified). An approver may also allow it for one failover.',
        ),
    })
    .default({ whenUnreachable: 'halt' })
    .describe('Fencing the old upstream, so that no client writes where nobody will read.'),
  gate: z
    .strictObject({
      approval: z
        .enum(['always', 'never', 'on-risk'])
        .default('always')
        .describe(
          '`always`: a person approves every failover of a ready standby. `never`: fully automatic. `on-risk`: automatic when every readiness check passes; when any fails (e.g. lag beyond the RPO bound) a person decides, and approving records the accepted risk. A failing check halts the failover under `always` and `never`.',
        ),
      timeoutMinutes: z
        .number()
        .int()
        .positive()
        .max(
          maxGateMinutes,
          tooLong(
            maxGateMinutes,
            "minutes: the plan's lock, which no lease holds longer, must outlast the wait",
          ),
        )
        .default(30)
        .describe(
          "How long the workflow waits for a decision (the console, the CLI and the ASL's AwaitApproval share it); at most what the plan's lock lease covers.",
        ),
      onTimeout: z
        .enum(['abort'])
        .default('abort')
        .describe(
          '`abort` only: no decision means nobody looked, and proceeding would make the gate (and under `on-risk`, the RPO bound) meaningless. A plan that should fail over unattended says `never`.',
        ),
      approvers: z
        .array(
          z
            .string()
            .refine(isApproverEntry, { message: APPROVER_EXPECTED })
            .max(
              planBounds.approverChars,
              tooLong(
                planBounds.approverChars,
                'characters (an IAM ARN with a shorter path, or a console group, fits)',
              ),
            ),
        )
        .max(
          planBounds.approvers,
          tooMany(
            planBounds.approvers,
            'approvers',
            'name a console group (group:NAME) instead of each person',
          ),
        )
        .default([])
        .describe(
          'Who may decide: `group:NAME` (any member of a console group), `user:NAME` (a console user), or an IAM role or user ARN (any session of the role, through the CLI). A deployed gated plan needs at least one.',
        ),
    })
    .default({ approval: 'always', timeoutMinutes: 30, onTimeout: 'abort', approvers: [] })
    .describe('Whether a person decides before the failover (see "Approvals").'),
});

/**
 * Engines whose two sides are one Kubernetes cluster whose nodes span the sites
 * (rocketmq-controller): there `clusters.upstream` and `clusters.downstream` may name it twice.
 */
const oneClusterEngines: ReadonlySet<string> = new Set(
  engineCatalog.flatMap((e) => ('sitesShareOneCluster' in e ? [e.planSchema.shape.type.value] : [])),
);

type Fields = z.output<typeof planFieldsSchema>;

/** Two sides that name the same cluster, but for case, would fail over onto themselves. */
const checkTwoClusters = ({ engine, clusters: { upstream, downstream } }: Fields, ctx: z.RefinementCtx) => {
  if (oneClusterEngines.has(engine.type)) return;
  const same = (a?: string, b?: string) =>
    a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
  if (
    upstream.eks &&
    downstream.eks &&
    same(upstream.eks.name, downstream.eks.name) &&
    same(upstream.eks.region, downstream.eks.region)
  ) {
    ctx.addIssue({
      code: 'custom',
      path: ['clusters', 'downstream', 'eks'],
      message: `names the upstream's EKS cluster (${quoted(upstream.eks.name)} in ${upstream.eks.region}): expected the standby's own cluster`,
    });
  }
  if (same(upstream.context, downstream.context)) {
    ctx.addIssue({
      code: 'custom',
      path: ['clusters', 'downstream', 'context'],
      message: `names the upstream's kubeconfig context ${quoted(upstream.context!)} (compared ignoring case): expected the standby's own cluster`,
    });
  }
};

export const planSchema = planFieldsSchema
  .superRefine((plan, ctx) => {
    checkTwoClusters(plan, ctx);
    checkAlarmRegions(plan, ctx);
    // The size of a plan with problems in its fields says nothing yet.
    if (ctx.issues.length > 0) return;
    const tooLarge = planSizeProblem(plan);
    if (tooLarge) ctx.addIssue({ code: 'custom', path: [], message: tooLarge });
  })
  .describe(
    'A failover plan: one YAML file per protected service, which drives `cdk deploy`, the workflow input and the CLI.',
  );

export type Plan = z.infer<typeof planSchema>;
export type PlanInput = z.input<typeof planSchema>;
export type EnginePlan = Plan['engine'];
export type Side = 'upstream' | 'downstream';
