// The `engine:` block of a plan protecting an open-source RabbitMQ cluster replicated with
// dynamic shovels: which RabbitmqCluster is upstream and
// downstream, the shovels that copy messages between them, and how long the backlog may take
// to drain once the upstream is fenced. The shovels run on the downstream (the DR site pulls
// from the upstream), so they survive the loss of the upstream's site. `reverse` names the
// shovels of the other direction, which reprotect defines on the upstream once the downstream
// serves (defaults: the same names, vhosts and queues).
import * as z from 'zod';
import { excerpt, quoted } from '../../plan/excerpt.js';
import { argumentText, kubernetesLabel, kubernetesName, nameBounds } from '../../plan/names.js';
import type { Plan, Side } from '../../plan/schema.js';
import { workflowWaitSeconds } from '../../plan/step-waits.js';

/** Size bounds (see planBounds in lambdas/plan/schema.ts: the plan travels in every workflow state). */
export const rabbitmqShovelBounds = {
  nameChars: nameBounds.kubernetesNameChars,
  labelChars: nameBounds.kubernetesLabelChars,
  shovels: 32,
  /** AMQP's limit for a short string: vhost and user names; shovel names alike. */
  amqpNameChars: 255,
  /** `amqps://` + a DNS name (253) + `:65535`. */
  amqpUriChars: 270,
  maxBacklogMessages: 1_000_000_000,
} as const;

const k8sName = kubernetesName('a Kubernetes name');
const namespace = kubernetesLabel('a namespace');
/** rabbitmqctl takes these as arguments (`clear_parameter shovel NAME`, `-p VHOST`). */
const amqpName = (what: string) => argumentText(rabbitmqShovelBounds.amqpNameChars, what);

const AMQP_URI = /^amqps?:\/\/(\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9][a-zA-Z0-9.-]*)(:(\d{1,5}))?$/;
/** A URI without a port, or one that is no URI at all (the pattern says so), passes. */
const portInRange = (uri: string): boolean => {
  const port = AMQP_URI.exec(uri)?.[3];
  return port === undefined || (Number(port) >= 1 && Number(port) <= 65535);
};

const shovelSchema = z.strictObject({
  name: amqpName('a shovel name').describe(
    "The shovel's name in RabbitMQ (`shovel_status`, `clear_parameter shovel NAME`).",
  ),
  vhost: amqpName('a vhost name').describe('Its vhost; a name and vhost are listed once.'),
  declaredBy: z
    .enum(['topology-operator', 'parameter'])
    .default('parameter')
    .describe(
      '`parameter`: a dynamic shovel set with `rabbitmqctl set_parameter shovel`. `topology-operator`: a `Shovel` resource (`rabbitmq.com/v1beta1`, Messaging Topology Operator) in the downstream namespace declares it, and only deleting that resource removes it for good (the operator puts back what it still declares).',
    ),
  resource: k8sName
    .optional()
    .describe(
      "The `Shovel` resource's name, when it is not the shovel's name (required when that is no Kubernetes name).",
    ),
  queue: amqpName('a queue name')
    .optional()
    .describe(
      "The queue it moves, named the same on both clusters; default: the shovel's name. Reprotect defines the shovels with it (the definitions it would copy are gone by then).",
    ),
});

const siteSchema = z.strictObject({
  namespace: namespace.describe("The RabbitmqCluster's namespace."),
  rabbitmqCluster: k8sName.describe(
    'The RabbitmqCluster (Cluster Operator: its pods are labelled `app.kubernetes.io/name=<cluster>`).',
  ),
  amqpUri: z
    .string()
    .max(
      rabbitmqShovelBounds.amqpUriChars,
      `expected at most ${rabbitmqShovelBounds.amqpUriChars} characters (an AMQP URI)`,
    )
    .regex(AMQP_URI, 'expected amqp://HOST:PORT or amqps://HOST:PORT, without credentials or vhost')
    .refine(portInRange, 'expected a port of 1-65535')
    .optional()
    .describe(
      "Where the other cluster's shovels reach this one's AMQP listener: `amqp[s]://HOST:PORT`, no credentials or vhost, not the other side's. Default: `amqp://` + this side's value of the plan's first DNS record + `:5672`.",
    ),
});

const shovelListSchema = z
  .array(shovelSchema)
  .min(1, 'expected at least one shovel to fail over')
  .max(
    rabbitmqShovelBounds.shovels,
    `expected at most ${rabbitmqShovelBounds.shovels} shovels; split the service into several plans`,
  );

/** Four minutes: a fenced upstream's backlog moves in seconds while the shovels run. */
const defaultDrainSeconds = 240;

