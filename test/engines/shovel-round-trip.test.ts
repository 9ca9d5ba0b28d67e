// The rabbitmq-shovel engine's round-trip methods, each on its own against the simulated
// clusters: reverse (the plan as the other direction sees it), catchUp (read-only: caught up only
// once nothing is left upstream), reprotect (the other direction's shovels defined and running;
// run twice, the second run changes nothing) and liftFence.
import { isDeepStrictEqual } from 'node:util';
import { createKubeApi } from '../../lambdas/adapters/kube/kube-api.js';
import { createMemoryJournal } from '../../lambdas/adapters/memory-journal.js';
import type { StepContext } from '../../lambdas/engines/engine.js';
import { rabbitmqShovelEngine } from '../../lambdas/engines/rabbitmq-shovel/index.js';
import { reverseShovelPlan, type RabbitmqShovelPlan } from '../../lambdas/engines/rabbitmq-shovel/plan.js';
import { loadPlan } from '../../lambdas/plan/load-plan.js';
import { planSchema, type Plan } from '../../lambdas/plan/schema.js';
import { systemClock } from '../../lambdas/ports/clock.js';
import { orientPlan } from '../../lambdas/steps/leg.js';
import { stepContext } from '../../lambdas/steps/kube-context.js';
import { standaloneTools } from '../../lambdas/steps/run-step.js';
import { parseScenario } from '../../sim/scenario.js';
import { startSimulation, type Simulation } from '../../sim/simulation.js';

const planFile = 'examples/plans/rabbitmq-shovel.yaml';
const engine = rabbitmqShovelEngine;
const back = {
  action: 'reprotect',
  mode: 'graceful',
  trigger: 'operator',
  from: 'downstream',
  to: 'upstream',
} as const;

interface Recording extends StepContext {
  changes: string[];
}

/** A step's context for the plan as a leg sees it: each side's API is the simulated site whose cluster the oriented plan names there. */
const contextFor = (plan: Plan, oriented: Plan, simulation: Simulation): Recording => {
  const changes: string[] = [];
  const siteOf = (side: 'upstream' | 'downstream') =>
    isDeepStrictEqual(oriented.clusters[side], plan.clusters.upstream) ? 'upstream' : 'downstream';
  const ctx = stepContext(
    {
      journal: createMemoryJournal(),
      clock: systemClock,
      progress: () => undefined,
      kubeFor: async (_plan, side) =>
        createKubeApi(simulation.kubeConfigFor(siteOf(side)), `${siteOf(side)} cluster (simulated)`),
    },
    oriented,
    standaloneTools({
      clock: systemClock,
      progress: () => undefined,
      deadline: new Date(Date.now() + 600_000),
      onChange: (d, target) => changes.push(`${target}: ${d}`),
    }),
  );
  return { ...ctx, changes };
};

const simulate = async (plan: Plan, clusters: unknown = {}) =>
  startSimulation(plan, parseScenario({ latency: { apiMs: 0, execMs: 0 }, clusters }, 'test scenario', plan));

const writes = (simulation: Simulation, since: number) =>
  simulation
    .state('rabbitmq-shovel')
    .log.slice(since)
    .flatMap((e) =>
      e.kind === 'exec' &&
      /^(set_parameter|clear_parameter|add_user|change_password|set_permissions|set_vhost_limits|clear_vhost_limits|close_connection)$/.test(
        e.argv[1] ?? '',
      )
        ? [e.argv.slice(0, 2).join(' ')]
        : [],
    );

const until = async <T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  ms = 30_000,
): Promise<T> => {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what} not within ${ms} ms: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
};

