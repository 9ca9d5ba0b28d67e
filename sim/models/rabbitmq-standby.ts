// VMware Tanzu RabbitMQ Warm Standby Replication (seed 000), as both sites' API servers
// show it: the RabbitmqCluster, StandbyReplication and SchemaReplication objects, the server
// pods, and the CLI commands run in them, with the state changes the real system makes
// (promotion moves buffered messages into queues; a restart brings back configured modes).
import { z } from 'zod';
import { BadInputError } from '../../lambdas/errors.js';
import type { Plan, Side } from '../../lambdas/plan/schema.js';
import { isJsonObject, type JsonObject } from '../json-patch.js';
import { metadataOf, type ResourceStore, type ResourceType } from '../resource-store.js';
import { argumentError, formatTimestamp, render, type CommandSpec, type ParsedCommand } from './rabbitmq-cli.js';
import {
  CONDITION_TYPES,
  isReady,
  keyOf,
  now,
  pathOf,
  podObject,
  POD,
  RABBITMQ_CLUSTER,
  SCHEMA_REPLICATION,
  seedSiteObjects,
  STANDBY_REPLICATION,
  UPSTREAM_SERVICE_IP,
  type ConditionType,
  type SiteNames,
} from './rabbitmq-standby-objects.js';
import { createVhostAccess, VHOST_ACCESS_COMMANDS, type VhostAccess, type VhostAccessSnapshot } from './vhost-access.js';
import { HEALTH_COMMANDS, runHealthCommand, type ClusterHealthState } from './rabbitmq-health.js';
import { execInRabbitPod } from './rabbitmq-pod-exec.js';
import { realNodesSchema } from './real-rabbitmq.js';
import type { RabbitmqStandbyPlan } from '../../lambdas/engines/rabbitmq-standby/plan.js';
import type { EngineModel, ExecOutput, ExecRequest, ModelContext, PlanProblem, SimModel, WriteEvent } from './sim-model.js';

const conditionStatus = z.enum(['True', 'False', 'Unknown']);
type Mode = 'upstream' | 'downstream';

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
  conditions: z.strictObject(Object.fromEntries(CONDITION_TYPES.map((t) => [t, conditionStatus.optional()])) as Record<ConditionType, z.ZodOptional<typeof conditionStatus>>).default({}),
};

