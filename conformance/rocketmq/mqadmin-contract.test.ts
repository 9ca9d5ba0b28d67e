// The model of RocketMQ 5's mqadmin (sim/models/rocketmq-controller.ts) against a REAL cluster
// in controller mode, state for state: the same plan and scenario run twice, once answered by the
// model and once bound to the real processes (sim/models/real-rocketmq.ts); the same mqadmin
// commands go through each simulated API server's exec, and what the engine's parsers read from
// the two must be equal. Between the commands the real cluster is driven (electMaster, a site
// going dark, the controller's pod rescheduled) and the model is driven the same way.
//
// One broker group, its master in az2 and its slave in az1, a name server in each site and the
// controller in az1; the plan's target is az2. 5.1.4 (seed 002's version) runs every state: healthy,
// the election codes, the slave elected while its master lives, az1 (now the master's site, with
// the controller) going dark, the controller's pod rescheduled; the current 5.3 release the
// healthy state and the election codes.
import { createKubeApi } from '../../lambdas/adapters/kube/kube-api.js';
import {
  controllerLeaderMissing,
  exceptionOf,
  parseBrokerConfig,
  parseClusterList,
  parseControllerMetaData,
  parseElectMaster,
  parseSyncStateSets,
  responseCodeOf,
} from '../../lambdas/engines/rocketmq-controller/commands.js';
import type { ExecResult, KubePort } from '../../lambdas/ports/kube.js';
import type { Plan } from '../../lambdas/plan/schema.js';
import { startSimulation, type Simulation } from '../../sim/simulation.js';
import { rocketmqControllerEngine } from '../../lambdas/engines/rocketmq-controller/index.js';
import { realBinding, realPlan, realScenario, type RealGroup } from './real-plan.js';
import { DEFAULT_VERSION, startRealCluster, type RealCluster } from './rocketmq-processes.js';
import { ranAgainst } from '../record.js';

const group: RealGroup = {
  brokerName: 'broker-0',
  members: [
    { pod: 'broker-0-0-0', site: 'az2' },
    { pod: 'broker-0-1-0', site: 'az1' },
  ],
};
const VERSIONS: Array<{ version: string; full: boolean; ports: { from: number; to: number } }> = [
  { version: DEFAULT_VERSION, full: true, ports: { from: 31900, to: 31999 } },
  { version: '5.3.3', full: false, ports: { from: 32100, to: 32199 } },
];

/** The example plan's namespace, where the simulated pods are. */
const NAMESPACE = 'mcamel-name-work6';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What the engine's parsers read from one command's result: the thing compared. */
type Reading = Record<string, unknown>;

/** A failure's root cause class: a dark peer times out (loopback) or does not connect (a lost node); both are "no answer". */
const causeOf = (r: ExecResult): string | undefined => {
  const cause = exceptionOf(r.stdout, r.stderr);
  if (cause === undefined) return undefined;
  if (/Remoting(Connect|Timeout|SendRequest)Exception/.test(cause)) return 'no answer';
  return cause.replace(/^.* <- /, '');
};

const read = {
  clusterList: (r: ExecResult): Reading => ({
    exitCode: r.exitCode,
    // The broker version differs by release; whether the broker answered (a version printed) does not.
    rows: parseClusterList(r.stdout)?.map((row) => ({ ...row, version: row.version !== '' })),
  }),
  syncStateSet: (r: ExecResult): Reading => ({
    exitCode: r.exitCode,
    sets: parseSyncStateSets(r.stdout),
    failure: causeOf(r),
  }),
  metaData: (r: ExecResult): Reading => ({
    exitCode: r.exitCode,
    metaData: parseControllerMetaData(r.stdout),
    noLeader: controllerLeaderMissing(r.stdout) !== undefined,
    failure: causeOf(r),
  }),
  electMaster: (r: ExecResult): Reading => ({
    exitCode: r.exitCode,
    elected: parseElectMaster(r.stdout),
    code: responseCodeOf(`${r.stderr}\n${r.stdout}`),
  }),
  brokerConfig: (r: ExecResult): Reading => ({
    exitCode: r.exitCode,
    header: /^=+\S+=+$/m.test(r.stdout),
    permission: parseBrokerConfig(r.stdout)?.['brokerPermission'],
    // What readiness's rpo-bound reads: what an election can lose.
    allAckInSyncStateSet: parseBrokerConfig(r.stdout)?.['allAckInSyncStateSet'],
    haMaxTimeSlaveNotCatchup: parseBrokerConfig(r.stdout)?.['haMaxTimeSlaveNotCatchup'],
    failure: causeOf(r),
  }),
};

