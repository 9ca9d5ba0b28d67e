// The `engine:` block of a plan protecting an open-source RabbitMQ cluster replicated with
// dynamic shovels: which RabbitmqCluster is upstream and
// downstream, the shovels that copy messages between them, and how long the backlog may take
// to drain once the upstream is fenced. The shovels run on the downstream (the DR site pulls
// from the upstream), so they survive the loss of the upstream's site.
import { z } from 'zod';

/** Size bounds (see planBounds in lambdas/plan/schema.ts: the plan travels in every workflow state). */
export const rabbitmqShovelBounds = {
  /** A Kubernetes object name (DNS subdomain). */
  nameChars: 253,
  /** A namespace or container name (DNS label). */
  labelChars: 63,
  shovels: 32,
  /** AMQP's limit for a short string: vhost and user names; shovel names alike. */
  amqpNameChars: 255,
} as const;

const kubeName = (max: number, what: string) =>
  z
    .string()
    .max(max, `expected at most ${max} characters (${what})`)
    .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'expected a Kubernetes name (lowercase letters, digits, "-" and ".")');
const k8sName = kubeName(rabbitmqShovelBounds.nameChars, 'a Kubernetes name');
const namespace = kubeName(rabbitmqShovelBounds.labelChars, 'a namespace');
const amqpName = (what: string) => z.string().min(1).max(rabbitmqShovelBounds.amqpNameChars, `expected at most ${rabbitmqShovelBounds.amqpNameChars} characters (${what})`);

const shovelSchema = z.strictObject({
  /** The shovel's name in RabbitMQ (`shovel_status`, `clear_parameter shovel NAME`). */
  name: amqpName('a shovel name'),
  vhost: amqpName('a vhost name'),
  /**
   * `topology-operator`: a `Shovel` resource (rabbitmq.com/v1beta1, Messaging Topology Operator)
   * in the downstream namespace declares it, and only deleting that resource removes it for good
   * (the operator puts back what it still declares). `parameter`: a dynamic shovel set with
   * `rabbitmqctl set_parameter shovel`.
   */
  declaredBy: z.enum(['topology-operator', 'parameter']).default('parameter'),
  /** The `Shovel` resource's name, when it is not the shovel's name. */
  resource: k8sName.optional(),
});

export const rabbitmqShovelPlanSchema = z
  .strictObject({
    type: z.literal('rabbitmq-shovel'),
    upstream: z.strictObject({ namespace, rabbitmqCluster: k8sName }),
    /** Where the shovels run and where clients go after the failover. */
    downstream: z.strictObject({ namespace, rabbitmqCluster: k8sName }),
    /** Container that runs rabbitmqctl in the server pods of both clusters. */
    container: z.string().min(1).max(rabbitmqShovelBounds.labelChars, `expected at most ${rabbitmqShovelBounds.labelChars} characters (a container name)`).default('rabbitmq'),
    /**
     * The user the shovels connect to the upstream as. The fence closes every other connection
     * and refuses new ones, but leaves the shovels' own open so the backlog can drain.
     */
    shovelUser: amqpName('a user name'),
    shovels: z
      .array(shovelSchema)
      .min(1, 'expected at least one shovel to fail over')
      .max(rabbitmqShovelBounds.shovels, `expected at most ${rabbitmqShovelBounds.shovels} shovels; split the service into several plans`),
    /** Messages still in the upstream's shovelled queues beyond this fail readiness. */
    maxBacklogMessages: z.number().int().min(0).default(100_000),
    drain: z
      .strictObject({
        /** After the fence, how long the shovels get to move the backlog before promotion gives up. */
        timeoutSeconds: z.number().int().positive().default(300),
      })
      .default({ timeoutSeconds: 300 }),
  })
  .superRefine((engine, ctx) => {
    engine.shovels.forEach((shovel, i) => {
      if (shovel.declaredBy === 'topology-operator' && shovel.resource === undefined && !k8sName.safeParse(shovel.name).success) {
        ctx.addIssue({ code: 'custom', path: ['shovels', i, 'resource'], message: `"${shovel.name}" is not a Kubernetes name: give the Shovel resource's name` });
      }
    });
    const seen = new Set<string>();
    engine.shovels.forEach((shovel, i) => {
      const key = `${shovel.vhost}/${shovel.name}`;
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: ['shovels', i, 'name'], message: `shovel ${shovel.name} in vhost ${shovel.vhost} is listed twice` });
      seen.add(key);
    });
  });

export type RabbitmqShovelPlan = z.infer<typeof rabbitmqShovelPlanSchema>;
export type ShovelSpec = RabbitmqShovelPlan['shovels'][number];

/** The `Shovel` resource that declares a shovel (when the topology operator does). */
export const shovelResourceName = (shovel: ShovelSpec): string => shovel.resource ?? shovel.name;

/** Vhosts the shovels read from: what the fence closes on the upstream. */
export const shovelledVhosts = (engine: RabbitmqShovelPlan): string[] => [...new Set(engine.shovels.map((s) => s.vhost))];
