// The shared RabbitMQ cluster health check and the fence, against a REAL 3-node RabbitMQ cluster on
// loopback, once per major version (3.x from this machine's package, 4.x from the trixie root):
// the simulated API server binds each server pod's exec to a real node, so the path is the real
// Kubernetes client -> exec -> the real rabbitmqctl of that version -> our parser. One cluster per
// version (it takes tens of seconds to form); each version's ports are its own.
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
  binding,
  cli,
  ctl,
  freePorts,
  joinCluster,
  requireRabbitmqServer,
  serverVersion,
  startNodes,
  stopNode,
  type Major,
  type RabbitNode,
} from './rabbit-nodes.js';
import { ranAgainst } from '../record.js';

const planFile = 'examples/plans/rabbitmq-shovel.yaml';
const vhost = 'payments';
/** Each version's own ports: the two clusters never share one, even when run side by side. */
const PORTS: Record<Major, { amqp: [number, number]; dist: [number, number] }> = {
  3: { amqp: [5691, 5709], dist: [25691, 25709] },
  4: { amqp: [5710, 5729], dist: [25710, 25729] },
};

interface HealthEvidence {
  version: string | null;
  versionRules: string[];
  metadataStore: string;
  notRunning: string[];
  alarms: unknown[];
  quorumCritical: Array<{ pod: string; queues: string[]; streams: string[]; components: string[] }>;
  silentPods: Array<{ pod: string; problem: string }>;
  unavailableQueues: Array<{ vhost: string; name: string; reason: string }>;
  mirroredQueues?: unknown[];
}

const until = async (what: string, check: () => Promise<boolean>, timeoutMs = 30_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
};

