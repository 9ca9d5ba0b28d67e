// VMware Tanzu RabbitMQ Warm Standby Replication (seed 000), as both sites' API servers
// show it: the RabbitmqCluster, StandbyReplication and SchemaReplication objects, the server
// pods, and the CLI commands run in them, with the state changes the real system makes
// (promotion moves buffered messages into queues; a restart brings back configured modes).
// Either site can be the standby of the other: which one replicates from which follows from
// its operating modes and its replication resources, so a reprotect turns the old upstream
// into a standby that buffers, reports its replication point and can be promoted.
import { z } from 'zod';
import { BadInputError } from '../../lambdas/errors.js';
import type { Plan, Side } from '../../lambdas/plan/schema.js';
import { isJsonObject, type JsonObject } from '../json-patch.js';
import { metadataOf, type ResourceStore, type ResourceType } from '../resource-store.js';
import {
  argumentError,
  formatTimestamp,
  render,
  type CommandSpec,
  type ParsedCommand,
} from './rabbitmq-cli.js';
import {
  CONDITION_TYPES,
  DOWNSTREAM_SERVICE_IP,
  isReady,
  keyOf,
  now,
  pathOf,
  podObject,
  POD,
  RABBITMQ_CLUSTER,
  SCHEMA_PORT,
  SCHEMA_REPLICATION,
  seedSiteObjects,
  STANDBY_REPLICATION,
  STREAM_PORT,
  UPSTREAM_SERVICE_IP,
  type ConditionType,
  type SiteNames,
} from './rabbitmq-standby-objects.js';
import { configuredMode, endpointList, restartingConfig, type Mode } from './rabbitmq-standby-config.js';
import {
  createVhostAccess,
  VHOST_ACCESS_COMMANDS,
  type VhostAccess,
  type VhostAccessSnapshot,
} from './vhost-access.js';
import { HEALTH_COMMANDS, runHealthCommand, type ClusterHealthState } from './rabbitmq-health.js';
import { execInRabbitPod } from './rabbitmq-pod-exec.js';
import { realNodesSchema } from './real-rabbitmq.js';
import { sideNames } from '../../lambdas/engines/rabbitmq-standby/reverse.js';
import type { RabbitmqStandbyPlan } from '../../lambdas/engines/rabbitmq-standby/plan.js';
import { standbyReleases, type StandbyRelease } from '../../lambdas/engines/rabbitmq-standby/commands.js';
import type {
  EngineModel,
  ExecOutput,
  ExecRequest,
  ModelContext,
  PlanProblem,
  SimModel,
  WriteEvent,
} from './sim-model.js';
import type { SafetyView } from './safety-view.js';

const conditionStatus = z.enum(['True', 'False', 'Unknown']);

const siteFields = {
  /** false: the site's API server drops every connection (a lost region). */
  reachable: z.boolean().default(true),
  replicas: z.number().int().min(1).max(9).default(3),
  /** Pods whose RabbitMQ is down: Ready False, CLI commands exit 69. */
  notReadyPods: z.array(z.string().min(1)).default([]),
  /** Pods whose CLI commands run against a real local node (`<pod>: node@host`); see real-rabbitmq.ts. */
  realNodes: realNodesSchema,
  /** Open client connections per plan vhost, spread over the pods (what a fence must close). */
  clientConnections: z.number().int().min(0).default(2),
  /** Forced RabbitmqCluster condition statuses; otherwise computed from the pods. */
  conditions: z
    .strictObject(
      Object.fromEntries(CONDITION_TYPES.map((t) => [t, conditionStatus.optional()])) as Record<
        ConditionType,
        z.ZodOptional<typeof conditionStatus>
      >,
    )
    .default({}),
  /** While this site is the standby: its stream link moves nothing more from this many seconds after the start (a stalled link). */
  replicationStallsAfterSeconds: z.number().min(0).optional(),
  /** Messages per second the clients of each plan vhost publish while this site serves them (default 0: only the seed's messages). */
  publishPerSecond: z.number().min(0).max(1000).optional(),
};

export const rabbitmqStandbyClustersSchema = z.strictObject({
  /** The release both clusters run, whose command names they answer; default: the plan's `engine.release`. */
  release: z.enum(Object.keys(standbyReleases) as [StandbyRelease, ...StandbyRelease[]]).optional(),
  upstream: z
    .strictObject({
      ...siteFields,
      /** Once this site is the standby (after a reprotect): how far its replication point trails; default 1. */
      lagSeconds: z.number().min(0).optional(),
    })
    .prefault({}),
  downstream: z
    .strictObject({
      ...siteFields,
      /** What `rabbitmqctl schema_replication_status` reports before anyone changes it. */
      schemaReplication: z
        .strictObject({
          mode: z.enum(['upstream', 'downstream']).default('downstream'),
          state: z.enum(['syncing', 'recover']).default('syncing'),
        })
        .prefault({}),
      /** Default: the plan's vhosts. */
      vhostsAvailable: z.array(z.string().min(1)).optional(),
      /** Every queue's last replicated point is now − lagSeconds (frozen once replication stops). */
      lagSeconds: z.number().min(0).default(1),
      /** Default: one quorum queue `q1.quorum` per plan vhost with 3 buffered messages. */
      queues: z
        .array(
          z.strictObject({
            vhost: z.string().min(1),
            name: z.string().min(1),
            messages: z.number().int().min(0).default(3),
            exchange: z.string().min(1).default('test1.fanout'),
          }),
        )
        .optional(),
      /** The node holding the standby stream connection; default `<cluster>-server-0`. */
      streamLinkPod: z.string().min(1).optional(),
    })
    .prefault({}),
});

export type RabbitmqStandbyClusters = z.infer<typeof rabbitmqStandbyClustersSchema>;

export interface PromotionRow {
  firstTimestamp: string;
  lastTimestamp: string;
  messageCount: number;
  virtualHost: string;
}

