// The KubePort adapter over the real @kubernetes/client-node, against the simulated API servers.
import { TransientError } from '../../../lambdas/errors.js';
import { KubeApiError } from '../../../lambdas/ports/kube.js';
import { downstreamCluster, standbyReplication, startSim, type SimFixture } from '../../sim/start-sim.js';

const ns = 'tanzu-rabbitmq';
const pod0 = 'downstream-cluster-server-0';
const status = ['rabbitmqctl', 'schema_replication_status'];

const rejection = async (promise: Promise<unknown>): Promise<Error> => {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
};

describe('client-node KubePort against the simulator', () => {
  let fx: SimFixture | undefined;
  afterEach(async () => {
    await fx?.sim.stop();
    fx = undefined;
  });

  it('gets, merge-patches and deletes custom objects; 404 is undefined / absent', async () => {
    fx = await startSim();
    const kube = fx.kube('downstream');

    const cluster = await kube.getCustomObject(downstreamCluster);
    expect(cluster).toMatchObject({
      apiVersion: 'rabbitmq.com/v1beta1',
      kind: 'RabbitmqCluster',
      metadata: { name: 'downstream-cluster', generation: 1 },
    });
    expect(await kube.getCustomObject({ ...downstreamCluster, name: 'no-such-cluster' })).toBeUndefined();

    const patched = await kube.mergePatchCustomObject(downstreamCluster, {
      metadata: { labels: { drill: 'yes' } },
      spec: { replicas: 3, service: { type: 'ClusterIP' } },
    });
    expect(patched).toMatchObject({
      metadata: { labels: { drill: 'yes' }, generation: 2 },
      spec: { service: { type: 'ClusterIP' } },
    });

    expect(await kube.deleteCustomObject(standbyReplication)).toBe('deleted');
    expect(await kube.deleteCustomObject(standbyReplication)).toBe('absent');
    expect(await kube.getCustomObject(standbyReplication)).toBeUndefined();
    expect(fx.sim.state().downstream.standbyReplicationExists).toBe(false);
  });

  it('lists pods by label selector with their readiness', async () => {
    fx = await startSim({ clusters: { downstream: { notReadyPods: ['downstream-cluster-server-1'] } } });
    const kube = fx.kube('downstream');

    const pods = await kube.listPods(
      ns,
      'app.kubernetes.io/name=downstream-cluster,app.kubernetes.io/component=rabbitmq',
    );
    expect(pods.map((p) => [p.name, p.phase, p.ready])).toEqual([
      ['downstream-cluster-server-0', 'Running', true],
      ['downstream-cluster-server-1', 'Running', false],
      ['downstream-cluster-server-2', 'Running', true],
    ]);
    expect(pods[0]?.labels).toMatchObject({ 'app.kubernetes.io/name': 'downstream-cluster' });
    expect(await kube.listPods(ns, 'app.kubernetes.io/name=upstream-cluster')).toEqual([]);
    expect(
      (await kube.listPods(ns, 'statefulset.kubernetes.io/pod-name in (downstream-cluster-server-2)')).map(
        (p) => p.name,
      ),
    ).toEqual(['downstream-cluster-server-2']);
    expect(
      (await kube.listPods(ns, 'statefulset.kubernetes.io/pod-name!=downstream-cluster-server-2')).map(
        (p) => p.name,
      ),
    ).toHaveLength(2);
  });

  it('returns a non-zero exit with its stderr instead of throwing', async () => {
    fx = await startSim({ clusters: { downstream: { notReadyPods: ['downstream-cluster-server-1'] } } });
    const kube = fx.kube('downstream');

    const unknown = await kube.exec(ns, pod0, ['rabbitmqctl', 'frobnicate'], { container: 'rabbitmq' });
    expect(unknown.exitCode).toBe(64);
    expect(unknown.stderr).toContain("Command 'frobnicate' not found.");

    const down = await kube.exec(ns, 'downstream-cluster-server-1', status);
    expect(down.exitCode).toBe(69);
    expect(down.stderr).toMatch(
      /^Error: unable to perform an operation on node 'rabbit@downstream-cluster-server-1\.downstream-cluster-nodes\.tanzu-rabbitmq'/,
    );
  });

  it('reports an exec on a missing pod or container as KubeApiError', async () => {
    fx = await startSim();
    const kube = fx.kube('downstream');
    const noPod = await rejection(kube.exec(ns, 'downstream-cluster-server-7', status));
    expect(noPod).toBeInstanceOf(KubeApiError);
    expect(noPod).toMatchObject({ statusCode: 404 });
    expect(noPod.message).toContain('downstream cluster (simulated)');
    expect(await rejection(kube.exec(ns, pod0, status, { container: 'sidecar' }))).toMatchObject({
      name: 'KubeApiError',
      statusCode: 400,
    });
  });

  it('maps injected API statuses: 5xx, 429 and 409 are transient, the rest KubeApiError', async () => {
    fx = await startSim({
      faults: [
        {
          target: 'api',
          site: 'downstream',
          method: 'GET',
          resource: 'rabbitmqclusters',
          times: 1,
          status: 500,
        },
        {
          target: 'api',
          site: 'downstream',
          method: 'GET',
          resource: 'rabbitmqclusters',
          times: 1,
          status: 429,
        },
        {
          target: 'api',
          site: 'downstream',
          method: 'PATCH',
          resource: 'rabbitmqclusters',
          times: 1,
          status: 409,
        },
        { target: 'api', site: 'downstream', method: 'DELETE', times: 1, status: 403 },
      ],
    });
    const kube = fx.kube('downstream');

    const err500 = await rejection(kube.getCustomObject(downstreamCluster));
    expect(err500).toBeInstanceOf(TransientError);
    expect(err500.message).toMatch(
      /^downstream cluster \(simulated\): get rabbitmqclusters\.rabbitmq\.com tanzu-rabbitmq\/downstream-cluster: HTTP 500: InternalError/,
    );
    expect(await rejection(kube.getCustomObject(downstreamCluster))).toBeInstanceOf(TransientError);
    expect(await kube.getCustomObject(downstreamCluster)).toBeDefined();

    const conflict = await rejection(
      kube.mergePatchCustomObject(downstreamCluster, { metadata: { labels: { a: 'b' } } }),
    );
    expect(conflict).toBeInstanceOf(TransientError);
    expect(conflict.message).toMatch(/HTTP 409: .*the object has been modified/);

    expect(await rejection(kube.deleteCustomObject(standbyReplication))).toMatchObject({
      name: 'KubeApiError',
      statusCode: 403,
    });
  });

  it('applies a change before failing the answer when the fault says afterEffect', async () => {
    fx = await startSim({
      faults: [
        {
          target: 'api',
          site: 'downstream',
          method: 'DELETE',
          resource: 'standbyreplications',
          status: 503,
          afterEffect: true,
        },
      ],
    });
    const kube = fx.kube('downstream');
    expect(await rejection(kube.deleteCustomObject(standbyReplication))).toBeInstanceOf(TransientError);
    expect(fx.sim.state().downstream.standbyReplicationExists).toBe(false);
    expect(await kube.deleteCustomObject(standbyReplication)).toBe('absent');
  });

  it('gives up on an API call that never answers within the request timeout', async () => {
    fx = await startSim({
      faults: [{ target: 'api', site: 'downstream', method: 'GET', status: 'timeout' }],
    });
    const kube = fx.kube('downstream', { requestTimeoutMs: 300 });
    const started = Date.now();
    const err = await rejection(kube.getCustomObject(downstreamCluster));
    expect(err).toBeInstanceOf(TransientError);
    expect(err.message).toContain('no answer within 300 ms');
    expect(Date.now() - started).toBeLessThan(1500);
    expect(await kube.getCustomObject(downstreamCluster)).toBeDefined();
  });

  it('closes an exec that never finishes and reports it as transient', async () => {
    fx = await startSim({
      faults: [{ target: 'exec', site: 'downstream', command: 'schema_replication_status', hang: true }],
    });
    const kube = fx.kube('downstream');
    const started = Date.now();
    const err = await rejection(kube.exec(ns, pod0, status, { timeoutMs: 300 }));
    expect(err).toBeInstanceOf(TransientError);
    expect(err.message).toContain('no exit status within 300 ms');
    expect(Date.now() - started).toBeLessThan(1500);
    expect((await kube.exec(ns, pod0, status)).exitCode).toBe(0);
  });

  it('reports an unreachable site as transient, for API calls and exec alike', async () => {
    fx = await startSim({ clusters: { upstream: { reachable: false } } });
    const upstream = fx.kube('upstream');
    const apiErr = await rejection(
      upstream.listPods('vmware-rabbitmq', 'app.kubernetes.io/name=upstream-cluster'),
    );
    expect(apiErr).toBeInstanceOf(TransientError);
    expect(apiErr.message).toMatch(
      /^upstream cluster \(simulated\): list pods in vmware-rabbitmq .*connection failed/,
    );
    expect(
      await rejection(upstream.exec('vmware-rabbitmq', 'upstream-cluster-server-0', status)),
    ).toBeInstanceOf(TransientError);
  });

  it('loses a site mid-run and gets it back', async () => {
    fx = await startSim();
    const kube = fx.kube('downstream');
    expect(await kube.getCustomObject(downstreamCluster)).toBeDefined();
    fx.sim.setReachable('downstream', false);
    expect(await rejection(kube.getCustomObject(downstreamCluster))).toBeInstanceOf(TransientError);
    fx.sim.setReachable('downstream', true);
    expect(await kube.getCustomObject(downstreamCluster)).toBeDefined();
  });

  it('reports an exec into a restarting pod as transient', async () => {
    fx = await startSim({ latency: { restartSecondsPerPod: 1 } });
    const kube = fx.kube('downstream');
    await kube.mergePatchCustomObject(downstreamCluster, {
      spec: { rabbitmq: { additionalConfig: 'schema_definition_sync.operating_mode = upstream\n' } },
    });
    const err = await rejection(kube.exec(ns, 'downstream-cluster-server-2', status));
    expect(err).toBeInstanceOf(TransientError);
    expect(err.message).toContain('HTTP 500');
  });
});
