// Open-source RabbitMQ replicated with dynamic shovels: two clusters, each with its
// queues, vhost limits, connections and users, and the shovel plugin; shovels are defined on
// one cluster (`set_parameter shovel`, or by the Messaging Topology Operator for a `Shovel`
// resource) and pull a queue of the other, logging in with the user and password in their
// source URI. At the start the plan's shovels run on the downstream and pull the upstream;
// reprotect defines the other direction's on the upstream. The operator keeps the shovels that
// `Shovel` resources declare (it puts a cleared one back) and removes one when its resource is
// deleted (unless `deletionPolicy: retain`). Clients publish with confirms to the side that
// serves, and the snapshot counts where every confirmed message is, so a test can tell a
// message lost from one moved.
import { z } from 'zod';
import { BadInputError } from '../../lambdas/errors.js';
import { uriParts } from '../../lambdas/engines/rabbitmq-shovel/commands.js';
import type { RabbitmqShovelPlan } from '../../lambdas/engines/rabbitmq-shovel/plan.js';
import {
  amqpUriOf,
  shovelledVhosts,
  shovelQueue,
  shovelResourceName,
} from '../../lambdas/engines/rabbitmq-shovel/plan.js';
import type { Plan, Side } from '../../lambdas/plan/schema.js';
import type { JsonObject } from '../json-patch.js';
import type { ResourceStore, ResourceType } from '../resource-store.js';
import { render, type CommandSpec, type ParsedCommand } from './rabbitmq-cli.js';
import {
  HEALTH_COMMANDS,
  runHealthCommand,
  type ClusterHealthState,
  type SimQueue,
} from './rabbitmq-health.js';
import { keyOf, now, podObject, POD, RABBITMQ_CLUSTER } from './rabbitmq-standby-objects.js';
import { execInRabbitPod } from './rabbitmq-pod-exec.js';
import { createUsers, USER_COMMANDS, type Users, type UsersSnapshot } from './rabbitmq-shovel-users.js';
import { realNodesSchema } from './real-rabbitmq.js';
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
import {
  createVhostAccess,
  VHOST_ACCESS_COMMANDS,
  type VhostAccess,
  type VhostAccessSnapshot,
} from './vhost-access.js';

export const SHOVEL: ResourceType = {
  group: 'rabbitmq.com',
  version: 'v1beta1',
  plural: 'shovels',
  kind: 'Shovel',
};

const siteFields = {
  /** false: the site's API server drops every connection (a lost region). */
  reachable: z.boolean().default(true),
  replicas: z.number().int().min(1).max(9).default(3),
  /** Pods whose RabbitMQ is down: Ready False, CLI commands exit 69. */
  notReadyPods: z.array(z.string().min(1)).default([]),
  /** Resource alarms raised on a pod's node. */
  alarms: z
    .array(z.strictObject({ pod: z.string().min(1), resource: z.enum(['memory', 'disk']) }))
    .default([]),
  /** Pods whose CLI commands run against a real local node (`<pod>: node@host`). */
  realNodes: realNodesSchema,
  /** `rabbitmq_shovel` enabled (in the RabbitmqCluster's additionalPlugins): both sites need it for a round trip. */
  shovelPlugin: z.boolean().default(true),
};

const shovelFields = z.strictObject({
  /** `running`; `starting` (cannot reach the upstream) or `terminated` (with `terminationReason`). */
  state: z.enum(['running', 'starting', 'terminated']).default('running'),
  terminationReason: z.string().default(''),
  ackMode: z.enum(['on-confirm', 'on-publish', 'no-ack']).default('on-confirm'),
  /** The upstream queue it consumes; default: the plan's queue for it (its name unless `queue` says otherwise). */
  sourceQueue: z.string().min(1).optional(),
  /** Messages still in the source queue upstream at the start. */
  backlog: z.number().int().min(0).default(120),
  /** Operator-declared shovels: the Shovel resource's `spec.deletionPolicy`. */
  deletionPolicy: z.enum(['delete', 'retain']).default('delete'),
});

export const rabbitmqShovelClustersSchema = z.strictObject({
  upstream: z
    .strictObject({
      ...siteFields,
      /** Open client connections per shovelled vhost (publishers the fence must stop). */
      clientConnections: z.number().int().min(0).default(2),
      /** Messages per second the clients publish into each shovelled queue while they are connected. */
      publishRatePerSecond: z.number().min(0).default(40),
    })
    .prefault({}),
  downstream: z.strictObject(siteFields).prefault({}),
  /** Per plan shovel (by name): its state at the start; default running, on-confirm, 120 messages behind. */
  shovels: z.record(z.string().min(1), shovelFields).default({}),
  /** Messages per second a running shovel moves. */
  shovelRatePerSecond: z.number().positive().default(400),
  /** How long the topology operator takes to act on a change. */
  operatorDelaySeconds: z.number().min(0).default(0.3),
});

