// The `engine:` block of a plan protecting a VMware Tanzu RabbitMQ cluster with Warm Standby
// Replication (seed 000): which RabbitmqCluster is upstream/downstream, the replication
// resources to remove after promotion, the vhosts that must be recoverable, promote flags.
// Each side also says how a standby reaches it and what its own replication resources are
// called, so that the round trip can make either side the standby of the other (reverse.ts).
import * as z from 'zod';
import { standbyReleases, type StandbyRelease } from './commands.js';
import { excerpt } from '../../plan/excerpt.js';
import { argumentText, isHostPort, kubernetesLabel, kubernetesName, nameBounds } from '../../plan/names.js';
import { workflowWaitSeconds } from '../../plan/step-waits.js';

/** Size bounds (see planBounds in lambdas/plan/schema.ts: the plan travels in every workflow state). */
export const rabbitmqStandbyBounds = {
  nameChars: nameBounds.kubernetesNameChars,
  labelChars: nameBounds.kubernetesLabelChars,
  vhosts: 50,
  /** AMQP's limit for a vhost name (a short string). */
  vhostChars: 255,
  /** `host:port[,host:port...]`, as the replication resources take their endpoints. */
  endpointChars: 1024,
} as const;

const k8sName = kubernetesName('a Kubernetes name');
const namespace = kubernetesLabel('a namespace');
/** rabbitmqctl takes vhosts as arguments (`promote --exclude-virtual-hosts`). */
const vhostName = argumentText(rabbitmqStandbyBounds.vhostChars, 'a vhost name');
const vhostList = z
  .array(vhostName)
  .max(
    rabbitmqStandbyBounds.vhosts,
    `expected at most ${rabbitmqStandbyBounds.vhosts} vhosts; split the service into several plans`,
  )
  .superRefine((vhosts, ctx) => {
    vhosts.forEach((vhost, i) => {
      if (vhosts.indexOf(vhost) < i)
        ctx.addIssue({ code: 'custom', path: [i], message: `vhost ${excerpt(vhost)} is listed twice` });
    });
  });

const container = kubernetesLabel('a container name');
const endpoints = z
  .string()
  .min(1)
  .max(
    rabbitmqStandbyBounds.endpointChars,
    `expected at most ${rabbitmqStandbyBounds.endpointChars} characters (host:port list)`,
  )
  .refine(
    (list) => list.split(',').every(isHostPort),
    'expected host:port (a DNS name or IPv4 address, a port of 1-65535), or several separated by commas',
  );

const replicationEndpoints = z.strictObject({
  schema: endpoints.describe(
    'Schema sync over AMQP: `host:port` (usually port 5672), or several separated by commas.',
  ),
  stream: endpoints.describe(
    'Messages over the stream protocol: `host:port` (usually port 5552), or several separated by commas.',
  ),
});

/** What the other side's reprotect needs of this one; every field optional. */
const sideReplication = {
  replicationEndpoints: replicationEndpoints
    .optional()
    .describe(
      "Where a standby reaches this cluster while it serves, as the standby's replication resources name them; reprotect needs them on the side that serves.",
    ),
  upstreamSecret: k8sName
    .default('upstream-replicator-secret')
    .describe(
      "The Secret, in this cluster's namespace, with the replication user's credentials for reaching the other side when this one is the standby.",
    ),
};

/**
 * A name derived from the cluster's stays a valid Kubernetes name however long the cluster's is
 * (a plan read again, with the default written out, must still validate): the cluster part is
 * shortened and never ends in `-` or `.`.
 */
const derivedName = (cluster: string, suffix: string): string =>
  `${cluster.slice(0, rabbitmqStandbyBounds.nameChars - suffix.length).replace(/[-.]+$/, '')}${suffix}`;

export const defaultStandbyReplication = (cluster: string): string =>
  derivedName(cluster, '-standby-replication');
export const defaultSchemaReplication = (cluster: string): string =>
  derivedName(cluster, '-schema-replication');

/** 14 minutes: a three-node cluster restarts in a few; the workflow waits between looks, so more may be set. */
const defaultRestartTimeoutSeconds = 840;

