// Open-source RabbitMQ replicated with dynamic shovels (DOMAIN.md): an upstream cluster whose
// clients publish into the shovels' source queues, a downstream cluster running the shovels,
// which move messages while they can reach the upstream, and the Messaging Topology Operator,
// which keeps the shovels that `Shovel` resources declare (it puts a cleared one back) and
// removes one when its resource is deleted (unless `deletionPolicy: retain`).
import { z } from 'zod';
import { BadInputError } from '../../lambdas/errors.js';
import type { RabbitmqShovelPlan } from '../../lambdas/engines/rabbitmq-shovel/plan.js';
import { shovelledVhosts, shovelResourceName } from '../../lambdas/engines/rabbitmq-shovel/plan.js';
import type { Plan, Side } from '../../lambdas/plan/schema.js';
import type { JsonObject } from '../json-patch.js';
import type { ResourceStore, ResourceType } from '../resource-store.js';
import { render, type CommandSpec, type ParsedCommand } from './rabbitmq-cli.js';
import { HEALTH_COMMANDS, runHealthCommand, type ClusterHealthState, type SimQueue } from './rabbitmq-health.js';
import { keyOf, now, podObject, POD, RABBITMQ_CLUSTER } from './rabbitmq-standby-objects.js';
import { execInRabbitPod } from './rabbitmq-pod-exec.js';
import { realNodesSchema } from './real-rabbitmq.js';
import type { EngineModel, ExecOutput, ExecRequest, ModelContext, PlanProblem, SimModel, WriteEvent } from './sim-model.js';
import { createVhostAccess, VHOST_ACCESS_COMMANDS, type VhostAccess, type VhostAccessSnapshot } from './vhost-access.js';

export const SHOVEL: ResourceType = { group: 'rabbitmq.com', version: 'v1beta1', plural: 'shovels', kind: 'Shovel' };

const siteFields = {
  /** false: the site's API server drops every connection (a lost region). */
  reachable: z.boolean().default(true),
  replicas: z.number().int().min(1).max(9).default(3),
  /** Pods whose RabbitMQ is down: Ready False, CLI commands exit 69. */
  notReadyPods: z.array(z.string().min(1)).default([]),
  /** Resource alarms raised on a pod's node. */
  alarms: z.array(z.strictObject({ pod: z.string().min(1), resource: z.enum(['memory', 'disk']) })).default([]),
  /** Pods whose CLI commands run against a real local node (`<pod>: node@host`). */
  realNodes: realNodesSchema,
};

