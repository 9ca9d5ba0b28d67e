// A whole rabbitmq-shovel failover through the workflow (ASL file, local runner, real
// handlers) against TWO REAL RabbitMQ nodes: production (upstream) and DR (downstream), a
// dynamic shovel on DR pulling production's queue with ack-mode on-confirm. A publisher keeps
// publishing with confirms to production while the failover runs; afterwards every message on
// DR is counted. A message production confirmed must never be lost: the fence refuses the
// publisher (the shovel's connection is kept), the backlog drains, and only then is the shovel
// removed.
import amqp from 'amqplib';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { drill } from '../../local/drill.js';
import type { Io } from '../../local/io.js';
import type { Simulation } from '../../sim/simulation.js';
import { ctl, freePorts, requireRabbitmqServer, startNode, stopNode, type RabbitNode } from './rabbit-nodes.js';

const vhost = 'payments';
const queue = 'payments-orders';
const nodes: RabbitNode[] = [];
let dir: string;

const upstream = (): RabbitNode => nodes[0]!;
const downstream = (): RabbitNode => nodes[1]!;

/** Publishes with confirms until stopped; after the fence closes it, keeps trying to reconnect. */
const startPublisher = (url: string) => {
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
        closedBy ||= err?.message ?? 'closed';
      });
      try {
        const channel = await open.createConfirmChannel();
        channel.on('error', () => undefined);
        while (!stopped && alive) {
          // Faster than the shovel moves them (prefetch 1): a backlog builds up for the drain.
          for (let burst = 0; burst < 4; burst++) {
            const id = ++sent;
            channel.sendToQueue(queue, Buffer.from(`payment ${id}`), { persistent: true, messageId: String(id) }, (err) => {
              if (err === null || err === undefined) confirmed.add(id);
            });
          }
          await new Promise((resolve) => setTimeout(resolve, 2));
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

/** Takes every message from the DR queue: the ids, with duplicates. */
const drainDownstream = async (): Promise<number[]> => {
  const connection = await amqp.connect(downstream().url(vhost));
  const channel = await connection.createChannel();
  const ids: number[] = [];
  for (;;) {
    const message = await channel.get(queue, { noAck: true });
    if (message === false) break;
    ids.push(Number(message.properties.messageId));
  }
  await connection.close();
  return ids;
};

beforeAll(async () => {
  await requireRabbitmqServer();
  dir = await mkdtemp(join(tmpdir(), 'failover-shovel-'));
  const [amqpPorts, distPorts] = await Promise.all([freePorts(5730, 5769, 2), freePorts(25730, 25769, 2)]);
  const started = await Promise.allSettled([
    startNode({ name: `fo-prod-${process.pid}`, amqpPort: amqpPorts[0]!, distPort: distPorts[0]! }),
    startNode({ name: `fo-dr-${process.pid}`, amqpPort: amqpPorts[1]!, distPort: distPorts[1]!, plugins: ['rabbitmq_shovel'] }),
  ]);
  for (const s of started) if (s.status === 'fulfilled') nodes.push(s.value);
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;

  for (const node of nodes) {
    await ctl(node, 'add_vhost', vhost);
    await ctl(node, 'set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*');
  }
  for (const [user, password] of [['app', 'app'], ['shovel-dr', 's3cret']] as const) {
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
  while (!(await ctl(downstream(), 'shovel_status', '--formatter', 'json')).includes('"state":"running"')) {
    if (Date.now() > deadline) throw new Error('the shovel did not start within 30 s');
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}, 180_000);

afterAll(async () => {
  await Promise.all(nodes.map(stopNode));
  if (dir) await rm(dir, { recursive: true, force: true });
}, 120_000);

it('fails over while a publisher publishes with confirms: every confirmed message reaches DR, none is lost', async () => {
  // The example plan, with the one shovel this test set up, on one real node per side.
  const plan = parse(await readFile('examples/plans/rabbitmq-shovel.yaml', 'utf8')) as { engine: Record<string, unknown> };
  plan.engine['shovels'] = [{ name: queue, vhost, declaredBy: 'parameter' }];
  plan.engine['drain'] = { timeoutSeconds: 60 };
  const planFile = join(dir, 'plan.yaml');
  await writeFile(planFile, stringify(plan));
  const bind = (pod: string, node: RabbitNode) => ({ [pod]: { node: node.node, enabledPluginsFile: node.enabledPluginsFile } });
  const scenarioFile = join(dir, 'scenario.yaml');
  await writeFile(
    scenarioFile,
    stringify({
      description: 'Real production and DR nodes, a dynamic shovel between them.',
      latency: { apiMs: 0, execMs: 0 },
      clusters: {
        upstream: { replicas: 1, clientConnections: 0, realNodes: bind('payments-server-0', upstream()) },
        downstream: { replicas: 1, realNodes: bind('payments-dr-server-0', downstream()) },
      },
    }),
  );

  const publisher = startPublisher(upstream().url(vhost, 'app', 'app'));
  // Let some messages go through the shovel before the failover starts.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const confirmedBefore = publisher.confirmed.size;
  const out: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => out.push(l) };
  let simulation: Simulation | undefined;
  const result = await drill({ planFile, scenarioFile, gate: 'approve', keepSimulation: true, onSimulation: (s) => (simulation = s) }, io).finally(async () => {
    await publisher.stop();
  });
  await simulation?.stop();

  const delivered = await drainDownstream();
  const unique = new Set(delivered);
  const lost = [...publisher.confirmed].filter((id) => !unique.has(id));
  const duplicates = delivered.length - unique.size;
  console.log(`messages: ${publisher.confirmed.size} confirmed, ${unique.size} delivered, ${lost.length} lost, ${duplicates} duplicates`);

  expect({ exitCode: result.exitCode, outcome: out.find((l) => l.startsWith('Outcome:')) }).toEqual({ exitCode: 0, outcome: 'Outcome: SUCCEEDED' });
  expect(lost).toEqual([]);
  // Published while the failover ran, until the fence closed the publisher's connection...
  expect(publisher.confirmed.size).toBeGreaterThan(confirmedBefore);
  expect(publisher.closedBy).toMatch(/CONNECTION_FORCED - failover payments-rabbitmq: this cluster is fenced/);
  // ...after which production refused it.
  expect(publisher.refused).toBeGreaterThan(0);
  const steps = result.report!.steps;
  expect(steps.find((s) => s.name === 'fence')?.summary).toContain('(connections of shovel-dr kept open to drain)');
  // There was a backlog to drain when the fence closed production: cutting the shovel then would have lost it.
  expect(out.some((l) => /^ {4}\.\.\. [1-9]\d* messages to drain \(payments\/payments-orders: \d+\)$/.test(l))).toBe(true);
  expect(steps.find((s) => s.name === 'promote')?.summary).toMatch(/^backlog drained in [\d.]+ s \(payments\/payments-orders: 0\); removed payments-orders \(parameter cleared\)$/);
  // Nothing is left behind upstream, and DR stands alone.
  expect(await ctl(upstream(), 'list_queues', '-p', vhost, 'name', 'messages', '--formatter', 'json')).toContain(`{"name":"${queue}","messages":0}`);
  expect(JSON.parse(await ctl(downstream(), 'shovel_status', '--formatter', 'json'))).toEqual([]);
}, 180_000);