export type RabbitmqShovelClusters = z.infer<typeof rabbitmqShovelClustersSchema>;

export interface ShovelSnapshot {
  name: string;
  vhost: string;
  state: string;
  /** Its dynamic shovel parameter exists. */
  parameter: boolean;
  /** A `Shovel` resource declares it. */
  resource: boolean;
  /** How often the operator put a cleared parameter back. */
  puts: number;
}

export interface ShovelSiteSnapshot {
  reachable: boolean;
  pods: { name: string; ready: boolean }[];
  queues: { vhost: string; name: string; messages: number }[];
  access: VhostAccessSnapshot;
  users: UsersSnapshot;
  /** The shovels defined on this cluster (they pull the other one). */
  shovels: ShovelSnapshot[];
}

export interface RabbitmqShovelSnapshot {
  engine: 'rabbitmq-shovel';
  upstream: ShovelSiteSnapshot;
  downstream: ShovelSiteSnapshot;
  messages: {
    /** Confirmed to the clients that published them (every publish the model takes is confirmed), with the backlog at the start. */
    published: number;
    confirmed: number;
    /** Moved by shovels, either way (a message moved there and back counts twice). */
    shovelled: number;
    /** The side clients are served by: it takes client connections and no shovel of the plan runs on it. */
    serving?: Side;
    /** Confirmed and held by the service: on the serving side, or on a standby whose shovels pull from it. */
    delivered: number;
    /** Confirmed and not held: left on a side nothing moves them from, or gone. */
    lost: number;
    /** Messages in the upstream's queues. */
    stillUpstream: number;
    onDownstream: number;
  };
}

const COMMANDS: Record<string, CommandSpec> = {
  ...VHOST_ACCESS_COMMANDS,
  ...HEALTH_COMMANDS,
  ...USER_COMMANDS,
  shovel_status: { tool: 'rabbitmqctl', valueOptions: ['--formatter'], usage: '[--formatter <format>]' },
  list_parameters: {
    tool: 'rabbitmqctl',
    valueOptions: ['-p', '--vhost', '--formatter'],
    usage: '[-p <vhost>] [--formatter <format>]',
  },
  set_parameter: {
    tool: 'rabbitmqctl',
    valueOptions: ['-p', '--vhost'],
    positionals: ['component_name', 'name', 'value'],
    usage: '[-p <vhost>] <component_name> <name> <value>',
  },
  clear_parameter: {
    tool: 'rabbitmqctl',
    valueOptions: ['-p', '--vhost'],
    positionals: ['component', 'name'],
    usage: '[-p <vhost>] <component_name> <name>',
  },
};

const TICK_MS = 50;
/** A dynamic shovel that cannot connect tries again after its `reconnect-delay` (default 5 s). */
const RECONNECT_DELAY_MS = 5_000;
/** Clients whose connection was closed try again this often. */
const CLIENT_RETRY_MS = 1_000;
/** The initial shovel user's password, as the forward shovels' URIs hold it. */
const SEEDED_PASSWORD = 's3cret';

/** A dynamic shovel's definition, as `set_parameter` took it. */
interface Definition {
  value: Record<string, unknown>;
  srcUri: string;
  srcQueue: string;
  destQueue: string;
  ackMode: string;
}

interface ShovelRuntime {
  /** The cluster it is defined and runs on. */
  site: Side;
  name: string;
  vhost: string;
  /** The `Shovel` resource that declares it (in its site's namespace), if the operator does. */
  resourceName: string | undefined;
  /** What the operator puts back from the resource. */
  declared: Definition | undefined;
  /** The dynamic shovel parameter; undefined once cleared. */
  definition: Definition | undefined;
  forcedState: 'running' | 'starting' | 'terminated';
  terminationReason: string;
  deletionPolicy: 'delete' | 'retain';
  /** Its connection to the source cluster while it has one. */
  connection: { site: Side; name: string } | undefined;
  nextAttempt: number;
  lastChanged: string;
  /** When the operator noticed a missing parameter / a deleted resource; undefined otherwise. */
  operatorDue: number | undefined;
  puts: number;
  /** The fraction of a message its rate allowed but a tick could not move yet. */
  carry: number;
}

interface Site {
  side: Side;
  namespace: string;
  cluster: string;
  container: string;
  reachable: boolean;
  shovelPlugin: boolean;
  /** `amqp://host:port`: what a shovel's source URI names to reach this cluster. */
  endpoint: string;
  pods: { name: string; appDown: boolean }[];
  alarms: Array<{ pod: string; resource: 'memory' | 'disk' }>;
  queues: Map<string, SimQueue>;
}

const podName = (cluster: string, ordinal: number): string => `${cluster}-server-${ordinal}`;
const OTHER: Record<Side, Side> = { upstream: 'downstream', downstream: 'upstream' };

const shovelPlanOf = (plan: Plan): RabbitmqShovelPlan => {
  if (plan.engine.type !== 'rabbitmq-shovel')
    throw new BadInputError(`the rabbitmq-shovel model cannot serve a ${plan.engine.type} plan`);
  return plan.engine;
};