/** The suite for one major version; `cluster-health-<major>.test.ts` runs it, so the tier's workers take the versions side by side. */
export const clusterHealthSuite = (major: Major) =>
  describe(`RabbitMQ ${major}.x: cluster health on a real 3-node cluster`, () => {
    let plan: Plan;
    let version = '';
    let nodes: RabbitNode[] = [];
    const simulations: Simulation[] = [];
    const node = (i: number): RabbitNode => nodes[i]!;

    const shovelPlan = () => {
      if (plan.engine.type !== 'rabbitmq-shovel')
        throw new Error(`${planFile} is not a rabbitmq-shovel plan`);
      return plan.engine;
    };

    /** A simulation whose `side` cluster has three server pods, each bound to one real node. */
    const simulate = async (side: 'upstream' | 'downstream') => {
      const cluster = shovelPlan()[side].rabbitmqCluster;
      const realNodes = Object.fromEntries(nodes.map((n, i) => [`${cluster}-server-${i}`, binding(n)]));
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

    /** The readiness check, and every command it ran (the pods' exec log). */
    const clusterHealth = async () => {
      const { ctx, simulation } = await simulate('downstream');
      const check = (await rabbitmqShovelEngine.readiness(ctx)).find((c) => c.name === 'cluster-health');
      if (check === undefined) throw new Error('no cluster-health check');
      const asked = simulation
        .state('rabbitmq-shovel')
        .log.flatMap((e) => (e.kind === 'exec' ? [e.argv.join(' ')] : []));
      return { ...check, evidence: check.evidence as unknown as HealthEvidence, asked };
    };

    beforeAll(async () => {
      await requireRabbitmqServer(major);
      plan = await loadPlan(planFile);
      const [amqpPorts, distPorts] = await Promise.all([
        freePorts(...PORTS[major].amqp, 3),
        freePorts(...PORTS[major].dist, 3),
      ]);
      nodes = await startNodes(
        major,
        ['a', 'b', 'c'].map((suffix) => `fo-health${major}-${process.pid}-${suffix}`),
        { amqp: amqpPorts, dist: distPorts },
      );
      await joinCluster(node(1), node(0));
      await joinCluster(node(2), node(0));
      version = await serverVersion(node(0));
      ranAgainst('RabbitMQ', version);
      console.log(
        `cluster-health-${major}.test.ts: RabbitMQ ${version} (${nodes.map((n) => n.node).join(', ')})`,
      );
      await ctl(node(0), 'add_vhost', vhost);
      for (const [user, password] of [
        ['app', 'app'],
        ['shovel-dr', 's3cret'],
      ] as const) {
        await ctl(node(0), 'add_user', user, password);
        await ctl(node(0), 'set_permissions', '-p', vhost, user, '.*', '.*', '.*');
      }
      await ctl(node(0), 'set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*');
      // Classic mirrors (3.x only) are synchronised by hand (ha-sync-mode manual), as seed 003 warns.
      if (major === 3)
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
      await channel.assertQueue('orders.stream', { durable: true, arguments: { 'x-queue-type': 'stream' } });
      await channel.assertQueue('ha.orders', { durable: true });
      for (let i = 0; i < 20; i++)
        channel.sendToQueue('ha.orders', Buffer.from(`m${i}`), { persistent: true });
      await channel.waitForConfirms();
      await connection.close();
    }, 300_000);

    afterAll(async () => {
      await Promise.all(simulations.map((s) => s.stop()));
      await Promise.all(nodes.map(stopNode));
    }, 120_000);

    it('a healthy cluster passes; the evidence names the version and the rules that applied', async () => {
      const check = await clusterHealth();
      expect(check.evidence.version).toBe(version);
      expect(check.evidence.metadataStore).toBe('mnesia');
      if (major === 3) {
        expect(check.summary).toBe(
          `RabbitMQ ${version}: 3/3 nodes running, no partitions, no alarms, no quorum-critical node, every queue served, 1 mirrored queue synchronised`,
        );
        expect(check.evidence.versionRules).toEqual([
          `RabbitMQ ${version}: classic mirrored queues exist; every mirror must be synchronised`,
          `RabbitMQ ${version}: the metadata store is Mnesia (Khepri is supported from 4.0); partitions from cluster_status`,
        ]);
        expect(check.asked).toContain(
          `rabbitmqctl list_queues -p ${vhost} name slave_pids synchronised_slave_pids -q`,
        );
      } else {
        expect(check.summary).toBe(
          `RabbitMQ ${version}: 3/3 nodes running, no partitions, no alarms, no quorum-critical node, every queue served`,
        );
        expect(check.evidence.versionRules).toEqual([
          `RabbitMQ ${version}: classic mirroring does not exist (removed in 4.0); not checked`,
          `RabbitMQ ${version}: the metadata store is Mnesia or Khepri: asked with metadata_store_status`,
          `RabbitMQ ${version}, Mnesia: partitions from cluster_status`,
        ]);
        // Not asked, and no mirror evidence: on 4.x the question is a usage error.
        expect(check.asked.filter((a) => a.includes('slave_pids'))).toEqual([]);
        expect(check.evidence.mirroredQueues).toBeUndefined();
        const asked = await cli(node(0), 'rabbitmqctl', 'list_queues', '-p', vhost, 'name', 'slave_pids');
        expect([asked.exitCode, asked.stderr.split('\n')[0]]).toEqual([
          64,
          'Error (argument validation): Info key(s) slave_pids are not supported',
        ]);
      }
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
        // With one of three down, losing either of the others would cost the quorum queue (and on
        // 4.x the stream and the stream coordinator) its quorum.
        const critical = {
          queues: ["queue 'orders.qq' in vhost 'payments'"],
          streams: major === 3 ? [] : ["queue 'orders.stream' in vhost 'payments'"],
          components: major === 3 ? [] : ['rabbit_stream_coordinator'],
        };
        expect(check.evidence.quorumCritical).toEqual([
          { pod: 'payments-dr-server-0', ...critical },
          { pod: 'payments-dr-server-1', ...critical },
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

    if (major === 3)
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
    else
      it('a restarted node: nothing about mirrors is asked or claimed (4.x has none)', async () => {
        await ctl(node(2), 'stop_app');
        await ctl(node(2), 'start_app');
        let check = await clusterHealth();
        await until(
          'the restarted node to be healthy again',
          async () => (check = await clusterHealth()).passed,
        );
        expect(check.summary).not.toMatch(/mirror/);
        expect(check.asked.filter((a) => a.includes('slave_pids'))).toEqual([]);
      }, 120_000);

    it('a quorum queue without an elected leader (its only member stopped) is named, though list_queues leaves it out', async () => {
      // Declared through node c, with one member: c's.
      const connection = await amqp.connect(node(2).url(vhost));
      await (
        await connection.createChannel()
      ).assertQueue('solo.qq', {
        durable: true,
        arguments: { 'x-queue-type': 'quorum', 'x-quorum-initial-group-size': 1 },
      });
      await connection.close();
      await ctl(node(2), 'stop_app');
      try {
        const listed = await ctl(node(0), 'list_queues', '-p', vhost, 'name', '-q');
        expect(listed).not.toContain('solo.qq');
        const check = await clusterHealth();
        expect(check.passed).toBe(false);
        expect(check.evidence.unavailableQueues).toEqual([
          {
            vhost,
            name: 'solo.qq',
            reason:
              'not served by any running node (a quorum queue without an elected leader, or a queue whose node is down)',
          },
        ]);
        expect(check.summary).toContain(`${vhost}/solo.qq is not served by any running node`);
      } finally {
        await ctl(node(2), 'start_app');
      }
      await until('solo.qq served again', async () =>
        (await ctl(node(0), 'list_queues', '-p', vhost, 'name', '-q')).includes('solo.qq'),
      );
      await ctl(node(0), 'delete_queue', '-p', vhost, 'solo.qq');
    }, 120_000);

    it('the fence closes and refuses clients of the vhost, keeps the spared shovel user, and records how to lift it', async () => {
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

    if (major === 4)
      it('under Khepri: partitions are not claimed; the metadata store names its leader, and a stopped member', async () => {
        // The migration to Khepri cannot be undone: this runs last on this cluster.
        await ctl(node(0), 'enable_feature_flag', '--experimental', 'khepri_db');
        const healthy = await clusterHealth();
        expect(healthy.evidence.metadataStore).toBe('khepri');
        expect(healthy.evidence.versionRules).toContain(
          `RabbitMQ ${version}, Khepri: cluster_status reports no partitions under Khepri; checked instead: every member running and a voter of the metadata store, which has a leader`,
        );
        expect(healthy.summary).toMatch(
          new RegExp(
            `^RabbitMQ ${version.replace(/\./g, '\\.')}: 3/3 nodes running, metadata store Khepri led by fo-health4-\\d+-[abc]@localhost, every member a voter \\(partitions are not reported under Khepri\\), no alarms`,
          ),
        );
        expect(healthy.summary).not.toContain('no partitions');
        expect(healthy.passed).toBe(true);

        await ctl(node(2), 'stop_app');
        try {
          const check = await clusterHealth();
          expect(check.passed).toBe(false);
          expect(check.summary).toContain(
            `${node(2).node} is not a voter of the metadata store (Khepri) that payments-dr-server-0, payments-dr-server-1 can reach`,
          );
          // Losing another node would cost the metadata store itself its quorum.
          expect(check.evidence.quorumCritical.map((c) => [c.pod, c.components])).toEqual([
            ['payments-dr-server-0', ['rabbit_stream_coordinator', 'rabbitmq_metadata']],
            ['payments-dr-server-1', ['rabbit_stream_coordinator', 'rabbitmq_metadata']],
          ]);
        } finally {
          await ctl(node(2), 'start_app');
        }
      }, 120_000);
  });
