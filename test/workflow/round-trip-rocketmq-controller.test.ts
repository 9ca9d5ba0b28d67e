// The rocketmq-controller round trip through the ASL file (local runner, real handlers, simulated
// brokers and controller): the alarm's failover to az1, reprotect (az2's brokers back as writable
// slaves in the SyncStateSets), the graceful failback to az2 with RPO 0; a graceful switchover on
// its own; and one whose standby cannot catch up. Assertions read the simulated world at the end:
// who is master, who takes writes, what DNS says, what each election lost.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drill, type DrillOptions } from '../../local/drill.js';
import type { Io } from '../../local/io.js';
import type { Simulation } from '../../sim/simulation.js';
import { runEngineDrill, stepsOf, summaryOf } from './run-engine-drill.js';

const planFile = 'examples/plans/rocketmq-controller.yaml';
const cannotCatchUp = 'examples/scenarios/rocketmq-controller/cannot-catch-up.yaml';
const record = 'Z0123456789ABCDEFGHIJ/namesrv.trades.example.com/CNAME';

type Groups = Awaited<ReturnType<typeof runEngineDrill<'rocketmq-controller'>>>['state']['groups'];
const mastersOf = (groups: Groups) => groups.map((g) => [g.brokerName, g.masterPod, g.masterSite]);
/** Members that take client writes: the master of their group, alive and not read-only. */
const writable = (groups: Groups) =>
  groups.flatMap((g) =>
    g.members.filter((m) => m.pod === g.masterPod && m.alive && !m.readOnly).map((m) => m.pod),
  );

/** The example plan with a 3 s catch-up bound instead of 30: the case that waits it out runs faster. */
const shortCatchUpPlan = async () => {
  const file = join(await mkdtemp(join(tmpdir(), 'rocketmq-rt-')), 'plan.yaml');
  const text = await readFile(planFile, 'utf8');
  if (!text.includes('catchUpTimeoutSeconds: 30'))
    throw new Error('the example plan no longer sets catchUpTimeoutSeconds: 30');
  await writeFile(file, text.replace('catchUpTimeoutSeconds: 30', 'catchUpTimeoutSeconds: 3'));
  return file;
};

