// The shared RabbitMQ cluster health check and the fence, against a REAL 3-node RabbitMQ 3.10
// cluster on loopback: the simulated API server binds each server pod's exec to a real node,
// so the path is the real Kubernetes client -> exec -> the real rabbitmqctl -> our parser.
// One cluster for the whole file (it takes tens of seconds to form).
import amqp from 'amqplib';
import { rabbitmqShovelEngine } from '../../lambdas/engines/rabbitmq-shovel/index.js';
import { clusterAccess } from '../../lambdas/engines/rabbitmq-shovel/resources.js';
import { notRejoined, waitForRejoin } from '../../lambdas/engines/rabbitmq/cluster-health.js';
import { loadPlan } from '../../lambdas/plan/load-plan.js';
import type { Plan } from '../../lambdas/plan/schema.js';
import { parseScenario } from '../../sim/scenario.js';
import { startSimulation, type Simulation } from '../../sim/simulation.js';
import { engineContext } from '../../test/engines/engine-context.js';
import {
  cli,
  ctl,
  freePorts,
  joinCluster,
  requireRabbitmqServer,
  startNode,
  stopNode,
  type RabbitNode,
} from './rabbit-nodes.js';

const planFile = 'examples/plans/rabbitmq-shovel.yaml';
const vhost = 'payments';
let plan: Plan;
const nodes: RabbitNode[] = [];
const simulations: Simulation[] = [];

const node = (i: number): RabbitNode => nodes[i]!;

const shovelPlan = () => {
  if (plan.engine.type !== 'rabbitmq-shovel') throw new Error(`${planFile} is not a rabbitmq-shovel plan`);
  return plan.engine;
};

/** A simulation whose `side` cluster has three server pods, each bound to one real node. */
const simulate = async (side: 'upstream' | 'downstream') => {
  const cluster = shovelPlan()[side].rabbitmqCluster;
  const realNodes = Object.fromEntries(
    nodes.map((n, i) => [
      `${cluster}-server-${i}`,
      { node: n.node, enabledPluginsFile: n.enabledPluginsFile },
    ]),
  );
  const simulation = await startSimulation(
    plan,
    parseScenario(
      {
        latency: { apiMs: 0, execMs: 0 },
        clusters: {
          [side]: { replicas: 3, realNodes, ...(side === 'upstream' ? { clientConnections: 0 } : {}) },
        },
      },
      'real nodes',
      plan,
    ),
  );
  simulations.push(simulation);
  return { simulation, ctx: engineContext(plan, simulation) };
};

const clusterHealth = async () => {
  const { ctx } = await simulate('downstream');
  const check = (await rabbitmqShovelEngine.readiness(ctx)).find((c) => c.name === 'cluster-health');
  if (check === undefined) throw new Error('no cluster-health check');
  return check as typeof check & {
    evidence: {
      notRunning: string[];
      alarms: unknown[];
      quorumCritical: Array<{ pod: string; queues: string[] }>;
      silentPods: Array<{ pod: string; problem: string }>;
    };
  };
};

const until = async (what: string, check: () => Promise<boolean>, timeoutMs = 30_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
};