/** One promotion of a site, with what it could not recover. */
export interface PromotionRecord {
  at: string;
  rows: PromotionRow[];
  /** The standby's replication point it recovered up to (epoch ms); undefined when it never replicated. */
  recoveredUpToMs: number | undefined;
  /**
   * How long before its last client write the upstream it replicated from had taken writes this
   * site never received: 0 when the standby held everything (RPO 0).
   */
  lossWindowMs: number;
  /** It delivered again messages an earlier promotion of this site had delivered (`--start-from-scratch`). */
  redelivered: boolean;
  /** How many times the site had become a standby again (restarted into downstream mode) before it. */
  standbyTerm: number;
}

export interface RabbitmqSiteSnapshot {
  reachable: boolean;
  rabbitmqCluster:
    | {
        additionalConfig: string;
        generation: number;
        observedGeneration: number;
        conditions: Record<string, string>;
      }
    | undefined;
  pods: { name: string; phase: string; ready: boolean; schemaMode: Mode; standbyMode: Mode }[];
  standbyReplicationExists: boolean;
  schemaReplicationExists: boolean;
  /** Promoted since it last became a standby: it serves clients as the primary. */
  promoted: boolean;
  /** The table of the latest promotion. */
  promotionSummary: PromotionRow[];
  /** Every promotion of this site, oldest first. */
  promotionHistory: PromotionRecord[];
  /** Messages visible to consumers, per queue. */
  queues: { vhost: string; name: string; messages: number }[];
  /** Messages held in the standby replication streams (a standby's). */
  bufferedMessages: number;
  /** Messages clients published here (scenario `publishPerSecond`), and those of them that went into its replication streams. */
  publishedMessages: number;
  collectedMessages: number;
  vhostsAvailable: string[];
  /** This site's link node holds a stream connection to the other site (it may stay open after promotion). */
  streamLinkConnected: boolean;
  /** This site's replication point as a standby (epoch ms); undefined when it never was one. */
  replicatedPointMs: number | undefined;
  /** Vhost limits and open client connections: whether clients can still write here. */
  access: VhostAccessSnapshot;
}

export interface RabbitmqStandbySnapshot {
  engine: 'rabbitmq-standby';
  upstream: RabbitmqSiteSnapshot;
  downstream: RabbitmqSiteSnapshot;
  /** Promotions of either site. */
  promotions: number;
  /**
   * Promotions of a site it had already been promoted in the same term as a standby: beyond what
   * one failover makes. Harmless without `--start-from-scratch` (nothing new comes back), but a
   * promote issued twice (`promotionHistory[].redelivered` says which delivered messages again).
   */
  duplicatePromotions: number;
}

const REPLICATOR_USER = 'replicator';
const DEFAULT_USERS: Record<Side, string> = {
  upstream: 'default_user_3O9yX-FfDA1GpOY2Aij',
  downstream: 'default_user_reCbFdqSCIKNlG4vKSv',
};
const SERVICE_IPS: Record<Side, string> = {
  upstream: UPSTREAM_SERVICE_IP,
  downstream: DOWNSTREAM_SERVICE_IP,
};
/** The seed's three messages span ten seconds. */
const MESSAGE_SPAN_MS = 10_000;
const DEFAULT_LAG_SECONDS = 1;

const COMMANDS: Record<string, CommandSpec> = {
  ...VHOST_ACCESS_COMMANDS,
  ...HEALTH_COMMANDS,
  schema_replication_status: { tool: 'rabbitmqctl', usage: '' },
  list_vhosts_available_for_standby_replication_recovery: { tool: 'rabbitmqctl', usage: '' },
  display_disk_space_used_by_standby_replication_data: { tool: 'rabbitmqctl', usage: '' },
  display_standby_promotion_summary: { tool: 'rabbitmqctl', usage: '' },
  disconnect_standby_replication_downstream: { tool: 'rabbitmqctl', usage: '' },
  set_schema_replication_mode: { tool: 'rabbitmqctl', positionals: ['mode'], usage: '<upstream|downstream>' },
  delete_all_data_on_standby_replication_cluster: { tool: 'rabbitmqctl', usage: '' },
  inspect_standby_downstream_metrics: { tool: 'rabbitmq-diagnostics', usage: '' },
  inspect_standby_upstream_metrics: { tool: 'rabbitmq-diagnostics', usage: '' },
  inspect_local_data_available_for_standby_replication_recovery: { tool: 'rabbitmq-diagnostics', usage: '' },
};

const PROMOTE_SPEC: CommandSpec = {
  tool: 'rabbitmqctl',
  flags: ['--start-from-scratch', '--all-available'],
  listOptions: ['--exclude-virtual-hosts'],
  usage: '[--start-from-scratch] [--all-available] [--exclude-virtual-hosts <vhost> [<vhost> ...]]',
};

/** A release's CLI knows its own promote command only: another release's name is not found. */
const commandsOf = (release: StandbyRelease): Record<string, CommandSpec> => ({
  ...COMMANDS,
  [standbyReleases[release].promote]: PROMOTE_SPEC,
});

const PROMOTION_HEADER = ['first_timestamp', 'last_timestamp', 'message_count', 'virtual_host'];
const METRICS_HEADER = ['queue', 'timestamp', 'vhost'];

interface SchemaRuntime {
  mode: Mode;
  state: string;
  endpoint: string;
  username: string;
}

interface PodRuntime {
  name: string;
  ordinal: number;
  /** RabbitMQ is down in a running container (scenario `notReadyPods`). */
  appDown: boolean;
  restarting: boolean;
  schema: SchemaRuntime;
  standbyMode: Mode;
}

interface Queue {
  vhost: string;
  name: string;
  exchange: string;
  visible: number;
  /** Publish times (epoch ms) of the messages held in this site's standby replication streams. */
  buffered: number[];
  /** Publish times of the messages this site collected for its standby while it was an upstream. */
  stream: number[];
  /** How many of the other site's `stream` this site has replicated into `buffered`. */
  copied: number;
}

