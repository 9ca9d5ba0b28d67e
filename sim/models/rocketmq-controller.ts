// RocketMQ 5 in controller mode across two sites (seed 002): one Kubernetes cluster whose
// nodes sit in two sites, broker groups of a master and a slave split across them, a name
// server per site and one DLedger controller. When a site is lost, its pods stay listed but
// not Ready; the controller notices a dead broker when its heartbeats stop (`electionDelaySeconds`;
// 10-15 s for a real one) and then elects an in-sync slave of each group whose master died, unless
// it is itself stuck on a lost node (until its pod is force-deleted and rescheduled) or it "fails
// to promote" (the seed: its elections do not commit until it is restarted). The name servers keep
// a dark site's brokers listed until their channels expire (120 s), a master as BID 0 until a new
// master registers. `mqadmin` prints as RocketMQ 5.1.4 does (conformance/rocketmq/ compares the two).
// Clients publish to every master that takes writes; slaves replicate asynchronously, one tick
// behind. An admin `electMaster` of a live SyncStateSet member switches the master even while the
// old one lives (the request designates the broker); the controller then tells the old master,
// which becomes a slave and truncates what the new master never got: those messages are lost.
// With `real:`, the pods' mqadmin runs against a real cluster instead (real-rocketmq.ts) and the
// model only serves the pods.
import { z } from 'zod';
import { BadInputError } from '../../lambdas/errors.js';
import type { RocketmqControllerPlan } from '../../lambdas/engines/rocketmq-controller/plan.js';
import type { Plan, Side } from '../../lambdas/plan/schema.js';
import type { JsonObject } from '../json-patch.js';
import { metadataOf, type ResourceStore } from '../resource-store.js';
import { keyOf, now, POD } from './rabbitmq-standby-objects.js';
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
  REFUSED_ADDRESS,
  realRocketmqSchema,
  restartRealProcess,
  runRealMqadmin,
  type AddressBook,
} from './real-rocketmq.js';
import {
  answeredWithCode,
  clusterListOutput,
  connectFailed,
  controllerMetaDataOutput,
  electMasterOutput,
  missingOptions,
  syncStateSetOutput,
  USAGES,
  type MqadminVersion,
} from './rocketmq-mqadmin-output.js';

export const rocketmqClustersSchema = z.strictObject({
  /** A site whose nodes are down at the start: its pods stay listed, not Ready, unreachable. */
  lostSite: z.string().min(1).optional(),
  /** Nodes per site (named k8s-node-01, -02, ... in site order, as in the seed). */
  nodesPerSite: z.number().int().min(1).max(9).default(3),
  controller: z
    .strictObject({
      /** The site whose node runs the controller's pod at the start; default the plan's target site. */
      site: z.string().min(1).optional(),
      /** Seed 002: its automatic slave -> master switch (and electMaster) fail until it is restarted. */
      failsToPromote: z.boolean().default(false),
    })
    .prefault({}),
  /** Per broker group, the site of its master at the start; default: the group's first member's. */
  masters: z.record(z.string().min(1), z.string().min(1)).default({}),
  /**
   * Member pods outside their group's SyncStateSet that never catch up: alive and registered, but
   * their replication is stalled (e.g. a full disk) with a backlog of `stalledBacklogMessages`.
   */
  notInSync: z.array(z.string().min(1)).default([]),
  stalledBacklogMessages: z.number().int().min(1).default(3000),
  /**
   * Broker groups configured with allAckInSyncStateSet: a master acknowledges a message once every
   * SyncStateSet member has it. The others (RocketMQ's default) acknowledge first and replicate
   * after, so an election can lose the newest acknowledged messages.
   */
  allAckInSyncStateSet: z.array(z.string().min(1)).default([]),
  /** How far behind a slave may fall before its master drops it from the SyncStateSet (RocketMQ's default 15 s). */
  haMaxTimeSlaveNotCatchupSeconds: z.number().min(0).default(15),
  /** Messages per second clients send to each group's master while it takes writes (alive, brokerPermission 6). */
  publishRatePerSecond: z.number().min(0).default(50),
  /**
   * How long the controller takes to notice a dead broker (its heartbeats stop: 10 s by default,
   * then a scan every 5 s) and elect a new master for a group whose master died. Until then it
   * reports the broker alive. Scenarios set less so that drills do not wait.
   */
  electionDelaySeconds: z.number().min(0).default(12),
  /**
   * How long the name servers keep listing a broker whose site went dark (no connection closed):
   * RouteInfoManager's channel expiry, 120 s after its last registration. A master's row goes at
   * once when a new master registers in its place.
   */
  nameServerExpirySeconds: z.number().min(0).default(120),
  /** A (re)started controller answers with a `null` leader until its DLedger group has elected one. */
  leaderElectionSeconds: z.number().min(0).default(2),
  /** How long a deleted pod takes to be Ready again on a live node. */
  rescheduleSeconds: z.number().min(0).default(0.5),
  /** The mqadmin output format: getSyncStateSet changed in 5.1.0 and 5.1.1 (5.1.4 prints as 5.1.1). */
  rocketmqVersion: z.enum(['5.0.0', '5.1.0', '5.1.4']).default('5.1.4'),
  /** Run the pods' mqadmin against a real local cluster (conformance/rocketmq/); see real-rocketmq.ts. */
  real: realRocketmqSchema.optional(),
});

export type RocketmqClusters = z.infer<typeof rocketmqClustersSchema>;

