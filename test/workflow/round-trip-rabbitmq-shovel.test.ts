// The rabbitmq-shovel round trip through the ASL file (the drill: local runner, real handlers,
// simulated clusters): the alarm's failover, reprotect, a graceful failback; a graceful
// switchover alone; and one that cannot catch up. The simulated clusters are read at the end of
// every leg: where clients are served, who runs shovels, what each vhost refuses, and where
// every confirmed message is (the model counts them: `lost` is what no side will serve).
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { drill, type DrillOptions, type DrillResult } from '../../local/drill.js';
import type { Io } from '../../local/io.js';
import type { Simulation, SimStateOf } from '../../sim/simulation.js';

type ShovelState = SimStateOf<'rabbitmq-shovel'>;

const planFile = 'examples/plans/rabbitmq-shovel.yaml';
const record = 'Z0123456789ABCDEFGHIJ/amqp.payments.example.com/CNAME';
const production = 'payments.prod-a.payments.example.com';
const dr = 'payments-dr.dr-b.payments.example.com';

interface Legs extends DrillResult {
  out: string[];
  /** The clusters as each leg left them (read when the drill prints the leg's outcome). */
  afterLeg: ShovelState[];
  /** After the drill, once the clients the fence closed have found the serving side again (they retry every second). */
  end: ShovelState;
}

const clients = (site: ShovelState['upstream']) =>
  site.access.connections.filter((c) => c.user === 'app').length;
const shovelStates = (site: ShovelState['upstream']) => site.shovels.map((s) => [s.name, s.state]);