const planProblems = (plan: Plan, clusters: RabbitmqShovelClusters): PlanProblem[] => {
  const engine = shovelPlanOf(plan);
  const check = (
    cluster: string,
    replicas: number,
    name: string,
    path: PlanProblem['path'],
  ): PlanProblem[] => {
    const pods = Array.from({ length: replicas }, (_, i) => podName(cluster, i));
    return pods.includes(name)
      ? []
      : [{ path, message: `"${name}" is not a pod of this cluster; expected one of: ${pods.join(', ')}` }];
  };
  const site = (side: Side) => {
    const c = clusters[side];
    const cluster = engine[side].rabbitmqCluster;
    return [
      ...c.notReadyPods.flatMap((n, i) => check(cluster, c.replicas, n, [side, 'notReadyPods', i])),
      ...c.alarms.flatMap((a, i) => check(cluster, c.replicas, a.pod, [side, 'alarms', i, 'pod'])),
      ...Object.keys(c.realNodes ?? {}).flatMap((n) => check(cluster, c.replicas, n, [side, 'realNodes', n])),
    ];
  };
  const names = engine.shovels.map((s) => s.name);
  return [
    ...site('upstream'),
    ...site('downstream'),
    ...Object.keys(clusters.shovels).flatMap((n) =>
      names.includes(n)
        ? []
        : [
            {
              path: ['shovels', n],
              message: `"${n}" is not a shovel of the plan; expected one of: ${names.join(', ')}`,
            },
          ],
    ),
  ];
};

/** JSON with its keys sorted, as `list_parameters` prints a parameter's value. */
const canonical = (value: Record<string, unknown>): string =>
  JSON.stringify(Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b))));

const definitionOf = (value: Record<string, unknown>): Definition => {
  const srcQueue = typeof value['src-queue'] === 'string' ? value['src-queue'] : '';
  return {
    value,
    srcUri: typeof value['src-uri'] === 'string' ? value['src-uri'] : '',
    srcQueue,
    destQueue: typeof value['dest-queue'] === 'string' ? value['dest-queue'] : srcQueue,
    ackMode: typeof value['ack-mode'] === 'string' ? value['ack-mode'] : 'on-confirm',
  };
};