export interface RocketmqSnapshot {
  engine: 'rocketmq-controller';
  sites: Record<string, { up: boolean; nodes: string[] }>;
  controller: {
    pod: string;
    node?: string;
    site?: string;
    ready: boolean;
    terminating: boolean;
    restarts: number;
    failsToPromote: boolean;
  };
  groups: Array<{
    brokerName: string;
    masterPod?: string;
    masterSite?: string;
    masterEpoch: number;
    syncStateSet: string[];
    /** Messages clients had acknowledged by a master of this group that no master holds any more. */
    lostMessages: number;
    /** `messages`: the length of its commit log, in messages. */
    members: Array<{
      pod: string;
      site: string;
      brokerId: number;
      alive: boolean;
      readOnly: boolean;
      messages: number;
      ip?: string;
    }>;
  }>;
  /** electMaster calls the controller answered with a new master. */
  elections: { automatic: number; electMaster: number };
  /** Every election in order: who lost the master role to whom, and what that lost. */
  electionLog: Array<{
    brokerName: string;
    masterEpoch: number;
    from?: string;
    to: string;
    by: 'controller' | 'electMaster';
    oldMasterAlive: boolean;
    lostMessages: number;
  }>;
  pods: Array<{ name: string; node?: string; ready: boolean; terminating: boolean }>;
}

interface NodeInfo {
  name: string;
  site: string;
  ip: string;
}

interface PodRuntime {
  name: string;
  labels: Record<string, string>;
  container: string;
  node: string | undefined;
  ip: string | undefined;
  /** Being recreated: no node yet, or not Ready yet. */
  pending: boolean;
  terminating: boolean;
}

interface MemberRuntime {
  pod: string;
  site: string;
  brokerId: number;
  readOnly: boolean;
  /** Its commit log, in messages (`haStatus` prints bytes: MESSAGE_BYTES each). */
  messages: number;
  /** Where its current HA connection started fetching, in messages. */
  fetchingFrom: number;
}

interface GroupRuntime {
  brokerName: string;
  members: MemberRuntime[];
  master: number | undefined;
  syncStateSet: Set<number>;
  masterEpoch: number;
  syncStateSetEpoch: number;
  /** When the controller first saw the master dead. */
  deadSince: number | undefined;
  lostMessages: number;
  /** Publishing carries fractions of a message from tick to tick. */
  pending: number;
}

const TICK_MS = 100;
/** Each message takes this much of the commit log: offsets and Diff in `haStatus` are bytes. */
const MESSAGE_BYTES = 1024;
/** What each group's commit log holds at the start. */
const INITIAL_MESSAGES = 120_000;
const BROKER_PORT_DEFAULT = 10911;

const rocketPlanOf = (plan: Plan): RocketmqControllerPlan => {
  if (plan.engine.type !== 'rocketmq-controller')
    throw new BadInputError(`the rocketmq-controller model cannot serve a ${plan.engine.type} plan`);
  return plan.engine;
};

const sitesOf = (engine: RocketmqControllerPlan): string[] =>
  [
    ...new Set([engine.targetSite, ...engine.brokerGroups.flatMap((g) => g.members.map((m) => m.site))]),
  ].sort();

const planProblems = (plan: Plan, clusters: RocketmqClusters): PlanProblem[] => {
  const engine = rocketPlanOf(plan);
  const sites = sitesOf(engine);
  const members = engine.brokerGroups.flatMap((g) => g.members.map((m) => m.pod));
  const site = (value: string | undefined, path: PlanProblem['path']): PlanProblem[] =>
    value === undefined || sites.includes(value)
      ? []
      : [{ path, message: `"${value}" is not a site of the plan; expected one of: ${sites.join(', ')}` }];
  return [
    ...site(clusters.lostSite, ['lostSite']),
    ...site(clusters.controller.site, ['controller', 'site']),
    ...Object.entries(clusters.masters).flatMap(([group, s]) => [
      ...(engine.brokerGroups.some((g) => g.brokerName === group)
        ? []
        : [{ path: ['masters', group], message: `"${group}" is not a broker group of the plan` }]),
      ...site(s, ['masters', group]),
    ]),
    ...clusters.notInSync.flatMap((pod, i) =>
      members.includes(pod)
        ? []
        : [
            {
              path: ['notInSync', i],
              message: `"${pod}" is not a broker pod of the plan; expected one of: ${members.join(', ')}`,
            },
          ],
    ),
    ...realProblems(engine, clusters),
  ];
};

/** The name server pod of each site, in site order (the model creates them so). */
const nameServerPods = (engine: RocketmqControllerPlan): string[] =>
  sitesOf(engine).map((_, i) => `rocketmq-namesrv-${i}`);

/** A real cluster stands for every broker and name server pod, or the model would mix the two. */
const realProblems = (engine: RocketmqControllerPlan, clusters: RocketmqClusters): PlanProblem[] => {
  const real = clusters.real;
  if (real === undefined) return [];
  const brokers = engine.brokerGroups.flatMap((g) => g.members.map((m) => m.pod));
  const nameServers = nameServerPods(engine);
  const pods = [...brokers, ...nameServers, engine.controller.pod];
  const bound = (kind: string, wanted: string[], given: string[], path: string): PlanProblem[] => [
    ...wanted
      .filter((p) => !given.includes(p))
      .map((p) => ({ path: ['real', path], message: `${kind} pod "${p}" has no real process` })),
    ...given
      .filter((p) => !wanted.includes(p))
      .map((p) => ({
        path: ['real', path, p],
        message: `"${p}" is not a ${kind} pod of the plan; expected one of: ${wanted.join(', ')}`,
      })),
  ];
  return [
    ...bound('broker', brokers, Object.keys(real.brokers), 'brokers'),
    ...bound('name server', nameServers, Object.keys(real.nameServers), 'nameServers'),
    ...Object.keys(real.restart)
      .filter((p) => !pods.includes(p))
      .map((p) => ({ path: ['real', 'restart', p], message: `"${p}" is not a pod of the plan` })),
  ];
};

/** `app=rocketmq-namesrv,tier=x` -> labels, so the name server pods match the plan's selector. */
const labelsOf = (selector: string): Record<string, string> =>
  Object.fromEntries(
    selector
      .split(',')
      .map((r) => /^\s*([^=!\s]+)\s*==?\s*(\S+)\s*$/.exec(r))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1]!, m[2]!]),
  );