interface Site extends SiteNames {
  reachable: boolean;
  pods: PodRuntime[];
  queues: Queue[];
  vhostsAvailable: string[];
  forcedConditions: Partial<Record<ConditionType, string>>;
  rollout: NodeJS.Timeout | undefined;
  /** The service address a standby's replication resources must name to replicate from this site. */
  address: string;
  /**
   * Vhosts with a standby replication policy here: the upstream's own, and on its standby the
   * copies schema sync made, which a promoted standby keeps.
   */
  policyVhosts: string[];
  clientConnections: number;
  lagMs: number;
  /** Epoch ms after which the stream link into this site moves nothing more (scenario). */
  stallAt: number | undefined;
  /**
   * The node holding this site's stream connection to its upstream when it is the standby, and
   * whether it holds it: promotion and deleting the StandbyReplication leave it open (the seed
   * then disconnects it by hand); a restart or `disconnect_...` closes it.
   */
  link: { pod: string; held: boolean };
  /** Replication into this site: running at the last look, when it stopped, whether it ever ran. */
  replication: { running: boolean; stoppedAt: number | undefined; ever: boolean };
  /** Its StandbyReplication was written after the start: a link that comes up then syncs the upstream's vhosts. */
  reconfigured: boolean;
  promoted: boolean;
  /** Bumped each time a restart into downstream mode makes it a standby again. */
  standbyTerm: number;
  promotions: PromotionRecord[];
  /** The replication point the latest promotion recovered up to: a promotion without `--start-from-scratch` recovers only newer messages. */
  lastRecoveryPoint: number | undefined;
  /** Per vhost: when clients last wrote here, and when a write was last collected for a standby. */
  lastWriteAt: Map<string, number>;
  lastCollectedAt: Map<string, number>;
  /** A pod ran schema sync in downstream mode: switching to upstream then shows `recover`, as the seed does. */
  everDownstream: boolean;
  publishPerSecond: number;
  /** Fractions of a message owed per vhost, and the messages published here. */
  publishCarry: Map<string, number>;
  published: number;
}

const standbyPlanOf = (plan: Plan): RabbitmqStandbyPlan => {
  if (plan.engine.type !== 'rabbitmq-standby')
    throw new BadInputError(`the rabbitmq-standby model cannot serve a ${plan.engine.type} plan`);
  return plan.engine;
};

const otherSide = (side: Side): Side => (side === 'upstream' ? 'downstream' : 'upstream');

const planProblems = (plan: Plan, clusters: RabbitmqStandbyClusters): PlanProblem[] => {
  const engine = standbyPlanOf(plan);
  const podsOf = (cluster: string, replicas: number): string[] =>
    Array.from({ length: replicas }, (_, i) => podName(cluster, i));
  const check = (pods: string[], name: string, path: PlanProblem['path']): PlanProblem[] =>
    pods.includes(name)
      ? []
      : [{ path, message: `"${name}" is not a pod of this cluster; expected one of: ${pods.join(', ')}` }];
  const upstreamPods = podsOf(engine.upstream.rabbitmqCluster, clusters.upstream.replicas);
  const downstreamPods = podsOf(engine.downstream.rabbitmqCluster, clusters.downstream.replicas);
  return [
    ...clusters.upstream.notReadyPods.flatMap((name, i) =>
      check(upstreamPods, name, ['upstream', 'notReadyPods', i]),
    ),
    ...clusters.downstream.notReadyPods.flatMap((name, i) =>
      check(downstreamPods, name, ['downstream', 'notReadyPods', i]),
    ),
    ...Object.keys(clusters.upstream.realNodes ?? {}).flatMap((name) =>
      check(upstreamPods, name, ['upstream', 'realNodes', name]),
    ),
    ...Object.keys(clusters.downstream.realNodes ?? {}).flatMap((name) =>
      check(downstreamPods, name, ['downstream', 'realNodes', name]),
    ),
    ...(clusters.downstream.streamLinkPod === undefined
      ? []
      : check(downstreamPods, clusters.downstream.streamLinkPod, ['downstream', 'streamLinkPod'])),
  ];
};

/** The seed's messages: `count` publish times ending at `last`, spread over ten seconds. */
const seedStamps = (count: number, last: number): number[] =>
  Array.from({ length: count }, (_, i) =>
    count > 1 ? last - Math.round((MESSAGE_SPAN_MS * (count - 1 - i)) / (count - 1)) : last,
  );