const create = ({
  plan,
  clusters,
  stores,
}: ModelContext<RabbitmqShovelClusters>): SimModel<RabbitmqShovelSnapshot> => {
  const problems = planProblems(plan, clusters);
  if (problems.length > 0)
    throw new BadInputError(
      problems.map((p) => `scenario: clusters.${p.path.join('.')}: ${p.message}`).join('\n'),
    );
  const engine = shovelPlanOf(plan);
  const vhosts = shovelledVhosts(engine);

  const buildSite = (side: Side): Site => {
    const config = clusters[side];
    const cluster = engine[side].rabbitmqCluster;
    return {
      side,
      namespace: engine[side].namespace,
      cluster,
      container: engine.container,
      reachable: config.reachable,
      shovelPlugin: config.shovelPlugin,
      endpoint: uriParts(`${amqpUriOf(plan, engine, side)}/`)?.endpoint ?? '',
      pods: Array.from({ length: config.replicas }, (_, i) => ({
        name: podName(cluster, i),
        appDown: config.notReadyPods.includes(podName(cluster, i)),
      })),
      alarms: config.alarms,
      queues: new Map(),
    };
  };
  const sites: Record<Side, Site> = { upstream: buildSite('upstream'), downstream: buildSite('downstream') };
  const access: Record<Side, VhostAccess> = {
    upstream: createVhostAccess({
      vhosts,
      pods: sites.upstream.pods.map((p) => p.name),
      connectionsPerVhost: clusters.upstream.clientConnections,
    }),
    downstream: createVhostAccess({
      vhosts,
      pods: sites.downstream.pods.map((p) => p.name),
      connectionsPerVhost: 0,
    }),
  };
  // The forward shovels log in to the upstream as the plan's shovel user; the downstream has no such user yet.
  const users: Record<Side, Users> = {
    upstream: createUsers({
      vhosts,
      initial: [
        {
          user: engine.shovelUser,
          password: SEEDED_PASSWORD,
          permissions: Object.fromEntries(
            vhosts.map((v) => [v, { configure: '.*', write: '.*', read: '.*' }]),
          ),
        },
      ],
    }),
    downstream: createUsers({ vhosts, initial: [] }),
  };
  const queueOf = (site: Site, vhost: string, name: string): SimQueue => {
    const key = `${vhost}/${name}`;
    let queue = site.queues.get(key);
    if (queue === undefined) {
      queue = { vhost, name, type: 'classic', messages: 0 };
      site.queues.set(key, queue);
    }
    return queue;
  };

  // The queues clients publish to: those the plan's shovels move, on whichever side serves.
  const clientQueues: Array<{ vhost: string; name: string }> = [];
  const shovels: ShovelRuntime[] = engine.shovels.map((spec) => {
    const config = shovelFields.parse(clusters.shovels[spec.name] ?? {});
    const sourceQueue = config.sourceQueue ?? shovelQueue(spec);
    clientQueues.push({ vhost: spec.vhost, name: sourceQueue });
    queueOf(sites.upstream, spec.vhost, sourceQueue).messages = config.backlog;
    queueOf(sites.downstream, spec.vhost, sourceQueue);
    const definition = definitionOf({
      'ack-mode': config.ackMode,
      'dest-protocol': 'amqp091',
      'dest-queue': sourceQueue,
      'dest-uri': `amqp:///${encodeURIComponent(spec.vhost)}`,
      'src-protocol': 'amqp091',
      'src-queue': sourceQueue,
      'src-uri': `${sites.upstream.endpoint.replace('://', `://${encodeURIComponent(engine.shovelUser)}:${SEEDED_PASSWORD}@`)}/${encodeURIComponent(spec.vhost)}`,
    });
    return {
      site: 'downstream',
      name: spec.name,
      vhost: spec.vhost,
      resourceName: spec.declaredBy === 'topology-operator' ? shovelResourceName(spec) : undefined,
      declared: spec.declaredBy === 'topology-operator' ? definition : undefined,
      definition,
      forcedState: config.state,
      terminationReason: config.terminationReason,
      deletionPolicy: config.deletionPolicy,
      connection: undefined,
      nextAttempt: 0,
      lastChanged: stamp(),
      operatorDue: undefined,
      puts: 0,
      carry: 0,
    };
  });
  const totals = {
    published: clientQueues.reduce(
      (sum, q) => sum + (sites.upstream.queues.get(`${q.vhost}/${q.name}`)?.messages ?? 0),
      0,
    ),
    shovelled: 0,
  };

  for (const site of Object.values(sites)) seedSite(stores[site.side], site);
  for (const shovel of shovels.filter((s) => s.resourceName !== undefined)) {
    stores[shovel.site].create(
      keyOf(SHOVEL, sites[shovel.site].namespace, ''),
      shovelResource(sites[shovel.site], shovel),
    );
  }

  const resourceExists = (shovel: ShovelRuntime): boolean =>
    shovel.resourceName !== undefined &&
    stores[shovel.site].find(keyOf(SHOVEL, sites[shovel.site].namespace, shovel.resourceName)) !== undefined;
  const nodeOf = (site: Site, pod: string): string => `rabbit@${pod}.${site.cluster}-nodes.${site.namespace}`;
  const sourceSiteOf = (shovel: ShovelRuntime): Site | undefined => {
    const endpoint = shovel.definition ? uriParts(shovel.definition.srcUri)?.endpoint : undefined;
    const site = sites[OTHER[shovel.site]];
    return endpoint !== undefined && endpoint === site.endpoint ? site : undefined;
  };
  const connectionOpen = (shovel: ShovelRuntime): boolean =>
    shovel.connection !== undefined &&
    sites[shovel.connection.site].reachable &&
    access[shovel.connection.site].isOpen(shovel.connection.name);

  /** A shovel runs while its parameter exists and it holds a connection to its reachable source. */
  const stateOf = (shovel: ShovelRuntime): string => {
    if (!shovel.definition) return 'absent';
    if (shovel.forcedState !== 'running') return shovel.forcedState;
    return connectionOpen(shovel) ? 'running' : 'starting';
  };
  const dropConnection = (shovel: ShovelRuntime): void => {
    if (shovel.connection) access[shovel.connection.site].disconnect(shovel.connection.name);
    shovel.connection = undefined;
  };

  /**
   * What a connection attempt needs, as RabbitMQ checks it: the source cluster named by the URI
   * and reachable, its vhost not refusing connections, the user's password and its permission to
   * declare and consume the queue; and the local vhost taking the shovel's own (direct)
   * connection, which `max-connections` 0 refuses too (checked on a real node).
   */
  const tryConnect = (shovel: ShovelRuntime, definition: Definition, at: number): void => {
    const source = sourceSiteOf(shovel);
    const parts = (() => {
      try {
        const url = new URL(definition.srcUri);
        return { user: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
      } catch {
        return undefined;
      }
    })();
    const self = sites[shovel.site];
    const allowed =
      source !== undefined &&
      source.reachable &&
      self.reachable &&
      parts !== undefined &&
      users[source.side].mayConsume(parts.user, parts.password, shovel.vhost, definition.srcQueue) &&
      access[shovel.site].allowsConnections(shovel.vhost);
    const name = `${shovel.site === 'downstream' ? '10.1' : '10.0'}.0.21:${47000 + shovels.indexOf(shovel)} -> ${source?.endpoint.replace(/^amqps?:\/\//, '') ?? '?'}`;
    if (
      allowed &&
      access[source.side].connect({
        name,
        vhost: shovel.vhost,
        pod: source.pods[0]?.name ?? 'unknown',
        user: parts.user,
      })
    ) {
      shovel.connection = { site: source.side, name };
      shovel.lastChanged = stamp();
      queueOf(source, shovel.vhost, definition.srcQueue);
      queueOf(self, shovel.vhost, definition.destQueue);
      return;
    }
    shovel.nextAttempt = at + RECONNECT_DELAY_MS;
    shovel.lastChanged = stamp();
  };

  /** Where clients go: the side that takes their connections and that no shovel of the plan feeds. */
  let clientSide: Side = 'upstream';
  const serves = (side: Side): boolean =>
    sites[side].reachable &&
    vhosts.every((v) => access[side].allowsConnections(v)) &&
    !shovels.some((s) => s.site === side && (s.definition !== undefined || resourceExists(s)));
  const servingSide = (): Side | undefined => {
    const candidates = (['upstream', 'downstream'] as const).filter(serves);
    return candidates.length > 1 ? clientSide : candidates[0];
  };
  const clientRetryAt = new Map<string, number>();
  let clientSerial = 0;
  const clientCount = (side: Side, vhost: string) =>
    access[side].snapshot().connections.filter((c) => c.vhost === vhost && c.user === 'app').length;

  const tick = (): void => {
    const seconds = TICK_MS / 1000;
    const at = Date.now();
    // Clients closed by a fence keep retrying; they get in where the service is served.
    for (const vhost of vhosts) {
      const missing =
        clusters.upstream.clientConnections -
        clientCount('upstream', vhost) -
        clientCount('downstream', vhost);
      if (missing <= 0 || at < (clientRetryAt.get(vhost) ?? 0)) continue;
      clientRetryAt.set(vhost, at + CLIENT_RETRY_MS);
      const side = servingSide();
      if (side === undefined) continue;
      for (let i = 0; i < missing; i++) {
        clientSerial += 1;
        const pods = sites[side].pods;
        access[side].connect({
          name: `10.2.${clientSerial}.17:${41000 + clientSerial} -> ${sites[side].endpoint.replace(/^amqps?:\/\//, '')}`,
          vhost,
          pod: pods[clientSerial % pods.length]?.name ?? 'unknown',
          user: 'app',
        });
      }
      clientSide = side;
    }
    // Clients with an open connection keep publishing (and getting confirms) until fenced out.
    for (const side of ['upstream', 'downstream'] as const) {
      if (!sites[side].reachable) continue;
      for (const q of clientQueues) {
        if (clientCount(side, q.vhost) === 0) continue;
        const published = Math.round(clusters.upstream.publishRatePerSecond * seconds);
        queueOf(sites[side], q.vhost, q.name).messages += published;
        totals.published += published;
      }
    }
    for (const shovel of shovels) {
      // The operator's reconcile: a declared shovel's cleared parameter comes back; a deleted resource's goes.
      if (shovel.resourceName !== undefined) {
        const declared = resourceExists(shovel);
        const defined = shovel.definition !== undefined;
        const drift = declared !== defined && !(declared === false && shovel.deletionPolicy === 'retain');
        if (!drift) shovel.operatorDue = undefined;
        else if (shovel.operatorDue === undefined)
          shovel.operatorDue = at + clusters.operatorDelaySeconds * 1000;
        else if (at >= shovel.operatorDue) {
          shovel.definition = declared ? shovel.declared : undefined;
          if (declared) shovel.puts += 1;
          shovel.operatorDue = undefined;
          shovel.lastChanged = stamp();
          shovel.nextAttempt = at;
        }
      }
      const definition = shovel.definition;
      if (!definition || shovel.forcedState !== 'running' || !sites[shovel.site].shovelPlugin) {
        dropConnection(shovel);
        continue;
      }
      if (shovel.connection !== undefined && !connectionOpen(shovel)) {
        // Closed (a fence, a lost site): it tries again after its reconnect delay.
        dropConnection(shovel);
        shovel.nextAttempt = at + RECONNECT_DELAY_MS;
        shovel.lastChanged = stamp();
      }
      if (shovel.connection === undefined && at >= shovel.nextAttempt) tryConnect(shovel, definition, at);
      if (stateOf(shovel) === 'running') {
        // on-confirm: a message leaves the source once the destination confirmed it, so it is always in one of the two.
        const source = queueOf(sites[shovel.connection!.site], shovel.vhost, definition.srcQueue);
        const destination = queueOf(sites[shovel.site], shovel.vhost, definition.destQueue);
        const allowed = shovel.carry + clusters.shovelRatePerSecond * seconds;
        const moved = Math.min(source.messages, Math.floor(allowed));
        shovel.carry = Math.min(allowed - moved, 1);
        source.messages -= moved;
        destination.messages += moved;
        totals.shovelled += moved;
      }
    }
  };
  tick();
  const timer = setInterval(tick, TICK_MS);

  const healthOf = (site: Site): ClusterHealthState => ({
    nodes: site.pods.map((p) => ({ name: nodeOf(site, p.name), running: !p.appDown })),
    alarms: site.alarms.map((a) => ({ node: nodeOf(site, a.pod), resource: a.resource })),
    partitions: {},
    queues: [...site.queues.values()],
  });

  const shovelStatus = (site: Site, parsed: ParsedCommand, node: string): ExecOutput => {
    const rows = shovels
      .filter((s) => s.site === site.side && s.definition !== undefined)
      .map((s) => {
        const state = stateOf(s);
        const running = state === 'running';
        const definition = s.definition!;
        const source = uriParts(definition.srcUri);
        return {
          destination: running ? `amqp:///${encodeURIComponent(s.vhost)}` : '',
          ...(running ? { destination_protocol: 'amqp091', destination_queue: definition.destQueue } : {}),
          last_changed: s.lastChanged,
          name: s.name,
          // The status never shows the credentials.
          source: running && source ? `${source.endpoint}/${encodeURIComponent(s.vhost)}` : '',
          ...(running ? { source_protocol: 'amqp091', source_queue: definition.srcQueue } : {}),
          state,
          termination_reason: state === 'terminated' ? s.terminationReason : '',
          type: 'dynamic',
          vhost: s.vhost,
        };
      });
    if (parsed.values.get('--formatter') === 'json')
      return ok(`[\n${rows.map((r, i) => `${i === 0 ? '' : ','}${JSON.stringify(r)}\n`).join('')}]\n`);
    const columns = [
      'destination',
      'destination_protocol',
      'destination_queue',
      'last_changed',
      'name',
      'source',
      'source_protocol',
      'source_queue',
      'state',
      'termination_reason',
      'type',
      'vhost',
    ];
    return ok(
      render(
        parsed,
        `Shovel status on node ${node}`,
        rows.map((r) => columns.map((c) => String((r as Record<string, unknown>)[c] ?? '')).join('\t')),
        columns,
      ),
    );
  };

  const vhostOf = (parsed: ParsedCommand): string =>
    parsed.values.get('-p') ?? parsed.values.get('--vhost') ?? '/';
  const knownVhost = (vhost: string) => vhosts.includes(vhost) || vhost === '/';

  const listParameters = (site: Site, parsed: ParsedCommand): ExecOutput => {
    const vhost = vhostOf(parsed);
    if (!knownVhost(vhost))
      return { stdout: '', stderr: `Error:\nVirtual host '${vhost}' does not exist\n`, exitCode: 65 };
    // The value as set, credentials included.
    const rows = shovels
      .filter((s) => s.site === site.side && s.definition !== undefined && s.vhost === vhost)
      .map((s) => ({ component: 'shovel', name: s.name, value: canonical(s.definition!.value) }));
    if (parsed.values.get('--formatter') === 'json')
      return ok(
        `[${rows.length ? `\n${rows.map((r, i) => `${i === 0 ? '' : ','}${JSON.stringify(r)}\n`).join('')}` : ''}]\n`,
      );
    return ok(
      render(
        parsed,
        `Listing runtime parameters for vhost "${vhost}" ...`,
        rows.map((r) => `${r.component}\t${r.name}\t${r.value}`),
        ['component', 'name', 'value'],
      ),
    );
  };

  /** As 3.10 answers (checked on real nodes), the banner echoing the value with its credentials. */
  const setParameter = (site: Site, parsed: ParsedCommand): ExecOutput => {
    const vhost = vhostOf(parsed);
    const [component = '', name = '', raw = ''] = parsed.positionals;
    const banner = `Setting runtime parameter "${name}" for component "${component}" to "${raw}" in vhost "${vhost}" ...\n`;
    if (!knownVhost(vhost))
      return { stdout: banner, stderr: `Virtual host '${vhost}' does not exist\n`, exitCode: 65 };
    if (component !== 'shovel' || !site.shovelPlugin)
      return {
        stdout: banner,
        stderr: `Error:\nValidation failed\n\ncomponent ${component} not found\n\n`,
        exitCode: 69,
      };
    let value: Record<string, unknown>;
    try {
      value = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return { stdout: banner, stderr: 'Error:\nJSON decoding error. Reason: badarg\n', exitCode: 69 };
    }
    // Assumed wording (not captured from a real node): the plugin refuses a definition without these.
    const missing = ['src-uri', 'dest-uri'].filter((k) => typeof value[k] !== 'string');
    if (typeof value['src-queue'] !== 'string' && typeof value['src-exchange'] !== 'string')
      missing.push('src-queue');
    if (missing.length > 0)
      return {
        stdout: banner,
        stderr: `Error:\nValidation failed\n\n${missing.map((k) => `Key "${k}" not found in shovel definition`).join('\n')}\n`,
        exitCode: 69,
      };
    const definition = definitionOf(value);
    const existing = shovels.find((s) => s.site === site.side && s.vhost === vhost && s.name === name);
    if (existing === undefined) {
      shovels.push({
        site: site.side,
        name,
        vhost,
        resourceName: undefined,
        declared: undefined,
        definition,
        forcedState: 'running',
        terminationReason: '',
        deletionPolicy: 'delete',
        connection: undefined,
        nextAttempt: Date.now(),
        lastChanged: stamp(),
        operatorDue: undefined,
        puts: 0,
        carry: 0,
      });
    } else if (
      existing.definition === undefined ||
      canonical(existing.definition.value) !== canonical(value)
    ) {
      // A changed definition restarts the shovel; an equal one leaves it running (checked on a real node).
      dropConnection(existing);
      existing.definition = definition;
      existing.nextAttempt = Date.now();
      existing.lastChanged = stamp();
    }
    return ok(banner);
  };

  const clearParameter = (site: Site, parsed: ParsedCommand): ExecOutput => {
    const vhost = vhostOf(parsed);
    const [component, name] = parsed.positionals;
    const banner = `Clearing runtime parameter "${name}" for component "${component}" on vhost "${vhost}" ...`;
    const shovel =
      component === 'shovel'
        ? shovels.find(
            (s) => s.site === site.side && s.vhost === vhost && s.name === name && s.definition !== undefined,
          )
        : undefined;
    if (shovel === undefined)
      return {
        stdout: render(parsed, banner, []),
        stderr: 'Error:\nParameter does not exist\n',
        exitCode: 69,
      };
    shovel.definition = undefined;
    shovel.lastChanged = stamp();
    dropConnection(shovel);
    return ok(render(parsed, banner, []));
  };

  const run = (site: Site, parsed: ParsedCommand, pod: string): ExecOutput => {
    const node = nodeOf(site, pod);
    if (parsed.command in VHOST_ACCESS_COMMANDS) return access[site.side].run(parsed, pod);
    if (parsed.command in HEALTH_COMMANDS) return runHealthCommand(parsed, node, healthOf(site));
    if (parsed.command in USER_COMMANDS) return users[site.side].run(parsed);
    if (parsed.command === 'set_parameter') return setParameter(site, parsed);
    // Without the plugin the CLI does not know its commands.
    if (!site.shovelPlugin && parsed.command === 'shovel_status')
      return { stdout: '', stderr: `\nCommand '${parsed.command}' not found. \n`, exitCode: 64 };
    switch (parsed.command) {
      case 'shovel_status':
        return shovelStatus(site, parsed, node);
      case 'list_parameters':
        return listParameters(site, parsed);
      case 'clear_parameter':
        return clearParameter(site, parsed);
      default:
        throw new Error(`command table and dispatch disagree on ${parsed.command}`);
    }
  };

  const siteSnapshot = (site: Site): ShovelSiteSnapshot => ({
    reachable: site.reachable,
    pods: site.pods.map((p) => ({ name: p.name, ready: !p.appDown })),
    queues: [...site.queues.values()].map((q) => ({ vhost: q.vhost, name: q.name, messages: q.messages })),
    access: access[site.side].snapshot(),
    users: users[site.side].snapshot(),
    shovels: shovels
      .filter((s) => s.site === site.side)
      .map((s) => ({
        name: s.name,
        vhost: s.vhost,
        state: stateOf(s),
        parameter: s.definition !== undefined,
        resource: resourceExists(s),
        puts: s.puts,
      })),
  });

  const held = (side: Side): number =>
    [...sites[side].queues.values()].reduce((sum, q) => sum + q.messages, 0);
  /** A standby of `serving`: a shovel defined on `side` pulls from it, so what `side` holds is served after a failback. */
  const feeds = (side: Side, serving: Side): boolean =>
    shovels.some((s) => s.site === side && s.definition !== undefined && sourceSiteOf(s)?.side === serving);

  return {
    isReachable: (side) => sites[side].reachable,
    setReachable(side, reachable) {
      sites[side].reachable = reachable;
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
        run: (parsed, pod) => run(site, parsed, pod.name),
      });
    },
    failureMessage: (side, pod, command) =>
      `Error: operation ${command} on node ${nodeOf(sites[side], pod)} timed out. Timeout value used: 60000\n`,
    // Deleting a Shovel resource is all the operator needs; the tick reconciles the parameter.
    afterWrite(_side: Side, _event: WriteEvent) {},
    snapshot: () => {
      const serving = servingSide();
      const onUpstream = held('upstream');
      const onDownstream = held('downstream');
      const kept =
        serving === undefined
          ? onUpstream + onDownstream
          : held(serving) + (feeds(OTHER[serving], serving) ? held(OTHER[serving]) : 0);
      return {
        engine: 'rabbitmq-shovel',
        upstream: siteSnapshot(sites.upstream),
        downstream: siteSnapshot(sites.downstream),
        messages: {
          published: totals.published,
          confirmed: totals.published,
          shovelled: totals.shovelled,
          ...(serving ? { serving } : {}),
          delivered: kept,
          lost: totals.published - kept,
          stillUpstream: onUpstream,
          onDownstream,
        },
      };
    },
    stop() {
      clearInterval(timer);
    },
  };
};