export const rabbitmqStandbyClustersSchema = z.strictObject({
  upstream: z.strictObject(siteFields).prefault({}),
  downstream: z
    .strictObject({
      ...siteFields,
      /** What `rabbitmqctl schema_replication_status` reports before anyone changes it. */
      schemaReplication: z
        .strictObject({ mode: z.enum(['upstream', 'downstream']).default('downstream'), state: z.enum(['syncing', 'recover']).default('syncing') })
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

export interface RabbitmqSiteSnapshot {
  reachable: boolean;
  rabbitmqCluster: { additionalConfig: string; generation: number; observedGeneration: number; conditions: Record<string, string> } | undefined;
  pods: { name: string; phase: string; ready: boolean; schemaMode: Mode; standbyMode: Mode }[];
  standbyReplicationExists: boolean;
  schemaReplicationExists: boolean;
  promoted: boolean;
  /** The table of the latest promotion. */
  promotionSummary: PromotionRow[];
  /** Messages visible to consumers, per queue. */
  queues: { vhost: string; name: string; messages: number }[];
  /** Messages held in the standby replication streams (downstream). */
  bufferedMessages: number;
  vhostsAvailable: string[];
  streamLinkConnected: boolean;
  /** Vhost limits and open client connections: whether clients can still write here. */
  access: VhostAccessSnapshot;
}

export interface RabbitmqStandbySnapshot {
  engine: 'rabbitmq-standby';
  upstream: RabbitmqSiteSnapshot;
  downstream: RabbitmqSiteSnapshot;
  promotions: number;
  /** Promotions after the first: each re-delivers every buffered message (the harm to avoid). */
  duplicatePromotions: number;
}

const REPLICATOR_USER = 'replicator';
const DEFAULT_USERS: Record<Side, string> = { upstream: 'default_user_3O9yX-FfDA1GpOY2Aij', downstream: 'default_user_reCbFdqSCIKNlG4vKSv' };
/** The seed's three messages span ten seconds. */
const MESSAGE_SPAN_MS = 10_000;

const COMMANDS: Record<string, CommandSpec> = {
  ...VHOST_ACCESS_COMMANDS,
  ...HEALTH_COMMANDS,
  schema_replication_status: { tool: 'rabbitmqctl', usage: '' },
  list_vhosts_available_for_standby_replication_recovery: { tool: 'rabbitmqctl', usage: '' },
  display_disk_space_used_by_standby_replication_data: { tool: 'rabbitmqctl', usage: '' },
  promote_standby_replication_downstream_cluster: {
    tool: 'rabbitmqctl',
    flags: ['--start-from-scratch', '--all-available'],
    listOptions: ['--exclude-virtual-hosts'],
    usage: '[--start-from-scratch] [--all-available] [--exclude-virtual-hosts <vhost> [<vhost> ...]]',
  },
  display_standby_promotion_summary: { tool: 'rabbitmqctl', usage: '' },
  disconnect_standby_replication_downstream: { tool: 'rabbitmqctl', usage: '' },
  set_schema_replication_mode: { tool: 'rabbitmqctl', positionals: ['mode'], usage: '<upstream|downstream>' },
  delete_all_data_on_standby_replication_cluster: { tool: 'rabbitmqctl', usage: '' },
  inspect_standby_downstream_metrics: { tool: 'rabbitmq-diagnostics', usage: '' },
  inspect_standby_upstream_metrics: { tool: 'rabbitmq-diagnostics', usage: '' },
  inspect_local_data_available_for_standby_replication_recovery: { tool: 'rabbitmq-diagnostics', usage: '' },
};

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
  /** Held in the standby replication streams until promotion (downstream only). */
  buffered: number;
}

interface Site extends SiteNames {
  reachable: boolean;
  pods: PodRuntime[];
  queues: Queue[];
  vhostsAvailable: string[];
  forcedConditions: Partial<Record<ConditionType, string>>;
  rollout: NodeJS.Timeout | undefined;
}

const standbyPlanOf = (plan: Plan): RabbitmqStandbyPlan => {
  if (plan.engine.type !== 'rabbitmq-standby') throw new BadInputError(`the rabbitmq-standby model cannot serve a ${plan.engine.type} plan`);
  return plan.engine;
};

const planProblems = (plan: Plan, clusters: RabbitmqStandbyClusters): PlanProblem[] => {
  const engine = standbyPlanOf(plan);
  const podsOf = (cluster: string, replicas: number): string[] => Array.from({ length: replicas }, (_, i) => podName(cluster, i));
  const check = (pods: string[], name: string, path: PlanProblem['path']): PlanProblem[] =>
    pods.includes(name) ? [] : [{ path, message: `"${name}" is not a pod of this cluster; expected one of: ${pods.join(', ')}` }];
  const upstreamPods = podsOf(engine.upstream.rabbitmqCluster, clusters.upstream.replicas);
  const downstreamPods = podsOf(engine.downstream.rabbitmqCluster, clusters.downstream.replicas);
  return [
    ...clusters.upstream.notReadyPods.flatMap((name, i) => check(upstreamPods, name, ['upstream', 'notReadyPods', i])),
    ...clusters.downstream.notReadyPods.flatMap((name, i) => check(downstreamPods, name, ['downstream', 'notReadyPods', i])),
    ...Object.keys(clusters.upstream.realNodes ?? {}).flatMap((name) => check(upstreamPods, name, ['upstream', 'realNodes', name])),
    ...Object.keys(clusters.downstream.realNodes ?? {}).flatMap((name) => check(downstreamPods, name, ['downstream', 'realNodes', name])),
    ...(clusters.downstream.streamLinkPod === undefined ? [] : check(downstreamPods, clusters.downstream.streamLinkPod, ['downstream', 'streamLinkPod'])),
  ];
};

const create = ({ plan, clusters, latency, stores }: ModelContext<RabbitmqStandbyClusters>): SimModel<RabbitmqStandbySnapshot> => {
  const problems = planProblems(plan, clusters);
  if (problems.length > 0) throw new BadInputError(problems.map((p) => `scenario: clusters.${p.path.join('.')}: ${p.message}`).join('\n'));
  const engine = standbyPlanOf(plan);
  const container = engine.downstream.container;
  const queueSpecs = clusters.downstream.queues ?? engine.vhosts.map((vhost) => ({ vhost, name: 'q1.quorum', messages: 3, exchange: 'test1.fanout' }));
  const sites: Record<Side, Site> = {
    upstream: buildSite('upstream', {
      namespace: engine.upstream.namespace,
      cluster: engine.upstream.rabbitmqCluster,
      standbyReplication: `${engine.upstream.rabbitmqCluster}-standby-replication`,
      schemaReplication: `${engine.upstream.rabbitmqCluster}-schema-replication`,
      container,
      config: clusters.upstream,
      schemaRuntime: { mode: 'upstream', state: 'syncing' },
      // Upstream queues hold what consumers have not taken yet; the downstream buffers a copy.
      queues: queueSpecs.map((q) => ({ vhost: q.vhost, name: q.name, exchange: q.exchange, visible: q.messages, buffered: 0 })),
      vhostsAvailable: [],
    }),
    downstream: buildSite('downstream', {
      namespace: engine.downstream.namespace,
      cluster: engine.downstream.rabbitmqCluster,
      standbyReplication: engine.downstream.standbyReplication,
      schemaReplication: engine.downstream.schemaReplication,
      container,
      config: clusters.downstream,
      schemaRuntime: clusters.downstream.schemaReplication,
      queues: queueSpecs.map((q) => ({ vhost: q.vhost, name: q.name, exchange: q.exchange, visible: 0, buffered: q.messages })),
      vhostsAvailable: clusters.downstream.vhostsAvailable ?? engine.vhosts,
    }),
  };

  const access: Record<Side, VhostAccess> = {
    upstream: createVhostAccess({ vhosts: engine.vhosts, pods: sites.upstream.pods.map((p) => p.name), connectionsPerVhost: clusters.upstream.clientConnections }),
    downstream: createVhostAccess({ vhosts: engine.vhosts, pods: sites.downstream.pods.map((p) => p.name), connectionsPerVhost: clusters.downstream.clientConnections }),
  };
  const link = { pod: clusters.downstream.streamLinkPod ?? podName(sites.downstream.cluster, 0), connected: true };
  const lagMs = clusters.downstream.lagSeconds * 1000;
  /** When replication stopped (upstream lost, link cut, promotion); undefined while it runs. */
  let replicationStoppedAt: number | undefined;
  const promotions: PromotionRow[][] = [];

  const syncReplication = (): void => {
    const running = link.connected && sites.upstream.reachable && promotions.length === 0;
    if (running) replicationStoppedAt = undefined;
    else replicationStoppedAt ??= Date.now();
  };
  const lastReplicatedMs = (): number => (replicationStoppedAt ?? Date.now()) - lagMs;

  for (const site of Object.values(sites)) {
    const conditions = Object.entries(clusterConditions(site)).map(([type, c]) => ({ type, status: c.status, reason: c.reason, lastTransitionTime: now() }));
    seedSiteObjects(stores[site.side], site, site.pods, conditions, engine.vhosts);
  }
  syncReplication();

  const store = (site: Site): ResourceStore => stores[site.side];
  const exists = (site: Site, type: ResourceType, name: string): boolean => store(site).find(keyOf(type, site.namespace, name)) !== undefined;
  const nodeOf = (site: Site, pod: string): string => `rabbit@${pod}.${site.cluster}-nodes.${site.namespace}`;
  // Every pod's node is a member; it runs unless its app is down or the pod is being recreated.
  const healthOf = (site: Site): ClusterHealthState => ({
    nodes: site.pods.map((p) => ({ name: nodeOf(site, p.name), running: !p.appDown && !p.restarting })),
    alarms: [],
    partitions: {},
    queues: site.queues.map((q) => ({ vhost: q.vhost, name: q.name, type: 'quorum', messages: q.visible })),
  });

  const clusterConfig = (site: Site): string => {
    const obj = store(site).find(keyOf(RABBITMQ_CLUSTER, site.namespace, site.cluster));
    const config = obj === undefined ? undefined : pathOf(obj, ['spec', 'rabbitmq', 'additionalConfig']);
    return typeof config === 'string' ? config : '';
  };

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
        return before !== undefined && before.status === value.status ? before : { type, status: value.status, reason: value.reason, lastTransitionTime: now() };
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
        refreshCluster(site, true);
        return;
      }
      // A StatefulSet rolling update deletes the pod and creates it again under the same name.
      removePod(site, pod);
      pod.restarting = true;
      if (site.side === 'downstream' && pod.name === link.pod) link.connected = false;
      syncReplication();
      writePod(site, pod, 'Pending');
      refreshCluster(site, false);
      site.rollout = setTimeout(() => {
        const config = clusterConfig(site);
        pod.restarting = false;
        pod.standbyMode = configuredMode(config, 'standby.replication.operating_mode');
        pod.schema = schemaRuntimeFor(site, configuredMode(config, 'schema_definition_sync.operating_mode'));
        if (site.side === 'downstream' && pod.name === link.pod) {
          link.connected = pod.standbyMode === 'downstream' && exists(site, STANDBY_REPLICATION, site.standbyReplication);
          syncReplication();
        }
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
      return { stdout: '', stderr: `Error:\nstandby replication on node ${nodeOf(site, pod.name)} is not in downstream mode; only a downstream cluster can be promoted\n`, exitCode: 70 };
    }
    const excluded = new Set(parsed.lists.get('--exclude-virtual-hosts') ?? []);
    const last = lastReplicatedMs();
    const rows: PromotionRow[] = [];
    for (const vhost of site.vhostsAvailable.filter((v) => !excluded.has(v))) {
      const queues = site.queues.filter((q) => q.vhost === vhost && q.buffered > 0);
      const count = queues.reduce((sum, q) => sum + q.buffered, 0);
      if (count === 0) continue;
      for (const q of queues) q.visible += q.buffered;
      rows.push({ firstTimestamp: formatTimestamp(count > 1 ? last - MESSAGE_SPAN_MS : last), lastTimestamp: formatTimestamp(last), messageCount: count, virtualHost: vhost });
    }
    promotions.push(rows);
    syncReplication();
    return ok(render(parsed, 'Will promote cluster to upstream...', rows.map(promotionLine), PROMOTION_HEADER));
  };

  const run = (site: Site, parsed: ParsedCommand, pod: PodRuntime): ExecOutput => {
    const node = nodeOf(site, pod.name);
    const buffered = site.queues.filter((q) => q.buffered > 0);
    if (parsed.command in VHOST_ACCESS_COMMANDS) return access[site.side].run(parsed, pod.name);
    if (parsed.command in HEALTH_COMMANDS) return runHealthCommand(parsed, node, healthOf(site));
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
        return ok(render(parsed, `Listing virtual hosts available for multi-DC replication recovery on node ${node}`, site.vhostsAvailable));
      case 'inspect_standby_downstream_metrics': {
        const at = lastReplicatedMs();
        return ok(render(parsed, 'Inspecting standby downstream metrics related to recovery...', buffered.map((q) => `${q.name}\t${at}\t${q.vhost}`), METRICS_HEADER));
      }
      case 'inspect_standby_upstream_metrics': {
        // Each node reports the queues whose leader it hosts; the seed's q1.quorum leader is on server-2.
        const led = site.side === 'upstream' ? site.queues.filter((_, i) => site.pods.length - 1 - (i % site.pods.length) === pod.ordinal) : [];
        const at = Date.now();
        return ok(render(parsed, 'Inspecting standby upstream metrics related to recovery...', led.map((q) => `${q.name}\t${at}\t${q.vhost}`), METRICS_HEADER));
      }
      case 'inspect_local_data_available_for_standby_replication_recovery':
        return ok(
          render(
            parsed,
            'Inspecting local data replicated for multi-DC recovery',
            buffered.flatMap((q) => Array.from({ length: q.buffered }, (_, i) => `${q.exchange}\t1\ttest${q.buffered - i}\t${q.vhost}`)),
            ['exchange', 'messages', 'routing_key', 'vhost'],
          ),
        );
      case 'display_disk_space_used_by_standby_replication_data':
        return ok(
          render(
            parsed,
            'Listing disk space (in gb) used by multi-DC replication',
            site.side === 'downstream' ? site.vhostsAvailable.map((v) => `${nodeOf(site, link.pod)}\t0.0\tgb\t${v}`) : [],
            ['node', 'size', 'unit', 'vhost'],
          ),
        );
      case 'promote_standby_replication_downstream_cluster':
        return promote(site, parsed, pod);
      case 'display_standby_promotion_summary':
        return ok(render(parsed, 'Displaying standby promotion summary...', site.side === 'downstream' ? (promotions.at(-1) ?? []).map(promotionLine) : [], PROMOTION_HEADER));
      case 'disconnect_standby_replication_downstream': {
        // The seed prints `Error:` then `true` after a successful disconnect; `false` when this node held no link.
        const held = site.side === 'downstream' && link.pod === pod.name && link.connected;
        if (held) {
          link.connected = false;
          syncReplication();
        }
        return ok(render(parsed, `Will disconnect standby message replication on node ${node} from its upstream`, ['Error:', String(held)]));
      }
      case 'set_schema_replication_mode': {
        const mode = parsed.positionals[0];
        if (mode !== 'upstream' && mode !== 'downstream') {
          return { stdout: '', stderr: argumentError(`operating mode must be one of: upstream, downstream`, parsed.given, parsed.usage), exitCode: 64 };
        }
        pod.schema = schemaRuntimeFor(site, mode);
        return ok(render(parsed, `Will set schema replication mode on node ${node} to ${mode}`, ['Done']));
      }
      case 'delete_all_data_on_standby_replication_cluster': {
        const deleted = site.vhostsAvailable.map((v) => `${node}\t${v}`);
        for (const q of site.queues) q.buffered = 0;
        site.vhostsAvailable = [];
        return ok(render(parsed, 'Will delete all data on the standby message replication cluster', deleted, ['node', 'vhost']));
      }
      default:
        throw new Error(`command table and dispatch disagree on ${parsed.command}`);
    }
  };

  const siteSnapshot = (site: Site): RabbitmqSiteSnapshot => {
    const clusterObj = store(site).find(keyOf(RABBITMQ_CLUSTER, site.namespace, site.cluster));
    const pods = store(site).list(POD.group, POD.version, POD.plural, site.namespace, `app.kubernetes.io/name=${site.cluster}`).items;
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
                (pathOf(clusterObj, ['status', 'conditions']) as JsonObject[] | undefined)?.map((c) => [String(c.type), String(c.status)]) ?? [],
              ),
            },
      pods: pods.flatMap((obj) => {
        const runtime = site.pods.find((p) => p.name === metadataOf(obj).name);
        return runtime === undefined
          ? []
          : [{ name: runtime.name, phase: String(pathOf(obj, ['status', 'phase'])), ready: isReady(obj), schemaMode: runtime.schema.mode, standbyMode: runtime.standbyMode }];
      }),
      standbyReplicationExists: exists(site, STANDBY_REPLICATION, site.standbyReplication),
      schemaReplicationExists: exists(site, SCHEMA_REPLICATION, site.schemaReplication),
      promoted: site.side === 'downstream' && promotions.length > 0,
      promotionSummary: site.side === 'downstream' ? [...(promotions.at(-1) ?? [])] : [],
      queues: site.queues.map((q) => ({ vhost: q.vhost, name: q.name, messages: q.visible })),
      bufferedMessages: site.queues.reduce((sum, q) => sum + q.buffered, 0),
      vhostsAvailable: [...site.vhostsAvailable],
      streamLinkConnected: site.side === 'downstream' && link.connected,
      access: access[site.side].snapshot(),
    };
  };

  return {
    isReachable: (side) => sites[side].reachable,

    setReachable(side, reachable) {
      sites[side].reachable = reachable;
      syncReplication();
    },

    exec(side: Side, request: ExecRequest): ExecOutput | Promise<ExecOutput> {
      const site = sites[side];
      return execInRabbitPod({
        pod: site.pods.find((p) => p.name === request.pod),
        podName: request.pod,
        argv: request.argv,
        realNode: clusters[side].realNodes?.[request.pod],
        commands: COMMANDS,
        nodeOf: (pod) => nodeOf(site, pod.name),
        run: (parsed, pod) => run(site, parsed, pod),
      });
    },

    // The CLI's message when an operation outlives its timeout, the common way a long command fails.
    failureMessage: (side, pod, command) => `Error: operation ${command} on node ${nodeOf(sites[side], pod)} timed out. Timeout value used: 60000\n`,

    afterWrite(side: Side, event: WriteEvent) {
      const site = sites[side];
      const { key } = event;
      if (key.group !== RABBITMQ_CLUSTER.group || key.plural !== RABBITMQ_CLUSTER.plural || key.namespace !== site.namespace || key.name !== site.cluster) return;
      if (event.after === undefined) {
        // Owner references: the pods go with their RabbitmqCluster.
        clearTimeout(site.rollout);
        for (const pod of site.pods) removePod(site, pod);
        return;
      }
      if (event.before === undefined || restartingConfig(event.before) !== restartingConfig(event.after)) restartPods(site);
      else if (site.rollout === undefined) refreshCluster(site, true);
    },

    snapshot: () => ({
      engine: 'rabbitmq-standby',
      upstream: siteSnapshot(sites.upstream),
      downstream: siteSnapshot(sites.downstream),
      promotions: promotions.length,
      duplicatePromotions: Math.max(0, promotions.length - 1),
    }),

    stop() {
      for (const site of Object.values(sites)) clearTimeout(site.rollout);
    },
  };
};