beforeAll(async () => {
  await requireRabbitmqServer();
  plan = await loadPlan(planFile);
  const [amqpPorts, distPorts] = await Promise.all([freePorts(5691, 5729, 3), freePorts(25691, 25729, 3)]);
  const started = await Promise.allSettled(
    ['a', 'b', 'c'].map((suffix, i) =>
      startNode({
        name: `fo-health-${process.pid}-${suffix}`,
        amqpPort: amqpPorts[i]!,
        distPort: distPorts[i]!,
      }),
    ),
  );
  for (const s of started) if (s.status === 'fulfilled') nodes.push(s.value);
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  await joinCluster(node(1), node(0));
  await joinCluster(node(2), node(0));
  await ctl(node(0), 'add_vhost', vhost);
  for (const [user, password] of [
    ['app', 'app'],
    ['shovel-dr', 's3cret'],
  ] as const) {
    await ctl(node(0), 'add_user', user, password);
    await ctl(node(0), 'set_permissions', '-p', vhost, user, '.*', '.*', '.*');
  }
  await ctl(node(0), 'set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*');
  // Classic mirrors are synchronised by hand (ha-sync-mode manual), as seed 003 warns.
  await ctl(
    node(0),
    'set_policy',
    '-p',
    vhost,
    'ha-all',
    '^ha\\.',
    '{"ha-mode":"all","ha-sync-mode":"manual"}',
  );
  const connection = await amqp.connect(node(0).url(vhost));
  const channel = await connection.createConfirmChannel();
  await channel.assertQueue('orders.qq', { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await channel.assertQueue('ha.orders', { durable: true });
  for (let i = 0; i < 20; i++) channel.sendToQueue('ha.orders', Buffer.from(`m${i}`), { persistent: true });
  await channel.waitForConfirms();
  await connection.close();
}, 240_000);

afterAll(async () => {
  await Promise.all(simulations.map((s) => s.stop()));
  await Promise.all(nodes.map(stopNode));
}, 120_000);

describe('RabbitMQ cluster health on a real 3-node cluster', () => {
  it('a healthy cluster passes, with every member running and the mirrored queue synchronised', async () => {
    const check = await clusterHealth();
    expect(check.summary).toBe(
      '3/3 nodes running, no partitions, no alarms, no quorum-critical node, 1 mirrored queue synchronised',
    );
    expect(check.passed).toBe(true);
  }, 120_000);

  it('a stopped node and a memory alarm: readiness names exactly that node and that alarm', async () => {
    await ctl(node(2), 'stop_app');
    await ctl(node(1), 'set_vm_memory_high_watermark', '0.0000001');
    try {
      await until('the memory alarm', async () =>
        (await ctl(node(0), 'cluster_status', '--formatter', 'json')).includes('"resource":"memory"'),
      );
      const check = await clusterHealth();
      expect(check.passed).toBe(false);
      expect(check.evidence.notRunning).toEqual([node(2).node]);
      expect(check.evidence.alarms).toEqual([{ node: node(1).node, resource: 'memory' }]);
      expect(check.summary).toContain(`${node(2).node} not running`);
      expect(check.summary).toContain(`memory alarm on ${node(1).node}`);
      // The pod bound to the stopped node cannot answer for itself.
      expect(check.evidence.silentPods).toEqual([
        {
          pod: 'payments-dr-server-2',
          problem: expect.stringMatching(
            /^cluster_status exited 64: Error: this command requires the 'rabbit' app to be running/,
          ),
        },
      ]);
      // With one of three down, losing either of the others would cost orders.qq its quorum.
      expect(check.evidence.quorumCritical).toEqual([
        { pod: 'payments-dr-server-0', queues: ["queue 'orders.qq' in vhost 'payments'"] },
        { pod: 'payments-dr-server-1', queues: ["queue 'orders.qq' in vhost 'payments'"] },
      ]);
    } finally {
      await ctl(node(1), 'set_vm_memory_high_watermark', '0.4');
      await ctl(node(2), 'start_app');
    }
  }, 120_000);

  it('after a restart, waits (bounded) for the node to rejoin; names the node that did not', async () => {
    const { ctx } = await simulate('downstream');
    const access = clusterAccess(ctx.kube('downstream'), shovelPlan(), 'downstream');
    await ctl(node(2), 'stop_app');
    const restart = new Promise((resolve) => setTimeout(resolve, 3_000)).then(() =>
      ctl(node(2), 'start_app'),
    );
    const rejoined = await waitForRejoin(ctx, access, { timeoutSeconds: 60, pollMs: 1_000 });
    await restart;
    expect(rejoined.rejoined).toBe(true);
    expect(rejoined.attempts).toBeGreaterThan(1);
    expect(rejoined.membership.running).toEqual(nodes.map((n) => n.node).sort());
    expect(ctx.messages.some((m) => m.includes(`${node(2).node} not running`))).toBe(true);

    await ctl(node(2), 'stop_app');
    try {
      const stuck = await waitForRejoin(ctx, access, { timeoutSeconds: 3, pollMs: 1_000 });
      expect(stuck.rejoined).toBe(false);
      expect(notRejoined(stuck.membership)).toEqual([node(2).node, 'payments-dr-server-2']);
    } finally {
      await ctl(node(2), 'start_app');
    }
  }, 120_000);

  it('a classic mirror that is not synchronised fails the check until it is synchronised', async () => {
    // A restarted mirror comes back empty and, with manual sync, stays unsynchronised (seed 003).
    await ctl(node(2), 'stop_app');
    await ctl(node(2), 'start_app');
    await until('the mirror on the restarted node', async () =>
      (await ctl(node(0), 'list_queues', '-p', vhost, 'name', 'slave_pids', '-q')).includes(
        `<${node(2).node}.`,
      ),
    );
    const before = await clusterHealth();
    expect(before.passed).toBe(false);
    expect(before.summary).toBe(`${vhost}/ha.orders has unsynchronised mirrors on ${node(2).node}`);

    await ctl(node(0), 'sync_queue', '-p', vhost, 'ha.orders');
    await until('the mirror to synchronise', async () => (await clusterHealth()).passed);
  }, 120_000);
});

describe('the RabbitMQ fence on a real cluster', () => {
  it('closes and refuses clients of the vhost, keeps the spared shovel user, and records how to lift it', async () => {
    const { ctx } = await simulate('upstream');
    const app = await amqp.connect(node(0).url(vhost, 'app', 'app'));
    const appOnB = await amqp.connect(node(1).url(vhost, 'app', 'app'));
    const shovel = await amqp.connect(node(2).url(vhost, 'shovel-dr', 's3cret'));
    const closed = (c: Awaited<ReturnType<typeof amqp.connect>>) =>
      new Promise<string>((resolve) => {
        c.on('error', () => undefined);
        c.on('close', (err?: Error) => resolve(err?.message ?? 'closed'));
      });
    const appClosed = closed(app);
    const appOnBClosed = closed(appOnB);
    try {
      const result = await rabbitmqShovelEngine.fence(ctx);
      expect(result.state).toBe('fenced');
      expect(result.summary).toBe(
        'rabbitmq-prod/payments fenced: payments max-connections 0, 2 connections closed; verified no client connection remains (connections of shovel-dr kept open to drain)',
      );
      expect(await appClosed).toMatch(
        /CONNECTION_FORCED - failover payments-rabbitmq: this cluster is fenced/,
      );
      expect(await appOnBClosed).toMatch(/CONNECTION_FORCED/);
      // The shovel's connection still works.
      await (await shovel.createChannel()).checkQueue('orders.qq');
      // The broker answers the connection's open with a close (530 NOT_ALLOWED: connection limit 0).
      await expect(amqp.connect(node(0).url(vhost, 'app', 'app'))).rejects.toThrow(
        /Expected ConnectionOpenOk; got <ConnectionClose/,
      );

      expect(result.lift).toEqual(['in any payments pod: rabbitmqctl clear_vhost_limits -p payments']);
      await ctl(node(0), 'clear_vhost_limits', '-p', vhost);
      const again = await amqp.connect(node(0).url(vhost, 'app', 'app'));
      await again.close();
    } finally {
      await shovel.close().catch(() => undefined);
      // Exits 69 (no such parameter) when the test already lifted the fence.
      await cli(node(0), 'rabbitmqctl', 'clear_vhost_limits', '-p', vhost);
    }
  }, 120_000);
});
