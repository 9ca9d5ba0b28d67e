// A whole rabbitmq-shovel failover through the workflow (ASL file, local runner, real
// handlers, @kubernetes/client-node) against a REAL kube-apiserver (kube/control-plane.ts) whose
// pods' exec runs the real CLI of TWO REAL RabbitMQ nodes: production (upstream) and DR (downstream), a
// dynamic shovel on DR pulling production's queue with ack-mode on-confirm. A publisher keeps
// publishing with confirms to production while the failover runs; afterwards every message on
// DR is counted. A message production confirmed must never be lost: the fence refuses the
// publisher (the shovel's connection is kept), the backlog drains, and only then is the shovel
// removed; the workers act as a user bound to the plan's generated RBAC only. Then the round trip
// on the same nodes (another vhost), its pods on the simulated API server: failover, reprotect and a
// graceful failback, each leg with its own publisher, each leg's messages counted where that
// leg must have put them. Once per major version (3.x and 4.x real nodes, each with its own ports).
import amqp from 'amqplib';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { drillAlarmEvent } from '../../lambdas/plan/alarm-event.js';
import { loadPlan } from '../../lambdas/plan/load-plan.js';
import { operatorRequest } from '../../lambdas/plan/operator-request.js';
import { rbacFor } from '../../lambdas/plan/rbac.js';
import { printProgress, printSummary } from '../../local/drill.js';
import { autoApprovals, drillEnvironment, seededCoordination } from '../../local/drill-deps.js';
import type { Io } from '../../local/io.js';
import { runWorkflow } from '../../local/run-workflow.js';
import { loadScenario } from '../../sim/scenario.js';
import { startSimulation } from '../../sim/simulation.js';
import { applyRbac, createReadyPods } from '../kube/cluster-objects.js';
import { startControlPlane } from '../kube/control-plane.js';
import { failOverOnRealCluster, firstRecordValues } from '../kube/real-cluster-workers.js';
import {
  binding,
  containerEnv,
  ctl,
  freePorts,
  requireRabbitmqServer,
  serverVersion,
  startNodes,
  stopNode,
  type Major,
  writeContainerTools,
  type RabbitNode,
} from './rabbit-nodes.js';
import { measured, ranAgainst } from '../record.js';

const vhost = 'payments';
const queue = 'payments-orders';
/** Each version's own ports: the two pairs never share one, even when run side by side. */
const PORTS: Record<Major, { amqp: [number, number]; dist: [number, number] }> = {
  3: { amqp: [5730, 5749], dist: [25730, 25749] },
  4: { amqp: [5750, 5769], dist: [25750, 25769] },
};

/**
 * The backlog a publisher keeps in its queue: enough that cutting the shovel at the fence would
 * lose messages, and that it is still there when the test reads the depth as the fence closes the
 * publisher (2,000 were drained before that read on a machine at load 20), small enough that a
 * prefetch-1 shovel drains it in well under a minute (publishing flat out, a failover left 14,000
 * to drain, over a minute on a loaded machine).
 */
const BACKLOG = 5_000;

/**
 * Publishes with confirms until stopped; after the fence closes it, keeps trying to reconnect.
 * Faster than the shovel moves them while the queue holds fewer than BACKLOG, a trickle above.
 * `onClosed` runs once, when the broker first closes the publisher's connection.
 */