describe.each(VERSIONS)('mqadmin model vs a real RocketMQ $version cluster', ({ version, full, ports }) => {
  let cluster: RealCluster;
  let plan: Plan;
  let model: Simulation;
  let real: Simulation;
  let modelKube: KubePort;
  let realKube: KubePort;

  /** The name server pod mqadmin runs in: az2's (rocketmq-namesrv-1), which stays up throughout. */
  const exec = (kube: KubePort, args: string[]) =>
    kube.exec(NAMESPACE, 'rocketmq-namesrv-1', ['mqadmin', ...args], {
      container: 'name-service',
      timeoutMs: 90_000,
    });
  /** The same command through both simulations; the model's and the real cluster's readings. */
  const both = async (reading: (r: ExecResult) => Reading, ...args: string[]) => {
    const [m, r] = await Promise.all([exec(modelKube, args), exec(realKube, args)]);
    return { model: reading(m), real: reading(r), raw: { model: m, real: r } };
  };
  const address = (pod: string, kube: KubePort) =>
    kube.listPods(NAMESPACE, '').then((pods) => `${pods.find((p) => p.name === pod)!.ip}:10911`);
  /** Until the real cluster's reading satisfies `done` (the model's state changes at once). */
  const realUntil = async (
    what: string,
    reading: (r: ExecResult) => Reading,
    args: string[],
    done: (r: Reading) => boolean,
  ) => {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const r = reading(await exec(realKube, args));
      if (done(r)) return r;
      if (Date.now() > deadline) throw new Error(`${what}: not within 120 s; last: ${JSON.stringify(r)}`);
      await sleep(1000);
    }
  };
  const controller = () => (plan.engine.type === 'rocketmq-controller' ? plan.engine.controller.address : '');
  const sets = ['getSyncStateSet', '-a', 'rocketmq-controller.mcamel-name-work6.svc:9878', '-b', 'broker-0'];
  const list = ['clusterList', '-n', 'rocketmq-namesrv.mcamel-name-work6.svc:9876'];
  const elect = (id: number) => [
    'electMaster',
    '-a',
    controller(),
    '-c',
    'DefaultCluster',
    '-bn',
    'broker-0',
    '-b',
    String(id),
  ];
  const inSyncBoth = (r: Reading) =>
    (r['sets'] as Array<{ inSync: unknown[] }> | undefined)?.[0]?.inSync.length === 2;

  beforeAll(async () => {
    cluster = await startRealCluster({
      version,
      ports,
      clusterName: 'DefaultCluster',
      nameServers: [
        { name: 'namesrv-az1', site: 'az1' },
        { name: 'namesrv-az2', site: 'az2' },
      ],
      controller: { name: 'controller', site: 'az1' },
      ...(full ? { leaderlessController: { name: 'controller-leaderless', site: 'az2' } } : {}),
      groups: [
        {
          brokerName: group.brokerName,
          // Both settings the rpo-bound check reads, one per version: acknowledged once in sync, and RocketMQ's default.
          allAckInSyncStateSet: full,
          members: group.members.map((m) => ({ name: m.pod, site: m.site })),
        },
      ],
    });
    ranAgainst('RocketMQ', version);
    console.log(
      `mqadmin-contract.test.ts: RocketMQ ${version}: ${cluster.processes.length} processes up in ${(cluster.startedInMs / 1000).toFixed(1)} s`,
    );
    // The example plan towards az2: az1 is the site lost below.
    const towardsAz1 = await realPlan(cluster.dir, [group]);
    if (towardsAz1.engine.type !== 'rocketmq-controller') throw new Error('not a rocketmq plan');
    plan = { ...towardsAz1, engine: rocketmqControllerEngine.reverse(towardsAz1.engine) };
    const binding = realBinding(cluster, plan, {
      nameServers: { 'rocketmq-namesrv-0': 'namesrv-az1', 'rocketmq-namesrv-1': 'namesrv-az2' },
      brokers: { 'broker-0-0-0': 'broker-0-0-0', 'broker-0-1-0': 'broker-0-1-0' },
      controller: 'controller',
    });
    const masters = { 'broker-0': 'az2' };
    real = await startSimulation(
      plan,
      realScenario(plan, { controller: { site: 'az1' }, masters, real: binding }),
    );
    // The model with a controller as quick as the real one measured here, so both settle alike.
    model = await startSimulation(
      plan,
      realScenario(plan, {
        controller: { site: 'az1' },
        masters,
        allAckInSyncStateSet: full ? [group.brokerName] : [],
        electionDelaySeconds: 1,
        leaderElectionSeconds: 1,
      }),
    );
    modelKube = createKubeApi(model.kubeConfigFor('downstream'), 'model', { execTimeoutMs: 90_000 });
    realKube = createKubeApi(real.kubeConfigFor('downstream'), 'real', { execTimeoutMs: 90_000 });
  }, 300_000);

  afterAll(async () => {
    await Promise.all([model?.stop(), real?.stop()]);
    await cluster?.stop();
  }, 60_000);

  it('healthy: clusterList, getSyncStateSet, getControllerMetaData and getBrokerConfig read the same', async () => {
    const [cl, sss, meta, config] = await Promise.all([
      both(read.clusterList, ...list),
      both(read.syncStateSet, ...sets),
      both(read.metaData, 'getControllerMetaData', '-a', controller()),
      both(
        read.brokerConfig,
        'getBrokerConfig',
        '-n',
        list[2]!,
        '-b',
        await address('broker-0-0-0', realKube),
      ),
    ]);
    console.log(
      `${version} healthy, real output:\n${cl.raw.real.stdout}${sss.raw.real.stdout}${meta.raw.real.stdout}`,
    );
    expect(cl.model).toEqual(cl.real);
    expect(sss.model).toEqual(sss.real);
    expect(meta.model).toEqual(meta.real);
    expect(config.model).toEqual(config.real);
    // Not vacuous: a master, an in-sync slave, a leader, a writable master.
    expect(cl.real['rows']).toEqual([
      expect.objectContaining({ brokerId: 0, activated: true, version: true }),
      expect.objectContaining({ brokerId: 2, activated: false, version: true }),
    ]);
    expect(sss.real['sets']).toEqual([
      expect.objectContaining({ format: '5.1.1+', masterBrokerId: 1, masterEpoch: 1, syncStateSetEpoch: 2 }),
    ]);
    expect(meta.real['metaData']).toEqual(expect.objectContaining({ leaderId: 'n0' }));
    expect(config.real['permission']).toBe('6');
    expect(config.real['allAckInSyncStateSet']).toBe(String(full));
    expect(config.real['haMaxTimeSlaveNotCatchup']).toBe('15000');
  });

  it('a missing required option exits 1 (usage on stdout, the option on stderr); an unknown broker name is 2010 to electMaster and nothing to getSyncStateSet', async () => {
    const [missing, noTarget, unknownElect, unknownSet] = await Promise.all([
      both(
        (r) => ({
          exitCode: r.exitCode,
          stderr: r.stderr.trim(),
          usage: r.stdout.startsWith('usage: mqadmin electMaster'),
        }),
        'electMaster',
        '-a',
        controller(),
        '-c',
        'DefaultCluster',
        '-bn',
        'broker-0',
      ),
      both(
        (r) => ({
          exitCode: r.exitCode,
          usage: r.stdout.startsWith('usage: mqadmin getSyncStateSet'),
          sets: parseSyncStateSets(r.stdout),
        }),
        'getSyncStateSet',
        '-a',
        controller(),
      ),
      both(
        read.electMaster,
        'electMaster',
        '-a',
        controller(),
        '-c',
        'DefaultCluster',
        '-bn',
        'broker-9',
        '-b',
        '1',
      ),
      both(
        (r) => ({ exitCode: r.exitCode, stdout: r.stdout.trim(), failure: causeOf(r) }),
        'getSyncStateSet',
        '-a',
        controller(),
        '-b',
        'broker-9',
      ),
    ]);
    // A real answer the model does not match is printed whole: a loaded machine has once made the
    // real electMaster of an unknown broker answer without its 2010, and its output says why.
    for (const pair of [missing, noTarget, unknownElect, unknownSet])
      if (JSON.stringify(pair.model) !== JSON.stringify(pair.real))
        console.log(`real mqadmin answered: ${JSON.stringify(pair.raw.real)}`);
    for (const pair of [missing, noTarget, unknownElect, unknownSet]) expect(pair.model).toEqual(pair.real);
    expect(missing.real).toEqual({ exitCode: 1, stderr: 'Missing required option: b', usage: true });
    expect(unknownElect.real['code']).toEqual({ code: 2010, desc: "Broker hasn't been registered" });
    expect(unknownSet.real).toEqual({ exitCode: 0, stdout: '', failure: undefined });
  });

  it('electMaster: 2011 only for the master itself, 2012 for a broker id the controller cannot elect', async () => {
    const [itself, nobody] = await Promise.all([
      both(read.electMaster, ...elect(1)),
      both(read.electMaster, ...elect(7)),
    ]);
    expect(itself.model).toEqual(itself.real);
    expect(nobody.model).toEqual(nobody.real);
    expect(itself.real['code']).toEqual({
      code: 2011,
      desc: 'The old master 1 is still alive, not need to elect new master for broker broker-0',
    });
    expect(nobody.real['code']).toEqual({ code: 2012, desc: 'Failed to elect a new master' });
  });

  if (!full) return;

  it('electMaster elects the live in-sync slave while the old master lives; the old master rejoins as its slave', async () => {
    const switched = await both(read.electMaster, ...elect(2));
    expect(switched.model).toEqual(switched.real);
    expect(switched.real['elected']).toEqual({
      brokerName: 'broker-0',
      masterAddress: await address('broker-0-1-0', realKube),
      masterEpoch: 2,
      members: [],
    });
    // The old master was alive all along: it becomes a slave, catches up and rejoins the SyncStateSet.
    await realUntil('the old master rejoins', read.syncStateSet, sets, inSyncBoth);
    await sleep(1000);
    const [afterList, afterSets] = await Promise.all([
      both(read.clusterList, ...list),
      both(read.syncStateSet, ...sets),
    ]);
    expect(afterList.model).toEqual(afterList.real);
    expect(afterSets.model).toEqual(afterSets.real);
    expect(afterSets.real['sets']).toEqual([
      expect.objectContaining({ masterBrokerId: 2, masterEpoch: 2, syncStateSetEpoch: 4 }),
    ]);
  });

  it("az1 goes dark with the master and the controller: the name servers still list the master as BID 0, nothing answers for the controller, the master's config cannot be read", async () => {
    const frozen = cluster.freezeSite('az1');
    expect(frozen.sort()).toEqual(['broker-0-1-0', 'controller', 'namesrv-az1']);
    model.setReachable('upstream', false);
    real.setReachable('upstream', false);
    const master = await address('broker-0-1-0', realKube);
    const [cl, meta, sss, config] = await Promise.all([
      both(read.clusterList, ...list),
      both(read.metaData, 'getControllerMetaData', '-a', controller()),
      both(read.syncStateSet, ...sets),
      both(read.brokerConfig, 'getBrokerConfig', '-n', list[2]!, '-b', master),
    ]);
    console.log(
      `${version} az2 dark, real clusterList:\n${cl.raw.real.stdout}${cl.raw.real.stderr.split('\n')[0]}`,
    );
    expect(cl.model).toEqual(cl.real);
    expect(cl.real['rows']).toEqual([
      {
        cluster: 'DefaultCluster',
        brokerName: 'broker-0',
        brokerId: 0,
        address: master,
        version: false,
        activated: false,
      },
      expect.objectContaining({ brokerId: 1, version: true }),
    ]);
    for (const pair of [meta, sss, config]) expect(pair.model).toEqual(pair.real);
    expect(meta.real).toEqual({ exitCode: 0, metaData: undefined, noLeader: false, failure: 'no answer' });
    expect(config.real).toEqual({ exitCode: 0, header: true, permission: undefined, failure: 'no answer' });
  });

  it("the controller's pod rescheduled in az2 (same store): it elects the live in-sync az2 broker; the dark master's row is replaced; 2012 for the dead broker, 2011 for the new master", async () => {
    await Promise.all(
      [modelKube, realKube].map((kube) =>
        kube.deletePod(NAMESPACE, 'controller-0', { gracePeriodSeconds: 0 }),
      ),
    );
    const elected = (r: Reading) =>
      (r['sets'] as Array<{ masterBrokerId?: number }> | undefined)?.[0]?.masterBrokerId === 1;
    await realUntil('the restarted controller elects', read.syncStateSet, sets, elected);
    const deadline = Date.now() + 30_000;
    while (!elected(read.syncStateSet(await exec(modelKube, sets))) && Date.now() < deadline)
      await sleep(500);
    // The new master registers with the name servers in the dark master's place.
    await realUntil(
      'the new master is listed',
      read.clusterList,
      list,
      (r) => (r['rows'] as unknown[] | undefined)?.length === 1,
    );
    const [cl, sss, meta] = await Promise.all([
      both(read.clusterList, ...list),
      both(read.syncStateSet, ...sets),
      both(read.metaData, 'getControllerMetaData', '-a', controller()),
    ]);
    console.log(
      `${version} after the controller's restart, real output:\n${cl.raw.real.stdout}${sss.raw.real.stdout}`,
    );
    expect(cl.model).toEqual(cl.real);
    expect(sss.model).toEqual(sss.real);
    expect(meta.model).toEqual(meta.real);
    expect(sss.real['sets']).toEqual([
      expect.objectContaining({
        masterBrokerId: 1,
        masterEpoch: 3,
        notInSync: [expect.objectContaining({ brokerId: 2, alive: false })],
      }),
    ]);
    const [dead, current] = await Promise.all([
      both(read.electMaster, ...elect(2)),
      both(read.electMaster, ...elect(1)),
    ]);
    expect(dead.model).toEqual(dead.real);
    expect(current.model).toEqual(current.real);
    expect(dead.real['code']).toEqual({ code: 2012, desc: 'Failed to elect a new master' });
    expect((current.real['code'] as { code: number }).code).toBe(2011);
  });

  it('a controller group without a leader prints null for it: no leader to the parser, from the model and from a real one', async () => {
    // Real: a controller whose second DLedger peer never starts.
    const leaderless = await cluster.mqadmin(
      'getControllerMetaData',
      '-a',
      cluster.byName('controller-leaderless').address,
    );
    // Model: a controller pod just rescheduled, before its DLedger election (kept from ending here).
    const waiting = await startSimulation(
      plan,
      realScenario(plan, { controller: { site: 'az2' }, leaderElectionSeconds: 3600, rescheduleSeconds: 0 }),
    );
    try {
      const kube = createKubeApi(waiting.kubeConfigFor('downstream'), 'model', {
        execTimeoutMs: 90_000,
      });
      await kube.deletePod(NAMESPACE, 'controller-0', { gracePeriodSeconds: 0 });
      await sleep(500);
      const fromModel = await exec(kube, ['getControllerMetaData', '-a', controller()]);
      console.log(`${version} leaderless, real output:\n${leaderless.stdout}`);
      const shape = (r: { stdout: string; exitCode: number }) => ({
        exitCode: r.exitCode,
        metaData: parseControllerMetaData(r.stdout),
        noLeader: controllerLeaderMissing(r.stdout) !== undefined,
        lines: r.stdout.split('\n').filter((l) => /^#ControllerLeader(Id|Address)\t/.test(l)),
      });
      expect(shape(fromModel)).toEqual(shape(leaderless));
      expect(shape(leaderless)).toEqual({
        exitCode: 0,
        metaData: undefined,
        noLeader: true,
        lines: ['#ControllerLeaderId\tnull', '#ControllerLeaderAddress\tnull'],
      });
    } finally {
      await waiting.stop();
    }
  });
});
