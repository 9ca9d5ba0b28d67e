// The rocketmq-controller engine's round-trip methods one at a time, through the real client
// against the simulated brokers and controller: reverse (the other site takes over; a third site
// is refused), the haStatus parser on the output HAStatusSubCommand prints, catchUp (never before
// the fence, never with a replica out of the SyncStateSet), liftFence and reprotect (each run
// twice: the second changes nothing), promote refusing to elect over a live writable master, and
// promote's reading of the controller: a refusal (CODE 2012) is not a failure a restart fixes; the
// older getSyncStateSet formats (no liveness) are read with the pods' readiness.
import { rocketmqControllerEngine as engine } from '../../lambdas/engines/rocketmq-controller/index.js';
import { parseHaStatus } from '../../lambdas/engines/rocketmq-controller/commands.js';
import type { StepContext } from '../../lambdas/engines/engine.js';
import { BadInputError, PromotionFailedError, VerificationFailedError } from '../../lambdas/errors.js';
import type { Leg } from '../../lambdas/plan/leg.js';
import { loadPlan } from '../../lambdas/plan/load-plan.js';
import type { Plan } from '../../lambdas/plan/schema.js';
import type { EffectEvent } from '../../lambdas/ports/journal.js';
import { orientPlan } from '../../lambdas/steps/leg.js';
import { inProcessWait } from '../../lambdas/steps/workflow-wait.js';
import { parseScenario } from '../../sim/scenario.js';
import { startSimulation, type Simulation } from '../../sim/simulation.js';
import { engineContext, withRocketmqSimulation } from './engine-context.js';

const planFile = 'examples/plans/rocketmq-controller.yaml';
/** How the reprotect and failback legs see the plan: from the plan's downstream (az1). */
const backLeg: Leg = {
  action: 'reprotect',
  mode: 'graceful',
  trigger: 'operator',
  from: 'downstream',
  to: 'upstream',
};

let plan: Plan;
beforeAll(async () => {
  plan = await loadPlan(planFile);
});

const rocket = (p: Plan) => {
  if (p.engine.type !== 'rocketmq-controller') throw new Error('not a rocketmq plan');
  return p.engine;
};

const withSimulation = (clusters: Record<string, unknown>, run: (simulation: Simulation) => Promise<void>) =>
  withRocketmqSimulation(plan, clusters, run);

const stateOf = (simulation: Simulation) => simulation.state('rocketmq-controller');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('reverse', () => {
  it('makes the other site the target and changes nothing else; twice is the plan again', () => {
    const block = rocket(plan);
    const reversed = engine.reverse(block);
    expect(reversed).toEqual({ ...block, targetSite: 'az2' });
    expect(engine.reverse(reversed)).toEqual(block);
    expect(engine.sides(orientPlan(plan, backLeg))).toEqual({
      upstream: 'mcamel-name-work6/DefaultCluster in az1',
      downstream: 'mcamel-name-work6/DefaultCluster in az2',
    });
  });

  it('refuses a plan whose brokers name three sites, saying why', () => {
    const block = rocket(plan);
    const threeSites = {
      ...block,
      brokerGroups: [
        ...block.brokerGroups,
        {
          brokerName: 'broker-3',
          members: [
            { pod: 'broker-3-0-0', site: 'az3' },
            { pod: 'broker-3-1-0', site: 'az1' },
          ],
        },
      ],
    };
    expect(() => engine.reverse(threeSites)).toThrow(BadInputError);
    expect(() => engine.reverse(threeSites)).toThrow(
      /needs brokers in exactly two sites.*this plan names 3 \(az1, az2, az3\)/,
    );
  });
});