export const rabbitmqStandbyModel: EngineModel<RabbitmqStandbyClusters, RabbitmqStandbySnapshot> = {
  clustersSchema: rabbitmqStandbyClustersSchema,
  planProblems,
  create,
  healthyScenario: 'examples/scenarios/healthy.yaml',
};

interface SiteInit extends Omit<SiteNames, 'side'> {
  config: RabbitmqStandbyClusters['upstream'];
  schemaRuntime: { mode: Mode; state: string };
  queues: Queue[];
  vhostsAvailable: string[];
}

const podName = (cluster: string, ordinal: number): string => `${cluster}-server-${ordinal}`;

const buildSite = (side: Side, { config, schemaRuntime, queues, vhostsAvailable, ...names }: SiteInit): Site => {
  const site: Site = {
    ...names,
    side,
    reachable: config.reachable,
    pods: [],
    queues,
    vhostsAvailable: [...vhostsAvailable],
    forcedConditions: config.conditions,
    rollout: undefined,
  };
  site.pods = Array.from({ length: config.replicas }, (_, ordinal) => {
    const name = podName(names.cluster, ordinal);
    return {
      name,
      ordinal,
      appDown: config.notReadyPods.includes(name),
      restarting: false,
      schema: { ...schemaRuntimeFor(site, schemaRuntime.mode), state: schemaRuntime.state },
      standbyMode: side,
    };
  });
  return site;
};