const create = ({
  plan,
  clusters,
  latency,
  stores,
}: ModelContext<RabbitmqStandbyClusters>): SimModel<RabbitmqStandbySnapshot> => {
  const problems = planProblems(plan, clusters);
  if (problems.length > 0)
    throw new BadInputError(
      problems.map((p) => `scenario: clusters.${p.path.join('.')}: ${p.message}`).join('\n'),
    );
  const engine = standbyPlanOf(plan);
  const release = clusters.release ?? engine.release;
  const commands = commandsOf(release);
  const startedAt = Date.now();
  const queueSpecs =
    clusters.downstream.queues ??
    engine.vhosts.map((vhost) => ({ vhost, name: 'q1.quorum', messages: 3, exchange: 'test1.fanout' }));
  const downstreamLagMs = clusters.downstream.lagSeconds * 1000;
  const names = { upstream: sideNames(engine, 'upstream'), downstream: sideNames(engine, 'downstream') };
  const siteOf = (
    side: Side,
    queues: Queue[],
    vhostsAvailable: string[],
    lagSeconds: number,
    linkPod: string | undefined,
  ): Site => {
    const config = clusters[side];
    const n = names[side];
    const site: Site = {
      side,
      namespace: n.namespace,
      cluster: n.rabbitmqCluster,
      standbyReplication: n.standbyReplication,
      schemaReplication: n.schemaReplication,
      container: n.container,
      reachable: config.reachable,
      pods: [],
      queues,
      vhostsAvailable: [...vhostsAvailable],
      forcedConditions: config.conditions,
      rollout: undefined,
      address: SERVICE_IPS[side],
      policyVhosts: [...engine.vhosts],
      clientConnections: config.clientConnections,
      lagMs: lagSeconds * 1000,
      stallAt:
        config.replicationStallsAfterSeconds === undefined
          ? undefined
          : startedAt + config.replicationStallsAfterSeconds * 1000,
      link: { pod: linkPod ?? podName(n.rabbitmqCluster, 0), held: side === 'downstream' },
      // The seed's downstream has replicated up to the start, even if its upstream is lost by then.
      replication:
        side === 'downstream'
          ? { running: false, stoppedAt: startedAt, ever: true }
          : { running: false, stoppedAt: undefined, ever: false },
      reconfigured: false,
      promoted: false,
      standbyTerm: 0,
      promotions: [],
      lastRecoveryPoint: undefined,
      lastWriteAt: new Map(),
      lastCollectedAt: new Map(),
      everDownstream: side === 'downstream',
      publishPerSecond: config.publishPerSecond ?? 0,
      publishCarry: new Map(),
      published: 0,
    };
    site.pods = Array.from({ length: config.replicas }, (_, ordinal) => {
      const name = podName(n.rabbitmqCluster, ordinal);
      return {
        name,
        ordinal,
        appDown: config.notReadyPods.includes(name),
        restarting: false,
        schema: { mode: side, state: '', endpoint: '', username: '' },
        standbyMode: side,
      };
    });
    return site;
  };
  const sites: Record<Side, Site> = {
    // Upstream queues hold what consumers have not taken yet; the downstream buffers a copy.
    upstream: siteOf(
      'upstream',
      queueSpecs.map((q) => ({
        vhost: q.vhost,
        name: q.name,
        exchange: q.exchange,
        visible: q.messages,
        buffered: [],
        stream: seedStamps(q.messages, startedAt - downstreamLagMs),
        copied: 0,
      })),
      [],
      clusters.upstream.lagSeconds ?? DEFAULT_LAG_SECONDS,
      undefined,
    ),
    downstream: siteOf(
      'downstream',
      queueSpecs.map((q) => ({
        vhost: q.vhost,
        name: q.name,
        exchange: q.exchange,
        visible: 0,
        buffered: seedStamps(q.messages, startedAt - downstreamLagMs),
        stream: [],
        copied: q.messages,
      })),
      clusters.downstream.vhostsAvailable ?? engine.vhosts,
      clusters.downstream.lagSeconds,
      clusters.downstream.streamLinkPod,
    ),
  };
  const peerOf = (site: Site): Site => sites[otherSide(site.side)];

  const access: Record<Side, VhostAccess> = {
    upstream: createVhostAccess({
      vhosts: engine.vhosts,
      pods: sites.upstream.pods.map((p) => p.name),
      connectionsPerVhost: clusters.upstream.clientConnections,
    }),
    downstream: createVhostAccess({
      vhosts: engine.vhosts,
      pods: sites.downstream.pods.map((p) => p.name),
      connectionsPerVhost: clusters.downstream.clientConnections,
    }),
  };

  for (const site of Object.values(sites)) {
    const conditions = Object.entries(clusterConditions(site)).map(([type, c]) => ({
      type,
      status: c.status,
      reason: c.reason,
      lastTransitionTime: now(),
    }));
    seedSiteObjects(stores[site.side], site, site.pods, conditions, engine.vhosts);
  }

  const store = (site: Site): ResourceStore => stores[site.side];
  const objectOf = (site: Site, type: ResourceType, name: string): JsonObject | undefined =>
    store(site).find(keyOf(type, site.namespace, name));
  const exists = (site: Site, type: ResourceType, name: string): boolean =>
    objectOf(site, type, name) !== undefined;
  const nodeOf = (site: Site, pod: string): string => `rabbit@${pod}.${site.cluster}-nodes.${site.namespace}`;
  const runningPods = (site: Site): PodRuntime[] => site.pods.filter((p) => !p.restarting && !p.appDown);

  /**
   * What schema_replication_status shows in a mode: a downstream syncs while its SchemaReplication
   * names the other site's endpoint; a cluster that was a downstream and switched to upstream
   * shows `recover` with no endpoint, as the seed does.
   */
  const schemaRuntimeFor = (site: Site, mode: Mode): SchemaRuntime => {
    if (mode === 'upstream') {
      return site.everDownstream
        ? { mode, state: 'recover', endpoint: '', username: DEFAULT_USERS[site.side] }
        : { mode, state: 'syncing', endpoint: `${site.address}:${SCHEMA_PORT}`, username: REPLICATOR_USER };
    }
    site.everDownstream = true;
    const configured = objectOf(site, SCHEMA_REPLICATION, site.schemaReplication);
    const endpoints = configured === undefined ? '' : String(pathOf(configured, ['spec', 'endpoints']) ?? '');
    const syncing = endpointList(endpoints).includes(`${peerOf(site).address}:${SCHEMA_PORT}`);
    return { mode, state: syncing ? 'syncing' : 'recover', endpoint: endpoints, username: REPLICATOR_USER };
  };
  for (const pod of sites.upstream.pods) pod.schema = schemaRuntimeFor(sites.upstream, 'upstream');
  for (const pod of sites.downstream.pods)
    pod.schema = {
      ...schemaRuntimeFor(sites.downstream, clusters.downstream.schemaReplication.mode),
      state: clusters.downstream.schemaReplication.state,
    };

  /** Its upstream-mode nodes put client writes into the replication streams. */
  const collecting = (site: Site): boolean =>
    runningPods(site).length > 0 && runningPods(site).every((p) => p.standbyMode === 'upstream');
  /** It serves clients: an upstream, or a promoted standby. */
  const serving = (site: Site): boolean => site.promoted || collecting(site);
  const clientsOn = (site: Site, vhost: string): number =>
    access[site.side].snapshot().connections.filter((c) => c.vhost === vhost && c.user === 'app').length;

  const configuredAsDownstream = (site: Site): boolean => {
    const replication = objectOf(site, STANDBY_REPLICATION, site.standbyReplication);
    return replication !== undefined && pathOf(replication, ['spec', 'operatingMode']) === 'downstream';
  };
  /** The link node runs in downstream mode with a downstream-mode StandbyReplication: it opens the stream connection. */
  const linkCanOpen = (site: Site): boolean => {
    const pod = site.pods.find((p) => p.name === site.link.pod);
    return (
      pod !== undefined && !pod.restarting && pod.standbyMode === 'downstream' && configuredAsDownstream(site)
    );
  };
  /** A standby replicates while its link is held, it is configured at the other site's stream endpoint, and that site collects. */
  const linkUp = (site: Site): boolean => {
    const peer = peerOf(site);
    const pod = site.pods.find((p) => p.name === site.link.pod);
    const replication = objectOf(site, STANDBY_REPLICATION, site.standbyReplication);
    return (
      site.link.held &&
      !site.promoted &&
      pod !== undefined &&
      !pod.restarting &&
      !pod.appDown &&
      pod.standbyMode === 'downstream' &&
      replication !== undefined &&
      configuredAsDownstream(site) &&
      endpointList(
        String(pathOf(replication, ['spec', 'downstreamModeConfiguration', 'endpoints']) ?? ''),
      ).includes(`${peer.address}:${STREAM_PORT}`) &&
      peer.reachable &&
      collecting(peer)
    );
  };

  const syncReplication = (): void => {
    for (const site of Object.values(sites)) {
      const running = linkUp(site);
      if (running && !site.replication.running) {
        site.replication = { running: true, stoppedAt: undefined, ever: true };
        // A link set up after the start syncs the vhosts its upstream replicates.
        if (site.reconfigured)
          site.vhostsAvailable = [...new Set([...site.vhostsAvailable, ...peerOf(site).policyVhosts])];
      } else if (!running && site.replication.running) {
        site.replication = { ...site.replication, running: false, stoppedAt: Date.now() };
      }
    }
  };

  /** Every queue's last replicated point: now − lag while the link runs, frozen when it stops or stalls. */
  const replicatedPoint = (site: Site): number | undefined => {
    if (!site.replication.ever) return undefined;
    const until = site.replication.running ? Date.now() : (site.replication.stoppedAt ?? Date.now());
    return Math.min(until, site.stallAt ?? Infinity) - site.lagMs;
  };

  /** Clients of a serving site publish at the scenario's rate; what its upstream-mode nodes collect goes into its streams. */
  const publish = (site: Site, vhost: string, from: number, to: number): void => {
    const queue = site.queues.find((q) => q.vhost === vhost);
    if (queue === undefined || site.publishPerSecond === 0 || to <= from) return;
    const owed = (site.publishCarry.get(vhost) ?? 0) + ((to - from) / 1000) * site.publishPerSecond;
    const count = Math.floor(owed);
    site.publishCarry.set(vhost, owed - count);
    const collected = collecting(site) && site.policyVhosts.includes(vhost);
    for (let i = 1; i <= count; i++) {
      queue.visible += 1;
      site.published += 1;
      if (collected) queue.stream.push(Math.round(from + ((to - from) * i) / count));
    }
  };

  /** A standby holds what its upstream collected up to its replication point. */
  const copyReplicated = (site: Site): void => {
    const point = replicatedPoint(site);
    if (point === undefined) return;
    const peer = peerOf(site);
    for (const queue of site.queues) {
      const source = peer.queues.find((q) => q.vhost === queue.vhost && q.name === queue.name);
      if (source === undefined) continue;
      while (queue.copied < source.stream.length && (source.stream[queue.copied] ?? Infinity) <= point) {
        queue.buffered.push(source.stream[queue.copied] ?? point);
        queue.copied += 1;
      }
    }
  };

  let reconnections = 0;
  let lastTouch = startedAt;
  /**
   * Time passes between two looks at the world: the clients of a serving site publish, its
   * standby copies what it collected, clients whose connections a fence closed come back once a
   * serving site accepts them again, and each site notes when its clients last wrote (and
   * whether that write went into a replication stream).
   */
  const touch = (): void => {
    const at = Date.now();
    for (const site of Object.values(sites)) {
      for (const vhost of engine.vhosts)
        if (site.reachable && serving(site) && clientsOn(site, vhost) > 0)
          publish(site, vhost, lastTouch, at);
    }
    lastTouch = at;
    for (const site of Object.values(sites)) {
      copyReplicated(site);
      for (const vhost of engine.vhosts) {
        if (
          site.reachable &&
          serving(site) &&
          access[site.side].allowsConnections(vhost) &&
          clientsOn(site, vhost) === 0
        ) {
          for (let i = 0; i < site.clientConnections; i++) {
            const pod = site.pods[i % site.pods.length]?.name ?? 'unknown';
            reconnections += 1;
            access[site.side].connect({
              vhost,
              pod,
              user: 'app',
              name: `10.0.${i + 1}.17:${45000 + reconnections} -> ${site.address}:5672`,
            });
          }
        }
        if (site.reachable && clientsOn(site, vhost) > 0) {
          site.lastWriteAt.set(vhost, at);
          if (collecting(site) && site.policyVhosts.includes(vhost)) site.lastCollectedAt.set(vhost, at);
        }
      }
    }
    syncReplication();
  };
  touch();

  const clusterConfig = (site: Site): string => {
    const obj = objectOf(site, RABBITMQ_CLUSTER, site.cluster);
    const config = obj === undefined ? undefined : pathOf(obj, ['spec', 'rabbitmq', 'additionalConfig']);
    return typeof config === 'string' ? config : '';
  };

  const healthOf = (site: Site): ClusterHealthState => ({
    nodes: site.pods.map((p) => ({ name: nodeOf(site, p.name), running: !p.appDown && !p.restarting })),
    alarms: [],
    partitions: {},
    queues: site.queues.map((q) => ({ vhost: q.vhost, name: q.name, type: 'quorum', messages: q.visible })),
  });

  const refreshCluster = (site: Site, finishedRollout: boolean): void => {
    const key = keyOf(RABBITMQ_CLUSTER, site.namespace, site.cluster);
    if (store(site).find(key) === undefined) return;
    const computed = clusterConditions(site);
    store(site).update(key, (obj) => {
      const status = isJsonObject(obj.status) ? obj.status : {};
      const previous = Array.isArray(status.conditions) ? status.conditions.filter(isJsonObject) : [];
      status.conditions = CONDITION_TYPES.map((type) => {
        const value = computed[type];
        const before = previous.find((c) => c.type === type);
        return before !== undefined && before.status === value.status
          ? before
          : { type, status: value.status, reason: value.reason, lastTransitionTime: now() };
      });
      if (finishedRollout) status.observedGeneration = metadataOf(obj).generation ?? 1;
      obj.status = status;
    });
  };

  const writePod = (site: Site, pod: PodRuntime, phase: 'Pending' | 'Running'): void => {
    const key = keyOf(POD, site.namespace, pod.name);
    const { status, ...body } = podObject(site, pod, phase);
    if (store(site).find(key) === undefined) store(site).create(key, body);
    store(site).update(key, (obj) => {
      obj.status = status ?? null;
    });
  };

  const removePod = (site: Site, pod: PodRuntime): void => {
    const key = keyOf(POD, site.namespace, pod.name);
    if (store(site).find(key) !== undefined) store(site).delete(key);
  };

  const restartPods = (site: Site): void => {
    clearTimeout(site.rollout);
    const order = [...site.pods].sort((a, b) => b.ordinal - a.ordinal);
    const step = (index: number): void => {
      const pod = order[index];
      if (pod === undefined) {
        site.rollout = undefined;
        // Promotion is runtime state: a cluster restarted into downstream mode is a standby again.
        if (site.promoted && site.pods.every((p) => p.standbyMode === 'downstream')) {
          site.promoted = false;
          site.standbyTerm += 1;
        }
        refreshCluster(site, true);
        touch();
        return;
      }
      // A StatefulSet rolling update deletes the pod and creates it again under the same name.
      touch();
      removePod(site, pod);
      pod.restarting = true;
      if (pod.name === site.link.pod) site.link.held = false;
      syncReplication();
      writePod(site, pod, 'Pending');
      refreshCluster(site, false);
      site.rollout = setTimeout(() => {
        touch();
        const config = clusterConfig(site);
        pod.restarting = false;
        pod.standbyMode = configuredMode(config, 'standby.replication.operating_mode');
        pod.schema = schemaRuntimeFor(site, configuredMode(config, 'schema_definition_sync.operating_mode'));
        if (pod.name === site.link.pod) site.link.held = linkCanOpen(site);
        syncReplication();
        writePod(site, pod, 'Running');
        refreshCluster(site, false);
        // The StatefulSet waits for each new pod to be Ready; one that never is stalls the rollout.
        if (pod.appDown) site.rollout = undefined;
        else step(index + 1);
      }, latency.restartSecondsPerPod * 1000);
    };
    step(0);
  };

  const promote = (site: Site, parsed: ParsedCommand, pod: PodRuntime): ExecOutput => {
    if (pod.standbyMode !== 'downstream') {
      return {
        stdout: '',
        stderr: `Error:\nstandby replication on node ${nodeOf(site, pod.name)} is not in downstream mode; only a downstream cluster can be promoted\n`,
        exitCode: 70,
      };
    }
    const excluded = new Set(parsed.lists.get('--exclude-virtual-hosts') ?? []);
    const fromScratch = parsed.flags.has('--start-from-scratch');
    const point = replicatedPoint(site);
    const since = fromScratch ? undefined : site.lastRecoveryPoint;
    const rows: PromotionRow[] = [];
    let redelivered = false;
    for (const vhost of site.vhostsAvailable.filter((v) => !excluded.has(v))) {
      const stamps: number[] = [];
      for (const q of site.queues.filter((x) => x.vhost === vhost)) {
        // Without --start-from-scratch only what is newer than the last recovery point comes back.
        const recovered = q.buffered.filter((t) => since === undefined || t > since);
        q.visible += recovered.length;
        stamps.push(...recovered);
      }
      if (
        site.lastRecoveryPoint !== undefined &&
        stamps.some((t) => t <= (site.lastRecoveryPoint ?? -Infinity))
      )
        redelivered = true;
      const at = point ?? Date.now();
      rows.push({
        firstTimestamp: formatTimestamp(stamps.length > 0 ? Math.min(...stamps) : at),
        lastTimestamp: formatTimestamp(stamps.length > 0 ? Math.max(...stamps) : at),
        messageCount: stamps.length,
        virtualHost: vhost,
      });
    }
    const peer = peerOf(site);
    const lastWrite = Math.max(...engine.vhosts.map((v) => peer.lastWriteAt.get(v) ?? -Infinity));
    site.promotions.push({
      at: new Date().toISOString(),
      rows,
      recoveredUpToMs: point,
      lossWindowMs: Number.isFinite(lastWrite) ? Math.max(0, lastWrite - (point ?? -Infinity)) : 0,
      redelivered,
      standbyTerm: site.standbyTerm,
    });
    if (point !== undefined) site.lastRecoveryPoint = Math.max(point, site.lastRecoveryPoint ?? -Infinity);
    site.promoted = true;
    syncReplication();
    return ok(
      render(parsed, 'Will promote cluster to upstream...', rows.map(promotionLine), PROMOTION_HEADER),
    );
  };

  const run = (site: Site, parsed: ParsedCommand, pod: PodRuntime): ExecOutput => {
    const node = nodeOf(site, pod.name);
    const buffered = site.queues.filter((q) => q.buffered.length > 0);
    if (parsed.command in VHOST_ACCESS_COMMANDS) return access[site.side].run(parsed, pod.name);
    if (parsed.command in HEALTH_COMMANDS) return runHealthCommand(parsed, node, healthOf(site));
    if (parsed.command === standbyReleases[release].promote) return promote(site, parsed, pod);
    switch (parsed.command) {
      case 'schema_replication_status':
        return ok(
          render(parsed, `Schema replication status on node ${node}`, [
            `Operating mode: ${pod.schema.mode}`,
            `State: ${pod.schema.state}`,
            `Upstream endpoint(s):${pod.schema.endpoint ? ` ${pod.schema.endpoint}` : ''}`,
            `Upstream username: ${pod.schema.username}`,
          ]),
        );
      case 'list_vhosts_available_for_standby_replication_recovery':
        return ok(
          render(
            parsed,
            `Listing virtual hosts available for multi-DC replication recovery on node ${node}`,
            site.vhostsAvailable,
          ),
        );
      case 'inspect_standby_downstream_metrics': {
        const at = replicatedPoint(site);
        const replicated =
          at === undefined ? [] : site.queues.filter((q) => site.vhostsAvailable.includes(q.vhost));
        return ok(
          render(
            parsed,
            'Inspecting standby downstream metrics related to recovery...',
            replicated.map((q) => `${q.name}\t${at}\t${q.vhost}`),
            METRICS_HEADER,
          ),
        );
      }
      case 'inspect_standby_upstream_metrics': {
        // Each node reports the queues whose leader it hosts (the seed's q1.quorum leader is on
        // server-2), with the time the latest write went into the replication stream.
        const led =
          pod.standbyMode === 'upstream'
            ? site.queues.filter((_, i) => site.pods.length - 1 - (i % site.pods.length) === pod.ordinal)
            : [];
        const rows = led.flatMap((q) => {
          const at = site.lastCollectedAt.get(q.vhost);
          return at === undefined ? [] : [`${q.name}\t${at}\t${q.vhost}`];
        });
        return ok(
          render(parsed, 'Inspecting standby upstream metrics related to recovery...', rows, METRICS_HEADER),
        );
      }
      case 'inspect_local_data_available_for_standby_replication_recovery':
        return ok(
          render(
            parsed,
            'Inspecting local data replicated for multi-DC recovery',
            buffered.flatMap((q) =>
              Array.from(
                { length: q.buffered.length },
                (_, i) => `${q.exchange}\t1\ttest${q.buffered.length - i}\t${q.vhost}`,
              ),
            ),
            ['exchange', 'messages', 'routing_key', 'vhost'],
          ),
        );
      case 'display_disk_space_used_by_standby_replication_data':
        return ok(
          render(
            parsed,
            'Listing disk space (in gb) used by multi-DC replication',
            site.vhostsAvailable.map((v) => `${nodeOf(site, site.link.pod)}\t0.0\tgb\t${v}`),
            ['node', 'size', 'unit', 'vhost'],
          ),
        );
      case 'display_standby_promotion_summary':
        return ok(
          render(
            parsed,
            'Displaying standby promotion summary...',
            (site.promotions.at(-1)?.rows ?? []).map(promotionLine),
            PROMOTION_HEADER,
          ),
        );
      case 'disconnect_standby_replication_downstream': {
        // The seed prints `Error:` then `true` after a successful disconnect; `false` when this node held no link.
        const held = site.link.pod === pod.name && site.link.held;
        if (held) {
          site.link.held = false;
          syncReplication();
        }
        return ok(
          render(parsed, `Will disconnect standby message replication on node ${node} from its upstream`, [
            'Error:',
            String(held),
          ]),
        );
      }
      case 'set_schema_replication_mode': {
        const mode = parsed.positionals[0];
        if (mode !== 'upstream' && mode !== 'downstream') {
          return {
            stdout: '',
            stderr: argumentError(
              `operating mode must be one of: upstream, downstream`,
              parsed.given,
              parsed.usage,
            ),
            exitCode: 64,
          };
        }
        pod.schema = schemaRuntimeFor(site, mode);
        return ok(render(parsed, `Will set schema replication mode on node ${node} to ${mode}`, ['Done']));
      }
      case 'delete_all_data_on_standby_replication_cluster': {
        const deleted = site.vhostsAvailable.map((v) => `${node}\t${v}`);
        for (const q of site.queues) q.buffered = [];
        site.vhostsAvailable = [];
        return ok(
          render(parsed, 'Will delete all data on the standby message replication cluster', deleted, [
            'node',
            'vhost',
          ]),
        );
      }
      default:
        throw new Error(`command table and dispatch disagree on ${parsed.command}`);
    }
  };

  const siteSnapshot = (site: Site): RabbitmqSiteSnapshot => {
    const clusterObj = objectOf(site, RABBITMQ_CLUSTER, site.cluster);
    const pods = store(site).list(
      POD.group,
      POD.version,
      POD.plural,
      site.namespace,
      `app.kubernetes.io/name=${site.cluster}`,
    ).items;
    return {
      reachable: site.reachable,
      rabbitmqCluster:
        clusterObj === undefined
          ? undefined
          : {
              additionalConfig: clusterConfig(site),
              generation: Number(metadataOf(clusterObj).generation ?? 0),
              observedGeneration: Number(pathOf(clusterObj, ['status', 'observedGeneration']) ?? 0),
              conditions: Object.fromEntries(
                (pathOf(clusterObj, ['status', 'conditions']) as JsonObject[] | undefined)?.map((c) => [
                  String(c.type),
                  String(c.status),
                ]) ?? [],
              ),
            },
      pods: pods.flatMap((obj) => {
        const runtime = site.pods.find((p) => p.name === metadataOf(obj).name);
        return runtime === undefined
          ? []
          : [
              {
                name: runtime.name,
                phase: String(pathOf(obj, ['status', 'phase'])),
                ready: isReady(obj),
                schemaMode: runtime.schema.mode,
                standbyMode: runtime.standbyMode,
              },
            ];
      }),
      standbyReplicationExists: exists(site, STANDBY_REPLICATION, site.standbyReplication),
      schemaReplicationExists: exists(site, SCHEMA_REPLICATION, site.schemaReplication),
      promoted: site.promoted,
      promotionSummary: [...(site.promotions.at(-1)?.rows ?? [])],
      promotionHistory: site.promotions.map((p) => ({ ...p, rows: [...p.rows] })),
      queues: site.queues.map((q) => ({ vhost: q.vhost, name: q.name, messages: q.visible })),
      bufferedMessages: site.queues.reduce((sum, q) => sum + q.buffered.length, 0),
      publishedMessages: site.published,
      collectedMessages: site.queues.reduce((sum, q) => sum + q.stream.length, 0),
      vhostsAvailable: [...site.vhostsAvailable],
      streamLinkConnected: site.link.held,
      replicatedPointMs: replicatedPoint(site),
      access: access[site.side].snapshot(),
    };
  };

  return {
    isReachable: (side) => sites[side].reachable,

    setReachable(side, reachable) {
      touch();
      sites[side].reachable = reachable;
      syncReplication();
    },

    exec(side: Side, request: ExecRequest): ExecOutput | Promise<ExecOutput> {
      touch();
      const site = sites[side];
      return execInRabbitPod({
        pod: site.pods.find((p) => p.name === request.pod),
        podName: request.pod,
        argv: request.argv,
        realNode: clusters[side].realNodes?.[request.pod],
        commands,
        nodeOf: (pod) => nodeOf(site, pod.name),
        run: (parsed, pod) => {
          const output = run(site, parsed, pod);
          touch();
          return output;
        },
      });
    },

    // The CLI's message when an operation outlives its timeout, the common way a long command fails.
    failureMessage: (side, pod, command) =>
      `Error: operation ${command} on node ${nodeOf(sites[side], pod)} timed out. Timeout value used: 60000\n`,

    afterWrite(side: Side, event: WriteEvent) {
      touch();
      const site = sites[side];
      const { key } = event;
      if (key.namespace !== site.namespace) return;
      if (
        key.group === STANDBY_REPLICATION.group &&
        key.plural === STANDBY_REPLICATION.plural &&
        key.name === site.standbyReplication
      ) {
        // The operator applies a changed StandbyReplication at once: the link reconnects to what it names.
        site.reconfigured = true;
        if (event.after !== undefined) site.link.held = linkCanOpen(site);
        syncReplication();
        return;
      }
      if (
        key.group === SCHEMA_REPLICATION.group &&
        key.plural === SCHEMA_REPLICATION.plural &&
        key.name === site.schemaReplication
      ) {
        for (const pod of site.pods)
          if (pod.schema.mode === 'downstream') pod.schema = schemaRuntimeFor(site, 'downstream');
        return;
      }
      if (
        key.group !== RABBITMQ_CLUSTER.group ||
        key.plural !== RABBITMQ_CLUSTER.plural ||
        key.name !== site.cluster
      )
        return;
      if (event.after === undefined) {
        // Owner references: the pods go with their RabbitmqCluster.
        clearTimeout(site.rollout);
        for (const pod of site.pods) removePod(site, pod);
        return;
      }
      if (event.before === undefined || restartingConfig(event.before) !== restartingConfig(event.after))
        restartPods(site);
      else if (site.rollout === undefined) refreshCluster(site, true);
    },

    snapshot: () => {
      touch();
      const repeated = (site: Site) =>
        site.promotions.filter((p, i) =>
          site.promotions.slice(0, i).some((q) => q.standbyTerm === p.standbyTerm),
        ).length;
      return {
        engine: 'rabbitmq-standby',
        upstream: siteSnapshot(sites.upstream),
        downstream: siteSnapshot(sites.downstream),
        promotions: sites.upstream.promotions.length + sites.downstream.promotions.length,
        duplicatePromotions: repeated(sites.upstream) + repeated(sites.downstream),
      };
    },

    stop() {
      for (const site of Object.values(sites)) clearTimeout(site.rollout);
    },
  };
};