describe('parseHaStatus', () => {
  // As HAStatusSubCommand prints it: `%-32s  %-16d %16d %16.2f %16s %16d` per HA connection.
  const master = [
    '',
    '#MasterAddr\t10.2.1.14:10911',
    '#MasterCommitLogMaxOffset\t122880000',
    '#SlaveNum\t2',
    '#InSyncSlaveNum\t1',
    '#SlaveAddr                          #SlaveAckOffset              #Diff #TransferSpeed(KB/s)          #Status #TransferFromWhere',
    '/10.1.1.15:40207                  122880000                       0            50.00               OK        122880000',
    '/10.1.1.16:40304                  119808000                 3072000             0.00      Fall Behind        119808000',
    '',
  ].join('\n');

  it('reads a master: its commit log end and each slave connection, by IP, with a two-word status', () => {
    expect(parseHaStatus(master)).toEqual({
      role: 'master',
      masterAddress: '10.2.1.14:10911',
      commitLogMaxOffset: 122880000,
      slaveNum: 2,
      inSyncSlaveNum: 1,
      connections: [
        {
          address: '/10.1.1.15:40207',
          ip: '10.1.1.15',
          ackOffset: 122880000,
          diff: 0,
          transferKbPerSecond: 50,
          status: 'OK',
          fromOffset: 122880000,
        },
        {
          address: '/10.1.1.16:40304',
          ip: '10.1.1.16',
          ackOffset: 119808000,
          diff: 3072000,
          transferKbPerSecond: 0,
          status: 'Fall Behind',
          fromOffset: 119808000,
        },
      ],
    });
  });

  it('reads a slave as a slave, and a failed command as nothing', () => {
    expect(
      parseHaStatus(
        '\n#MasterAddr\t10.2.1.14:10911\n#CommitLogMaxOffset\t1024\n#TransferSpeed(KB/s)\t0.00\n#LastReadTime\t2026-03-01 10:00:00,000\n',
      ),
    ).toEqual({ role: 'slave', masterAddress: '10.2.1.14:10911', commitLogMaxOffset: 1024 });
    expect(
      parseHaStatus(
        'org.apache.rocketmq.tools.command.SubCommandException: HAStatusSubCommand command failed\n',
      ),
    ).toBeUndefined();
  });
});

describe('catchUp on what mqadmin prints', () => {
  // One group, its master read-only in az2 and its az1 slave in the SyncStateSet: only the HA table decides.
  const onePlan = (): Plan => ({
    ...plan,
    engine: { ...rocket(plan), brokerGroups: [rocket(plan).brokerGroups[0]!] },
  });
  const pod = (name: string, ip: string, labels: Record<string, string> = {}) => ({
    name,
    phase: 'Running',
    ready: true,
    labels,
    ip,
  });
  const answers = (diff: number): Record<string, string> => ({
    clusterList: [
      '#Cluster Name           #Broker Name            #BID  #Addr                  #Version                #InTPS(LOAD)     #OutTPS(LOAD)  #Timer(Progress)        #PCWait(ms)  #Hour         #SPACE    #ACTIVATED',
      'DefaultCluster          broker-0                0     10.2.1.14:10911        V5_1_4                 0.00(0,0ms)     0.00(0,0ms)  0-0(0.0w, 0.0, 0.0)              0  3.21          0.1100          true',
      'DefaultCluster          broker-0                2     10.1.1.15:10911        V5_1_4                 0.00(0,0ms)     0.00(0,0ms)  0-0(0.0w, 0.0, 0.0)              0  3.21          0.1100         false',
      '',
    ].join('\n'),
    getBrokerConfig: `============10.2.1.14:10911============\n${'brokerPermission'.padEnd(50)}=  4\n\n`,
    getSyncStateSet: [
      '',
      '#brokerName\tbroker-0',
      '#MasterBrokerId\t1',
      '#MasterAddr\t10.2.1.14:10911',
      '#MasterEpoch\t1',
      '#SyncStateSetEpoch\t1',
      '#SyncStateSetNums\t2',
      '',
      "InSyncReplica:\tReplicaIdentity{brokerName='broker-0', brokerId=1, brokerAddress='10.2.1.14:10911', alive=true}",
      '',
      "InSyncReplica:\tReplicaIdentity{brokerName='broker-0', brokerId=2, brokerAddress='10.1.1.15:10911', alive=true}",
      '',
    ].join('\n'),
    haStatus: [
      '',
      '#MasterAddr\t10.2.1.14:10911',
      '#MasterCommitLogMaxOffset\t122880000',
      '#SlaveNum\t1',
      '#InSyncSlaveNum\t1',
      '#SlaveAddr                          #SlaveAckOffset              #Diff #TransferSpeed(KB/s)          #Status #TransferFromWhere',
      `/10.1.1.15:40207                  ${String(122880000 - diff).padEnd(16)} ${String(diff).padStart(16)}            50.00               OK        120000000`,
      '',
    ].join('\n'),
  });
  const cannedContext = (diff: number) => {
    const kube = {
      describe: 'canned',
      listPods: async (_namespace: string, selector: string) =>
        selector === 'app=rocketmq-namesrv'
          ? [pod('rocketmq-namesrv-0', '10.1.1.10', { app: 'rocketmq-namesrv' })]
          : [
              pod('rocketmq-namesrv-0', '10.1.1.10'),
              pod('broker-0-0-0', '10.2.1.14'),
              pod('broker-0-1-0', '10.1.1.15'),
            ],
      exec: async (_namespace: string, _pod: string, command: string[]) => ({
        exitCode: 0,
        stdout: answers(diff)[command[1]!] ?? '',
        stderr: '',
      }),
    };
    return {
      plan: onePlan(),
      kube: () => kube,
      clock: { now: () => new Date(), sleep: async () => undefined },
      act: async () => {
        throw new Error('catchUp must not change anything');
      },
      earlierEffects: async () => [],
      resumedWait: () => undefined,
      progress: () => undefined,
    } as never;
  };

  it('a slave in the SyncStateSet that has not acknowledged the last 3072 bytes has not caught up', async () => {
    const result = await engine.catchUp(cannedContext(3072), new Date());
    expect(result).toMatchObject({
      caughtUp: false,
      summary: 'broker-0: broker-0-1-0 in the SyncStateSet, 3072 bytes behind 122880000 (OK)',
    });
  });

  it('Diff 0 with the whole commit log acknowledged has', async () => {
    const result = await engine.catchUp(cannedContext(0), new Date());
    expect(result).toMatchObject({
      caughtUp: true,
      summary:
        "every az1 broker holds its fenced master's whole commit log: broker-0: broker-0-1-0 acknowledged 122880000 of 122880000 bytes (Diff 0, in the SyncStateSet)",
    });
  });
});