const shovelFields = z.strictObject({
  /** `running`; `starting` (cannot reach the upstream) or `terminated` (with `terminationReason`). */
  state: z.enum(['running', 'starting', 'terminated']).default('running'),
  terminationReason: z.string().default(''),
  ackMode: z.enum(['on-confirm', 'on-publish', 'no-ack']).default('on-confirm'),
  /** The upstream queue it consumes; default: the shovel's name. */
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
      /** Messages per second the clients publish into each source queue while they are connected. */
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

export interface ShovelSiteSnapshot {
  reachable: boolean;
  pods: { name: string; ready: boolean }[];
  queues: { vhost: string; name: string; messages: number }[];
  access: VhostAccessSnapshot;
}

export interface RabbitmqShovelSnapshot {
  engine: 'rabbitmq-shovel';
  upstream: ShovelSiteSnapshot;
  downstream: ShovelSiteSnapshot & {
    shovels: { name: string; vhost: string; state: string; parameter: boolean; resource: boolean; puts: number }[];
  };
  /** Everything the upstream's clients published (confirmed), and what reached the downstream. */
  messages: { published: number; delivered: number; stillUpstream: number };
}

const COMMANDS: Record<string, CommandSpec> = {
  ...VHOST_ACCESS_COMMANDS,
  ...HEALTH_COMMANDS,
  shovel_status: { tool: 'rabbitmqctl', valueOptions: ['--formatter'], usage: '[--formatter <format>]' },
  list_parameters: { tool: 'rabbitmqctl', valueOptions: ['-p', '--vhost', '--formatter'], usage: '[-p <vhost>] [--formatter <format>]' },
  clear_parameter: { tool: 'rabbitmqctl', valueOptions: ['-p', '--vhost'], positionals: ['component', 'name'], usage: '[-p <vhost>] <component_name> <name>' },
};

const TICK_MS = 50;

interface ShovelRuntime {
  name: string;
  vhost: string;
  declaredBy: 'topology-operator' | 'parameter';
  resourceName: string;
  ackMode: string;
  sourceQueue: string;
  /** The dynamic shovel parameter exists on the downstream. */
  parameter: boolean;
  forcedState: 'running' | 'starting' | 'terminated';
  terminationReason: string;
  deletionPolicy: 'delete' | 'retain';
  /** The name of its connection to the upstream while it has one. */
  connection: string | undefined;
  lastChanged: string;
  /** When the operator noticed a missing parameter / a deleted resource; undefined otherwise. */
  operatorDue: number | undefined;
  /** How often the operator put a cleared parameter back. */
  puts: number;
}

interface Site {
  side: Side;
  namespace: string;
  cluster: string;
  container: string;
  reachable: boolean;
  pods: { name: string; appDown: boolean }[];
  alarms: Array<{ pod: string; resource: 'memory' | 'disk' }>;
  /** Source queues upstream, destination queues downstream. */
  queues: Map<string, SimQueue>;
}

const podName = (cluster: string, ordinal: number): string => `${cluster}-server-${ordinal}`;

const shovelPlanOf = (plan: Plan): RabbitmqShovelPlan => {
  if (plan.engine.type !== 'rabbitmq-shovel') throw new BadInputError(`the rabbitmq-shovel model cannot serve a ${plan.engine.type} plan`);
  return plan.engine;
};

const planProblems = (plan: Plan, clusters: RabbitmqShovelClusters): PlanProblem[] => {
  const engine = shovelPlanOf(plan);
  const check = (cluster: string, replicas: number, name: string, path: PlanProblem['path']): PlanProblem[] => {
    const pods = Array.from({ length: replicas }, (_, i) => podName(cluster, i));
    return pods.includes(name) ? [] : [{ path, message: `"${name}" is not a pod of this cluster; expected one of: ${pods.join(', ')}` }];
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
    ...Object.keys(clusters.shovels).flatMap((n) => (names.includes(n) ? [] : [{ path: ['shovels', n], message: `"${n}" is not a shovel of the plan; expected one of: ${names.join(', ')}` }])),
  ];
};

const create = ({ plan, clusters, stores }: ModelContext<RabbitmqShovelClusters>): SimModel<RabbitmqShovelSnapshot> => {
  const problems = planProblems(plan, clusters);
  if (problems.length > 0) throw new BadInputError(problems.map((p) => `scenario: clusters.${p.path.join('.')}: ${p.message}`).join('\n'));
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
      pods: Array.from({ length: config.replicas }, (_, i) => ({ name: podName(cluster, i), appDown: config.notReadyPods.includes(podName(cluster, i)) })),
      alarms: config.alarms,
      queues: new Map(),
    };
  };
  const sites: Record<Side, Site> = { upstream: buildSite('upstream'), downstream: buildSite('downstream') };
  const access: Record<Side, VhostAccess> = {
    upstream: createVhostAccess({ vhosts, pods: sites.upstream.pods.map((p) => p.name), connectionsPerVhost: clusters.upstream.clientConnections }),
    downstream: createVhostAccess({ vhosts, pods: sites.downstream.pods.map((p) => p.name), connectionsPerVhost: 0 }),
  };
  const shovels: ShovelRuntime[] = engine.shovels.map((spec) => {
    const config = shovelFields.parse(clusters.shovels[spec.name] ?? {});
    const sourceQueue = config.sourceQueue ?? spec.name;
    sites.upstream.queues.set(`${spec.vhost}/${sourceQueue}`, { vhost: spec.vhost, name: sourceQueue, type: 'classic', messages: config.backlog });
    sites.downstream.queues.set(`${spec.vhost}/${sourceQueue}`, { vhost: spec.vhost, name: sourceQueue, type: 'classic', messages: 0 });
    return {
      name: spec.name,
      vhost: spec.vhost,
      declaredBy: spec.declaredBy,
      resourceName: shovelResourceName(spec),
      ackMode: config.ackMode,
      sourceQueue,
      parameter: true,
      forcedState: config.state,
      terminationReason: config.terminationReason,
      deletionPolicy: config.deletionPolicy,
      connection: undefined,
      lastChanged: stamp(),
      operatorDue: undefined,
      puts: 0,
    };
  });
  const totals = { published: 0, delivered: 0, initialBacklog: shovels.reduce((sum, s) => sum + (sites.upstream.queues.get(`${s.vhost}/${s.sourceQueue}`)?.messages ?? 0), 0) };

  for (const site of Object.values(sites)) seedSite(stores[site.side], site);
  for (const shovel of shovels.filter((s) => s.declaredBy === 'topology-operator')) {
    stores.downstream.create(keyOf(SHOVEL, sites.downstream.namespace, ''), shovelResource(engine, shovel));
  }

  const resourceExists = (shovel: ShovelRuntime): boolean => stores.downstream.find(keyOf(SHOVEL, sites.downstream.namespace, shovel.resourceName)) !== undefined;
  const nodeOf = (site: Site, pod: string): string => `rabbit@${pod}.${site.cluster}-nodes.${site.namespace}`;
  const upstreamNode = sites.upstream.pods[0]?.name ?? 'unknown';

  /** A shovel runs while its parameter exists and it holds a connection to the reachable upstream. */
  const stateOf = (shovel: ShovelRuntime): string => {
    if (!shovel.parameter) return 'absent';
    if (shovel.forcedState !== 'running') return shovel.forcedState;
    return shovel.connection !== undefined && sites.upstream.reachable && access.upstream.isOpen(shovel.connection) ? 'running' : 'starting';
  };

  const tick = (): void => {
    const seconds = TICK_MS / 1000;
    const at = Date.now();
    for (const shovel of shovels) {
      const source = sites.upstream.queues.get(`${shovel.vhost}/${shovel.sourceQueue}`)!;
      const destination = sites.downstream.queues.get(`${shovel.vhost}/${shovel.sourceQueue}`)!;
      // Clients with an open connection keep publishing (and getting confirms) until fenced out.
      if (sites.upstream.reachable && access.upstream.snapshot().connections.some((c) => c.vhost === shovel.vhost && c.user !== engine.shovelUser)) {
        const published = Math.round(clusters.upstream.publishRatePerSecond * seconds);
        source.messages += published;
        totals.published += published;
      }
      // The operator's reconcile: a declared shovel's cleared parameter comes back; a deleted resource's goes.
      if (shovel.declaredBy === 'topology-operator') {
        const declared = resourceExists(shovel);
        const drift = declared !== shovel.parameter && !(declared === false && shovel.deletionPolicy === 'retain');
        if (!drift) shovel.operatorDue = undefined;
        else if (shovel.operatorDue === undefined) shovel.operatorDue = at + clusters.operatorDelaySeconds * 1000;
        else if (at >= shovel.operatorDue) {
          shovel.parameter = declared;
          if (declared) shovel.puts += 1;
          shovel.operatorDue = undefined;
          shovel.lastChanged = stamp();
        }
      }
      if (!shovel.parameter || shovel.forcedState !== 'running') {
        if (shovel.connection) access.upstream.disconnect(shovel.connection);
        shovel.connection = undefined;
        continue;
      }
      if (shovel.connection !== undefined && !access.upstream.isOpen(shovel.connection)) {
        shovel.connection = undefined;
        shovel.lastChanged = stamp();
      }
      // A shovel whose connection is gone retries; a fenced vhost refuses it.
      if (shovel.connection === undefined && sites.upstream.reachable) {
        const name = `10.1.0.21:${47000 + shovels.indexOf(shovel)} -> 10.0.0.10:5672`;
        if (access.upstream.connect({ name, vhost: shovel.vhost, pod: upstreamNode, user: engine.shovelUser })) {
          shovel.connection = name;
          shovel.lastChanged = stamp();
        }
      }
      if (stateOf(shovel) === 'running') {
        const moved = Math.min(source.messages, Math.max(1, Math.round(clusters.shovelRatePerSecond * seconds)));
        source.messages -= moved;
        destination.messages += moved;
        totals.delivered += moved;
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

  const shovelStatus = (parsed: ParsedCommand, node: string): ExecOutput => {
    const rows = shovels
      .filter((s) => s.parameter)
      .map((s) => {
        const state = stateOf(s);
        const running = state === 'running';
        return {
          destination: running ? `amqp:///${encodeURIComponent(s.vhost)}` : '',
          ...(running ? { destination_protocol: 'amqp091', destination_queue: s.sourceQueue } : {}),
          last_changed: s.lastChanged,
          name: s.name,
          source: running ? `amqp://${engine.upstream.rabbitmqCluster}.${engine.upstream.namespace}.svc:5672/${encodeURIComponent(s.vhost)}` : '',
          ...(running ? { source_protocol: 'amqp091', source_queue: s.sourceQueue } : {}),
          state,
          termination_reason: state === 'terminated' ? s.terminationReason : '',
          type: 'dynamic',
          vhost: s.vhost,
        };
      });
    if (parsed.values.get('--formatter') === 'json') return ok(`[\n${rows.map((r, i) => `${i === 0 ? '' : ','}${JSON.stringify(r)}\n`).join('')}]\n`);
    const columns = ['destination', 'destination_protocol', 'destination_queue', 'last_changed', 'name', 'source', 'source_protocol', 'source_queue', 'state', 'termination_reason', 'type', 'vhost'];
    return ok(render(parsed, `Shovel status on node ${node}`, rows.map((r) => columns.map((c) => String((r as Record<string, unknown>)[c] ?? '')).join('\t')), columns));
  };

  const listParameters = (parsed: ParsedCommand): ExecOutput => {
    const vhost = parsed.values.get('-p') ?? parsed.values.get('--vhost') ?? '/';
    if (!vhosts.includes(vhost) && vhost !== '/') return { stdout: '', stderr: `Error:\nVirtual host '${vhost}' does not exist\n`, exitCode: 65 };
    const rows = shovels
      .filter((s) => s.parameter && s.vhost === vhost)
      .map((s) => ({
        component: 'shovel',
        name: s.name,
        value: JSON.stringify({
          'ack-mode': s.ackMode,
          'dest-protocol': 'amqp091',
          'dest-queue': s.sourceQueue,
          'dest-uri': `amqp:///${encodeURIComponent(s.vhost)}`,
          'src-protocol': 'amqp091',
          'src-queue': s.sourceQueue,
          'src-uri': `amqp://${engine.shovelUser}:s3cret@${engine.upstream.rabbitmqCluster}.${engine.upstream.namespace}.svc:5672/${encodeURIComponent(s.vhost)}`,
        }),
      }));
    if (parsed.values.get('--formatter') === 'json') return ok(`[${rows.length ? `\n${rows.map((r, i) => `${i === 0 ? '' : ','}${JSON.stringify(r)}\n`).join('')}` : ''}]\n`);
    return ok(render(parsed, `Listing runtime parameters for vhost "${vhost}" ...`, rows.map((r) => `${r.component}\t${r.name}\t${r.value}`), ['component', 'name', 'value']));
  };

  const clearParameter = (parsed: ParsedCommand): ExecOutput => {
    const vhost = parsed.values.get('-p') ?? parsed.values.get('--vhost') ?? '/';
    const [component, name] = parsed.positionals;
    const banner = `Clearing runtime parameter "${name}" for component "${component}" on vhost "${vhost}" ...`;
    const shovel = component === 'shovel' ? shovels.find((s) => s.vhost === vhost && s.name === name && s.parameter) : undefined;
    if (shovel === undefined) return { stdout: render(parsed, banner, []), stderr: 'Error:\nParameter does not exist\n', exitCode: 69 };
    shovel.parameter = false;
    shovel.lastChanged = stamp();
    if (shovel.connection) access.upstream.disconnect(shovel.connection);
    shovel.connection = undefined;
    return ok(render(parsed, banner, []));
  };

  const run = (site: Site, parsed: ParsedCommand, pod: string): ExecOutput => {
    const node = nodeOf(site, pod);
    if (parsed.command in VHOST_ACCESS_COMMANDS) return access[site.side].run(parsed, pod);
    if (parsed.command in HEALTH_COMMANDS) return runHealthCommand(parsed, node, healthOf(site));
    // The shovel plugin runs on the downstream only; the upstream's CLI does not know its commands.
    if (site.side === 'upstream') return { stdout: '', stderr: `\nCommand '${parsed.command}' not found. \n`, exitCode: 64 };
    switch (parsed.command) {
      case 'shovel_status':
        return shovelStatus(parsed, node);
      case 'list_parameters':
        return listParameters(parsed);
      case 'clear_parameter':
        return clearParameter(parsed);
      default:
        throw new Error(`command table and dispatch disagree on ${parsed.command}`);
    }
  };

  const siteSnapshot = (site: Site): ShovelSiteSnapshot => ({
    reachable: site.reachable,
    pods: site.pods.map((p) => ({ name: p.name, ready: !p.appDown })),
    queues: [...site.queues.values()].map((q) => ({ vhost: q.vhost, name: q.name, messages: q.messages })),
    access: access[site.side].snapshot(),
  });

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
    failureMessage: (side, pod, command) => `Error: operation ${command} on node ${nodeOf(sites[side], pod)} timed out. Timeout value used: 60000\n`,
    // Deleting a Shovel resource is all the operator needs; the tick reconciles the parameter.
    afterWrite(_side: Side, _event: WriteEvent) {},
    snapshot: () => {
      const stillUpstream = [...sites.upstream.queues.values()].reduce((sum, q) => sum + q.messages, 0);
      return {
        engine: 'rabbitmq-shovel',
        upstream: siteSnapshot(sites.upstream),
        downstream: {
          ...siteSnapshot(sites.downstream),
          shovels: shovels.map((s) => ({ name: s.name, vhost: s.vhost, state: stateOf(s), parameter: s.parameter, resource: s.declaredBy === 'topology-operator' && resourceExists(s), puts: s.puts })),
        },
        messages: { published: totals.published + totals.initialBacklog, delivered: totals.delivered, stillUpstream },
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
    { metadata: { name: site.cluster }, spec: { replicas: site.pods.length, rabbitmq: { additionalPlugins: site.side === 'downstream' ? ['rabbitmq_shovel'] : [] } } },
    {
      conditions: [
        { type: 'AllReplicasReady', status: ready === site.pods.length ? 'True' : 'False', lastTransitionTime: now() },
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

const shovelResource = (engine: RabbitmqShovelPlan, shovel: ShovelRuntime): JsonObject => ({
  metadata: { name: shovel.resourceName },
  spec: {
    name: shovel.name,
    vhost: shovel.vhost,
    uriSecret: { name: `${shovel.resourceName}-uris` },
    srcQueue: shovel.sourceQueue,
    destQueue: shovel.sourceQueue,
    ackMode: shovel.ackMode,
    deletionPolicy: shovel.deletionPolicy,
    rabbitmqClusterReference: { name: engine.downstream.rabbitmqCluster },
  },
});

export const rabbitmqShovelModel: EngineModel<RabbitmqShovelClusters, RabbitmqShovelSnapshot> = {
  clustersSchema: rabbitmqShovelClustersSchema,
  planProblems,
  create,
  healthyScenario: 'examples/scenarios/rabbitmq-shovel/healthy.yaml',
};