const startPublisher = (url: string, target = queue, onClosed?: () => void) => {
  const confirmed = new Set<number>();
  let sent = 0;
  let refused = 0;
  let closedBy = '';
  let stopped = false;
  let connection: Awaited<ReturnType<typeof amqp.connect>> | undefined;
  const loop = (async () => {
    while (!stopped) {
      try {
        connection = await amqp.connect(url);
      } catch {
        refused += 1;
        await new Promise((resolve) => setTimeout(resolve, 250));
        continue;
      }
      const open = connection;
      let alive = true;
      open.on('error', () => undefined);
      open.on('close', (err?: Error) => {
        alive = false;
        if (closedBy === '' && err !== undefined) onClosed?.();
        closedBy ||= err?.message ?? 'closed';
      });
      try {
        const channel = await open.createConfirmChannel();
        channel.on('error', () => undefined);
        let depth = 0;
        let depthReadAt = 0;
        while (!stopped && alive) {
          if (Date.now() - depthReadAt > 100) {
            depth = (await channel.checkQueue(target)).messageCount;
            depthReadAt = Date.now();
          }
          // Faster than the shovel moves them (prefetch 1) until the backlog is there.
          const burst = depth < BACKLOG ? 20 : 1;
          for (let i = 0; i < burst; i++) {
            const id = ++sent;
            channel.sendToQueue(
              target,
              Buffer.from(`payment ${id}`),
              { persistent: true, messageId: String(id) },
              (err) => {
                if (err === null || err === undefined) confirmed.add(id);
              },
            );
          }
          await new Promise((resolve) => setTimeout(resolve, depth < BACKLOG ? 2 : 20));
        }
        if (alive) await channel.waitForConfirms().catch(() => undefined);
      } catch {
        // The fence closed the connection under the channel: reconnect (and be refused).
      }
    }
    await connection?.close().catch(() => undefined);
  })();
  return {
    confirmed,
    get refused() {
      return refused;
    },
    get closedBy() {
      return closedBy;
    },
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
};

/**
 * Takes every message from a queue: the ids, with duplicates. A consumer, not one basic.get per
 * message: tens of thousands of round trips took minutes on a loaded machine. Bounded: the queue's
 * depth when asked, within 120 s.
 */
const takeAll = async (node: RabbitNode, from = vhost, name = queue): Promise<number[]> => {
  const connection = await amqp.connect(node.url(from));
  const channel = await connection.createChannel();
  const { messageCount } = await channel.checkQueue(name);
  const ids: number[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`took ${ids.length} of ${messageCount} messages from ${name} within 120 s`)),
        120_000,
      );
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      if (messageCount === 0) done();
      else
        void channel.consume(
          name,
          (message) => {
            if (message === null) return;
            ids.push(Number(message.properties.messageId));
            if (ids.length === messageCount) done();
          },
          { noAck: true },
        );
    });
  } finally {
    await connection.close();
  }
  return ids;
};

/** What a publisher had confirmed against what arrived: the line each leg prints. */
const tally = (label: string, confirmed: Set<number>, delivered: number[]) => {
  const unique = new Set(delivered);
  const lost = [...confirmed].filter((id) => !unique.has(id));
  const duplicates = delivered.length - unique.size;
  measured(
    `${label}: messages: ${confirmed.size} confirmed, ${unique.size} delivered, ${lost.length} lost, ${duplicates} duplicates`,
  );
  return { lost, duplicates };
};