describe('catchUp, liftFence, reprotect against the simulated brokers', () => {
  it('catchUp is false while the old masters take writes, true once the fence holds and every target broker acknowledged everything', async () => {
    await withSimulation({}, async (simulation) => {
      const ctx = engineContext(plan, simulation);
      const before = await engine.catchUp(ctx, new Date());
      expect(before.caughtUp).toBe(false);
      expect(before.summary).toBe(
        'broker-0: its master broker-0-0-0 is not read-only (brokerPermission 6): its commit log may still grow; broker-1: its master broker-1-0-0 is not read-only (brokerPermission 6): its commit log may still grow',
      );
      expect(ctx.changes).toEqual([]);

      const fenced = await engine.fence(ctx);
      expect(fenced.state).toBe('fenced');
      await sleep(250);
      const after = await engine.catchUp(ctx, new Date());
      expect(after.caughtUp).toBe(true);
      const groups = (
        after.evidence as {
          groups: Array<{
            brokerName: string;
            commitLogMaxOffset?: number;
            targets?: Array<{ pod: string; ackOffset?: number; diff?: number }>;
          }>;
        }
      ).groups;
      const broker0 = groups.find((g) => g.brokerName === 'broker-0')!;
      expect(broker0.targets).toEqual([
        expect.objectContaining({ pod: 'broker-0-1-0', ackOffset: broker0.commitLogMaxOffset, diff: 0 }),
      ]);
      // What it read matches the world: the az1 broker holds every message its read-only master has.
      const world = stateOf(simulation).groups.find((g) => g.brokerName === 'broker-0')!;
      expect(world.members.map((m) => m.messages)).toEqual([
        broker0.commitLogMaxOffset! / 1024,
        broker0.commitLogMaxOffset! / 1024,
      ]);
    });
  });

  it('catchUp stays false for a target broker out of the SyncStateSet, even after the fence', async () => {
    await withSimulation({ notInSync: ['broker-1-1-0'] }, async (simulation) => {
      const ctx = engineContext(plan, simulation);
      await engine.fence(ctx);
      await sleep(250);
      const result = await engine.catchUp(ctx, new Date());
      expect(result.caughtUp).toBe(false);
      expect(result.summary).toMatch(
        /^broker-1: broker-1-1-0 NotInSyncReplica, 3\d{6} bytes behind \d+ \(Fall Behind\)$/,
      );
    });
  });

  it('liftFence makes the fenced masters writable again, verified; a second run changes nothing', async () => {
    await withSimulation({}, async (simulation) => {
      const ctx = engineContext(plan, simulation);
      await engine.fence(ctx);
      const readOnly = () =>
        stateOf(simulation).groups.flatMap((g) => g.members.filter((m) => m.readOnly).map((m) => m.pod));
      expect(readOnly()).toEqual(['broker-0-0-0', 'broker-1-0-0']);
      ctx.changes.length = 0;

      const first = await engine.liftFence(ctx);
      expect(first.summary).toBe(
        'fence lifted: broker-0 broker-0-0-0 takes writes (brokerPermission 6); broker-1 broker-1-0-0 takes writes (brokerPermission 6); broker-2 broker-2-0-0 (master in az1, never fenced)',
      );
      expect(ctx.changes).toHaveLength(2);
      expect(readOnly()).toEqual([]);

      ctx.changes.length = 0;
      const second = await engine.liftFence(ctx);
      expect(second.summary).toMatch(
        /^nothing to lift: broker-0 broker-0-0-0 takes writes \(brokerPermission 6, already\)/,
      );
      expect(ctx.changes).toEqual([]);
    });
  });

  it('reprotect after a failover: the old masters, now read-only slaves, get brokerPermission 6 and are waited for in the SyncStateSets; a second run changes nothing', async () => {
    await withSimulation({}, async (simulation) => {
      const failover = engineContext(plan, simulation);
      await engine.fence(failover);
      await engine.promote(failover);
      expect(stateOf(simulation).groups.map((g) => g.masterSite)).toEqual(['az1', 'az1', 'az1']);

      const back = engineContext(orientPlan(plan, backLeg), simulation);
      const first = await engine.reprotect(back);
      expect(back.changes).toEqual([
        expect.stringMatching(
          /^mcamel-name-work6\/broker-0-0-0: made slave broker-0-0-0 of broker-0 at 10\.2\.\d+\.\d+:10911 writable once elected \(brokerPermission 6, was 4\)$/,
        ),
        expect.stringMatching(
          /^mcamel-name-work6\/broker-1-0-0: made slave broker-1-0-0 of broker-1 at 10\.2\.\d+\.\d+:10911 writable once elected \(brokerPermission 6, was 4\)$/,
        ),
      ]);
      expect(first.detail).toMatchObject({
        restored: ['broker-0 broker-0-0-0', 'broker-1 broker-1-0-0'],
        alreadyProtected: false,
      });
      const world = stateOf(simulation);
      expect(world.groups.map((g) => g.syncStateSet)).toEqual([
        ['broker-0-0-0', 'broker-0-1-0'],
        ['broker-1-0-0', 'broker-1-1-0'],
        ['broker-2-0-0', 'broker-2-1-0'],
      ]);
      expect(world.groups.flatMap((g) => g.members.filter((m) => m.readOnly).map((m) => m.pod))).toEqual([]);

      back.changes.length = 0;
      const second = await engine.reprotect(back);
      expect(back.changes).toEqual([]);
      expect(second.summary).toMatch(/\(nothing needed changing\)$/);
      expect(second.detail).toMatchObject({ restored: [], alreadyProtected: true });
    });
  });

  it('reprotect refuses a group mastered in the site it should protect (only a switchover moves it), changing nothing', async () => {
    await withSimulation({}, async (simulation) => {
      // Before any failover, protecting az1 from az2: broker-2 is mastered in az1.
      const ctx = engineContext(plan, simulation);
      await expect(engine.reprotect(ctx)).rejects.toThrow(VerificationFailedError);
      await expect(engine.reprotect(ctx)).rejects.toThrow(
        /^broker-2 is mastered by broker-2-0-0 in az1: that is the site to protect/,
      );
      expect(ctx.changes).toEqual([]);
    });
  });

  it('reprotect waits, bounded, for a broker that never rejoins its SyncStateSet, and says which', async () => {
    const shortPlan: Plan = { ...plan, engine: { ...rocket(plan), reprotect: { syncTimeoutSeconds: 1 } } };
    const simulation = await startSimulation(
      shortPlan,
      parseScenario(
        {
          latency: { apiMs: 0, execMs: 0 },
          clusters: {
            controller: { site: 'az1' },
            masters: { 'broker-2': 'az2' },
            notInSync: ['broker-1-1-0'],
          },
        },
        'round-trip',
        shortPlan,
      ),
    );
    try {
      const ctx = engineContext(shortPlan, simulation);
      await expect(engine.reprotect(ctx)).rejects.toThrow(
        /^az1 is not protecting yet after 1 s: broker-1-1-0 is not in the SyncStateSet yet \(still catching up\)$/,
      );
      expect(ctx.messages).toEqual([
        'waiting for az1 to replicate: broker-1-1-0 is not in the SyncStateSet yet (still catching up)',
      ]);
    } finally {
      await simulation.stop();
    }
  });

  it('promote makes a new master writable that an earlier fence left read-only, and verify then passes', async () => {
    await withSimulation({}, async (simulation) => {
      // An earlier switchover towards az2 fenced az1's master of broker-2 and was never reprotected.
      await engine.fence(engineContext(orientPlan(plan, backLeg), simulation));
      const ctx = engineContext(plan, simulation);
      await engine.fence(ctx);
      ctx.changes.length = 0;
      const result = await engine.promote(ctx);
      expect(ctx.changes.filter((c) => c.includes('writable'))).toEqual([
        expect.stringMatching(
          /^mcamel-name-work6\/broker-2-0-0: made the new master broker-2-0-0 of broker-2 at 10\.1\.\d+\.\d+:10911 writable \(brokerPermission 6, was 4 from an earlier fence\)$/,
        ),
      ]);
      expect(result.summary).toMatch(/; brokerPermission 6 restored on broker-2 broker-2-0-0$/);
      const world = stateOf(simulation);
      expect(
        world.groups.map((g) => [g.masterPod, g.members.find((m) => m.pod === g.masterPod)?.readOnly]),
      ).toEqual([
        ['broker-0-1-0', false],
        ['broker-1-1-0', false],
        ['broker-2-0-0', false],
      ]);
      await expect(engine.verifyPromotion(ctx)).resolves.toMatchObject({
        summary: expect.stringMatching(/^BID 0 in az1 for every group/),
      });
    });
  });

  it('promote never elects over a live master that still takes writes: it must be fenced first', async () => {
    await withSimulation({}, async (simulation) => {
      const ctx = engineContext(plan, simulation);
      const failure = await engine.promote(ctx).catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(PromotionFailedError);
      expect((failure as Error).message).toMatch(
        /broker-0 \(its master broker-0-0-0 in az2 is alive and writable \(brokerPermission 6\): electing another master would leave it taking writes until it learns of the new epoch; fence it first/,
      );
      expect(stateOf(simulation).elections).toEqual({ automatic: 0, electMaster: 0 });
    });
  });
});

describe("promote and the controller's answers", () => {
  /** The example plan with a 1 s election wait: these cases end in electMaster. */
  const quick = (): Plan => ({
    ...plan,
    engine: { ...rocket(plan), promotion: { ...rocket(plan).promotion, electionWaitSeconds: 1 } },
  });
  const lostAz2 = async (clusters: Record<string, unknown>, faults: unknown[] = []) =>
    startSimulation(
      quick(),
      parseScenario(
        {
          latency: { apiMs: 0, execMs: 0 },
          faults,
          // The controller would notice the dead masters only after 10 minutes: electMaster decides.
          clusters: { lostSite: 'az2', controller: { site: 'az1' }, electionDelaySeconds: 600, ...clusters },
        },
        'promote',
        quick(),
      ),
    );

  it('a refusal (CODE 2012: not alive or not in the SyncStateSet in its view) fails the group with the reason and does not restart the controller', async () => {
    const refused = [
      'org.apache.rocketmq.tools.command.SubCommandException: ReElectMasterSubCommand command failed',
      'Caused by: org.apache.rocketmq.client.exception.MQBrokerException: CODE: 2012  DESC: Failed to elect a new master',
      '',
    ].join('\n');
    // Its SyncStateSet as the controller reports it is given with the refusal (the controller has
    // not missed the dead masters' heartbeats yet: it still counts them alive and in sync).
    const simulation = await lostAz2({}, [
      { target: 'exec', site: 'downstream', command: 'electMaster', times: 4, stderr: refused, exitCode: 1 },
    ]);
    try {
      const ctx = engineContext(quick(), simulation);
      const failure = await engine.promote(ctx).catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(PromotionFailedError);
      expect((failure as Error).message).toMatch(
        /^no master in az1 for broker-0 \(the controller refuses to elect broker-0-1-0 \(broker id 2\): CODE 2012: Failed to elect a new master, the broker is not alive or not in the SyncStateSet in its view \(in sync: 1 10\.2\.\d+\.\d+:10911, 2 10\.1\.\d+\.\d+:10911; NotInSyncReplica: none\)\); broker-1 \(the controller refuses/,
      );
      expect((failure as Error).message).not.toMatch(/restarting|after restarting/);
      expect(ctx.messages.filter((m) => m.includes('restarting it once'))).toEqual([]);
      expect(stateOf(simulation).controller.restarts).toBe(0);
    } finally {
      await simulation.stop();
    }
  });

  it('invoked again after its electMaster, promote does not elect again but waits for the registration; a master never registered is the controller failing: restarted once, then asked again', async () => {
    const simulation = await lostAz2({});
    try {
      const ctx = engineContext(quick(), simulation);
      // What the journal holds of an earlier invocation: its electMaster of broker-0 answered (the
      // simulated controller never heard of it, so its master never registers).
      const effect = (phase: 'intended' | 'done'): EffectEvent => ({
        id: 'e1',
        step: 'promote',
        attempt: 1,
        phase,
        action: 'elect broker-0-1-0 (broker id 2, 10.1.0.9:10911) master of broker-0 (mqadmin electMaster)',
        target: 'mcamel-name-work6/trades/broker-0',
        at: new Date().toISOString(),
      });
      // The registration's 30 s pass twenty times faster than they would.
      let skippedMs = 0;
      const clock = {
        now: () => new Date(Date.now() + skippedMs),
        sleep: async (ms: number) => {
          skippedMs += ms - ms / 20;
          await new Promise((resolve) => setTimeout(resolve, ms / 20));
        },
      };
      const reentered: StepContext = {
        ...ctx,
        clock,
        earlierEffects: async () => [effect('intended'), effect('done')],
        waitFor: (check, options) => inProcessWait(clock, (m) => ctx.messages.push(m), check, options),
      };
      const result = await engine.promote(reentered);
      expect(ctx.messages).toContainEqual(
        'the controller did not promote broker-0 (the controller elected a master in az1 (electMaster), but the name servers do not list it as master after 30 s): restarting it once (seed 002) and asking again',
      );
      // broker-1 elected at once, broker-0 only by the restarted controller.
      expect(stateOf(simulation).elections).toEqual({ automatic: 0, electMaster: 2 });
      expect(stateOf(simulation).controller.restarts).toBe(1);
      expect(result.summary).toMatch(
        /broker-0: broker-0-1-0 master \(electMaster\); broker-1: broker-1-1-0 master \(electMaster\); broker-2: broker-2-0-0 master \(already\); the controller was restarted once$/,
      );
    } finally {
      await simulation.stop();
    }
  });

  it.each(['5.1.0', '5.0.0'] as const)(
    'RocketMQ %s prints no liveness in getSyncStateSet: readiness and electMaster take a Ready, registered target pod as alive',
    async (version) => {
      const simulation = await lostAz2({ rocketmqVersion: version });
      try {
        const ctx = engineContext(quick(), simulation);
        const checks = await engine.readiness(ctx);
        expect(checks.find((c) => c.name === 'sync-state-set')).toMatchObject({ passed: true });
        const result = await engine.promote(ctx);
        expect(result.summary).toMatch(
          /broker-0: broker-0-1-0 master \(electMaster\); broker-1: broker-1-1-0 master \(electMaster\); broker-2: broker-2-0-0 master \(already\)$/,
        );
        expect(stateOf(simulation).groups.map((g) => g.masterSite)).toEqual(['az1', 'az1', 'az1']);
      } finally {
        await simulation.stop();
      }
    },
  );
});