const create = ({ plan, clusters, stores }: ModelContext<RocketmqClusters>): SimModel<RocketmqSnapshot> => {
  const problems = planProblems(plan, clusters);
  if (problems.length > 0)
    throw new BadInputError(
      problems.map((p) => `scenario: clusters.${p.path.join('.')}: ${p.message}`).join('\n'),
    );
  const engine = rocketPlanOf(plan);
  const port = engine.brokerPort ?? BROKER_PORT_DEFAULT;
  const store: ResourceStore = stores.downstream;
  store.register(POD);
  stores.upstream.register(POD);

  const siteNames = sitesOf(engine);
  const siteUp = new Map(siteNames.map((s) => [s, s !== clusters.lostSite]));
  let nodeCount = 0;
  const nodes: NodeInfo[] = siteNames.flatMap((site, si) =>
    Array.from({ length: clusters.nodesPerSite }, (_, i) => ({
      name: `k8s-node-${String(++nodeCount).padStart(2, '0')}`,
      site,
      ip: `10.${si + 1}.0.${10 + i}`,
    })),
  );
  const nodeAlive = (node: string | undefined): boolean =>
    node !== undefined && siteUp.get(nodes.find((n) => n.name === node)?.site ?? '') === true;
  const siteOfNode = (node: string | undefined): string | undefined =>
    nodes.find((n) => n.name === node)?.site;
  let ipSerial = 10;
  /** Pod IPs come from the node's site range: a rescheduled pod gets a new one. */
  const podIp = (node: string): string =>
    `10.${siteNames.indexOf(siteOfNode(node) ?? '') + 1}.1.${(ipSerial += 1)}`;
  const placement = new Map<string, number>();
  const nodeIn = (site: string): string => {
    const inSite = nodes.filter((n) => n.site === site);
    const next = placement.get(site) ?? 0;
    placement.set(site, next + 1);
    return inSite[next % inSite.length]!.name;
  };

  const pods = new Map<string, PodRuntime>();
  const addPod = (
    name: string,
    labels: Record<string, string>,
    container: string,
    site: string,
  ): PodRuntime => {
    const node = nodeIn(site);
    const pod: PodRuntime = {
      name,
      labels,
      container,
      node,
      ip: podIp(node),
      pending: false,
      terminating: false,
    };
    pods.set(name, pod);
    return pod;
  };
  // Name servers: one per site, labelled as the plan's mqadmin selector expects.
  const namesrvLabels = labelsOf(engine.mqadmin.podSelector);
  siteNames.forEach((site, i) =>
    addPod(
      `rocketmq-namesrv-${i}`,
      { ...namesrvLabels, 'topology.site': site },
      engine.mqadmin.container ?? 'name-service',
      site,
    ),
  );
  addPod(
    engine.controller.pod,
    { app: 'rocketmq-controller' },
    'controller',
    clusters.controller.site ?? engine.targetSite,
  );
  /** A slave whose replication is stalled: it never fetches, so it never rejoins the SyncStateSet. */
  const stalled = (m: MemberRuntime): boolean => clusters.notInSync.includes(m.pod);
  const groups: GroupRuntime[] = engine.brokerGroups.map((g) => {
    const members: MemberRuntime[] = g.members.map((m, i) => {
      addPod(
        m.pod,
        { app: 'rocketmq-broker', broker_cr: engine.brokerCluster, brokerName: g.brokerName },
        'broker',
        m.site,
      );
      return {
        pod: m.pod,
        site: m.site,
        brokerId: i + 1,
        readOnly: false,
        messages: INITIAL_MESSAGES,
        fetchingFrom: INITIAL_MESSAGES,
      };
    });
    const masterSite = clusters.masters[g.brokerName] ?? g.members[0]!.site;
    const master = members.find((m) => m.site === masterSite) ?? members[0]!;
    for (const m of members.filter((x) => x.brokerId !== master.brokerId && stalled(x))) {
      m.messages -= clusters.stalledBacklogMessages;
      m.fetchingFrom = m.messages;
    }
    const syncStateSet = new Set(
      members.filter((m) => !stalled(m) || m.brokerId === master.brokerId).map((m) => m.brokerId),
    );
    return {
      brokerName: g.brokerName,
      members,
      master: master.brokerId,
      syncStateSet,
      masterEpoch: 1,
      // The first master starts alone in its SyncStateSet (epoch 1); each slave that joins adds one.
      syncStateSetEpoch: syncStateSet.size,
      deadSince: undefined,
      lostMessages: 0,
      pending: 0,
    };
  });

  const podAlive = (pod: PodRuntime | undefined): boolean =>
    pod !== undefined && !pod.pending && !pod.terminating && nodeAlive(pod.node);
  const memberAlive = (m: MemberRuntime): boolean => podAlive(pods.get(m.pod));
  const addressOf = (m: MemberRuntime): string => `${pods.get(m.pod)?.ip ?? '0.0.0.0'}:${port}`;
  const controllerPod = (): PodRuntime | undefined => pods.get(engine.controller.pod);
  const controllerAlive = (): boolean => podAlive(controllerPod());
  /** Serving and, after a (re)start, past its DLedger election: it answers with a leader and can elect. */
  const controllerLeads = (): boolean => controllerAlive() && Date.now() >= controllerState.leaderAt;
  const controllerState = {
    failsToPromote: clusters.controller.failsToPromote,
    restarts: 0,
    /** Until then the (re)started controller's DLedger group has no leader. */
    leaderAt: 0,
  };
  const elections = { automatic: 0, electMaster: 0 };
  const real = clusters.real;

  /**
   * When each broker pod stopped being alive, and the id the name servers list it under: a broker
   * whose site went dark closes no connection, so the name servers keep its row until the channel
   * expires, and the controller thinks it alive until its heartbeats have been missed long enough.
   */
  const gone = new Map<string, { at: number; listedAs: number }>();
  const observe = (at = Date.now()): void => {
    for (const group of groups)
      for (const m of group.members) {
        if (memberAlive(m)) gone.delete(m.pod);
        else if (!gone.has(m.pod))
          gone.set(m.pod, { at, listedAs: m.brokerId === group.master ? 0 : m.brokerId });
      }
  };
  /** Alive as the controller sees it: heartbeats stopped less than electionDelaySeconds ago count. */
  const controllerSeesAlive = (m: MemberRuntime): boolean => {
    if (memberAlive(m)) return true;
    const since = gone.get(m.pod)?.at;
    return since !== undefined && Date.now() - since < clusters.electionDelaySeconds * 1000;
  };

  const writePod = (pod: PodRuntime): void => {
    const key = keyOf(POD, engine.namespace, pod.name);
    const alive = podAlive(pod);
    const body: JsonObject = {
      metadata: {
        name: pod.name,
        labels: pod.labels,
        ...(pod.terminating ? { deletionTimestamp: now(), deletionGracePeriodSeconds: 30 } : {}),
      },
      spec: {
        containers: [
          {
            name: pod.container,
            image: `ghcr.io/ksmartdata/rocketmq-${pod.container === 'broker' ? 'broker' : pod.container === 'controller' ? 'controller' : 'nameserver'}:v${clusters.rocketmqVersion}`,
          },
        ],
        ...(pod.node ? { nodeName: pod.node } : {}),
      },
    };
    const status: JsonObject = {
      phase: pod.node === undefined ? 'Pending' : 'Running',
      ...(pod.ip && !pod.pending ? { podIP: pod.ip } : {}),
      conditions: [
        { type: 'PodScheduled', status: pod.node === undefined ? 'False' : 'True' },
        { type: 'Ready', status: alive ? 'True' : 'False' },
      ],
      // A lost node's kubelet stops reporting: the last status (running) stays.
      containerStatuses: [
        {
          name: pod.container,
          ready: alive,
          restartCount: 0,
          state: pod.pending
            ? { waiting: { reason: 'ContainerCreating' } }
            : { running: { startedAt: now() } },
        },
      ],
    };
    if (store.find(key) === undefined) store.create(key, body);
    store.update(key, (obj) => {
      obj.metadata = { ...metadataOf(obj), ...(body.metadata as JsonObject) };
      obj.spec = body.spec ?? null;
      obj.status = status;
    });
  };
  for (const pod of pods.values()) writePod(pod);

  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, run: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, ms);
    timers.add(timer);
  };

  /** The StatefulSet creates the pod again under its name, on a live node. */
  const reschedule = (pod: PodRuntime): void => {
    pod.terminating = false;
    pod.pending = true;
    pod.node = undefined;
    pod.ip = undefined;
    writePod(pod);
    later(clusters.rescheduleSeconds * 500, () => {
      const live = nodes.filter((n) => siteUp.get(n.site));
      const target = live.find((n) => n.site === engine.targetSite) ?? live[0];
      if (target === undefined) return;
      pod.node = target.name;
      pod.ip = podIp(target.name);
      writePod(pod);
      // The container starts on the new node: a real process stands for it when the scenario says so.
      const restart = real?.restart[pod.name];
      if (restart !== undefined)
        void restartRealProcess(restart).then((failed) => {
          if (failed !== undefined)
            process.stderr.write(`restarting ${pod.name} for real failed: ${failed}\n`);
        });
      later(clusters.rescheduleSeconds * 500, () => {
        pod.pending = false;
        if (pod.name === engine.controller.pod) {
          controllerState.restarts += 1;
          // The seed's fix: a restarted controller promotes again.
          controllerState.failsToPromote = false;
          controllerState.leaderAt = Date.now() + clusters.leaderElectionSeconds * 1000;
        }
        writePod(pod);
      });
    });
  };

  const electionLog: RocketmqSnapshot['electionLog'] = [];
  let lastTick = Date.now();

  /**
   * Clients and replication, whatever the controller does: every slave that fetches gets what its
   * master held at the last tick (asynchronous replication, one tick behind), then clients publish
   * to each master that takes writes; with allAckInSyncStateSet a message is acknowledged only once
   * the SyncStateSet's live members have it.
   */
  const flow = (at: number): void => {
    const elapsedMs = at - lastTick;
    lastTick = at;
    for (const group of groups) {
      const master = group.members.find((m) => m.brokerId === group.master);
      if (master === undefined || !memberAlive(master)) continue;
      for (const m of group.members)
        if (m !== master && memberAlive(m) && !stalled(m)) m.messages = master.messages;
      if (master.readOnly) continue;
      group.pending += (clusters.publishRatePerSecond * elapsedMs) / 1000;
      const published = Math.floor(group.pending);
      group.pending -= published;
      master.messages += published;
      if (clusters.allAckInSyncStateSet.includes(group.brokerName))
        for (const m of group.members)
          if (group.syncStateSet.has(m.brokerId) && memberAlive(m) && !stalled(m))
            m.messages = master.messages;
    }
  };

  /** What the controller does on its own: elect an in-sync live member when a master died, keep the SyncStateSets. */
  const tick = (): void => {
    const at = Date.now();
    observe(at);
    flow(at);
    if (!controllerLeads()) return;
    for (const group of groups) {
      const master = group.members.find((m) => m.brokerId === group.master);
      if (master !== undefined && memberAlive(master)) {
        group.deadSince = undefined;
        // The master shrinks the SyncStateSet when a slave has not caught up for a while (15 s,
        // haMaxTimeSlaveNotCatchup; the same order as the controller's heartbeat timeout), and
        // grows it when one caught up.
        const before = [...group.syncStateSet].sort().join();
        for (const m of group.members) {
          if (m.brokerId === master.brokerId) continue;
          if (!controllerSeesAlive(m)) group.syncStateSet.delete(m.brokerId);
          else if (memberAlive(m) && !stalled(m)) group.syncStateSet.add(m.brokerId);
        }
        if ([...group.syncStateSet].sort().join() !== before) group.syncStateSetEpoch += 1;
        continue;
      }
      group.deadSince ??= at;
      if (controllerState.failsToPromote || at - group.deadSince < clusters.electionDelaySeconds * 1000)
        continue;
      const next = group.members.find(
        (m) => m.brokerId !== group.master && group.syncStateSet.has(m.brokerId) && memberAlive(m),
      );
      if (next !== undefined) {
        elect(group, next, 'controller');
        elections.automatic += 1;
      }
    }
  };
  /**
   * A new master and epoch; the SyncStateSet is the new master alone until the others catch up.
   * The controller tells the group's brokers (notifyBrokerRoleChanged): a live old master becomes a
   * slave at once, a dead one when it returns and registers. Either way it truncates its commit log
   * to what the new master holds: the messages beyond it were acknowledged to clients and are lost.
   */
  const elect = (group: GroupRuntime, member: MemberRuntime, by: 'controller' | 'electMaster'): void => {
    const old = group.members.find((m) => m.brokerId === group.master);
    const lost = old !== undefined && old !== member ? Math.max(0, old.messages - member.messages) : 0;
    group.master = member.brokerId;
    group.syncStateSet = new Set([member.brokerId]);
    group.masterEpoch += 1;
    group.syncStateSetEpoch += 1;
    group.deadSince = undefined;
    group.pending = 0;
    group.lostMessages += lost;
    for (const m of group.members) {
      if (m === member || m.messages <= member.messages) continue;
      m.messages = member.messages;
      m.fetchingFrom = m.messages;
    }
    electionLog.push({
      brokerName: group.brokerName,
      masterEpoch: group.masterEpoch,
      ...(old && old !== member ? { from: old.pod } : {}),
      to: member.pod,
      by,
      oldMasterAlive: old !== undefined && memberAlive(old),
      lostMessages: lost,
    });
  };
  tick();
  // Against a real cluster there are no simulated brokers to move.
  const interval = real === undefined ? setInterval(tick, TICK_MS) : undefined;

  // --- mqadmin -------------------------------------------------------------------------

  const version: MqadminVersion = clusters.rocketmqVersion;
  const controllerPort = Number(engine.controller.address.split(':').at(-1));

  const nameServerAnswers = (address: string): boolean => {
    // A per-site address (`rocketmq-namesrv-<i>...`) needs that pod; a Service needs any.
    const named = [...pods.values()].filter(
      (p) => p.name.startsWith('rocketmq-namesrv-') && address.startsWith(p.name),
    );
    const candidates =
      named.length > 0 ? named : [...pods.values()].filter((p) => p.name.startsWith('rocketmq-namesrv-'));
    return candidates.some(podAlive);
  };
  const controllerAnswers = (address: string): boolean =>
    address === engine.controller.address && controllerAlive();

  /**
   * The name servers' listing: every live broker, and each broker of a dark site until its channel
   * expires, under the id it had (a master as BID 0 until a new master registers in its place).
   */
  const clusterList = (options: Map<string, string>): ExecOutput => {
    const nameServer = options.get('-n') ?? '';
    if (!nameServerAnswers(nameServer)) return connectFailed('ClusterListSubCommand', nameServer);
    observe();
    const now = Date.now();
    const entries = [...groups]
      .sort((a, b) => a.brokerName.localeCompare(b.brokerName))
      .flatMap((g) => {
        const live = g.members
          .filter(memberAlive)
          .map((m) => ({ m, bid: m.brokerId === g.master ? 0 : m.brokerId, answered: true }));
        const taken = new Set(live.map((l) => l.bid));
        const stale = g.members.flatMap((m) => {
          const dark = gone.get(m.pod);
          return dark !== undefined &&
            now - dark.at < clusters.nameServerExpirySeconds * 1000 &&
            !taken.has(dark.listedAs)
            ? [{ m, bid: dark.listedAs, answered: false }]
            : [];
        });
        return [...live, ...stale]
          .sort((a, b) => a.bid - b.bid)
          .map(({ m, bid, answered }) => ({
            cluster: engine.brokerCluster,
            brokerName: g.brokerName,
            brokerId: bid,
            address: addressOf(m),
            answered,
            version,
          }));
      });
    return clusterListOutput(entries);
  };

  /** A controller that is serving but has not elected its DLedger leader yet: every request goes to `null`. */
  const leaderless = (command: string): ExecOutput | undefined =>
    controllerLeads() ? undefined : connectFailed(command, 'null');

  const getSyncStateSet = (options: Map<string, string>): ExecOutput => {
    const controller = options.get('-a') ?? '';
    if (!controllerAnswers(controller)) return connectFailed('GetSyncStateSetSubCommand', controller);
    const noLeader = leaderless('GetSyncStateSetSubCommand');
    if (noLeader) return noLeader;
    observe();
    const wanted = options.get('-b');
    // Without -b or -c the tool prints its usage and asks nothing.
    if (wanted === undefined && options.get('-c') === undefined)
      return {
        stdout: `usage: mqadmin getSyncStateSet ${USAGES['getSyncStateSet']!}\n`,
        stderr: '',
        exitCode: 0,
      };
    const replica = (m: MemberRuntime) => ({
      brokerId: m.brokerId,
      address: addressOf(m),
      alive: controllerSeesAlive(m),
    });
    const blocks = groups
      .filter((g) => wanted === undefined || g.brokerName === wanted)
      .map((g) => {
        const master = g.members.find((m) => m.brokerId === g.master);
        return {
          brokerName: g.brokerName,
          ...(master ? { master: { brokerId: master.brokerId, address: addressOf(master) } } : {}),
          masterEpoch: g.masterEpoch,
          syncStateSetEpoch: g.syncStateSetEpoch,
          inSync: g.members.filter((m) => g.syncStateSet.has(m.brokerId)).map(replica),
          notInSync: g.members.filter((m) => !g.syncStateSet.has(m.brokerId)).map(replica),
        };
      });
    return { stdout: syncStateSetOutput(blocks, version), stderr: '', exitCode: 0 };
  };

  const getControllerMetaData = (options: Map<string, string>): ExecOutput => {
    const controller = options.get('-a') ?? '';
    if (!controllerAnswers(controller)) return connectFailed('GetControllerMetaDataSubCommand', controller);
    const self = { id: 'n0', address: `${controllerPod()?.ip ?? ''}:${controllerPort}` };
    return {
      stdout: controllerMetaDataOutput('DefaultControllerGroup', controllerLeads() ? self : undefined, [
        self,
      ]),
      stderr: '',
      exitCode: 0,
    };
  };

  /**
   * ReplicasInfoManager.electMaster with DefaultElectPolicy and a designated broker (the admin's
   * request): the controller elects it when it is alive in its view and in the SyncStateSet, even
   * while the old master lives; 2011 when it already is the master; 2012 otherwise.
   */
  const electMaster = (options: Map<string, string>): ExecOutput => {
    const controller = options.get('-a') ?? '';
    if (!controllerAnswers(controller)) return connectFailed('ReElectMasterSubCommand', controller);
    const noLeader = leaderless('ReElectMasterSubCommand');
    if (noLeader) return noLeader;
    observe();
    const group = groups.find((g) => g.brokerName === options.get('-bn'));
    if (group === undefined)
      return answeredWithCode('ReElectMasterSubCommand', 2010, "Broker hasn't been registered");
    // Seed 002's controller that "fails to promote": its elections do not commit, the request
    // processor's wait for them times out and the answer is a system error.
    if (controllerState.failsToPromote)
      return answeredWithCode(
        'ReElectMasterSubCommand',
        1,
        'java.util.concurrent.TimeoutException, java.base/java.util.concurrent.CompletableFuture.timedGet(CompletableFuture.java:1960)',
      );
    const wanted = group.members.find((m) => String(m.brokerId) === options.get('-b'));
    // Only an alive SyncStateSet member is electable (enableElectUncleanMaster is false).
    const electable =
      wanted !== undefined && controllerSeesAlive(wanted) && group.syncStateSet.has(wanted.brokerId);
    if (electable && wanted.brokerId === group.master)
      return answeredWithCode(
        'ReElectMasterSubCommand',
        2011,
        `The old master ${wanted.brokerId} is still alive, not need to elect new master for broker ${group.brokerName}`,
      );
    if (!electable) return answeredWithCode('ReElectMasterSubCommand', 2012, 'Failed to elect a new master');
    elect(group, wanted, 'electMaster');
    elections.electMaster += 1;
    return {
      stdout: electMasterOutput(
        engine.brokerCluster,
        group.brokerName,
        addressOf(wanted),
        group.masterEpoch,
        group.syncStateSetEpoch,
      ),
      stderr: '',
      exitCode: 0,
    };
  };

  const brokerAt = (address: string): { group: GroupRuntime; member: MemberRuntime } | undefined => {
    for (const group of groups)
      for (const member of group.members) if (addressOf(member) === address) return { group, member };
    return undefined;
  };

  const updateBrokerConfig = (options: Map<string, string>): ExecOutput => {
    const address = options.get('-b') ?? '';
    const broker = brokerAt(address);
    if (broker === undefined || !memberAlive(broker.member))
      return connectFailed('UpdateBrokerConfigSubCommand', address);
    if (options.get('-k') === 'brokerPermission') broker.member.readOnly = options.get('-v') === '4';
    return { stdout: `update broker config success, ${address}\n`, stderr: '', exitCode: 0 };
  };

  const getBrokerConfig = (options: Map<string, string>): ExecOutput => {
    const address = options.get('-b') ?? '';
    const broker = brokerAt(address);
    // The tool prints the broker's header before it asks the broker.
    if (broker === undefined || !memberAlive(broker.member))
      return {
        ...connectFailed('GetBrokerConfigCommand', address),
        stdout: `============${address}============\n`,
      };
    const lines = [
      ['brokerClusterName', engine.brokerCluster],
      ['brokerName', broker.group.brokerName],
      ['brokerPermission', broker.member.readOnly ? '4' : '6'],
      ['enableControllerMode', 'true'],
      ['allAckInSyncStateSet', String(clusters.allAckInSyncStateSet.includes(broker.group.brokerName))],
      ['haMaxTimeSlaveNotCatchup', String(clusters.haMaxTimeSlaveNotCatchupSeconds * 1000)],
      ['controllerAddr', engine.controller.address],
      ['listenPort', String(port)],
    ].map(([k, v]) => `${k!.padEnd(50)}=  ${v}`);
    return { stdout: `============${address}============\n${lines.join('\n')}\n\n`, stderr: '', exitCode: 0 };
  };

  /** `yyyy-MM-dd HH:mm:ss,SSS`, as UtilAll.timeMillisToHumanString2 prints (the JVM's zone: UTC here). */
  const humanTime = (ms: number) =>
    new Date(ms).toISOString().replace('T', ' ').replace('Z', '').replace('.', ',');

  /** HAStatusSubCommand -b: a master's HA connections (its slaves, by their socket address), or a slave's client. */
  const haStatus = (options: Map<string, string>): ExecOutput => {
    const address = options.get('-b');
    if (address === undefined)
      return {
        stdout: 'usage: mqadmin haStatus [-b <arg>] [-c <arg>] [-h] [-i <arg>] [-n <arg>]\n',
        stderr: '',
        exitCode: 0,
      };
    const broker = brokerAt(address);
    if (broker === undefined || !memberAlive(broker.member))
      return connectFailed('HAStatusSubCommand', address);
    const { group, member } = broker;
    const master = group.members.find((m) => m.brokerId === group.master);
    const speed = (m: MemberRuntime) =>
      master && !master.readOnly && !stalled(m) ? (clusters.publishRatePerSecond * MESSAGE_BYTES) / 1024 : 0;
    if (master === undefined || member !== master) {
      const now = Date.now();
      return {
        stdout: `\n#MasterAddr\t${master && memberAlive(master) ? addressOf(master) : ''}\n#CommitLogMaxOffset\t${member.messages * MESSAGE_BYTES}\n#TransferSpeed(KB/s)\t${speed(member).toFixed(2)}\n#LastReadTime\t${humanTime(now)}\n#LastWriteTime\t${humanTime(now)}\n#MasterFlushOffset\t${member.messages * MESSAGE_BYTES}\n`,
        stderr: '',
        exitCode: 0,
      };
    }
    const slaves = group.members.filter((m) => m !== master && memberAlive(m));
    const row = (cells: string[]) =>
      `${cells[0]!.padEnd(32)}  ${cells[1]!.padEnd(16)} ${cells
        .slice(2)
        .map((c) => c.padStart(16))
        .join(' ')}`;
    const lines = [
      row([
        '#SlaveAddr',
        '#SlaveAckOffset',
        '#Diff',
        '#TransferSpeed(KB/s)',
        '#Status',
        '#TransferFromWhere',
      ]),
      // The HA connection's remote socket address: the slave's IP and an ephemeral port, with Java's leading slash.
      ...slaves.map((m) =>
        row([
          `/${pods.get(m.pod)?.ip ?? '0.0.0.0'}:${40000 + ((m.brokerId * 97 + group.masterEpoch * 13) % 20000)}`,
          String(m.messages * MESSAGE_BYTES),
          String((master.messages - m.messages) * MESSAGE_BYTES),
          speed(m).toFixed(2),
          group.syncStateSet.has(m.brokerId) ? 'OK' : 'Fall Behind',
          String(m.fetchingFrom * MESSAGE_BYTES),
        ]),
      ),
    ];
    return {
      stdout: `\n#MasterAddr\t${address}\n#MasterCommitLogMaxOffset\t${master.messages * MESSAGE_BYTES}\n#SlaveNum\t${slaves.length}\n#InSyncSlaveNum\t${group.syncStateSet.size - 1}\n${lines.join('\n')}\n`,
      stderr: '',
      exitCode: 0,
    };
  };

  const SUBCOMMANDS: Record<
    string,
    { run: (options: Map<string, string>) => ExecOutput; required: string[] }
  > = {
    haStatus: { run: haStatus, required: [] },
    clusterList: { run: clusterList, required: [] },
    getSyncStateSet: { run: getSyncStateSet, required: ['-a'] },
    getControllerMetaData: { run: getControllerMetaData, required: ['-a'] },
    electMaster: { run: electMaster, required: ['-a', '-b', '-bn', '-c'] },
    updateBrokerConfig: { run: updateBrokerConfig, required: ['-k', '-v'] },
    getBrokerConfig: { run: getBrokerConfig, required: [] },
  };

  const mqadmin = (args: string[]): ExecOutput => {
    const [name, ...rest] = args;
    const sub = Object.entries(SUBCOMMANDS).find(([n]) => n.toUpperCase() === (name ?? '').toUpperCase());
    if (sub === undefined)
      return { stdout: `The sub command ${name ?? ''} not exist.\n`, stderr: '', exitCode: 0 };
    const options = new Map<string, string>();
    for (let i = 0; i < rest.length; i += 1) {
      const arg = rest[i]!;
      if (arg.startsWith('-') && i + 1 < rest.length) options.set(arg, rest[(i += 1)]!);
    }
    const missing = sub[1].required.filter((o) => !options.has(o));
    // commons-cli (ServerUtil.parseCmdLine) reports a missing required option, prints the usage and exits 1.
    if (missing.length > 0)
      return missingOptions(
        sub[0],
        USAGES[sub[0]] ?? '',
        missing.map((o) => o.slice(1)),
      );
    return sub[1].run(options);
  };

  /**
   * Against a real cluster: each pod and Service address of the plan stands for a real process. A
   * Service with no Ready pod behind it refuses the connection.
   */
  const addressBook = (binding: NonNullable<typeof real>): AddressBook => {
    const podAddress = (name: string, podPort: number): string | undefined => {
      const ip = pods.get(name)?.ip;
      return ip === undefined ? undefined : `${ip}:${podPort}`;
    };
    const nameServerPort = (a: string) => Number(a.split(':').at(-1));
    const readyNameServer = Object.entries(binding.nameServers)
      .sort(([a], [b]) => a.localeCompare(b))
      .find(([name]) => podAlive(pods.get(name)))?.[1];
    const pairs = (entries: Array<[string | undefined, string]>) =>
      entries.filter((e): e is [string, string] => e[0] !== undefined);
    return {
      pods: pairs([
        ...Object.entries(binding.brokers).map(([name, a]): [string | undefined, string] => [
          podAddress(name, port),
          a,
        ]),
        [podAddress(engine.controller.pod, controllerPort), binding.controller],
        ...Object.entries(binding.nameServers).map(([name, a]): [string | undefined, string] => [
          podAddress(name, nameServerPort(engine.nameServers[0]!)),
          a,
        ]),
      ]),
      services: [
        ...engine.nameServers.map((a): [string, string] => [a, readyNameServer ?? REFUSED_ADDRESS]),
        [engine.controller.address, controllerAlive() ? binding.controller : REFUSED_ADDRESS],
      ],
    };
  };

  return {
    // One Kubernetes API spans both sites and stays reachable from the target site.
    isReachable: () => true,
    /** Loses (or restores) the sites on that side: the target site is downstream, the others upstream. */
    setReachable(side, reachable) {
      for (const site of siteNames.filter((s) => (s === engine.targetSite) === (side === 'downstream')))
        siteUp.set(site, reachable);
      for (const pod of pods.values()) writePod(pod);
      observe();
    },
    exec(_side: Side, request: ExecRequest): ExecOutput | Promise<ExecOutput> {
      const pod = pods.get(request.pod);
      if (pod === undefined)
        throw new Error(`${request.pod} is served by the API server but unknown to the model`);
      // The API server cannot reach the kubelet of a lost node; the upgrade never completes.
      if (!nodeAlive(pod.node))
        return {
          stdout: '',
          stderr: `error: unable to upgrade connection: error dialing backend: dial tcp ${nodes.find((n) => n.name === pod.node)?.ip ?? '?'}:10250: i/o timeout\n`,
          exitCode: 1,
        };
      const [tool, ...args] = request.argv;
      if (tool !== engine.mqadmin.command) {
        return {
          stdout: '',
          stderr: `OCI runtime exec failed: exec failed: unable to start container process: exec: "${tool ?? ''}": executable file not found in $PATH: unknown\n`,
          exitCode: 127,
        };
      }
      return real === undefined ? mqadmin(args) : runRealMqadmin(real, args, addressBook(real));
    },
    failureMessage: () => 'java.lang.OutOfMemoryError: Java heap space\n',
    afterWrite(side: Side, event: WriteEvent) {
      if (side !== 'downstream' || event.key.plural !== 'pods' || event.verb !== 'DELETE') return;
      const pod = pods.get(event.key.name);
      if (pod === undefined) return;
      // A lost node's kubelet never confirms a graceful delete: the pod stays Terminating.
      if (!nodeAlive(pod.node) && event.gracePeriodSeconds !== 0) {
        pod.terminating = true;
        writePod(pod);
        return;
      }
      reschedule(pod);
    },
    snapshot: () => {
      const controller = controllerPod();
      return {
        engine: 'rocketmq-controller',
        sites: Object.fromEntries(
          siteNames.map((s) => [
            s,
            { up: siteUp.get(s) === true, nodes: nodes.filter((n) => n.site === s).map((n) => n.name) },
          ]),
        ),
        controller: {
          pod: engine.controller.pod,
          ...(controller?.node ? { node: controller.node, site: siteOfNode(controller.node) } : {}),
          ready: controllerAlive(),
          terminating: controller?.terminating ?? false,
          restarts: controllerState.restarts,
          failsToPromote: controllerState.failsToPromote,
        },
        groups: groups.map((g) => {
          const master = g.members.find((m) => m.brokerId === g.master);
          return {
            brokerName: g.brokerName,
            ...(master ? { masterPod: master.pod, masterSite: master.site } : {}),
            masterEpoch: g.masterEpoch,
            syncStateSet: g.members.filter((m) => g.syncStateSet.has(m.brokerId)).map((m) => m.pod),
            lostMessages: g.lostMessages,
            members: g.members.map((m) => ({
              pod: m.pod,
              site: m.site,
              brokerId: m.brokerId,
              alive: memberAlive(m),
              readOnly: m.readOnly,
              messages: m.messages,
              ...(pods.get(m.pod)?.ip ? { ip: pods.get(m.pod)!.ip } : {}),
            })),
          };
        }),
        elections: { ...elections },
        electionLog: electionLog.map((e) => ({ ...e })),
        pods: [...pods.values()].map((p) => ({
          name: p.name,
          ...(p.node ? { node: p.node } : {}),
          ready: podAlive(p),
          terminating: p.terminating,
        })),
      };
    },
    stop() {
      if (interval !== undefined) clearInterval(interval);
      for (const timer of timers) clearTimeout(timer);
    },
  };
};