const reconnected = async (simulation: Simulation): Promise<ShovelState> => {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const state = simulation.state('rabbitmq-shovel');
    const serving = state.messages.serving;
    if ((serving && clients(state[serving]) > 0) || Date.now() > deadline) return state;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

const runDrill = async (options: Partial<DrillOptions>): Promise<Legs> => {
  const out: string[] = [];
  const afterLeg: ShovelState[] = [];
  let simulation: Simulation | undefined;
  const io: Io = {
    out: (line) => {
      out.push(line);
      if (line.startsWith('Outcome:') && simulation) afterLeg.push(simulation.state('rabbitmq-shovel'));
    },
    err: (line) => out.push(line),
  };
  const result = await drill(
    { planFile, gate: 'approve', ...options, keepSimulation: true, onSimulation: (s) => (simulation = s) },
    io,
  );
  if (!simulation) throw new Error(`the drill did not start a simulation: ${out.join('\n')}`);
  try {
    return { ...result, out, afterLeg, end: await reconnected(simulation) };
  } finally {
    await simulation.stop();
  }
};

describe('rabbitmq-shovel round trip (ASL file, simulated clusters)', () => {
  it('failover, reprotect, graceful failback: every leg SUCCEEDED, the failback with RPO 0, no confirmed message lost on any leg', async () => {
    const run = await runDrill({ roundTrip: true });
    expect(run.reports?.map((r) => [r.leg?.action, r.leg?.mode, r.leg?.from, r.status])).toEqual([
      ['failover', 'ungraceful', 'upstream', 'SUCCEEDED'],
      ['reprotect', 'graceful', 'downstream', 'SUCCEEDED'],
      ['failover', 'graceful', 'downstream', 'SUCCEEDED'],
    ]);
    expect(run.exitCode).toBe(0);
    expect(run.afterLeg).toHaveLength(3);
    const [failedOver, reprotected, failedBack] = run.afterLeg as [ShovelState, ShovelState, ShovelState];

    // Every leg: what publishers had confirmed is on the serving side or on a standby its shovels feed.
    for (const state of run.afterLeg)
      expect(state.messages).toMatchObject({ lost: 0, delivered: state.messages.confirmed });
    expect(failedOver.messages.confirmed).toBeLessThan(reprotected.messages.confirmed);
    expect(reprotected.messages.confirmed).toBeLessThan(failedBack.messages.confirmed);

    // Leg 1: DR serves, production is fenced and holds nothing.
    expect(failedOver.messages).toMatchObject({ serving: 'downstream', stillUpstream: 0 });
    expect(failedOver.upstream.access.limits).toEqual({ payments: { 'max-connections': 0 } });
    expect(shovelStates(failedOver.downstream)).toEqual([
      ['payments-orders', 'absent'],
      ['payments-audit', 'absent'],
    ]);

    // Leg 2: the reverse shovels run on production and pull DR; production takes their connections again.
    expect(reprotected.messages.serving).toBe('downstream');
    expect(shovelStates(reprotected.upstream)).toEqual([
      ['payments-orders', 'running'],
      ['payments-audit', 'running'],
    ]);
    expect(reprotected.upstream.access.limits).toEqual({});
    expect(clients(reprotected.upstream)).toBe(0);
    expect(
      reprotected.downstream.access.connections.filter((c) => c.user === 'shovel-prod').map((c) => c.vhost),
    ).toEqual(['payments', 'payments']);
    expect(run.reports![1]!.sideEffects.map((e) => e.action)).toEqual([
      'created user shovel-prod on rabbitmq-dr/payments-dr',
      'set the permissions of shovel-prod in vhost payments on rabbitmq-dr/payments-dr: configure ^(payments-orders|payments-audit)$, write ^$, read ^(payments-orders|payments-audit)$',
      'lifted the fence of vhost payments: `rabbitmqctl clear_vhost_limits -p payments`',
      'defined shovel payments-orders in vhost payments (rabbitmqctl set_parameter shovel: queue payments-orders from amqp://payments-dr.dr-b.payments.example.com:5672 as shovel-prod, ack-mode on-confirm)',
      'defined shovel payments-audit in vhost payments (rabbitmqctl set_parameter shovel: queue payments-audit from amqp://payments-dr.dr-b.payments.example.com:5672 as shovel-prod, ack-mode on-confirm)',
    ]);

    // Leg 3: RPO 0 with its evidence; production serves, alone; DR refuses clients; nothing left on DR.
    const failback = run.reports![2]!;
    expect(failback.rpo?.seconds).toBe(0);
    expect(failback.rpo?.evidence).toMatch(
      /every shovelled queue on the fenced rabbitmq-dr\/payments-dr read empty 2 times in a row \(payments\/payments-orders: 0, payments\/payments-audit: 0\) and payments-orders, payments-audit run on-confirm: rabbitmq-prod\/payments holds everything it took/,
    );
    expect(failback.steps.map((s) => s.name).filter((n, i, all) => all.indexOf(n) === i)).toEqual([
      'admit',
      'confirm-alarm',
      'check-dns',
      'readiness',
      'approval',
      'fence',
      'catch-up',
      'promote',
      'verify-promotion',
      'flip-dns',
      'verify-dns',
      'teardown',
    ]);
    expect(failedBack.messages).toMatchObject({ serving: 'upstream', onDownstream: 0 });
    expect(failedBack.downstream.access.limits).toEqual({ payments: { 'max-connections': 0 } });
    expect(clients(failedBack.downstream)).toBe(0);
    expect(shovelStates(failedBack.upstream)).toEqual([
      ['payments-orders', 'absent'],
      ['payments-audit', 'absent'],
    ]);
    expect(run.dns?.get(record)?.values).toEqual([production]);
    // The clients are back on production, publishing.
    expect(clients(run.end.upstream)).toBe(2);
    expect(run.end.messages.lost).toBe(0);
    expect(run.out.at(-1)).toMatch(
      /^ {2}3\. graceful failback: SUCCEEDED; recovery [\d.]+ m?s; RPO 0 s \(.*every shovelled queue on the fenced rabbitmq-dr\/payments-dr read empty/,
    );
  }, 120_000);

  it('a graceful switchover (--mode graceful): fence, catch up, promote; RPO 0 and nothing lost', async () => {
    const run = await runDrill({ mode: 'graceful' });
    expect([run.exitCode, run.report?.status, run.report?.rpo?.seconds]).toEqual([0, 'SUCCEEDED', 0]);
    expect(run.report?.rpo?.evidence).toMatch(
      /every shovelled queue on the fenced rabbitmq-prod\/payments read empty 2 times in a row .* rabbitmq-dr\/payments-dr holds everything it took/,
    );
    const [state] = run.afterLeg as [ShovelState];
    expect(state.messages).toMatchObject({ serving: 'downstream', stillUpstream: 0, lost: 0 });
    expect(state.upstream.access.limits).toEqual({ payments: { 'max-connections': 0 } });
    expect(run.dns?.get(record)?.values).toEqual([dr]);
  }, 60_000);

  it('cannot-catch-up: halts after the bound, lifts the fence so production takes its clients again, promotes nothing, loses nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'shovel-catch-up-'));
    const plan = parse(await readFile(planFile, 'utf8')) as Record<string, unknown>;
    plan['switchover'] = { catchUpTimeoutSeconds: 3 };
    const shortBound = join(dir, 'plan.yaml');
    await writeFile(shortBound, stringify(plan));
    const run = await runDrill({
      planFile: shortBound,
      scenarioFile: 'examples/scenarios/rabbitmq-shovel/cannot-catch-up.yaml',
      mode: 'graceful',
    });
    expect([run.exitCode, run.report?.status]).toEqual([3, 'HALTED']);
    expect(run.report?.reason).toMatch(
      /^CatchUpTimedOut: the standby did not catch up within 3 s of the fence \(\d+ messages still on the fenced upstream \(payments\/payments-orders: \d+, payments\/payments-audit: \d+\)\)/,
    );
    const steps = run.report!.steps.map((s) => `${s.name}:${s.outcome}`);
    expect(steps.at(-2)).toBe('catch-up:failed');
    expect(steps.at(-1)).toBe('lift-fence:succeeded');
    expect(steps.some((s) => s.startsWith('promote'))).toBe(false);
    expect(run.report!.sideEffects.map((e) => e.action)).toEqual([
      'fenced vhost payments: max-connections 0 (was unlimited)',
      'closed 2 client connections of vhost payments',
      'lifted the fence of vhost payments: `rabbitmqctl clear_vhost_limits -p payments`',
    ]);
    // Production serves again (clients reconnected), DR is still its standby, DNS never moved.
    expect(run.end.upstream.access.limits).toEqual({});
    expect(clients(run.end.upstream)).toBe(2);
    expect(shovelStates(run.end.downstream)).toEqual([
      ['payments-orders', 'running'],
      ['payments-audit', 'running'],
    ]);
    expect(run.end.messages).toMatchObject({ serving: 'upstream', lost: 0 });
    expect(run.end.messages.stillUpstream).toBeGreaterThan(0);
    expect(run.dns?.get(record)?.values).toEqual([production]);
  }, 60_000);
});
