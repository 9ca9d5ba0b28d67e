// The `engine:` block of a plan protecting a VMware Tanzu RabbitMQ cluster with Warm Standby
// Replication (seed 000): which RabbitmqCluster is upstream/downstream, the replication
// resources to remove after promotion, the vhosts that must be recoverable, promote flags.
import { z } from 'zod';

const k8sName = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'expected a Kubernetes name (lowercase letters, digits, "-" and ".")');

export const rabbitmqStandbyPlanSchema = z.strictObject({
  type: z.literal('rabbitmq-standby'),
  upstream: z.strictObject({
    namespace: k8sName,
    rabbitmqCluster: k8sName,
  }),
  downstream: z.strictObject({
    namespace: k8sName,
    rabbitmqCluster: k8sName,
    /** `standbyreplications.rabbitmq.tanzu.vmware.com` object on the downstream. */
    standbyReplication: k8sName,
    /** `schemareplications.rabbitmq.com` object on the downstream. */
    schemaReplication: k8sName,
    /** Container that runs rabbitmqctl in the server pods. */
    container: z.string().min(1).default('rabbitmq'),
  }),
  /** Vhosts tagged `standby_replication` whose messages must be recoverable. */
  vhosts: z.array(z.string().min(1)).min(1, 'expected at least one vhost to protect'),
  promotion: z
    .strictObject({
      /** `--start-from-scratch`: recover from the earliest data, consumed or not (duplicates). */
      startFromScratch: z.boolean().default(false),
      /** `--all-available`: recover all buffered messages, not just those unacked upstream. */
      allAvailable: z.boolean().default(false),
      /** `--exclude-virtual-hosts`. */
      excludeVirtualHosts: z.array(z.string().min(1)).default([]),
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