const ok = (stdout: string): ExecOutput => ({ stdout, stderr: '', exitCode: 0 });

/** `2026-11-21 21:21:11`, as `last_changed` prints. */
const stamp = (): string => new Date().toISOString().slice(0, 19).replace('T', ' ');

const seedSite = (store: ResourceStore, site: Site): void => {
  for (const type of [POD, RABBITMQ_CLUSTER, SHOVEL]) store.register(type);
  const withStatus = (type: ResourceType, body: JsonObject, status: JsonObject): void => {
    store.create(keyOf(type, site.namespace, ''), body);
    store.update(keyOf(type, site.namespace, String((body.metadata as JsonObject).name)), (obj) => {
      obj.status = status;
    });
  };
  const ready = site.pods.filter((p) => !p.appDown).length;
  withStatus(
    RABBITMQ_CLUSTER,
    {
      metadata: { name: site.cluster },
      spec: {
        replicas: site.pods.length,
        rabbitmq: { additionalPlugins: site.shovelPlugin ? ['rabbitmq_shovel'] : [] },
      },
    },
    {
      conditions: [
        {
          type: 'AllReplicasReady',
          status: ready === site.pods.length ? 'True' : 'False',
          lastTransitionTime: now(),
        },
        { type: 'ClusterAvailable', status: ready > 0 ? 'True' : 'False', lastTransitionTime: now() },
        { type: 'ReconcileSuccess', status: 'True', lastTransitionTime: now() },
      ],
      observedGeneration: 1,
    },
  );
  for (const pod of site.pods) {
    const { status, ...body } = podObject(site, pod, 'Running');
    withStatus(POD, body, status as JsonObject);
  }
};