/**
 * The upstream takes client writes while it is reachable and a plan vhost lacks `max-connections`
 * 0 or still has a client connection; the downstream is primary once promoted, while it takes
 * clients (a round trip leaves it promoted but fenced once the service has moved back), and a
 * site promoted again in the same term as a standby is a duplicate promotion.
 */
export const rabbitmqStandbySafety = (plan: Plan, snapshot: RabbitmqStandbySnapshot): SafetyView => {
  const { vhosts } = standbyPlanOf(plan);
  const { upstream, downstream } = snapshot;
  const open = vhosts.filter((v) => upstream.access.limits[v]?.['max-connections'] !== 0);
  const clients = upstream.access.connections.filter((c) => vhosts.includes(c.vhost)).length;
  const downstreamFenced = vhosts.every((v) => downstream.access.limits[v]?.['max-connections'] === 0);
  return {
    upstreamWritable: upstream.reachable && (open.length > 0 || clients > 0),
    downstreamPrimary: downstream.promoted && !downstreamFenced,
    promotions: snapshot.promotions,
    duplicatePromotions: snapshot.duplicatePromotions,
    summary:
      `upstream ${upstream.reachable ? '' : 'unreachable, '}${open.length > 0 ? `accepting connections on ${open.join(', ')}` : 'fenced'} with ${clients} client connections; ` +
      `downstream ${downstream.promoted ? `promoted${downstreamFenced ? ' (fenced)' : ''}` : 'not promoted'} (${snapshot.promotions} promotions)`,
  };
};

