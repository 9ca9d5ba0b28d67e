// The simulator's RabbitMQ health model against real nodes: the same health check runs against a
// real 3-node cluster and against the model given the same state (the same node names, version,
// queues, stopped node and alarm), and the two verdicts must be the same, field by field, on each
// major version. A model kinder than the real node shows up here as a verdict that differs.
import amqp from 'amqplib';
import type { RabbitAccess } from '../../lambdas/engines/rabbitmq/cluster-access.js';
import { checkClusterHealth } from '../../lambdas/engines/rabbitmq/cluster-health.js';
import type { ExecResult, KubePort } from '../../lambdas/ports/kube.js';
import {
  HEALTH_COMMANDS,
  runHealthCommand,
  type ClusterHealthState,
} from '../../sim/models/rabbitmq-health.js';
import { execInRabbitPod } from '../../sim/models/rabbitmq-pod-exec.js';
import { runOnRealNode } from '../../sim/models/real-rabbitmq.js';
import {
  binding,
  ctl,
  freePorts,
  joinCluster,
  MAJORS,
  requireRabbitmqServer,
  serverVersion,
  startNodes,
  stopNode,
  type Major,
  type RabbitNode,
} from './rabbit-nodes.js';
import { ranAgainst } from '../record.js';

const vhost = 'payments';
const cluster = 'contract';
const PORTS: Record<Major, { amqp: [number, number]; dist: [number, number] }> = {
  3: { amqp: [5770, 5789], dist: [25770, 25789] },
  4: { amqp: [5790, 5809], dist: [25790, 25809] },
};

/** Server pods `contract-server-<i>`, all Ready (a stopped app leaves the container running); exec answered by `answer`. */
const kubeOf = (answer: (pod: number, argv: string[]) => Promise<ExecResult>, pods: number): KubePort => {
  const unused = () => Promise.reject(new Error('not used by the health check'));
  return {
    describe: 'contract cluster',
    getCustomObject: unused,
    mergePatchCustomObject: unused,
    deleteCustomObject: unused,
    deletePod: unused,
    listPods: () =>
      Promise.resolve(
        Array.from({ length: pods }, (_, i) => ({
          name: `${cluster}-server-${i}`,
          phase: 'Running',
          ready: true,
          labels: { 'app.kubernetes.io/name': cluster },
        })),
      ),
    exec: (_namespace, pod, command) => answer(Number(/-(\d+)$/.exec(pod)![1]), command),
  };
};

const accessOf = (kube: KubePort): RabbitAccess => ({
  kube,
  namespace: 'rabbitmq',
  cluster,
  container: 'rabbitmq',
});

const verdict = (access: RabbitAccess) => checkClusterHealth(access, [vhost]);

/**
 * A real node's answer as a pod's exec would give it: the binding passes `-n <node>`, which the
 * CLI echoes in its errors (`Arguments given:`); in a pod the command runs without it.
 */
const asInPod = (result: ExecResult): ExecResult => {
  const strip = (text: string) => text.replace(/^(\t)-n \S+ /gm, '$1');
  return { ...result, stdout: strip(result.stdout), stderr: strip(result.stderr) };
};

describe.each(MAJORS)('RabbitMQ %i.x: the health model agrees with real nodes', (major) => {
  let nodes: RabbitNode[] = [];
  let version = '';
  const node = (i: number): RabbitNode => nodes[i]!;

  const real = () =>
    accessOf(kubeOf(async (i, argv) => asInPod(await runOnRealNode(binding(node(i)), argv)), nodes.length));

  /** The model of the same cluster: the real nodes' names, version and queues. */
  const model = (change: Partial<Pick<ClusterHealthState, 'alarms'>> & { stopped?: number } = {}) => {
    const state: ClusterHealthState = {
      version,
      nodes: nodes.map((n, i) => ({ name: n.node, running: i !== change.stopped })),
      alarms: change.alarms ?? [],
      partitions: {},
      queues: [
        { vhost, name: 'orders.qq', type: 'quorum', messages: 0 },
        { vhost, name: 'orders.stream', type: 'stream', messages: 0 },
        { vhost, name: 'orders.classic', type: 'classic', messages: 0 },
      ],
    };
    return accessOf(
      kubeOf(
        async (i, argv) =>
          execInRabbitPod({
            pod: { name: `${cluster}-server-${i}`, appDown: false },
            podName: `${cluster}-server-${i}`,
            argv,
            realNode: undefined,
            commands: HEALTH_COMMANDS,
            nodeOf: () => node(i).node,
            run: (parsed) => runHealthCommand(parsed, node(i).node, state),
          }),
        nodes.length,
      ),
    );
  };

  beforeAll(async () => {
    await requireRabbitmqServer(major);
    const [amqpPorts, distPorts] = await Promise.all([
      freePorts(...PORTS[major].amqp, 3),
      freePorts(...PORTS[major].dist, 3),
    ]);
    nodes = await startNodes(
      major,
      ['a', 'b', 'c'].map((suffix) => `fo-contract${major}-${process.pid}-${suffix}`),
      { amqp: amqpPorts, dist: distPorts },
    );
    await joinCluster(node(1), node(0));
    await joinCluster(node(2), node(0));
    version = await serverVersion(node(0));
    ranAgainst('RabbitMQ', version);
    console.log(`model-contract.test.ts: RabbitMQ ${version} (${nodes.map((n) => n.node).join(', ')})`);
    await ctl(node(0), 'add_vhost', vhost);
    await ctl(node(0), 'set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*');
    const connection = await amqp.connect(node(0).url(vhost));
    const channel = await connection.createChannel();
    await channel.assertQueue('orders.qq', { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await channel.assertQueue('orders.stream', { durable: true, arguments: { 'x-queue-type': 'stream' } });
    await channel.assertQueue('orders.classic', { durable: true });
    await connection.close();
  }, 300_000);

  afterAll(async () => {
    await Promise.all(nodes.map(stopNode));
  }, 120_000);

  it('healthy: the same verdict', async () => {
    const [fromReal, fromModel] = [await verdict(real()), await verdict(model())];
    expect(fromReal.passed).toBe(true);
    expect(fromModel).toEqual(fromReal);
  }, 120_000);

  it('one node stopped: the same verdict, naming the same node, pod and quorum-critical items', async () => {
    await ctl(node(2), 'stop_app');
    try {
      const [fromReal, fromModel] = [await verdict(real()), await verdict(model({ stopped: 2 }))];
      expect(fromReal.passed).toBe(false);
      expect(fromReal.summary).toContain(`${node(2).node} not running`);
      expect(fromModel).toEqual(fromReal);
    } finally {
      await ctl(node(2), 'start_app');
    }
  }, 120_000);

  it('a memory alarm: the same verdict, naming the same node and alarm', async () => {
    await ctl(node(1), 'set_vm_memory_high_watermark', '0.0000001');
    try {
      const deadline = Date.now() + 30_000;
      while (!(await ctl(node(0), 'cluster_status', '--formatter', 'json')).includes('"resource":"memory"')) {
        if (Date.now() > deadline) throw new Error('no memory alarm within 30 s');
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      const [fromReal, fromModel] = [
        await verdict(real()),
        await verdict(model({ alarms: [{ node: node(1).node, resource: 'memory' }] })),
      ];
      expect(fromReal.passed).toBe(false);
      expect(fromReal.summary).toContain(`memory alarm on ${node(1).node}`);
      expect(fromModel).toEqual(fromReal);
    } finally {
      await ctl(node(1), 'set_vm_memory_high_watermark', '0.4');
    }
  }, 120_000);
});