export const rabbitmqStandbyPlanSchema = z
  .strictObject({
    type: z.literal('rabbitmq-standby').describe('VMware Tanzu RabbitMQ with Warm Standby Replication.'),
    upstream: z
      .strictObject({
        namespace: namespace.describe("The RabbitmqCluster's namespace."),
        rabbitmqCluster: k8sName.describe('The RabbitmqCluster that serves before the failover.'),
        standbyReplication: k8sName
          .optional()
          .describe(
            'Its StandbyReplication, used once it is the standby (a round trip); default `<rabbitmqCluster>-standby-replication`.',
          ),
        schemaReplication: k8sName
          .optional()
          .describe(
            'Its SchemaReplication, used once it is the standby; default `<rabbitmqCluster>-schema-replication`.',
          ),
        container: container
          .optional()
          .describe("The container that runs rabbitmqctl in its server pods; default: the downstream's."),
        ...sideReplication,
      })
      // Written out when the plan is read, so that swapping the sides twice gives the plan back.
      .transform(({ standbyReplication, schemaReplication, ...rest }) => ({
        ...rest,
        standbyReplication: standbyReplication ?? defaultStandbyReplication(rest.rabbitmqCluster),
        schemaReplication: schemaReplication ?? defaultSchemaReplication(rest.rabbitmqCluster),
      }))
      .describe(
        'The cluster that serves before the failover; its replication resources are used once it is the standby.',
      ),
    downstream: z
      .strictObject({
        namespace: namespace.describe("The RabbitmqCluster's namespace."),
        rabbitmqCluster: k8sName.describe('The standby RabbitmqCluster, promoted by the failover.'),
        standbyReplication: k8sName.describe('Its `standbyreplications.rabbitmq.tanzu.vmware.com` object.'),
        schemaReplication: k8sName.describe('Its `schemareplications.rabbitmq.com` object.'),
        container: container
          .default('rabbitmq')
          .describe('The container that runs rabbitmqctl in its server pods.'),
        ...sideReplication,
      })
      .describe('The standby cluster, which serves after the failover.'),
    vhosts: vhostList
      .min(1, 'expected at least one vhost to protect')
      .describe('Vhosts tagged `standby_replication` whose messages must be recoverable; each listed once.'),
    release: z
      .enum(Object.keys(standbyReleases) as [StandbyRelease, ...StandbyRelease[]])
      .default('1.x')
      .describe(
        'Which command names the clusters take: `1.x` (VMware RabbitMQ for Kubernetes 1.x, as documented) or `4.x-unverified` (promotion as `promote_warm_standby`, named in newer Tanzu RabbitMQ material and not checked against a release; everything else as 1.x). See "Engine `rabbitmq-standby`".',
      ),
    promotion: z
      .strictObject({
        startFromScratch: z
          .boolean()
          .default(false)
          .describe('`--start-from-scratch`: recover from the earliest data, consumed or not (duplicates).'),
        allAvailable: z
          .boolean()
          .default(false)
          .describe('`--all-available`: recover all buffered messages, not just those unacked upstream.'),
        excludeVirtualHosts: vhostList
          .default([])
          .describe('`--exclude-virtual-hosts`: vhosts not to recover.'),
      })
      .default({ startFromScratch: false, allAvailable: false, excludeVirtualHosts: [] })
      .describe(
        'The flags of the promote command (`rabbitmqctl promote_standby_replication_downstream_cluster` in 1.x).',
      ),
    teardown: z
      .strictObject({
        way: z
          .enum(['rolling-restart', 'live-switch'])
          .default('rolling-restart')
          .describe(
            '`rolling-restart` (seed way 1): delete the replication resources, set both operating modes to upstream in the RabbitmqCluster, wait for the pods to restart one by one. `live-switch` (seed way 2): delete the resources, disconnect the stream link and set schema replication mode on every pod now; a later restart brings `downstream` back, so way 1 must follow in a quiet hour.',
          ),
        deleteReplicatedData: z
          .boolean()
          .default(false)
          .describe(
            '`delete_all_data_on_standby_replication_cluster`: frees disk, forbids a later re-promotion.',
          ),
        restartTimeoutSeconds: workflowWaitSeconds()
          .default(defaultRestartTimeoutSeconds)
          .describe(
            'How long teardown, and reprotect, each wait for a rolling restart, and then for every node to rejoin.',
          ),
      })
      .default({
        way: 'rolling-restart',
        deleteReplicatedData: false,
        restartTimeoutSeconds: defaultRestartTimeoutSeconds,
      })
      .describe('How the promoted cluster leaves downstream mode once traffic has moved.'),
  })
  .describe(
    'Tanzu Warm Standby Replication: the downstream is promoted, then leaves downstream mode (see "Engine `rabbitmq-standby`").',
  );

export type RabbitmqStandbyPlan = z.infer<typeof rabbitmqStandbyPlanSchema>;