/**
 * The old upstream is the lost site(s): it takes client writes while a master there is alive and
 * not read-only (`brokerPermission` 4). The downstream is primary when every group's master is an
 * alive broker of the target site. Each election raises a group's master epoch (from 1): more
 * than one per group is a second promotion.
 */
export const rocketmqSafety = (plan: Plan, snapshot: RocketmqSnapshot): SafetyView => {
  const { targetSite } = rocketPlanOf(plan);
  const masters = snapshot.groups.map((g) => ({
    group: g.brokerName,
    epoch: g.masterEpoch,
    master: g.members.find((m) => m.pod === g.masterPod),
  }));
  const writableOld = masters
    .filter(
      ({ master }) => master !== undefined && master.site !== targetSite && master.alive && !master.readOnly,
    )
    .map(({ group, master }) => `${group} (${master!.pod})`);
  const notServed = masters
    .filter(({ master }) => master === undefined || master.site !== targetSite || !master.alive)
    .map(({ group }) => group);
  return {
    upstreamWritable: writableOld.length > 0,
    downstreamPrimary: notServed.length === 0,
    promotions: masters.reduce((sum, m) => sum + m.epoch - 1, 0),
    duplicatePromotions: masters.reduce((sum, m) => sum + Math.max(0, m.epoch - 2), 0),
    summary:
      `${writableOld.length > 0 ? `writable masters outside ${targetSite}: ${writableOld.join(', ')}` : `no writable master outside ${targetSite}`}; ` +
      `${notServed.length > 0 ? `no live ${targetSite} master for ${notServed.join(', ')}` : `every group mastered in ${targetSite}`} (master epochs ${masters.map((m) => `${m.group} ${m.epoch}`).join(', ')})`,
  };
};

export const rocketmqControllerModel: EngineModel<RocketmqClusters, RocketmqSnapshot> = {
  clustersSchema: rocketmqClustersSchema,
  planProblems,
  create,
  healthyScenario: 'examples/scenarios/rocketmq-controller/healthy.yaml',
};