/**
 * What schema_replication_status reports in a mode: the seed shows `syncing` with the
 * upstream endpoint while replicating, and `recover` with no endpoint after a downstream
 * switched itself to upstream.
 */
const schemaRuntimeFor = (site: Site, mode: Mode): SchemaRuntime =>
  mode === 'upstream' && site.side === 'downstream'
    ? { mode, state: 'recover', endpoint: '', username: DEFAULT_USERS[site.side] }
    : { mode, state: 'syncing', endpoint: `${UPSTREAM_SERVICE_IP}:5672`, username: REPLICATOR_USER };

/** `standby.replication.operating_mode = downstream` → downstream; RabbitMQ's default is upstream. */
const configuredMode = (config: string, setting: string): Mode => {
  const line = config
    .split('\n')
    .map((l) => l.trim())
    .find((l) => !l.startsWith('#') && l.split('=')[0]?.trim() === setting);
  return line?.split('=')[1]?.trim() === 'downstream' ? 'downstream' : 'upstream';
};

/** The operator restarts the pods when a config file changes; plugins it enables live. */
const restartingConfig = (cluster: JsonObject): string =>
  JSON.stringify(['additionalConfig', 'advancedConfig', 'envConfig'].map((field) => pathOf(cluster, ['spec', 'rabbitmq', field]) ?? null));

const ok = (stdout: string): ExecOutput => ({ stdout, stderr: '', exitCode: 0 });

const promotionLine = (row: PromotionRow): string => `${row.firstTimestamp}\t${row.lastTimestamp}\t${row.messageCount}\t${row.virtualHost}`;

const clusterConditions = (site: Site): Record<ConditionType, { status: string; reason: string }> => {
  const ready = site.pods.filter((p) => !p.restarting && !p.appDown).length;
  const computed: Record<ConditionType, { status: string; reason: string }> = {
    AllReplicasReady: ready === site.pods.length ? { status: 'True', reason: 'AllPodsAreReady' } : { status: 'False', reason: 'NotAllPodsReady' },
    ClusterAvailable: ready > 0 ? { status: 'True', reason: 'AtLeastOneEndpointAvailable' } : { status: 'False', reason: 'NoEndpointsAvailable' },
    NoWarnings: { status: 'True', reason: 'NoWarnings' },
    ReconcileSuccess: { status: 'True', reason: 'Success' },
  };
  for (const type of CONDITION_TYPES) {
    const forced = site.forcedConditions[type];
    if (forced !== undefined) computed[type] = { status: forced, reason: 'ScenarioOverride' };
  }
  return computed;
};
