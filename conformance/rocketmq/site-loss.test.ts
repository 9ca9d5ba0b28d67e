// Site loss on a REAL RocketMQ 5 cluster in controller mode (conformance/rocketmq/rocketmq-processes.ts):
// name servers in az1 and az2, one DLedger controller in az1, broker-0 and broker-1 each with its
// master in az2 and its slave in az1. The engine's readiness, fence, promotion and verification run
// as the workflow runs them: the real Kubernetes client -> the simulated API server's exec -> the
// real mqadmin (sim/models/real-rocketmq.ts) -> the engine's parsers. A site is lost by freezing
// every process of it (SIGSTOP: no connection closes, as when a machine room goes dark). A producer
// sends synchronously across each failover and a consumer counts afterwards what the new masters
// hold. First az2 (the masters) goes dark; then it comes back, its old masters serve as slaves, and
// az1 (the new masters and the controller) goes dark, the plan reversed towards az2.
//
// broker-0's master acknowledges a message only once its whole SyncStateSet has it
// (allAckInSyncStateSet, as upstream's quick-start configures it); broker-1's acknowledges before
// its slave has it (the default): its count says what asynchronous replication lost.
import { rocketmqControllerEngine as engine } from '../../lambdas/engines/rocketmq-controller/index.js';
import type { CheckResult } from '../../lambdas/engines/engine.js';
import {
  parseClusterList,
  parseSyncStateSets,
  type ClusterListRow,
  type SyncStateSet,
} from '../../lambdas/engines/rocketmq-controller/commands.js';
import type { Plan } from '../../lambdas/plan/schema.js';
import { startSimulation, type Simulation } from '../../sim/simulation.js';
import { asInTheWorkflow, engineContext } from '../../test/engines/engine-context.js';
import { promote } from '../../lambdas/steps/promote.js';
import { compileClients, consumeAll, startProducer, type Producer } from './message-counter.js';
import { realBinding, realPlan, realScenario, type RealGroup } from './real-plan.js';
import { DEFAULT_VERSION, startRealCluster, type RealCluster } from './rocketmq-processes.js';
import { measured, ranAgainst } from '../record.js';

const TOPIC = 'FailoverTopic';
const groups: RealGroup[] = [
  {
    brokerName: 'broker-0',
    members: [
      { pod: 'broker-0-0-0', site: 'az2' },
      { pod: 'broker-0-1-0', site: 'az1' },
    ],
  },
  {
    brokerName: 'broker-1',
    members: [
      { pod: 'broker-1-0-0', site: 'az2' },
      { pod: 'broker-1-1-0', site: 'az1' },
    ],
  },
];
const az1Pods = ['broker-0-1-0', 'broker-1-1-0'];
const az2Pods = ['broker-0-0-0', 'broker-1-0-0'];
/** A topic's config reaches a slave with its next sync from the master, every 10 s. */
const TOPIC_SYNC_MS = 12_000;

