// The rocketmq-controller engine through the ASL file (local runner, real handlers, simulated
// clusters): seed 002's cases. Assertions read the simulated brokers, controller and DNS.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runEngineDrill, stepsOf, summaryOf } from './run-engine-drill.js';

const planFile = 'examples/plans/rocketmq-controller.yaml';
const scenario = (name: string) => `examples/scenarios/rocketmq-controller/${name}.yaml`;
const record = 'Z0123456789ABCDEFGHIJ/namesrv.trades.example.com/CNAME';
const drillOf = (scenarioFile?: string, plan = planFile) =>
  runEngineDrill('rocketmq-controller', { planFile: plan, ...(scenarioFile ? { scenarioFile } : {}) });

/** The example plan with a 2 s election wait instead of 10: the cases that wait run faster. */
const shortWaitPlan = async () => {
  const file = join(await mkdtemp(join(tmpdir(), 'rocketmq-')), 'plan.yaml');
  await writeFile(
    file,
    (await readFile(planFile, 'utf8')).replace('electionWaitSeconds: 10', 'electionWaitSeconds: 2'),
  );
  return file;
};

const mastersOf = (groups: Array<{ brokerName: string; masterPod?: string; masterSite?: string }>) =>
  groups.map((g) => [g.brokerName, g.masterPod, g.masterSite]);
const az1Masters = [
  ['broker-0', 'broker-0-1-0', 'az1'],
  ['broker-1', 'broker-1-1-0', 'az1'],
  ['broker-2', 'broker-2-0-0', 'az1'],
];

