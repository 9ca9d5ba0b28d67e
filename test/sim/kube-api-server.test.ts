// The simulated API server's Kubernetes semantics, seen through the raw client-node API.
import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { downstreamCluster, startSim, type SimFixture } from './start-sim.js';

const apiError = async (
  promise: Promise<unknown>,
): Promise<{ code: number; status: Record<string, unknown> }> => {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ApiException)
      return { code: err.code, status: JSON.parse(err.body as string) as Record<string, unknown> };
    throw err;
  }
  throw new Error('expected an API error');
};

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

describe('simulated Kubernetes API server', () => {
  let fx: SimFixture;
  let api: CustomObjectsApi;
  beforeAll(async () => {
    fx = await startSim();
    api = fx.sim.kubeConfigFor('downstream').makeApiClient(CustomObjectsApi);
  });
  afterAll(() => fx.sim.stop());

  it('increments resourceVersion on every change and generation only on spec changes', async () => {
    const before = await api.getNamespacedCustomObject({ ...downstreamCluster });
    const labelled = await api.patchNamespacedCustomObject(
      { ...downstreamCluster, body: { metadata: { labels: { team: 'orders' } } } },
      mergePatch,
    );
    expect(Number(labelled.metadata.resourceVersion)).toBeGreaterThan(
      Number(before.metadata.resourceVersion),
    );
    expect(labelled.metadata.generation).toBe(before.metadata.generation);

    const specced = await api.patchNamespacedCustomObject(
      { ...downstreamCluster, body: { spec: { service: { type: 'LoadBalancer' } } } },
      mergePatch,
    );
    expect(specced.metadata.generation).toBe(before.metadata.generation + 1);
    const reconciled = await api.getNamespacedCustomObject({ ...downstreamCluster });
    expect(reconciled.status.observedGeneration).toBe(specced.metadata.generation);
  });

  it('answers 409 Conflict to a merge patch carrying a stale resourceVersion', async () => {
    const current = await api.getNamespacedCustomObject({ ...downstreamCluster });
    const stale = String(Number(current.metadata.resourceVersion) - 1);
    const { code, status } = await apiError(
      api.patchNamespacedCustomObject(
        { ...downstreamCluster, body: { metadata: { resourceVersion: stale }, spec: { replicas: 5 } } },
        mergePatch,
      ),
    );
    expect(code).toBe(409);
    expect(status).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'Conflict',
      message:
        'Operation cannot be fulfilled on rabbitmqclusters.rabbitmq.com "downstream-cluster": the object has been modified; please apply your changes to the latest version and try again',
    });
    const ok = await api.patchNamespacedCustomObject(
      {
        ...downstreamCluster,
        body: { metadata: { resourceVersion: current.metadata.resourceVersion }, spec: { replicas: 3 } },
      },
      mergePatch,
    );
    expect(ok.spec.replicas).toBe(3);
  });

  it('applies JSON patches (client-node default), with 409 for a stale resourceVersion and 422 for a failed test', async () => {
    const current = await api.getNamespacedCustomObject({ ...downstreamCluster });
    const patched = await api.patchNamespacedCustomObject({
      ...downstreamCluster,
      body: [
        { op: 'test', path: '/metadata/resourceVersion', value: current.metadata.resourceVersion },
        { op: 'add', path: '/spec/rabbitmq/additionalPlugins/-', value: 'rabbitmq_shovel' },
        { op: 'replace', path: '/spec/service/type', value: 'ClusterIP' },
      ],
    });
    expect(patched.spec.rabbitmq.additionalPlugins).toContain('rabbitmq_shovel');
    expect(patched.spec.service.type).toBe('ClusterIP');

    const stale = await apiError(
      api.patchNamespacedCustomObject({
        ...downstreamCluster,
        body: [{ op: 'replace', path: '/metadata/resourceVersion', value: current.metadata.resourceVersion }],
      }),
    );
    expect(stale.code).toBe(409);
    const failedTest = await apiError(
      api.patchNamespacedCustomObject({
        ...downstreamCluster,
        body: [{ op: 'test', path: '/spec/replicas', value: 7 }],
      }),
    );
    expect(failedTest).toMatchObject({ code: 422, status: { reason: 'Invalid' } });
  });

  it('creates objects, refuses duplicates, lists by label and deletes', async () => {
    const ref = {
      group: 'rabbitmq.com',
      version: 'v1beta1',
      namespace: 'tanzu-rabbitmq',
      plural: 'schemareplications',
    };
    const body = {
      apiVersion: 'rabbitmq.com/v1beta1',
      kind: 'SchemaReplication',
      metadata: { name: 'extra', labels: { purpose: 'test' } },
      spec: { endpoints: '10.0.0.1:5672' },
    };
    const created = await api.createNamespacedCustomObject({ ...ref, body });
    expect(created.metadata).toMatchObject({ name: 'extra', namespace: 'tanzu-rabbitmq', generation: 1 });
    expect(await apiError(api.createNamespacedCustomObject({ ...ref, body }))).toMatchObject({
      code: 409,
      status: { reason: 'AlreadyExists' },
    });

    const labelled = await api.listNamespacedCustomObject({ ...ref, labelSelector: 'purpose=test' });
    expect(labelled.items.map((o: { metadata: { name: string } }) => o.metadata.name)).toEqual(['extra']);
    const all = await api.listNamespacedCustomObject({ ...ref });
    expect(all.items).toHaveLength(2);

    await api.deleteNamespacedCustomObject({ ...ref, name: 'extra' });
    expect(await apiError(api.getNamespacedCustomObject({ ...ref, name: 'extra' }))).toMatchObject({
      code: 404,
      status: { reason: 'NotFound', message: 'schemareplications.rabbitmq.com "extra" not found' },
    });
  });

  it('answers 404 for a resource type it does not serve and 415 for strategic merge on a custom resource', async () => {
    // As the real server: a path under /apis that matches no served resource gets its plain 404.
    const unserved = await api
      .getNamespacedCustomObject({ ...downstreamCluster, group: 'rabbitmq.io' })
      .catch((err: unknown) => err);
    expect(unserved).toBeInstanceOf(ApiException);
    expect(unserved).toMatchObject({ code: 404, body: '404 page not found\n' });
    const strategic = await apiError(
      api.patchNamespacedCustomObject(
        { ...downstreamCluster, body: { spec: {} } },
        setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
      ),
    );
    expect(strategic.code).toBe(415);
  });

  it('rejects an invalid label selector with 400', async () => {
    const core = fx.sim.kubeConfigFor('downstream').makeApiClient(CoreV1Api);
    expect(
      (await apiError(core.listNamespacedPod({ namespace: 'tanzu-rabbitmq', labelSelector: 'a in b' }))).code,
    ).toBe(400);
  });

  it('logs every mutating call in order with its status', () => {
    const api = fx.sim.state().log.filter((e) => e.kind === 'api');
    expect(api.map((e) => `${e.method} ${e.status}`)).toEqual([
      'PATCH 200',
      'PATCH 200',
      'PATCH 409',
      'PATCH 200',
      'PATCH 200',
      'PATCH 409',
      'PATCH 422',
      'POST 201',
      'POST 409',
      'DELETE 200',
      'PATCH 415',
    ]);
    expect(api[0]).toMatchObject({
      site: 'downstream',
      path: '/apis/rabbitmq.com/v1beta1/namespaces/tanzu-rabbitmq/rabbitmqclusters/downstream-cluster',
      fault: false,
    });
  });
});