let cluster: RealCluster;
let classes: string;
let plan: Plan;
let topicCreatedAt = 0;
const timings: string[] = [];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const timed = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
  const started = Date.now();
  try {
    return await run();
  } finally {
    timings.push(`${what} ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
};
const waitFor = async (what: string, check: () => Promise<boolean> | boolean, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await sleep(1000);
  }
};

/** The pod a real address stands for. */
const podAt = (address: string | undefined): string =>
  cluster.processes.find((p) => p.address === address)?.name ?? `${address ?? 'none'} (unknown)`;

interface RealState {
  text: string;
  rows: ClusterListRow[];
  sets: SyncStateSet[];
}

/**
 * clusterList (of a name server that is up) and each group's SyncStateSet, asked of the real
 * cluster directly (not through the engine). Asked again, up to three times, when an answer does
 * not come: mqadmin gives up on a request within seconds, which a loaded machine has exceeded.
 */
const realState = async (nameServer: string, attempt = 1): Promise<RealState> => {
  const [list, ...sets] = await Promise.all([
    cluster.mqadmin('clusterList', '-n', cluster.byName(nameServer).address),
    ...groups.map((g) =>
      cluster.mqadmin('getSyncStateSet', '-a', cluster.controllerAddress(), '-b', g.brokerName),
    ),
  ]);
  const rows = parseClusterList(list.stdout);
  const parsed = sets.map((s) => parseSyncStateSets(s.stdout)?.[0]);
  if (rows !== undefined && parsed.every((s) => s !== undefined))
    return { text: list.stdout, rows, sets: parsed as SyncStateSet[] };
  const unread = `${list.stdout}${list.stderr}${sets.map((s) => s.stdout + s.stderr).join('')}`;
  if (attempt < 3 && /RemotingTimeoutException/.test(unread)) return realState(nameServer, attempt + 1);
  throw new Error(`unreadable (attempt ${attempt}): ${unread}`);
};

const mastersOf = (state: RealState) =>
  groups.map((g) =>
    podAt(state.rows.find((r) => r.brokerName === g.brokerName && r.brokerId === 0)?.address),
  );
const setsOf = (state: RealState) =>
  state.sets.map((s) => ({
    brokerName: s.brokerName,
    master: podAt(s.masterAddress),
    inSync: s.inSync.map((r) => `${podAt(r.address)}${r.alive ? '' : ' (dead)'}`),
    notInSync: s.notInSync.map((r) => `${podAt(r.address)}${r.alive ? '' : ' (dead)'}`),
  }));

/** Every group mastered by these pods, as that name server lists them, with both members alive in sync. */
const servingFrom = async (nameServer: string, masters: string[]): Promise<boolean> => {
  const state = await realState(nameServer);
  return (
    JSON.stringify(mastersOf(state)) === JSON.stringify(masters) &&
    state.rows.length === 4 &&
    state.sets.every((s) => s.inSync.length === 2 && s.inSync.every((r) => r.alive))
  );
};

/**
 * Sent (acknowledged) vs received, per broker group, with the keys lost and when each lost one was
 * acknowledged against the moment the test began to freeze the site (the freeze reaches its
 * processes one after another, so an acknowledgement can come a few milliseconds after it).
 */
const whenAcknowledged = (msBeforeFreeze: number) =>
  msBeforeFreeze >= 0
    ? `${msBeforeFreeze} ms before the site went dark`
    : `${-msBeforeFreeze} ms after the site began to go dark`;

const tally = (label: string, producer: Producer, received: Map<string, string>, lostAt: number) => {
  const sent = producer.sent();
  const lost = sent.filter((s) => !received.has(s.key));
  const perGroup = groups.map((g) => {
    const mine = sent.filter((s) => s.brokerName === g.brokerName);
    const gone = lost.filter((s) => s.brokerName === g.brokerName);
    return `${g.brokerName} ${mine.length} sent, ${mine.length - gone.length} received, ${gone.length} lost`;
  });
  const why = lost.length
    ? `; lost: ${lost.map((s) => `${s.key} (${s.brokerName}, acknowledged ${whenAcknowledged(lostAt - s.at)}: its master acknowledges before its slave has it)`).join(', ')}`
    : '';
  measured(
    `${label}: messages: ${sent.length} sent, ${sent.length - lost.length} received, ${lost.length} lost (${perGroup.join('; ')}); ${producer.failed().length} sends failed while no master took writes${why}`,
  );
  return { sent, lost };
};

/**
 * What readiness's rpo-bound check promised each group could lose, in ms: nothing with
 * allAckInSyncStateSet, else haMaxTimeSlaveNotCatchup (a slave further behind leaves the
 * SyncStateSet, and only its members are elected). Every lost message must fall inside it.
 */
const promisedLossMs = (checks: CheckResult[]): Map<string, number> => {
  const rpo = checks.find((c) => c.name === 'rpo-bound');
  const groups = (rpo?.evidence as { groups?: Array<{ brokerName: string; lossSeconds?: number }> }).groups;
  return new Map((groups ?? []).map((g) => [g.brokerName, (g.lossSeconds ?? 0) * 1000]));
};
/** A case takes 2-3 min on an idle 2-core machine; twice that while another file's cluster runs. */
const CASE_TIMEOUT_MS = 600_000;

/** Publishing until it has succeeded on every group's new master for a while. */
const publishThrough = async (producer: Producer, since: number) =>
  waitFor(
    'the producer sends to both new masters',
    () =>
      groups.every(
        (g) => producer.sent().filter((s) => s.at > since && s.brokerName === g.brokerName).length >= 20,
      ),
    90_000,
  );

beforeAll(async () => {
  cluster = await startRealCluster({
    ports: { from: 30900, to: 30999 },
    clusterName: 'DefaultCluster',
    nameServers: [
      { name: 'namesrv-az1', site: 'az1' },
      { name: 'namesrv-az2', site: 'az2' },
    ],
    controller: { name: 'controller', site: 'az1' },
    groups: groups.map((g, i) => ({
      brokerName: g.brokerName,
      allAckInSyncStateSet: i === 0,
      members: g.members.map((m) => ({ name: m.pod, site: m.site })),
    })),
  });
  ranAgainst('RocketMQ', cluster.version);
  console.log(
    `site-loss.test.ts: RocketMQ ${cluster.version}: 2 name servers, a controller and 4 brokers up in ${(cluster.startedInMs / 1000).toFixed(1)} s (${cluster.dir})`,
  );
  classes = await timed('javac MessageCounter.java', () => compileClients(cluster));
  const topic = await cluster.mqadmin(
    'updateTopic',
    '-n',
    cluster.nameServerList(),
    '-c',
    'DefaultCluster',
    '-t',
    TOPIC,
    '-r',
    '4',
    '-w',
    '4',
  );
  if (!/create topic to .* success/.test(topic.stdout))
    throw new Error(`updateTopic: ${topic.stdout}${topic.stderr}`);
  topicCreatedAt = Date.now();
  // The plan's waits for a real controller: it misses heartbeats for 10 s before it elects.
  plan = await realPlan(cluster.dir, groups, { electionWaitSeconds: 30, controllerReadySeconds: 90 });
}, 300_000);

afterAll(async () => {
  console.log(`site-loss.test.ts timings: ${timings.join('; ')}`);
  await cluster?.stop();
}, 60_000);

const bindings = () =>
  realBinding(cluster, plan, {
    nameServers: { 'rocketmq-namesrv-0': 'namesrv-az1', 'rocketmq-namesrv-1': 'namesrv-az2' },
    brokers: Object.fromEntries(groups.flatMap((g) => g.members.map((m) => [m.pod, m.pod]))),
    controller: 'controller',
  });

/**
 * Publishes, loses a site, runs the engine's steps for the plan (towards the other site), keeps
 * publishing on the new masters, counts. `nameServer`: one in the site that stays up.
 */
const loseSite = async (
  simulation: Simulation,
  towards: Plan,
  lost: string,
  nameServer: string,
  label: string,
) => {
  const before = await realState(nameServer);
  console.log(`${label}: clusterList before:\n${before.text}`);
  const inSyncBefore = before.sets.map((s) => s.inSync.map((r) => r.address));

  const producer = startProducer(cluster, classes, TOPIC, label);
  try {
    await waitFor('the producer sends', () => producer.sent().length >= 100, 60_000);
    await sleep(Math.max(0, topicCreatedAt + TOPIC_SYNC_MS - Date.now()));
    const frozen = cluster.freezeSite(lost);
    const lostAt = Date.now();
    // The model's upstream is every site but the plan's target.
    simulation.setReachable('upstream', false);
    console.log(`${label}: ${lost} went dark: ${frozen.join(', ')} frozen`);

    const ctx = engineContext(towards, simulation);
    const checks = await timed(`${label} readiness`, () => engine.readiness(ctx));
    const fence = await timed(`${label} fence`, () => engine.fence(ctx));
    // As the workflow runs it: each wait for the controller is handed over and looked at again.
    const promoted = await timed(`${label} promote`, () => asInTheWorkflow(promote, towards, simulation));
    const verified = await timed(`${label} verify`, () => engine.verifyPromotion(ctx));
    const servedAt = Date.now();
    timings.push(`${label} ${lost} lost to verified ${((servedAt - lostAt) / 1000).toFixed(1)} s`);
    console.log(
      `${label}:\n${checks.map((c) => `  ${c.passed ? 'pass' : 'FAIL'} ${c.name}: ${c.summary}`).join('\n')}\n  fence: ${fence.state}: ${fence.summary}\n  promote: ${promoted.summary}\n  verify: ${verified.summary}\n  changes: ${[...ctx.changes, ...promoted.changes].join('; ') || 'none'}\n  promote took ${promoted.invocations} invocations`,
    );

    await publishThrough(producer, servedAt);
    await producer.stop();
    const after = await realState(nameServer);
    console.log(`${label}: clusterList after:\n${after.text}`);
    const received = await timed(`${label} consume`, () =>
      consumeAll(cluster, classes, TOPIC, `failover-check-${label}`, cluster.byName(nameServer).address),
    );
    return {
      checks,
      fence,
      promoted,
      verified,
      ctx,
      before,
      after,
      inSyncBefore,
      producer,
      received,
      lostAt,
    };
  } finally {
    await producer.stop().catch(() => undefined);
  }
};

describe(`RocketMQ ${process.env.ROCKETMQ_VERSION ?? DEFAULT_VERSION} site loss on a real cluster in controller mode`, () => {
  it(
    'az2 (every master) goes dark while the controller lives in az1: the az1 brokers become masters, the az2 brokers are NotInSyncReplica, no acknowledged message of the synchronous group is lost',
    async () => {
      const simulation = await startSimulation(
        plan,
        realScenario(plan, { controller: { site: 'az1' }, real: bindings() }),
      );
      try {
        expect(mastersOf(await realState('namesrv-az1'))).toEqual(az2Pods);
        const run = await loseSite(simulation, plan, 'az2', 'namesrv-az1', 'az2-lost');
        // Readiness passes: the name servers still list the dark masters, whose pods are lost.
        expect(run.checks.map((c) => [c.name, c.passed])).toEqual([
          ['name-servers', true],
          ['controller', true],
          ['target-brokers', true],
          ['lost-site-masters', true],
          ['sync-state-set', true],
          ['rpo-bound', true],
        ]);
        expect(run.checks.find((c) => c.name === 'rpo-bound')!.summary).toMatch(
          /^broker-0: nothing acknowledged can be lost \(allAckInSyncStateSet\); broker-1: up to 15 s of acknowledged messages .* <= RPO bound 60 s$/,
        );
        expect(run.fence.state).toBe('unreachable');
        expect(run.promoted.summary).toMatch(/broker-0: broker-0-1-0 master/);
        expect(run.promoted.summary).toMatch(/broker-1: broker-1-1-0 master/);
        expect(run.verified.summary).toMatch(
          /^BID 0 in az1 for every group: broker-0 broker-0-1-0 \(\S+\), broker-1 broker-1-1-0 \(\S+\); NotInSyncReplica: broker-0 id 1 \S+ \(offline\), broker-1 id 1 \S+ \(offline\)$/,
        );
        // The real cluster, asked directly: az1 masters, az2 out of the SyncStateSets and dead.
        expect(mastersOf(run.after)).toEqual(az1Pods);
        expect(setsOf(run.after)).toEqual([
          {
            brokerName: 'broker-0',
            master: 'broker-0-1-0',
            inSync: ['broker-0-1-0'],
            notInSync: ['broker-0-0-0 (dead)'],
          },
          {
            brokerName: 'broker-1',
            master: 'broker-1-1-0',
            inSync: ['broker-1-1-0'],
            notInSync: ['broker-1-0-0 (dead)'],
          },
        ]);
        // Elected from the SyncStateSet of before the loss, one election each.
        run.after.sets.forEach((s, i) => {
          expect(run.inSyncBefore[i]).toContain(s.masterAddress);
          expect(s.masterEpoch).toBe(run.before.sets[i]!.masterEpoch + 1);
        });
        const { sent, lost } = tally('az2-lost', run.producer, run.received, run.lostAt);
        expect(sent.length).toBeGreaterThan(100);
        const promised = promisedLossMs(run.checks);
        expect(lost.filter((s) => s.brokerName === 'broker-0')).toEqual([]);
        for (const s of lost) expect(run.lostAt - s.at).toBeLessThan(promised.get(s.brokerName ?? '')!);
      } finally {
        await simulation.stop();
      }
    },
    CASE_TIMEOUT_MS,
  );

  it(
    "az1 goes dark with the controller and the masters (after az2 came back): promotion force-deletes the controller's pod, its restart in az2 (same store) elects the az2 brokers",
    async () => {
      // az2 returns (its processes carry on where they stopped): the old masters find a newer
      // epoch, serve as slaves and rejoin the SyncStateSets; its name server catches up.
      cluster.resumeSite('az2');
      await timed('az2 back, its old masters rejoined as slaves', () =>
        waitFor(
          'the returning az2 brokers serve as slaves, in sync, on both name servers',
          async () =>
            (await servingFrom('namesrv-az1', az1Pods)) && (await servingFrom('namesrv-az2', az1Pods)),
          180_000,
        ),
      );
      const back = await realPlan(cluster.dir, groups, {
        electionWaitSeconds: 30,
        controllerReadySeconds: 90,
      });
      if (back.engine.type !== 'rocketmq-controller') throw new Error('not a rocketmq plan');
      const towardsAz2: Plan = { ...back, engine: engine.reverse(back.engine) };
      const simulation = await startSimulation(
        towardsAz2,
        realScenario(towardsAz2, {
          controller: { site: 'az1' },
          masters: { 'broker-0': 'az1', 'broker-1': 'az1' },
          real: bindings(),
        }),
      );
      try {
        const run = await loseSite(simulation, towardsAz2, 'az1', 'namesrv-az2', 'az1-lost');
        // A person must decide (the gate's on-risk): the controller is stuck with the lost site.
        expect(run.checks.filter((c) => !c.passed).map((c) => c.name)).toEqual([
          'controller',
          'sync-state-set',
        ]);
        expect(run.fence.state).toBe('unreachable');
        // The rescheduling was waited for across invocations, and the controller deleted once.
        expect(run.promoted.invocations).toBeGreaterThan(1);
        expect(run.promoted.changes.filter((c) => c.includes('force-deleted'))).toHaveLength(1);
        expect(run.promoted.changes[0]).toMatch(
          /^mcamel-name-work6\/controller-0: force-deleted the controller pod controller-0 \(not Ready on k8s-node-0[1-3]\) so that its StatefulSet reschedules it on a live node$/,
        );
        expect(run.promoted.summary).toMatch(
          /^controller rescheduled: controller-0 \(Ready on k8s-node-0[4-6]\) answers; /,
        );
        expect(run.promoted.summary).toMatch(/broker-0: broker-0-0-0 master/);
        expect(run.promoted.summary).toMatch(/broker-1: broker-1-0-0 master/);
        expect(run.verified.summary).toMatch(
          /^BID 0 in az2 for every group: broker-0 broker-0-0-0 \(\S+\), broker-1 broker-1-0-0 \(\S+\); NotInSyncReplica: broker-0 id 2 \S+ \(offline\), broker-1 id 2 \S+ \(offline\)$/,
        );
        expect(mastersOf(run.after)).toEqual(az2Pods);
        expect(setsOf(run.after)).toEqual([
          {
            brokerName: 'broker-0',
            master: 'broker-0-0-0',
            inSync: ['broker-0-0-0'],
            notInSync: ['broker-0-1-0 (dead)'],
          },
          {
            brokerName: 'broker-1',
            master: 'broker-1-0-0',
            inSync: ['broker-1-0-0'],
            notInSync: ['broker-1-1-0 (dead)'],
          },
        ]);
        run.after.sets.forEach((s, i) => {
          expect(run.inSyncBefore[i]).toContain(s.masterAddress);
          expect(s.masterEpoch).toBe(run.before.sets[i]!.masterEpoch + 1);
        });
        const { sent, lost } = tally('az1-lost', run.producer, run.received, run.lostAt);
        expect(sent.length).toBeGreaterThan(100);
        const promised = promisedLossMs(run.checks);
        expect(lost.filter((s) => s.brokerName === 'broker-0')).toEqual([]);
        for (const s of lost) expect(run.lostAt - s.at).toBeLessThan(promised.get(s.brokerName ?? '')!);
      } finally {
        await simulation.stop();
      }
    },
    CASE_TIMEOUT_MS,
  );
});