describe('rocketmq-controller failover (ASL file, simulated clusters)', () => {
  it('lost-site (seed 002): the controller stuck in az2 is force-deleted and rescheduled in az1, then every group is mastered in az1', async () => {
    const run = await drillOf(scenario('lost-site'));
    expect(run.exitCode).toBe(0);
    // The rescheduling and the election are waited on by the workflow: promote answers `waiting`
    // and is invoked again, and no invocation deletes the rescheduled controller again (below).
    const steps = stepsOf(run);
    expect(steps.filter((s) => s === 'promote:waiting').length).toBeGreaterThan(0);
    expect(steps.filter((s) => s !== 'promote:waiting')).toEqual([
      'admit:succeeded',
      'confirm-alarm:succeeded',
      'check-dns:succeeded',
      'readiness:succeeded',
      'approval:succeeded',
      'confirm-alarm:succeeded',
      'readiness:succeeded',
      'fence:succeeded',
      'promote:succeeded',
      'verify-promotion:succeeded',
      'flip-dns:succeeded',
      'verify-dns:succeeded',
      'teardown:succeeded',
    ]);
    // Readiness said why a person had to decide: the controller is stuck, so the SyncStateSet cannot be read.
    const approval = run.report!.steps.find((s) => s.name === 'approval')!.detail as {
      acceptedRisk: string[];
    };
    expect(approval.acceptedRisk).toEqual([
      expect.stringMatching(
        /^controller: controller-0 \(not Ready on k8s-node-0[4-6]\): no controller can promote a slave until it is rescheduled/,
      ),
      expect.stringMatching(
        /^sync-state-set: cannot read the SyncStateSet from the controller at rocketmq-controller\.mcamel-name-work6\.svc:9878: .*RemotingConnectException: connect to .* failed$/,
      ),
    ]);
    // The name servers still list the dark site's brokers (their channels have not expired).
    expect(summaryOf(run, 'fence')).toMatch(
      /^UNGRACEFUL: the lost site's brokers cannot be reached to fence them: broker-0-0-0 \(broker-0\): broker-0-0-0 \(not Ready on k8s-node-0\d\), still registered/,
    );

    expect(run.state.controller).toMatchObject({
      pod: 'controller-0',
      site: 'az1',
      ready: true,
      terminating: false,
      restarts: 1,
    });
    expect(mastersOf(run.state.groups)).toEqual(az1Masters);
    expect(run.state.elections).toEqual({ automatic: 2, electMaster: 0 });
    // What the first look saw travels with the waits: the groups the controller elected while
    // promote waited are not "already".
    expect(summaryOf(run, 'promote')).toMatch(
      /^controller rescheduled: controller-0 \(Ready on k8s-node-0\d\) answers; broker-0: broker-0-1-0 master \(elected by the controller\); broker-1: broker-1-1-0 master \(elected by the controller\); broker-2: broker-2-0-0 master \(already\)$/,
    );
    expect(summaryOf(run, 'verify-promotion')).toMatch(
      /^BID 0 in az1 for every group: .*; NotInSyncReplica: broker-0 id 1 10\.2\.\d+\.\d+:10911 \(offline\), broker-1 id 1 .* \(offline\), broker-2 id 2 .* \(offline\)$/,
    );
    expect(run.report!.sideEffects.map((e) => e.action)).toEqual([
      expect.stringMatching(
        /^force-deleted the controller pod controller-0 \(not Ready on k8s-node-0\d\) so that its StatefulSet reschedules it on a live node$/,
      ),
      expect.stringMatching(
        /^pointed CNAME namesrv\.trades\.example\.com at namesrv-az1\.trades\.example\.com \(was namesrv-az2\.trades\.example\.com\) in change \/change\/LOCAL\d+$/,
      ),
    ]);
    expect(run.dns?.get(record)?.values).toEqual(['namesrv-az1.trades.example.com']);
  });

  it('lost-site with the force-delete answered 500: the retry deletes the stuck controller, not an earlier attempt that failed', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'rocketmq-')), 'delete-fails.yaml');
    await writeFile(
      file,
      `${await readFile(scenario('lost-site'), 'utf8')}\nfaults:\n  - { target: api, site: downstream, method: DELETE, resource: pods, status: 500, times: 1 }\n`,
    );
    const run = await drillOf(file);
    expect(run.exitCode).toBe(0);
    expect(run.report!.sideEffects.filter((e) => e.action.includes('controller pod'))).toEqual([
      expect.objectContaining({
        status: 'unconfirmed',
        action: expect.stringMatching(
          /^force-delete the controller pod controller-0 .*\(outcome unknown: the attempt failed: /,
        ),
      }),
      expect.objectContaining({
        status: 'done',
        action: expect.stringMatching(/^force-deleted the controller pod controller-0 /),
      }),
    ]);
    expect(run.state.controller).toMatchObject({ site: 'az1', ready: true, restarts: 1 });
  });

  it('az2-lost: the name servers still list the lost masters as BID 0; the controller in az1 elects by itself while promotion waits', async () => {
    const run = await drillOf(scenario('az2-lost'));
    expect(run.exitCode).toBe(0);
    const checks = run.report!.steps.find((s) => s.name === 'readiness')!.detail as {
      checks: Array<{ name: string; passed: boolean; summary: string }>;
    };
    // A listed master whose pod is lost is not a live master to fence first: readiness says so and passes.
    expect(checks.checks.find((c) => c.name === 'lost-site-masters')?.summary).toMatch(
      /^broker-0's master broker-0-0-0 \(not Ready on k8s-node-0\d\) in az2 is lost with its site \(the name servers list it until its channel expires; the controller elects another\); broker-1's master/,
    );
    expect(run.out).toContain(
      '    ... broker-0: the name servers still list broker-0-0-0 in az2 as master, but its pod is not Ready and it does not answer: lost with its site',
    );
    expect(checks.checks.map((c) => [c.name, c.passed])).toEqual([
      ['downstream-present', true],
      ['upstream-present', true],
      ['name-servers', true],
      ['controller', true],
      ['target-brokers', true],
      ['lost-site-masters', true],
      ['sync-state-set', true],
      ['rpo-bound', true],
    ]);
    expect(stepsOf(run)).not.toContain('approval:succeeded');
    expect(mastersOf(run.state.groups)).toEqual(az1Masters);
    expect(run.state.controller.restarts).toBe(0);
    expect(run.state.elections.electMaster).toBe(0);
    expect(run.report!.sideEffects.map((e) => e.action)).toEqual([
      expect.stringMatching(/^pointed CNAME namesrv\.trades\.example\.com/),
    ]);
  });

  it('az2-lost with a 5 s RPO bound: brokers that acknowledge before they replicate may lose up to 15 s, so a person decides; the report carries the bound', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'rocketmq-')), 'plan.yaml');
    await writeFile(
      file,
      (await readFile(planFile, 'utf8')).replace(
        'maxReplicationLagSeconds: 60',
        'maxReplicationLagSeconds: 5',
      ),
    );
    const run = await drillOf(scenario('az2-lost'), file);
    expect(run.exitCode).toBe(0);
    const approval = run.report!.steps.find((s) => s.name === 'approval')!.detail as {
      acceptedRisk: string[];
    };
    expect(approval.acceptedRisk).toEqual([
      expect.stringMatching(/^rpo-bound: broker-0: up to 15 s of acknowledged messages .* > RPO bound 5 s$/),
    ]);
    expect(run.report!.rpo).toEqual({ seconds: 15, evidence: expect.stringMatching(/^rpo-bound: /) });
  });

  it("slow-election: after the plan's wait, electMaster promotes the in-sync az1 broker of each group", async () => {
    const run = await drillOf(scenario('slow-election'), await shortWaitPlan());
    expect(run.exitCode).toBe(0);
    expect(mastersOf(run.state.groups)).toEqual(az1Masters);
    expect(run.state.elections).toEqual({ automatic: 0, electMaster: 2 });
    expect(run.report!.sideEffects.map((e) => e.action).filter((a) => a.includes('electMaster'))).toEqual([
      expect.stringMatching(
        /^elected broker-0-1-0 \(broker id 2, 10\.1\.\d+\.\d+:10911\) master of broker-0 \(mqadmin electMaster\)$/,
      ),
      expect.stringMatching(
        /^elected broker-1-1-0 \(broker id 2, 10\.1\.\d+\.\d+:10911\) master of broker-1 \(mqadmin electMaster\)$/,
      ),
    ]);
    // The SyncStateSet shrank to the new master: the az2 broker is reported, not hidden.
    expect(run.state.groups.find((g) => g.brokerName === 'broker-0')?.syncStateSet).toEqual(['broker-0-1-0']);
  });

  it('controller-fails: its elections do not commit (electMaster times out inside it); the controller is restarted once, then promotes', async () => {
    const run = await drillOf(scenario('controller-fails'), await shortWaitPlan());
    expect(run.exitCode).toBe(0);
    const timedOut =
      'CODE 1: java.util.concurrent.TimeoutException, java.base/java.util.concurrent.CompletableFuture.timedGet(CompletableFuture.java:1960)';
    expect(run.out).toContain(
      `    ... the controller did not promote broker-0 (electMaster 2 (broker-0-1-0) failed: ${timedOut}); broker-1 (electMaster 2 (broker-1-1-0) failed: ${timedOut}): restarting it once (seed 002) and asking again`,
    );
    expect(run.state.controller).toMatchObject({ restarts: 1, failsToPromote: false, ready: true });
    expect(mastersOf(run.state.groups)).toEqual(az1Masters);
    expect(summaryOf(run, 'promote')).toMatch(/the controller was restarted once$/);
    expect(
      run.report!.sideEffects.filter((e) => e.action.startsWith('restarted the controller pod')),
    ).toHaveLength(1);
  });

  it('healthy (the default scenario): az2 is up; its live masters are fenced read-only, then handed to az1 with electMaster and made slaves by the controller', async () => {
    const run = await drillOf();
    expect(run.exitCode).toBe(0);
    expect(run.out[0]).toBe(
      `Failover drill: plan trades-rocketmq (${planFile}), scenario ${scenario('healthy')}`,
    );
    const readiness = run.report!.steps.find((s) => s.name === 'readiness')!.detail as {
      checks: Array<{ name: string; passed: boolean; summary: string }>;
    };
    expect(readiness.checks.every((c) => c.passed)).toBe(true);
    expect(readiness.checks.find((c) => c.name === 'lost-site-masters')?.summary).toBe(
      "broker-0's master broker-0-0-0 in az2 is live (brokerPermission 6), broker-1's master broker-1-0-0 in az2 is live (brokerPermission 6): the fence makes them read-only, then electMaster hands each group to az1 and the controller makes them slaves",
    );
    expect(stepsOf(run)).not.toContain('approval:succeeded');
    expect(mastersOf(run.state.groups)).toEqual(az1Masters);
    // No wait for an election the controller never starts while a master lives: electMaster at once.
    expect(run.state.elections).toEqual({ automatic: 0, electMaster: 2 });
    expect(run.state.electionLog.map((e) => [e.brokerName, e.from, e.to, e.oldMasterAlive])).toEqual([
      ['broker-0', 'broker-0-0-0', 'broker-0-1-0', true],
      ['broker-1', 'broker-1-0-0', 'broker-1-1-0', true],
    ]);
    // The old masters serve on as read-only slaves (reprotect restores their permission).
    const az2 = run.state.groups.flatMap((g) =>
      g.members
        .filter((m) => m.site === 'az2')
        .map((m) => [m.pod, m.alive, m.readOnly, g.masterPod !== m.pod]),
    );
    expect(az2).toEqual([
      ['broker-0-0-0', true, true, true],
      ['broker-1-0-0', true, true, true],
      ['broker-2-1-0', true, false, true],
    ]);
    expect(run.report!.sideEffects.map((e) => e.action)).toEqual([
      expect.stringMatching(
        /^made master broker-0 at 10\.2\.\d+\.\d+:10911 read-only \(brokerPermission 4, was 6\)$/,
      ),
      expect.stringMatching(
        /^made master broker-1 at 10\.2\.\d+\.\d+:10911 read-only \(brokerPermission 4, was 6\)$/,
      ),
      expect.stringMatching(
        /^elected broker-0-1-0 \(broker id 2, 10\.1\.\d+\.\d+:10911\) master of broker-0 \(mqadmin electMaster\); the controller makes the read-only master broker-0-0-0 its slave$/,
      ),
      expect.stringMatching(
        /^elected broker-1-1-0 \(broker id 2, 10\.1\.\d+\.\d+:10911\) master of broker-1 \(mqadmin electMaster\); the controller makes the read-only master broker-1-0-0 its slave$/,
      ),
      expect.stringMatching(
        /^pointed CNAME namesrv\.trades\.example\.com at namesrv-az1\.trades\.example\.com/,
      ),
    ]);
    expect(run.dns?.get(record)?.values).toEqual(['namesrv-az1.trades.example.com']);
  });
});