/** The suite for one major version; `shovel-failover-<major>.test.ts` runs it, so the tier's workers take the versions side by side. */
export const shovelFailoverSuite = (major: Major) =>
  describe(`RabbitMQ ${major}.x: shovel failover on real nodes`, () => {
    let nodes: RabbitNode[] = [];
    let dir: string;
    let version = '';
    const upstream = (): RabbitNode => nodes[0]!;
    const downstream = (): RabbitNode => nodes[1]!;

    beforeAll(async () => {
      await requireRabbitmqServer(major);
      dir = await mkdtemp(join(tmpdir(), 'failover-shovel-'));
      const [amqpPorts, distPorts] = await Promise.all([
        freePorts(...PORTS[major].amqp, 2),
        freePorts(...PORTS[major].dist, 2),
      ]);
      // The shovel plugin on production too: the round trip's reverse shovels run there.
      nodes = await startNodes(
        major,
        [`fo-prod${major}-${process.pid}`, `fo-dr${major}-${process.pid}`],
        { amqp: amqpPorts, dist: distPorts },
        ['rabbitmq_shovel'],
      );
      version = await serverVersion(upstream());
      ranAgainst('RabbitMQ', version);
      console.log(
        `shovel-failover-${major}.test.ts: RabbitMQ ${version} (${nodes.map((n) => n.node).join(', ')})`,
      );

      for (const node of nodes) {
        await ctl(node, 'add_vhost', vhost);
        await ctl(node, 'set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*');
      }
      for (const [user, password] of [
        ['app', 'app'],
        ['shovel-dr', 's3cret'],
      ] as const) {
        await ctl(upstream(), 'add_user', user, password);
        await ctl(upstream(), 'set_permissions', '-p', vhost, user, '.*', '.*', '.*');
      }
      for (const node of nodes) {
        const connection = await amqp.connect(node.url(vhost));
        await (await connection.createChannel()).assertQueue(queue, { durable: true });
        await connection.close();
      }
      await ctl(
        downstream(),
        'set_parameter',
        '-p',
        vhost,
        'shovel',
        queue,
        JSON.stringify({
          'src-protocol': 'amqp091',
          'src-uri': `amqp://shovel-dr:s3cret@127.0.0.1:${upstream().amqpPort}/${vhost}`,
          'src-queue': queue,
          'dest-protocol': 'amqp091',
          'dest-uri': `amqp:///${vhost}`,
          'dest-queue': queue,
          'ack-mode': 'on-confirm',
          'src-prefetch-count': 1,
        }),
      );
      const deadline = Date.now() + 30_000;
      while (
        !(await ctl(downstream(), 'shovel_status', '--formatter', 'json')).includes('"state":"running"')
      ) {
        if (Date.now() > deadline) throw new Error('the shovel did not start within 30 s');
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }, 180_000);

    afterAll(async () => {
      await Promise.all(nodes.map(stopNode));
      if (dir) await rm(dir, { recursive: true, force: true });
    }, 120_000);

    it('fails over through a real kube-apiserver while a publisher publishes with confirms: every confirmed message reaches DR, none is lost', async () => {
      // The example plan, with the one shovel this test set up, on one real node per side.
      const doc = parse(await readFile('examples/plans/rabbitmq-shovel.yaml', 'utf8')) as {
        engine: Record<string, unknown>;
      };
      doc.engine['shovels'] = [{ name: queue, vhost, declaredBy: 'parameter' }];
      // The shovel moves one message at a time (prefetch 1): on a loaded 2-core machine a backlog of
      // thousands has taken more than 60 s to drain.
      doc.engine['drain'] = { timeoutSeconds: 180 };
      const planFile = join(dir, 'plan.yaml');
      await writeFile(planFile, stringify(doc));
      const plan = await loadPlan(planFile);
      if (plan.engine.type !== 'rabbitmq-shovel') throw new Error(`${planFile}: not a rabbitmq-shovel plan`);
      const { engine } = plan;

      // Both sites' namespaces on one real control plane: a server pod per cluster, as the operator
      // labels it, whose exec (through kube-apiserver and kwok's kubelet endpoint) runs the real
      // CLI against the node the pod stands for.
      const pods = (
        [
          [engine.upstream, upstream()],
          [engine.downstream, downstream()],
        ] as const
      ).map(([side, node]) => ({
        namespace: side.namespace,
        name: `${side.rabbitmqCluster}-server-0`,
        labels: { 'app.kubernetes.io/name': side.rabbitmqCluster },
        container: engine.container,
        node,
      }));
      const plane = await startControlPlane({
        execPath: [await writeContainerTools(join(dir, 'container-tools'))],
        podExecs: pods.map((p) => ({ namespace: p.namespace, pod: p.name, env: containerEnv(p.node) })),
      });
      const out: string[] = [];
      const io: Io = { out: (l) => out.push(l), err: (l) => out.push(l) };
      try {
        await createReadyPods(plane, pods);
        // What `failover rbac` generates, bound to the user the workers act as: nothing more is allowed.
        for (const entry of rbacFor(plan)) await applyRbac(plane.kubeConfig('admin'), entry);
        const kubeApiserver = `kube-apiserver ${plane.versions.kubeApiserver}`;
        ranAgainst('kube-apiserver', plane.versions.kubeApiserver, { thisTestOnly: true });
        // The upstream's depth when the fence closes the publisher, read at once over a connection of
        // the spared shovel user (the fence keeps it; a new one would be refused, and the CLI is slow).
        const monitor = await amqp.connect(upstream().url(vhost, 'shovel-dr', 's3cret'));
        const monitorChannel = await monitor.createChannel();
        let backlogAtFence: Promise<number> | undefined;
        const publisher = startPublisher(upstream().url(vhost, 'app', 'app'), queue, () => {
          backlogAtFence = monitorChannel.checkQueue(queue).then((q) => q.messageCount);
        });
        // Let some messages go through the shovel before the failover starts.
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        const confirmedBefore = publisher.confirmed.size;
        const { report, dns } = await failOverOnRealCluster({
          plan,
          kubeConfig: plane.kubeConfig('user'),
          describe: kubeApiserver,
          io,
        }).finally(() => publisher.stop());
        const timing = out.findIndex((l) => l.includes('Recovery time'));
        console.log(
          `RabbitMQ ${version} failover through ${kubeApiserver}\n${[...out.filter((l) => l.includes('messages to drain')).slice(0, 1), ...out.slice(timing)].join('\n')}`,
        );

        const { lost } = tally(
          `RabbitMQ ${version} failover through ${kubeApiserver}`,
          publisher.confirmed,
          await takeAll(downstream()),
        );

        expect([report.status, report.reason]).toEqual(['SUCCEEDED', undefined]);
        expect(lost).toEqual([]);
        // Published while the failover ran, until the fence closed the publisher's connection...
        expect(publisher.confirmed.size).toBeGreaterThan(confirmedBefore);
        expect(publisher.closedBy).toMatch(
          /CONNECTION_FORCED - failover payments-rabbitmq: this cluster is fenced/,
        );
        // ...after which production refused it.
        expect(publisher.refused).toBeGreaterThan(0);
        const steps = report.steps;
        expect(steps.find((s) => s.name === 'fence')?.summary).toContain(
          '(connections of shovel-dr kept open to drain)',
        );
        // There was a backlog to drain when the fence closed production: cutting the shovel then would have lost it.
        const atFence = await backlogAtFence;
        await monitor.close();
        console.log(`RabbitMQ ${version}: ${atFence} messages upstream when the fence closed the publisher`);
        expect(atFence).toBeGreaterThan(0);
        // Promotion may have handed its wait for the drain to the workflow first (a `waiting` record).
        expect(steps.findLast((s) => s.name === 'promote' && s.outcome === 'succeeded')?.summary).toMatch(
          /^backlog drained in [\d.]+ s \(payments\/payments-orders: 0\); removed payments-orders \(parameter cleared\)$/,
        );
        // Nothing is left behind upstream, DR stands alone, and clients are sent to DR.
        expect(
          await ctl(upstream(), 'list_queues', '-p', vhost, 'name', 'messages', '--formatter', 'json'),
        ).toContain(`{"name":"${queue}","messages":0}`);
        expect(JSON.parse(await ctl(downstream(), 'shovel_status', '--formatter', 'json'))).toEqual([]);
        expect(firstRecordValues(plan, dns)).toEqual([plan.dns.records[0]!.downstream]);
      } catch (err) {
        console.log(out.join('\n'));
        throw err;
      } finally {
        await plane.stop();
      }
    }, 480_000);

    it('round trip: failover, reprotect, graceful failback; each leg with a publisher with confirms, none of its confirmed messages lost', async () => {
      const rt = 'payments-rt';
      const rtQueue = 'rt-orders';
      for (const node of nodes) {
        await ctl(node, 'add_vhost', rt);
        await ctl(node, 'set_permissions', '-p', rt, 'guest', '.*', '.*', '.*');
      }
      await ctl(downstream(), 'add_user', 'app', 'app');
      for (const node of nodes) await ctl(node, 'set_permissions', '-p', rt, 'app', '.*', '.*', '.*');
      await ctl(upstream(), 'set_permissions', '-p', rt, 'shovel-dr', '.*', '.*', '.*');
      for (const node of nodes) {
        const connection = await amqp.connect(node.url(rt));
        await (await connection.createChannel()).assertQueue(rtQueue, { durable: true });
        await connection.close();
      }
      await ctl(
        downstream(),
        'set_parameter',
        '-p',
        rt,
        'shovel',
        rtQueue,
        JSON.stringify({
          'src-protocol': 'amqp091',
          'src-uri': `amqp://shovel-dr:s3cret@127.0.0.1:${upstream().amqpPort}/${rt}`,
          'src-queue': rtQueue,
          'dest-protocol': 'amqp091',
          'dest-uri': `amqp:///${rt}`,
          'dest-queue': rtQueue,
          'ack-mode': 'on-confirm',
        }),
      );
      const depth = async (node: RabbitNode) =>
        Number(
          /"messages":(\d+)/.exec(
            await ctl(node, 'list_queues', '-p', rt, 'name', 'messages', '--formatter', 'json'),
          )?.[1] ?? -1,
        );
      const until = async (what: string, check: () => Promise<boolean>) => {
        const deadline = Date.now() + 30_000;
        while (!(await check())) {
          if (Date.now() > deadline) throw new Error(`${what} not within 30 s`);
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      };
      await until('the forward shovel running', async () =>
        (await ctl(downstream(), 'shovel_status', '--formatter', 'json')).includes('"state":"running"'),
      );

      // The example plan on these nodes: each side's AMQP endpoint, the one shovel of this vhost, the reverse user of the example.
      const doc = parse(await readFile('examples/plans/rabbitmq-shovel.yaml', 'utf8')) as {
        engine: Record<string, Record<string, unknown>>;
        switchover?: unknown;
      };
      doc.engine['upstream']!['amqpUri'] = `amqp://127.0.0.1:${upstream().amqpPort}`;
      doc.engine['downstream']!['amqpUri'] = `amqp://127.0.0.1:${downstream().amqpPort}`;
      (doc.engine as Record<string, unknown>)['shovels'] = [
        { name: rtQueue, vhost: rt, declaredBy: 'parameter' },
      ];
      (doc.engine as Record<string, unknown>)['drain'] = { timeoutSeconds: 60 };
      doc.switchover = { catchUpTimeoutSeconds: 60 };
      const planFile = join(dir, 'round-trip-plan.yaml');
      await writeFile(planFile, stringify(doc));
      const bind = (pod: string, node: RabbitNode) => ({ [pod]: binding(node) });
      const scenarioFile = join(dir, 'round-trip-scenario.yaml');
      await writeFile(
        scenarioFile,
        stringify({
          description: 'Real production and DR nodes, both with the shovel plugin.',
          latency: { apiMs: 0, execMs: 0 },
          clusters: {
            upstream: { replicas: 1, clientConnections: 0, realNodes: bind('payments-server-0', upstream()) },
            downstream: { replicas: 1, realNodes: bind('payments-dr-server-0', downstream()) },
          },
        }),
      );

      // The drill's workflow (ASL file, local runner, real handlers), one leg at a time, so each leg gets its own publisher.
      const plan = await loadPlan(planFile);
      const scenario = await loadScenario(scenarioFile, plan);
      const simulation = await startSimulation(plan, scenario);
      const out: string[] = [];
      const io: Io = { out: (l) => out.push(l), err: (l) => out.push(l) };
      const env = drillEnvironment({
        plan,
        scenario,
        simulation,
        approvals: autoApprovals('approve'),
        progress: printProgress(io),
        coordination: await seededCoordination(plan, scenario),
      });
      const leg = async (trigger: unknown) => {
        const started = Date.now();
        const run = await runWorkflow({
          plan,
          trigger,
          workers: env.workers,
          journal: env.journal,
          settleMs: 0,
          retryIntervalMs: 200,
        });
        printSummary(io, run.report);
        console.log(
          `RabbitMQ ${version} round trip: ${run.report.status} in ${((Date.now() - started) / 1000).toFixed(1)} s (${run.report.steps.map((st) => `${st.name} ${(st.durationMs / 1000).toFixed(1)} s`).join(', ')})`,
        );
        return run.report;
      };
      const person = { requestedBy: 'shovel-failover.test', reason: 'round trip on real nodes' };
      const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
      try {
        // Leg 1: clients on production; the alarm's failover drains it into DR.
        const a = startPublisher(upstream().url(rt, 'app', 'app'), rtQueue);
        await pause(1_500);
        const failover = await leg(drillAlarmEvent(plan.triggers.alarms[0]!.name, new Date())).finally(() =>
          a.stop(),
        );
        expect([failover.status, failover.reason]).toEqual(['SUCCEEDED', undefined]);
        expect(a.closedBy).toMatch(/CONNECTION_FORCED/);
        expect(
          tally(`RabbitMQ ${version} leg 1 (failover)`, a.confirmed, await takeAll(downstream(), rt, rtQueue))
            .lost,
        ).toEqual([]);

        // Leg 2: clients on DR (DNS moved); reprotect defines the reverse shovel on production, which must accept it again.
        const b = startPublisher(downstream().url(rt, 'app', 'app'), rtQueue);
        await pause(1_000);
        const reprotect = await leg(operatorRequest('reprotect', person)).finally(() => b.stop());
        expect([reprotect.status, reprotect.reason]).toEqual(['SUCCEEDED', undefined]);
        expect(reprotect.sideEffects.map((e) => e.action)).toEqual([
          `created user shovel-prod on rabbitmq-dr/payments-dr`,
          `set the permissions of shovel-prod in vhost ${rt} on rabbitmq-dr/payments-dr: configure ^(${rtQueue})$, write ^$, read ^(${rtQueue})$`,
          `lifted the fence of vhost ${rt}: \`rabbitmqctl clear_vhost_limits -p ${rt}\``,
          `defined shovel ${rtQueue} in vhost ${rt} (rabbitmqctl set_parameter shovel: queue ${rtQueue} from amqp://127.0.0.1:${downstream().amqpPort} as shovel-prod, ack-mode on-confirm)`,
        ]);
        expect(JSON.parse(await ctl(upstream(), 'shovel_status', '--formatter', 'json'))).toEqual([
          expect.objectContaining({
            name: rtQueue,
            vhost: rt,
            state: 'running',
            source: `amqp://127.0.0.1:${downstream().amqpPort}/${rt}`,
          }),
        ]);
        await until(
          'the reverse shovel moving what DR took to production',
          async () => (await depth(downstream())) === 0,
        );
        expect(b.confirmed.size).toBeGreaterThan(0);
        expect(
          tally(`RabbitMQ ${version} leg 2 (reprotect)`, b.confirmed, await takeAll(upstream(), rt, rtQueue))
            .lost,
        ).toEqual([]);

        // Leg 3: clients on DR again; the graceful failback fences DR, waits until production holds everything, promotes it.
        const c = startPublisher(downstream().url(rt, 'app', 'app'), rtQueue);
        await pause(1_500);
        const failback = await leg(operatorRequest('switchover', { ...person, mode: 'graceful' })).finally(
          () => c.stop(),
        );
        expect([failback.status, failback.reason, failback.rpo?.seconds]).toEqual([
          'SUCCEEDED',
          undefined,
          0,
        ]);
        expect(failback.rpo?.evidence).toMatch(
          new RegExp(
            `every shovelled queue on the fenced rabbitmq-dr/payments-dr read empty 2 times in a row \\(${rt}/${rtQueue}: 0\\)`,
          ),
        );
        expect(c.closedBy).toMatch(/CONNECTION_FORCED - failover payments-rabbitmq: this cluster is fenced/);
        expect(await depth(downstream())).toBe(0);
        expect(
          tally(
            `RabbitMQ ${version} leg 3 (graceful failback)`,
            c.confirmed,
            await takeAll(upstream(), rt, rtQueue),
          ).lost,
        ).toEqual([]);
        // Production stands alone again; DR refuses clients.
        expect(JSON.parse(await ctl(upstream(), 'shovel_status', '--formatter', 'json'))).toEqual([]);
        expect(await ctl(downstream(), 'list_vhost_limits', '-p', rt)).toContain('"max-connections":0');
        expect(
          simulation.dns.records().get('Z0123456789ABCDEFGHIJ/amqp.payments.example.com/CNAME')?.values,
        ).toEqual(['payments.prod-a.payments.example.com']);
      } catch (err) {
        console.log(out.join('\n'));
        throw err;
      } finally {
        await simulation.stop();
      }
    }, 420_000);
  });