describe('reverse', () => {
  it('swaps the sides; the reverse shovels (defaults: same names, vhosts and queues, by parameter) become the shovels; twice gives the block back', async () => {
    const plan = await loadPlan(planFile);
    const forward = plan.engine as RabbitmqShovelPlan;
    const reversed = engine.reverse(forward) as RabbitmqShovelPlan;
    expect(reversed.upstream).toEqual(forward.downstream);
    expect(reversed.downstream).toEqual(forward.upstream);
    expect(reversed.shovelUser).toBe('shovel-prod');
    expect(reversed.shovels).toEqual([
      { name: 'payments-orders', vhost: 'payments', declaredBy: 'parameter', queue: 'payments-orders' },
      { name: 'payments-audit', vhost: 'payments', declaredBy: 'parameter', queue: 'payments-audit' },
    ]);
    expect(engine.reverse(reversed)).toEqual({
      ...forward,
      reverse: { shovelUser: 'shovel-prod', shovels: reversed.shovels },
    });
    // The reversed block is a valid plan block: a leg from the downstream carries it.
    expect(planSchema.safeParse({ ...plan, engine: reversed }).success).toBe(true);
  });

  it('takes the reverse block the plan gives', async () => {
    const plan = await loadPlan(planFile);
    const forward = {
      ...(plan.engine as RabbitmqShovelPlan),
      reverse: {
        shovelUser: 'shovel-prod',
        shovels: [
          {
            name: 'back-orders',
            vhost: 'payments',
            declaredBy: 'parameter' as const,
            queue: 'payments-orders',
          },
        ],
      },
    };
    const reversed = reverseShovelPlan(forward);
    expect([reversed.shovelUser, reversed.shovels.map((s) => s.name), reversed.reverse?.shovelUser]).toEqual([
      'shovel-prod',
      ['back-orders'],
      'shovel-dr',
    ]);
  });

  it('refuses a reverse shovel listed twice, and an AMQP URI with credentials', async () => {
    const doc = JSON.parse(JSON.stringify(await loadPlan(planFile)));
    doc.engine.reverse = {
      shovels: [
        { name: 'a', vhost: 'v' },
        { name: 'a', vhost: 'v' },
      ],
    };
    doc.engine.upstream.amqpUri = 'amqp://user:pw@prod:5672';
    expect(planSchema.safeParse(doc).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'engine.upstream.amqpUri: expected amqp://HOST:PORT or amqps://HOST:PORT, without credentials or vhost',
      'engine.reverse.shovels.1.name: shovel a in vhost v is listed twice',
    ]);
  });
});

describe('catchUp', () => {
  it('is not caught up while clients publish, then is once the fence stopped them and the shovels moved the rest; it changes nothing', async () => {
    const plan = await loadPlan(planFile);
    const simulation = await simulate(plan);
    try {
      const ctx = contextFor(plan, plan, simulation);
      const before = await engine.catchUp(ctx, new Date());
      expect(before.caughtUp).toBe(false);
      expect(before.summary).toMatch(
        /^\d+ messages still on the fenced upstream \(payments\/payments-orders: \d+, payments\/payments-audit: \d+\)$/,
      );
      await engine.fence(ctx);
      const fencedAt = new Date();
      const since = simulation.state('rabbitmq-shovel').log.length;
      const after = await until(
        'caught up',
        () => engine.catchUp(ctx, fencedAt),
        (r) => r.caughtUp,
      );
      expect(after.summary).toMatch(
        /^every shovelled queue on the fenced rabbitmq-prod\/payments read empty 2 times in a row \(payments\/payments-orders: 0, payments\/payments-audit: 0\) and payments-orders, payments-audit run on-confirm: rabbitmq-dr\/payments-dr holds everything it took/,
      );
      expect(after.evidence).toMatchObject({
        fencedAt: fencedAt.toISOString(),
        backlog: { measured: true, total: 0 },
        shovels: [{ state: 'running' }, { state: 'running' }],
      });
      expect(writes(simulation, since)).toEqual([]);
      const state = simulation.state('rabbitmq-shovel');
      expect([state.messages.stillUpstream, state.messages.lost]).toEqual([0, 0]);
    } finally {
      await simulation.stop();
    }
  }, 60_000);

  it('an empty source queue is not enough while a shovel is not running', async () => {
    const plan = await loadPlan(planFile);
    const simulation = await simulate(plan, {
      upstream: { clientConnections: 0 },
      shovels: {
        'payments-audit': { state: 'terminated', terminationReason: 'shutdown', backlog: 0 },
        'payments-orders': { backlog: 0 },
      },
    });
    try {
      const result = await engine.catchUp(contextFor(plan, plan, simulation), new Date());
      expect(result).toMatchObject({ caughtUp: false, summary: 'payments-audit terminated (shutdown)' });
    } finally {
      await simulation.stop();
    }
  });
});