export const rabbitmqStandbyModel: EngineModel<RabbitmqStandbyClusters, RabbitmqStandbySnapshot> = {
  clustersSchema: rabbitmqStandbyClustersSchema,
  planProblems,
  create,
  healthyScenario: 'examples/scenarios/healthy.yaml',
};

const podName = (cluster: string, ordinal: number): string => `${cluster}-server-${ordinal}`;

const ok = (stdout: string): ExecOutput => ({ stdout, stderr: '', exitCode: 0 });

const promotionLine = (row: PromotionRow): string =>
  `${row.firstTimestamp}\t${row.lastTimestamp}\t${row.messageCount}\t${row.virtualHost}`;

const clusterConditions = (
  site: Pick<Site, 'pods' | 'forcedConditions'>,
): Record<ConditionType, { status: string; reason: string }> => {
  const ready = site.pods.filter((p) => !p.restarting && !p.appDown).length;
  const computed: Record<ConditionType, { status: string; reason: string }> = {
    AllReplicasReady:
      ready === site.pods.length
        ? { status: 'True', reason: 'AllPodsAreReady' }
        : { status: 'False', reason: 'NotAllPodsReady' },
    ClusterAvailable:
      ready > 0
        ? { status: 'True', reason: 'AtLeastOneEndpointAvailable' }
        : { status: 'False', reason: 'NoEndpointsAvailable' },
    NoWarnings: { status: 'True', reason: 'NoWarnings' },
    ReconcileSuccess: { status: 'True', reason: 'Success' },
  };
  for (const type of CONDITION_TYPES) {
    const forced = site.forcedConditions[type];
    if (forced !== undefined) computed[type] = { status: forced, reason: 'ScenarioOverride' };
  }
  return computed;
};