export const rabbitmqShovelPlanSchema = z
  .strictObject({
    type: z.literal('rabbitmq-shovel').describe('Open-source RabbitMQ replicated with dynamic shovels.'),
    upstream: siteSchema.describe(
      'The production cluster, which serves before the failover; the shovels pull from it.',
    ),
    downstream: siteSchema.describe(
      'The DR cluster: where the shovels run and where clients go after the failover.',
    ),
    container: kubernetesLabel('a container name')
      .default('rabbitmq')
      .describe('The container that runs rabbitmqctl in the server pods of both clusters.'),
    shovelUser: amqpName('a user name').describe(
      "The user the shovels connect to the upstream as. The fence closes every other connection and refuses new ones, but leaves the shovels' own open so the backlog can drain.",
    ),
    shovels: shovelListSchema.describe(
      "The shovels that copy the upstream's queues to the downstream, running on the downstream.",
    ),
    reverse: z
      .strictObject({
        shovelUser: amqpName('a user name')
          .optional()
          .describe(
            'The user they log in to the downstream with; default: `shovelUser`. Reprotect creates it there, or sets a new password, whenever it defines a shovel: a user only these shovels use.',
          ),
        shovels: shovelListSchema
          .optional()
          .describe(
            'The shovels of this direction; default: one per shovel above, with its name, vhost and queue, declared by `parameter`.',
          ),
      })
      .optional()
      .describe(
        'The other direction, downstream -> upstream: the shovels reprotect defines on the upstream once the downstream serves, and that a failback drains and removes.',
      ),
    maxBacklogMessages: z
      .number()
      .int()
      .min(0)
      .max(
        rabbitmqShovelBounds.maxBacklogMessages,
        `expected at most ${rabbitmqShovelBounds.maxBacklogMessages} messages`,
      )
      .default(100_000)
      .describe("Messages still in the upstream's shovelled queues beyond this fail readiness."),
    drain: z
      .strictObject({
        timeoutSeconds: workflowWaitSeconds()
          .default(defaultDrainSeconds)
          .describe(
            "After the fence, how long the shovels get to move the backlog before promotion gives up, from promotion's first look at it (the workflow waits between looks).",
          ),
      })
      .default({ timeoutSeconds: defaultDrainSeconds })
      .describe('Draining the backlog at promotion.'),
  })
  .superRefine((engine, ctx) => {
    const check = (shovels: Array<z.infer<typeof shovelSchema>>, path: Array<string | number>) => {
      shovels.forEach((shovel, i) => {
        if (
          shovel.declaredBy === 'topology-operator' &&
          shovel.resource === undefined &&
          !k8sName.safeParse(shovel.name).success
        ) {
          ctx.addIssue({
            code: 'custom',
            path: [...path, i, 'resource'],
            message: `${quoted(shovel.name)} is not a Kubernetes name: give the Shovel resource's name`,
          });
        }
      });
      const seen = new Set<string>();
      shovels.forEach((shovel, i) => {
        const key = `${shovel.vhost}/${shovel.name}`;
        if (seen.has(key))
          ctx.addIssue({
            code: 'custom',
            path: [...path, i, 'name'],
            message: `shovel ${excerpt(shovel.name)} in vhost ${excerpt(shovel.vhost)} is listed twice`,
          });
        seen.add(key);
      });
    };
    check(engine.shovels, ['shovels']);
    if (engine.reverse?.shovels) check(engine.reverse.shovels, ['reverse', 'shovels']);
    const { upstream, downstream } = engine;
    if (
      upstream.amqpUri &&
      downstream.amqpUri &&
      upstream.amqpUri.toLowerCase() === downstream.amqpUri.toLowerCase()
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['downstream', 'amqpUri'],
        message:
          "is the upstream's AMQP URI (compared ignoring case): the shovels would copy a cluster onto itself",
      });
    }
  })
  .describe(
    'Dynamic shovels on the DR cluster pull the production cluster\'s queues; promotion drains them, then removes them (see "Engine `rabbitmq-shovel`").',
  );

export type RabbitmqShovelPlan = z.infer<typeof rabbitmqShovelPlanSchema>;
export type ShovelSpec = RabbitmqShovelPlan['shovels'][number];

/** The `Shovel` resource that declares a shovel (when the topology operator does). */
export const shovelResourceName = (shovel: ShovelSpec): string => shovel.resource ?? shovel.name;

/** Vhosts the shovels read from: what the fence closes on the upstream. */
export const shovelledVhosts = (engine: RabbitmqShovelPlan): string[] => [
  ...new Set(engine.shovels.map((s) => s.vhost)),
];

export const shovelQueue = (shovel: ShovelSpec): string => shovel.queue ?? shovel.name;

/** The other direction with its defaults filled in: what `reverse` leaves out is derived from the shovels above. */
export const reverseDirection = (
  engine: RabbitmqShovelPlan,
): { shovelUser: string; shovels: ShovelSpec[] } => ({
  shovelUser: engine.reverse?.shovelUser ?? engine.shovelUser,
  shovels:
    engine.reverse?.shovels ??
    engine.shovels.map((s) => ({
      name: s.name,
      vhost: s.vhost,
      declaredBy: 'parameter' as const,
      queue: shovelQueue(s),
    })),
});

/**
 * The block as the other direction sees it: sides swapped, and the reverse shovels (run on the
 * old upstream) become the shovels, with the forward ones kept as their reverse. Swapping twice
 * gives the block back, its defaults filled in.
 */
export const reverseShovelPlan = (engine: RabbitmqShovelPlan): RabbitmqShovelPlan => {
  const back = reverseDirection(engine);
  return {
    ...engine,
    upstream: engine.downstream,
    downstream: engine.upstream,
    shovelUser: back.shovelUser,
    shovels: back.shovels,
    reverse: { shovelUser: engine.shovelUser, shovels: engine.shovels },
  };
};

/** The AMQP endpoint (scheme, host, port) through which the other side's shovels reach `side`. */
export const amqpUriOf = (plan: Plan, engine: RabbitmqShovelPlan, side: Side): string => {
  const given = engine[side].amqpUri;
  if (given !== undefined) return given;
  const value = plan.dns.records[0]?.[side];
  if (value === undefined)
    throw new Error(
      `plan ${plan.name} has no DNS record to derive the ${side}'s AMQP address from: set engine.${side}.amqpUri`,
    );
  const host = value.replace(/\.$/, '');
  return `amqp://${host.includes(':') ? `[${host}]` : host}:5672`;
};