describe('reprotect and liftFence', () => {
  it('after a failover, defines the other direction on the old upstream and waits until it runs; run again it changes nothing', async () => {
    const plan = await loadPlan(planFile);
    const simulation = await simulate(plan);
    try {
      // Leg 1 as the workflow does it: fence production, drain and remove the shovels.
      const forward = contextFor(plan, plan, simulation);
      await engine.fence(forward);
      await engine.promote(forward);
      const oriented = orientPlan(plan, back);
      const first = contextFor(plan, oriented, simulation);
      const result = await engine.reprotect(first);
      expect(first.changes).toEqual([
        'rabbitmq-dr/payments-dr: created user shovel-prod on rabbitmq-dr/payments-dr',
        'rabbitmq-dr/payments-dr: set the permissions of shovel-prod in vhost payments on rabbitmq-dr/payments-dr: configure ^(payments-orders|payments-audit)$, write ^$, read ^(payments-orders|payments-audit)$',
        'rabbitmq-prod/payments: lifted the fence of vhost payments: `rabbitmqctl clear_vhost_limits -p payments`',
        'rabbitmq-prod/payments: defined shovel payments-orders in vhost payments (rabbitmqctl set_parameter shovel: queue payments-orders from amqp://payments-dr.dr-b.payments.example.com:5672 as shovel-prod, ack-mode on-confirm)',
        'rabbitmq-prod/payments: defined shovel payments-audit in vhost payments (rabbitmqctl set_parameter shovel: queue payments-audit from amqp://payments-dr.dr-b.payments.example.com:5672 as shovel-prod, ack-mode on-confirm)',
      ]);
      expect(result.summary).toMatch(
        /^payments-orders, payments-audit running on rabbitmq-prod\/payments from rabbitmq-dr\/payments-dr \(amqp:\/\/payments-dr\.dr-b\.payments\.example\.com:5672 as shovel-prod\), on-confirm; created user shovel-prod/,
      );
      // The password it generated is in no change, summary or detail.
      const defined = simulation
        .state('rabbitmq-shovel')
        .log.flatMap((e) => (e.kind === 'exec' && e.argv[1] === 'set_parameter' ? [e.argv.join(' ')] : []));
      const password = /shovel-prod:([^@]+)@/.exec(defined[0] ?? '')?.[1];
      expect(password).toMatch(/^[0-9a-f]{48}$/);
      expect(JSON.stringify([first.changes, result])).not.toContain(password);
      let state = simulation.state('rabbitmq-shovel');
      expect(state.upstream.shovels.map((s) => [s.name, s.state])).toEqual([
        ['payments-orders', 'running'],
        ['payments-audit', 'running'],
      ]);
      expect(state.upstream.access.limits).toEqual({});
      expect(state.downstream.users['shovel-prod']).toEqual({
        vhosts: {
          payments: {
            configure: '^(payments-orders|payments-audit)$',
            write: '^$',
            read: '^(payments-orders|payments-audit)$',
          },
        },
      });

      const since = state.log.length;
      const second = contextFor(plan, oriented, simulation);
      const again = await engine.reprotect(second);
      expect(second.changes).toEqual([]);
      expect(writes(simulation, since)).toEqual([]);
      expect(again.summary).toMatch(
        /^already replicating: payments-orders, payments-audit running on rabbitmq-prod\/payments .*; nothing changed$/,
      );
      state = simulation.state('rabbitmq-shovel');
      expect(state.messages).toMatchObject({ serving: 'downstream', lost: 0 });
    } finally {
      await simulation.stop();
    }
  }, 60_000);

  it('refuses while the serving side still runs the shovels of the other direction, and changes nothing', async () => {
    const plan = await loadPlan(planFile);
    const simulation = await simulate(plan);
    try {
      const ctx = contextFor(plan, orientPlan(plan, back), simulation);
      await expect(engine.reprotect(ctx)).rejects.toThrow(
        'rabbitmq-dr/payments-dr serves but still runs the shovels of the other direction (payments-orders, payments-audit): with both directions every message would move back and forth; remove those first (a failover does, at promotion)',
      );
      expect(ctx.changes).toEqual([]);
    } finally {
      await simulation.stop();
    }
  });

  it('liftFence lets the clients back in once, and changes nothing when run again', async () => {
    const plan = await loadPlan(planFile);
    const simulation = await simulate(plan);
    try {
      const ctx = contextFor(plan, plan, simulation);
      await engine.fence(ctx);
      expect(
        simulation.state('rabbitmq-shovel').upstream.access.connections.filter((c) => c.user === 'app'),
      ).toEqual([]);
      const lifted = await engine.liftFence(ctx);
      expect(lifted.summary).toBe(
        'fence of rabbitmq-prod/payments lifted: vhost payments accepts connections again; verified no vhost of payments refuses connections',
      );
      const clients = await until(
        'clients back',
        async () =>
          simulation.state('rabbitmq-shovel').upstream.access.connections.filter((c) => c.user === 'app')
            .length,
        (n) => n === 2,
        5_000,
      );
      expect(clients).toBe(2);
      const since = simulation.state('rabbitmq-shovel').log.length;
      expect((await engine.liftFence(ctx)).summary).toMatch(/was not fenced/);
      expect(writes(simulation, since)).toEqual([]);
    } finally {
      await simulation.stop();
    }
  }, 30_000);
});
