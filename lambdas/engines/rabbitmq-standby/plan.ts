// The `engine:` block of a plan protecting a VMware Tanzu RabbitMQ cluster with Warm Standby
// Replication (seed 000): which RabbitmqCluster is upstream/downstream, the replication
// resources to remove after promotion, the vhosts that must be recoverable, promote flags.
import { z } from 'zod';

/** Size bounds (see planBounds in lambdas/plan/schema.ts: the plan travels in every workflow state). */
export const rabbitmqStandbyBounds = {
  /** A Kubernetes object name (DNS subdomain). */
  nameChars: 253,
  /** A namespace or container name (DNS label). */
  labelChars: 63,
  vhosts: 50,
  /** AMQP's limit for a vhost name (a short string). */
  vhostChars: 255,
} as const;

const kubeName = (max: number, what: string) =>
  z
    .string()
    .max(max, `expected at most ${max} characters (${what})`)
    .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'expected a Kubernetes name (lowercase letters, digits, "-" and ".")');
const k8sName = kubeName(rabbitmqStandbyBounds.nameChars, 'a Kubernetes name');
const namespace = kubeName(rabbitmqStandbyBounds.labelChars, 'a namespace');
const vhostName = z.string().min(1).max(rabbitmqStandbyBounds.vhostChars, `expected at most ${rabbitmqStandbyBounds.vhostChars} characters (a vhost name)`);
const vhostList = z.array(vhostName).max(rabbitmqStandbyBounds.vhosts, `expected at most ${rabbitmqStandbyBounds.vhosts} vhosts; split the service into several plans`);

export const rabbitmqStandbyPlanSchema = z.strictObject({
  type: z.literal('rabbitmq-standby'),
  upstream: z.strictObject({
    namespace,
    rabbitmqCluster: k8sName,
  }),
  downstream: z.strictObject({
    namespace,
    rabbitmqCluster: k8sName,
    /** `standbyreplications.rabbitmq.tanzu.vmware.com` object on the downstream. */
    standbyReplication: k8sName,
    /** `schemareplications.rabbitmq.com` object on the downstream. */
    schemaReplication: k8sName,
    /** Container that runs rabbitmqctl in the server pods. */
    container: z.string().min(1).max(rabbitmqStandbyBounds.labelChars, `expected at most ${rabbitmqStandbyBounds.labelChars} characters (a container name)`).default('rabbitmq'),
  }),
  /** Vhosts tagged `standby_replication` whose messages must be recoverable. */
  vhosts: vhostList.min(1, 'expected at least one vhost to protect'),
  promotion: z
    .strictObject({
      /** `--start-from-scratch`: recover from the earliest data, consumed or not (duplicates). */
      startFromScratch: z.boolean().default(false),
      /** `--all-available`: recover all buffered messages, not just those unacked upstream. */
      allAvailable: z.boolean().default(false),
      /** `--exclude-virtual-hosts`. */
      excludeVirtualHosts: vhostList.default([]),
    })
    .default({ startFromScratch: false, allAvailable: false, excludeVirtualHosts: [] }),
  teardown: z
    .strictObject({
      /**
       * `rolling-restart` (seed way 1): delete the replication resources, set both operating
       * modes to upstream in the RabbitmqCluster, wait for the pods to restart one by one.
       * `live-switch` (seed way 2): delete the resources, disconnect the stream link and set
       * schema replication mode on every pod now; a later restart brings `downstream` back,
       * so way 1 must follow in a quiet hour.
       */
      way: z.enum(['rolling-restart', 'live-switch']).default('rolling-restart'),
      /** `delete_all_data_on_standby_replication_cluster`: frees disk, forbids a later re-promotion. */
      deleteReplicatedData: z.boolean().default(false),
      restartTimeoutSeconds: z.number().int().positive().default(900),
    })
    .default({ way: 'rolling-restart', deleteReplicatedData: false, restartTimeoutSeconds: 900 }),
});

export type RabbitmqStandbyPlan = z.infer<typeof rabbitmqStandbyPlanSchema>;