const shovelResource = (site: Site, shovel: ShovelRuntime): JsonObject => ({
  metadata: { name: shovel.resourceName ?? shovel.name },
  spec: {
    name: shovel.name,
    vhost: shovel.vhost,
    uriSecret: { name: `${shovel.resourceName ?? shovel.name}-uris` },
    srcQueue: shovel.declared?.srcQueue ?? shovel.name,
    destQueue: shovel.declared?.destQueue ?? shovel.name,
    ackMode: shovel.declared?.ackMode ?? 'on-confirm',
    deletionPolicy: shovel.deletionPolicy,
    rabbitmqClusterReference: { name: site.cluster },
  },
});

/**
 * The upstream takes client writes while it is reachable and a shovelled vhost lacks
 * `max-connections` 0 or still has a client (not shovel) connection. The downstream is primary
 * once no shovel of the plan is left (parameter or resource) and its vhosts accept clients; what
 * a reachable upstream then still holds in the source queues was confirmed to publishers, could
 * have been drained, and is left behind (a lost upstream's backlog is the loss readiness bounded).
 */
export const rabbitmqShovelSafety = (plan: Plan, snapshot: RabbitmqShovelSnapshot): SafetyView => {
  const engine = shovelPlanOf(plan);
  const vhosts = shovelledVhosts(engine);
  const { upstream, downstream } = snapshot;
  const open = vhosts.filter((v) => upstream.access.limits[v]?.['max-connections'] !== 0);
  const clients = upstream.access.connections.filter(
    (c) => vhosts.includes(c.vhost) && c.user !== engine.shovelUser,
  ).length;
  const standing = downstream.shovels.filter((s) => s.parameter || s.resource).map((s) => s.name);
  const refusing = vhosts.filter((v) => downstream.access.limits[v]?.['max-connections'] === 0);
  const primary = standing.length === 0 && refusing.length === 0;
  return {
    upstreamWritable: upstream.reachable && (open.length > 0 || clients > 0),
    downstreamPrimary: primary,
    promotions: primary ? 1 : 0,
    // Removing a shovel twice changes nothing: there is no second promotion to make.
    duplicatePromotions: 0,
    leftBehind: primary && upstream.reachable ? snapshot.messages.stillUpstream : 0,
    summary:
      `upstream ${upstream.reachable ? '' : 'unreachable, '}${open.length > 0 ? `accepting connections on ${open.join(', ')}` : 'fenced'} with ${clients} client connections; ` +
      `downstream ${primary ? 'standing alone' : `still replicating (${[...standing, ...refusing.map((v) => `${v} refuses clients`)].join(', ')})`}; ` +
      `${snapshot.messages.stillUpstream} messages still upstream`,
  };
};

export const rabbitmqShovelModel: EngineModel<RabbitmqShovelClusters, RabbitmqShovelSnapshot> = {
  clustersSchema: rabbitmqShovelClustersSchema,
  planProblems,
  create,
  healthyScenario: 'examples/scenarios/rabbitmq-shovel/healthy.yaml',
};