describe('rocketmq-controller round trip (ASL file, simulated clusters)', () => {
  it('fails over to az1, reprotects az2, fails back gracefully with RPO 0: az2 masters every group and takes writes, az1 serves as read-only slaves, DNS on az2', async () => {
    const run = await runEngineDrill('rocketmq-controller', { planFile, roundTrip: true });
    expect(run.exitCode).toBe(0);
    expect(run.reports?.map((r) => [r.leg?.action, r.leg?.mode, r.leg?.from, r.status])).toEqual([
      ['failover', 'ungraceful', 'upstream', 'SUCCEEDED'],
      ['reprotect', 'graceful', 'downstream', 'SUCCEEDED'],
      ['failover', 'graceful', 'downstream', 'SUCCEEDED'],
    ]);
    const [failover, reprotect, failback] = run.reports!;

    // Leg 2 restored the permission the leg 1 fence left on the two old masters, nothing else.
    expect(reprotect!.sideEffects.map((e) => e.action)).toEqual([
      expect.stringMatching(
        /^made slave broker-0-0-0 of broker-0 at 10\.2\.\d+\.\d+:10911 writable once elected \(brokerPermission 6, was 4\)$/,
      ),
      expect.stringMatching(
        /^made slave broker-1-0-0 of broker-1 at 10\.2\.\d+\.\d+:10911 writable once elected \(brokerPermission 6, was 4\)$/,
      ),
    ]);
    expect(
      reprotect!.steps.findLast((s) => s.name === 'reprotect' && s.outcome === 'succeeded')?.summary,
    ).toMatch(
      /^az2 protects az1: broker-0-0-0 \(broker-0, id 1\) slave of broker-0-1-0; broker-1-0-0 \(broker-1, id 1\) slave of broker-1-1-0; broker-2-1-0 \(broker-2, id 2\) slave of broker-2-0-0, each in its SyncStateSet/,
    );

    // Leg 3: fenced az1, proved every az2 broker held its master's whole commit log, then promoted.
    expect(failback!.steps.map((s) => `${s.name}:${s.outcome}`)).toEqual(
      expect.arrayContaining([
        'fence:succeeded',
        'catch-up:succeeded',
        'promote:succeeded',
        'verify-promotion:succeeded',
        'flip-dns:succeeded',
      ]),
    );
    expect(failback!.rpo?.seconds).toBe(0);
    expect(failback!.rpo?.evidence).toMatch(
      /^every az2 broker holds its fenced master's whole commit log: broker-0: broker-0-0-0 acknowledged (\d+) of \1 bytes \(Diff 0, in the SyncStateSet\); broker-1: broker-1-0-0 acknowledged (\d+) of \2 bytes .*; broker-2: broker-2-1-0 acknowledged (\d+) of \3 bytes/,
    );
    // The alarm's failover proved nothing about the last messages: its RPO is what the brokers'
    // configuration bounds (they acknowledge before they replicate).
    expect(failover!.rpo).toEqual({
      seconds: 15,
      evidence: expect.stringMatching(/^rpo-bound: .* <= RPO bound 60 s$/),
    });

    // The simulated world at the end: the plan's upstream (az2) masters every group and takes writes.
    expect(mastersOf(run.state.groups)).toEqual([
      ['broker-0', 'broker-0-0-0', 'az2'],
      ['broker-1', 'broker-1-0-0', 'az2'],
      ['broker-2', 'broker-2-1-0', 'az2'],
    ]);
    expect(writable(run.state.groups)).toEqual(['broker-0-0-0', 'broker-1-0-0', 'broker-2-1-0']);
    // az1's brokers are slaves (no client writes), still read-only from the failback's fence.
    const az1 = run.state.groups.flatMap((g) =>
      g.members
        .filter((m) => m.site === 'az1')
        .map((m) => [m.pod, m.alive, m.pod === g.masterPod, m.readOnly]),
    );
    expect(az1).toEqual([
      ['broker-0-1-0', true, false, true],
      ['broker-1-1-0', true, false, true],
      ['broker-2-0-0', true, false, true],
    ]);
    expect(run.dns?.get(record)?.values).toEqual(['namesrv-az2.trades.example.com']);
    expect(run.lock).toBeUndefined();

    // Every election, in order; the failback's lost nothing the clients had been acknowledged.
    const log = run.state.electionLog;
    expect(log.map((e) => [e.brokerName, e.from, e.to, e.by, e.oldMasterAlive])).toEqual([
      ['broker-0', 'broker-0-0-0', 'broker-0-1-0', 'electMaster', true],
      ['broker-1', 'broker-1-0-0', 'broker-1-1-0', 'electMaster', true],
      ['broker-0', 'broker-0-1-0', 'broker-0-0-0', 'electMaster', true],
      ['broker-1', 'broker-1-1-0', 'broker-1-0-0', 'electMaster', true],
      ['broker-2', 'broker-2-0-0', 'broker-2-1-0', 'electMaster', true],
    ]);
    expect(log.slice(2).map((e) => e.lostMessages)).toEqual([0, 0, 0]);
  });

  it('--mode graceful: fence, catch up (RPO 0 with its evidence), hand over; no message lost, az2 masters read-only slaves', async () => {
    const run = await runEngineDrill('rocketmq-controller', { planFile, mode: 'graceful' });
    expect(run.exitCode).toBe(0);
    expect(run.report?.status).toBe('SUCCEEDED');
    expect(run.report?.rpo).toEqual({
      seconds: 0,
      evidence: expect.stringMatching(
        /^every az1 broker holds its fenced master's whole commit log: .*broker-2: already mastered in az1 by broker-2-0-0$/,
      ),
    });
    const steps = stepsOf(run);
    expect(steps.indexOf('catch-up:succeeded')).toBeGreaterThan(steps.indexOf('fence:succeeded'));
    expect(steps.indexOf('promote:succeeded')).toBeGreaterThan(steps.lastIndexOf('catch-up:succeeded'));
    expect(mastersOf(run.state.groups)).toEqual([
      ['broker-0', 'broker-0-1-0', 'az1'],
      ['broker-1', 'broker-1-1-0', 'az1'],
      ['broker-2', 'broker-2-0-0', 'az1'],
    ]);
    expect(writable(run.state.groups)).toEqual(['broker-0-1-0', 'broker-1-1-0', 'broker-2-0-0']);
    expect(run.state.electionLog.map((e) => [e.brokerName, e.lostMessages])).toEqual([
      ['broker-0', 0],
      ['broker-1', 0],
    ]);
    expect(run.state.groups.map((g) => g.lostMessages)).toEqual([0, 0, 0]);
    expect(run.dns?.get(record)?.values).toEqual(['namesrv-az1.trades.example.com']);
  });

  it('cannot-catch-up: broker-0 az1 broker stays out of the SyncStateSet; the switchover lifts its fence and halts (exit 3): nothing promoted, nothing lost, az2 takes writes again', async () => {
    const out: string[] = [];
    const io: Io = { out: (l) => out.push(l), err: (l) => out.push(l) };
    let simulation: Simulation | undefined;
    const options: DrillOptions = {
      planFile: await shortCatchUpPlan(),
      scenarioFile: cannotCatchUp,
      mode: 'graceful',
      gate: 'approve',
      keepSimulation: true,
      onSimulation: (s) => (simulation = s),
    };
    const run = await drill(options, io);
    try {
      expect(run.exitCode).toBe(3);
      expect(run.report?.status).toBe('HALTED');
      expect(run.report?.reason).toMatch(
        /^CatchUpTimedOut: the standby did not catch up within 3 s of the fence \(broker-0: broker-0-1-0 NotInSyncReplica, \d+ bytes behind \d+ \(Fall Behind\)\).*; the fence was lifted: nothing else was changed and nothing was lost$/,
      );
      expect(stepsOf(run).filter((s) => !s.startsWith('catch-up'))).toEqual([
        'admit:succeeded',
        'confirm-alarm:succeeded',
        'check-dns:succeeded',
        'readiness:succeeded',
        'approval:succeeded',
        'confirm-alarm:succeeded',
        'readiness:succeeded',
        'fence:succeeded',
        'lift-fence:succeeded',
      ]);
      expect(summaryOf(run, 'lift-fence')).toMatch(
        /^fence lifted: broker-0 broker-0-0-0 takes writes \(brokerPermission 6\); broker-1 broker-1-0-0 takes writes \(brokerPermission 6\); broker-2 broker-2-0-0 \(master in az1, never fenced\)$/,
      );
      expect(run.report!.sideEffects.map((e) => e.action)).toEqual([
        expect.stringMatching(/^made master broker-0 at .* read-only \(brokerPermission 4, was 6\)$/),
        expect.stringMatching(/^made master broker-1 at .* read-only \(brokerPermission 4, was 6\)$/),
        expect.stringMatching(/^made master broker-0 at .* writable again \(brokerPermission 6, was 4\)$/),
        expect.stringMatching(/^made master broker-1 at .* writable again \(brokerPermission 6, was 4\)$/),
      ]);

      const state = simulation!.state('rocketmq-controller');
      expect(state.elections).toEqual({ automatic: 0, electMaster: 0 });
      expect(state.electionLog).toEqual([]);
      expect(state.groups.map((g) => g.lostMessages)).toEqual([0, 0, 0]);
      expect(mastersOf(state.groups)).toEqual([
        ['broker-0', 'broker-0-0-0', 'az2'],
        ['broker-1', 'broker-1-0-0', 'az2'],
        ['broker-2', 'broker-2-0-0', 'az1'],
      ]);
      expect(writable(state.groups)).toEqual(['broker-0-0-0', 'broker-1-0-0', 'broker-2-0-0']);
      expect(run.dns?.get(record)?.values).toEqual(['namesrv-az2.trades.example.com']);
      // The lifted masters take client messages again: their commit logs grow.
      const logOf = (s: typeof state) =>
        s.groups.find((g) => g.brokerName === 'broker-0')!.members.find((m) => m.pod === 'broker-0-0-0')!
          .messages;
      const before = logOf(state);
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(logOf(simulation!.state('rocketmq-controller'))).toBeGreaterThan(before);
    } finally {
      await simulation?.stop();
    }
  });
});
