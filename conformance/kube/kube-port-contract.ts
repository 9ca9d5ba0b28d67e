// One contract for the Kube port, run against the real kube-apiserver (conformance/kube/) and the
// simulator (test/sim/): what the engines rely on when they get, list, patch and delete objects,
// delete pods and exec into them, and the API semantics beneath (JSON patch, the status
// subresource, optimistic concurrency) that the port's callers meet through the same server.
// A test that passes on the real server and fails on the simulator is a simulator bug.
import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import { TransientError } from '../../lambdas/errors.js';
import { KubeApiError, type KubePort } from '../../lambdas/ports/kube.js';
import { SHOVEL } from './shovel-crd.js';

export interface ContractEnvironment {
  /** The port over @kubernetes/client-node, as the engines get it. */
  kube: KubePort;
  /** The same server and user, for the calls the port does not make (JSON patch, status). */
  kubeConfig: KubeConfig;
  /** A namespace of this run's own, with the Shovel CRD installed in the cluster. */
  namespace: string;
  /** Creates a pod on a node whose kubelet runs exec as a local process; resolves once it is Ready. */
  createReadyPod(name: string, labels: Record<string, string>): Promise<void>;
  stop(): Promise<void>;
}

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);

const rejection = async (promise: Promise<unknown>): Promise<unknown> => {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
};

/** The HTTP status and the body (a Kubernetes `Status`, or text where the server sends text) of a raw call that failed. */
const apiError = async (promise: Promise<unknown>): Promise<{ code: number; status: unknown }> => {
  const err = await rejection(promise);
  if (!(err instanceof ApiException)) throw err;
  const body = err.body as string;
  try {
    return { code: err.code, status: JSON.parse(body) as unknown };
  } catch {
    return { code: err.code, status: body };
  }
};

const eventually = async <T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
};

export const kubePortContract = (label: string, start: () => Promise<ContractEnvironment>): void => {
  describe(`Kube port contract: ${label}`, () => {
    let env: ContractEnvironment;
    let kube: KubePort;
    let objects: CustomObjectsApi;
    let core: CoreV1Api;
    let ns: string;
    let serial = 0;
    beforeAll(async () => {
      env = await start();
      ({ kube, namespace: ns } = env);
      objects = env.kubeConfig.makeApiClient(CustomObjectsApi);
      core = env.kubeConfig.makeApiClient(CoreV1Api);
    });
    afterAll(() => env?.stop());

    const ref = (name: string) => ({ ...SHOVEL, namespace: ns, name });
    /** A Shovel of its own for each test, so tests do not depend on each other's writes. */
    const createShovel = async (labels: Record<string, string> = {}) => {
      serial += 1;
      const name = `shovel-${serial}`;
      return await objects.createNamespacedCustomObject({
        ...SHOVEL,
        namespace: ns,
        body: {
          apiVersion: `${SHOVEL.group}/${SHOVEL.version}`,
          kind: SHOVEL.kind,
          metadata: { name, labels },
          spec: {
            name,
            vhost: 'payments',
            uriSecret: { name: 'shovel-uris' },
            rabbitmqClusterReference: { name: 'downstream-cluster' },
            srcQueue: 'orders',
            destQueue: 'orders',
            ackMode: 'on-confirm',
            prefetchCount: 100,
          },
        },
      });
    };

    it('gets a custom object with the metadata the server keeps; a missing one is undefined', async () => {
      const created = await createShovel({ team: 'orders' });
      expect(await kube.getCustomObject(ref(created.metadata.name))).toMatchObject({
        apiVersion: 'rabbitmq.com/v1beta1',
        kind: 'Shovel',
        metadata: {
          name: created.metadata.name,
          namespace: ns,
          uid: created.metadata.uid,
          resourceVersion: created.metadata.resourceVersion,
          creationTimestamp: expect.any(String),
          generation: 1,
          labels: { team: 'orders' },
        },
        spec: { srcQueue: 'orders', prefetchCount: 100 },
      });
      expect(await kube.getCustomObject(ref('no-such-shovel'))).toBeUndefined();
    });

    it('ignores status written at create: the status subresource owns it', async () => {
      serial += 1;
      const name = `shovel-${serial}`;
      const created = await objects.createNamespacedCustomObject({
        ...SHOVEL,
        namespace: ns,
        body: {
          apiVersion: `${SHOVEL.group}/${SHOVEL.version}`,
          kind: SHOVEL.kind,
          metadata: { name },
          spec: { name, uriSecret: { name: 'u' }, rabbitmqClusterReference: { name: 'c' } },
          status: { observedGeneration: 7 },
        },
      });
      expect(created.status).toBeUndefined();
    });

    it('merge-patches a custom object: generation counts spec changes, null removes a field, status is left alone', async () => {
      const created = await createShovel();
      const name = created.metadata.name as string;
      const labelled = await kube.mergePatchCustomObject(ref(name), {
        metadata: { labels: { drill: 'yes' } },
      });
      expect(labelled).toMatchObject({ metadata: { generation: 1, labels: { drill: 'yes' } } });
      expect(labelled).not.toHaveProperty('metadata.resourceVersion', created.metadata.resourceVersion);

      const patched = await kube.mergePatchCustomObject(ref(name), {
        spec: { prefetchCount: 10, deleteAfter: null },
        status: { observedGeneration: 99 },
      });
      expect(patched).toMatchObject({
        metadata: { generation: 2 },
        spec: { prefetchCount: 10, srcQueue: 'orders' },
      });
      expect(patched).not.toHaveProperty('spec.deleteAfter');
      expect(patched).not.toHaveProperty('status');

      const removed = await kube.mergePatchCustomObject(ref(name), { spec: { destQueue: null } });
      expect(removed).not.toHaveProperty('spec.destQueue');
      expect(removed).toHaveProperty('metadata.generation', 3);
    });

    it('merge- and JSON-patches the status subresource: only status changes, generation stays', async () => {
      const created = await createShovel();
      const name = created.metadata.name as string;
      const merged = await objects.patchNamespacedCustomObjectStatus(
        {
          ...ref(name),
          body: {
            spec: { prefetchCount: 1 },
            status: { observedGeneration: 1, conditions: [{ type: 'Ready', status: 'True' }] },
          },
        },
        mergePatch,
      );
      expect(merged.status).toEqual({
        observedGeneration: 1,
        conditions: [{ type: 'Ready', status: 'True' }],
      });
      expect(merged.spec.prefetchCount).toBe(100);
      expect(merged.metadata.generation).toBe(1);

      const patched = await objects.patchNamespacedCustomObjectStatus(
        {
          ...ref(name),
          body: [
            { op: 'replace', path: '/status/conditions/0/status', value: 'False' },
            { op: 'add', path: '/status/conditions/0/reason', value: 'Drill' },
          ],
        },
        jsonPatch,
      );
      expect(patched.status.conditions).toEqual([{ type: 'Ready', status: 'False', reason: 'Drill' }]);
      expect(patched.metadata.generation).toBe(1);

      const got = await objects.getNamespacedCustomObjectStatus({ ...ref(name) });
      expect(got.status).toEqual(patched.status);
      expect(got.spec).toEqual(patched.spec);
    });

    it('JSON-patches a custom object; a failed test operation is 422 Invalid and changes nothing', async () => {
      const created = await createShovel();
      const name = created.metadata.name as string;
      const patched = await objects.patchNamespacedCustomObject(
        {
          ...ref(name),
          body: [
            { op: 'test', path: '/metadata/resourceVersion', value: created.metadata.resourceVersion },
            { op: 'replace', path: '/spec/ackMode', value: 'on-publish' },
            { op: 'remove', path: '/spec/destQueue' },
          ],
        },
        jsonPatch,
      );
      expect(patched.spec.ackMode).toBe('on-publish');
      expect(patched.spec).not.toHaveProperty('destQueue');
      expect(patched.metadata.generation).toBe(2);

      const failed = await apiError(
        objects.patchNamespacedCustomObject(
          { ...ref(name), body: [{ op: 'test', path: '/spec/prefetchCount', value: 7 }] },
          jsonPatch,
        ),
      );
      expect(failed).toMatchObject({ code: 422, status: { kind: 'Status', reason: 'Invalid' } });
      expect(await kube.getCustomObject(ref(name))).toHaveProperty(
        'metadata.resourceVersion',
        patched.metadata.resourceVersion,
      );
    });

    it('refuses a strategic merge patch on a custom resource: 415, it has no Go type to merge by', async () => {
      const created = await createShovel();
      const refused = await apiError(
        objects.patchNamespacedCustomObject(
          { ...ref(created.metadata.name), body: { spec: { prefetchCount: 1 } } },
          setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
        ),
      );
      expect(refused).toMatchObject({
        code: 415,
        status: {
          kind: 'Status',
          reason: 'UnsupportedMediaType',
          message:
            'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
        },
      });
    });

    it('refuses what the CRD schema rejects with 422 Invalid, on create and on patch', async () => {
      const created = await createShovel();
      const name = created.metadata.name as string;
      const patched = await apiError(
        objects.patchNamespacedCustomObject(
          { ...ref(name), body: { spec: { prefetchCount: 'ten', ackMode: 'sometimes' } } },
          mergePatch,
        ),
      );
      expect(patched).toMatchObject({
        code: 422,
        status: {
          kind: 'Status',
          reason: 'Invalid',
          details: { name, group: 'rabbitmq.com', kind: 'Shovel' },
        },
      });
      const fields = (patched.status as { details: { causes: { field: string }[] } }).details.causes.map(
        (c) => c.field,
      );
      expect(fields.sort()).toEqual(['spec.ackMode', 'spec.prefetchCount']);
      expect(await kube.getCustomObject(ref(name))).toHaveProperty('spec.prefetchCount', 100);

      const missing = await apiError(
        objects.createNamespacedCustomObject({
          ...SHOVEL,
          namespace: ns,
          body: {
            apiVersion: 'rabbitmq.com/v1beta1',
            kind: 'Shovel',
            metadata: { name: 'incomplete' },
            spec: {},
          },
        }),
      );
      expect(missing).toMatchObject({ code: 422, status: { reason: 'Invalid' } });
      const missingFields = (
        missing.status as { details: { causes: { field: string }[] } }
      ).details.causes.map((c) => c.field);
      expect(missingFields.sort()).toEqual(['spec.name', 'spec.rabbitmqClusterReference', 'spec.uriSecret']);
    });

    it('drops fields the CRD schema does not name, on create and on patch, and fills in its defaults', async () => {
      serial += 1;
      const name = `shovel-${serial}`;
      const created = await objects.createNamespacedCustomObject({
        ...SHOVEL,
        namespace: ns,
        body: {
          apiVersion: 'rabbitmq.com/v1beta1',
          kind: 'Shovel',
          metadata: { name },
          spec: {
            name,
            uriSecret: { name: 'u', key: 'uri' },
            rabbitmqClusterReference: { name: 'c' },
            mode: 'x',
          },
          extra: true,
        },
      });
      expect(created).not.toHaveProperty('extra');
      expect(created.spec).toEqual({
        name,
        uriSecret: { name: 'u' },
        rabbitmqClusterReference: { name: 'c' },
        // The operator's CRD defaults it.
        vhost: '/',
      });
      const patched = await kube.mergePatchCustomObject(ref(name), {
        spec: { srcQueue: 'orders', srcQueueArguments: { 'x-queue-type': 'quorum' } },
      });
      expect(patched).toHaveProperty('spec.srcQueue', 'orders');
      expect(patched).not.toHaveProperty('spec.srcQueueArguments');
      expect(patched).toHaveProperty('metadata.generation', 2);
    });

    it('answers 409 Conflict to a write carrying a stale resourceVersion; the port calls it transient', async () => {
      const created = await createShovel();
      const name = created.metadata.name as string;
      const stale = created.metadata.resourceVersion as string;
      await kube.mergePatchCustomObject(ref(name), { spec: { prefetchCount: 5 } });

      const viaPort = await rejection(
        kube.mergePatchCustomObject(ref(name), {
          metadata: { resourceVersion: stale },
          spec: { prefetchCount: 6 },
        }),
      );
      expect(viaPort).toBeInstanceOf(TransientError);
      expect((viaPort as Error).message).toMatch(
        /HTTP 409: Operation cannot be fulfilled on shovels.rabbitmq.com/,
      );

      const merged = await apiError(
        objects.patchNamespacedCustomObject(
          { ...ref(name), body: { metadata: { resourceVersion: stale }, spec: { prefetchCount: 6 } } },
          mergePatch,
        ),
      );
      expect(merged).toMatchObject({
        code: 409,
        status: {
          kind: 'Status',
          status: 'Failure',
          reason: 'Conflict',
          details: { name, group: 'rabbitmq.com', kind: 'shovels' },
          message: `Operation cannot be fulfilled on shovels.rabbitmq.com "${name}": the object has been modified; please apply your changes to the latest version and try again`,
        },
      });
      const json = await apiError(
        objects.patchNamespacedCustomObject(
          { ...ref(name), body: [{ op: 'replace', path: '/metadata/resourceVersion', value: stale }] },
          jsonPatch,
        ),
      );
      expect(json).toMatchObject({ code: 409, status: { reason: 'Conflict' } });
      const status = await apiError(
        objects.patchNamespacedCustomObjectStatus(
          { ...ref(name), body: { metadata: { resourceVersion: stale }, status: { observedGeneration: 2 } } },
          mergePatch,
        ),
      );
      expect(status).toMatchObject({ code: 409, status: { reason: 'Conflict' } });
      expect(await kube.getCustomObject(ref(name))).toHaveProperty('spec.prefetchCount', 5);
    });

    it('deletes a custom object, answering with a Success Status; deleting it again is absent', async () => {
      const created = await createShovel();
      const name = created.metadata.name as string;
      expect(await objects.deleteNamespacedCustomObject({ ...ref(name) })).toEqual({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Success',
        details: { name, group: 'rabbitmq.com', kind: 'shovels', uid: created.metadata.uid },
      });
      expect(await kube.getCustomObject(ref(name))).toBeUndefined();
      expect(await kube.deleteCustomObject(ref(name))).toBe('absent');
      const again = await createShovel();
      expect(await kube.deleteCustomObject(ref(again.metadata.name))).toBe('deleted');
      expect(await kube.getCustomObject(ref(name))).toBeUndefined();
      expect(await kube.deleteCustomObject(ref(name))).toBe('absent');
    });

    it('answers 404 NotFound to a patch of a missing object and to an unknown resource', async () => {
      const missing = await rejection(kube.mergePatchCustomObject(ref('no-such-shovel'), { spec: {} }));
      expect(missing).toBeInstanceOf(KubeApiError);
      expect(missing).toMatchObject({ statusCode: 404 });
      expect((missing as Error).message).toMatch(/HTTP 404: shovels.rabbitmq.com "no-such-shovel" not found/);

      const raw = await apiError(objects.getNamespacedCustomObject({ ...ref('no-such-shovel') }));
      expect(raw).toMatchObject({
        code: 404,
        status: {
          kind: 'Status',
          reason: 'NotFound',
          details: { name: 'no-such-shovel', group: 'rabbitmq.com', kind: 'shovels' },
        },
      });
      const unknownKind = { ...ref('x'), plural: 'nosuchthings' };
      expect(await kube.getCustomObject(unknownKind)).toBeUndefined();
      // Not a Kubernetes Status: the path matches no route, and the server's plain 404 answers.
      expect(await apiError(objects.getNamespacedCustomObject(unknownKind))).toEqual({
        code: 404,
        status: '404 page not found\n',
      });
    });

    describe('pods', () => {
      beforeAll(async () => {
        await env.createReadyPod('contract-server-0', { app: 'contract', role: 'leader' });
        await env.createReadyPod('contract-server-1', { app: 'contract', role: 'follower' });
        await env.createReadyPod('contract-server-2', { app: 'contract' });
        await env.createReadyPod('other-0', { app: 'other' });
      });

      const names = async (selector: string): Promise<string[]> =>
        (await kube.listPods(ns, selector)).map((p) => p.name);

      it('lists pods by label selector, sorted by name, Running and Ready on their node', async () => {
        const pods = await kube.listPods(ns, 'app=contract');
        expect(pods.map((p) => p.name)).toEqual([
          'contract-server-0',
          'contract-server-1',
          'contract-server-2',
        ]);
        for (const pod of pods) {
          expect(pod).toMatchObject({ phase: 'Running', ready: true });
          expect(typeof pod.node).toBe('string');
          expect(pod.terminating).toBeUndefined();
        }
        expect(pods[0]!.labels).toEqual({ app: 'contract', role: 'leader' });
        expect(await names('app=contract,role=leader')).toEqual(['contract-server-0']);
        expect(await names('app==contract,role!=leader')).toEqual(['contract-server-1', 'contract-server-2']);
        expect(await names('role in (leader, follower)')).toEqual(['contract-server-0', 'contract-server-1']);
        expect(await names('app,!role')).toEqual(['contract-server-2', 'other-0']);
        expect(await names('app notin (contract)')).toEqual(['other-0']);
        expect(await names('app=nothing')).toEqual([]);
      });

      it('answers 400 BadRequest to a label selector it cannot parse', async () => {
        const bad = await rejection(kube.listPods(ns, 'app=(contract'));
        expect(bad).toBeInstanceOf(KubeApiError);
        expect(bad).toMatchObject({ statusCode: 400 });
        const raw = await apiError(core.listNamespacedPod({ namespace: ns, labelSelector: 'app=(contract' }));
        expect(raw).toMatchObject({ code: 400, status: { kind: 'Status', reason: 'BadRequest' } });
      });

      it('runs exec as a process: exit code, stdout and stderr apart', async () => {
        const ok = await kube.exec(ns, 'contract-server-0', ['sh', '-c', 'echo out; echo err >&2']);
        expect(ok).toEqual({ exitCode: 0, stdout: 'out\n', stderr: 'err\n' });
        const failed = await kube.exec(ns, 'contract-server-0', [
          'sh',
          '-c',
          'printf partial; echo oops >&2; exit 3',
        ]);
        expect(failed).toEqual({ exitCode: 3, stdout: 'partial', stderr: 'oops\n' });
        const big = await kube.exec(ns, 'contract-server-1', ['sh', '-c', 'seq 1 20000']);
        expect(big.exitCode).toBe(0);
        expect(big.stdout.split('\n')).toHaveLength(20001);
        const argv = await kube.exec(ns, 'contract-server-1', [
          'printf',
          '%s|',
          'two words',
          "it's",
          '$HOME',
        ]);
        expect(argv).toEqual({ exitCode: 0, stdout: "two words|it's|$HOME|", stderr: '' });
      });

      it('refuses exec into a missing pod or container with the API status, not an exit code', async () => {
        const missing = await rejection(kube.exec(ns, 'no-such-pod', ['true']));
        expect(missing).toBeInstanceOf(KubeApiError);
        expect(missing).toMatchObject({ statusCode: 404 });
        const container = await rejection(
          kube.exec(ns, 'contract-server-0', ['true'], { container: 'sidecar' }),
        );
        expect(container).toBeInstanceOf(KubeApiError);
        expect(container).toMatchObject({ statusCode: 400 });
      });

      it('deletes a pod (it goes once its kubelet confirms); deleting it again is absent', async () => {
        const gone = (pod: string) => async () => ((await names('app')).includes(pod) ? undefined : true);
        expect(await kube.deletePod(ns, 'contract-server-1')).toBe('deleted');
        await eventually('contract-server-1 gone', gone('contract-server-1'));
        expect(await kube.deletePod(ns, 'contract-server-1')).toBe('absent');

        // A graceful delete answers with the pod marked for deletion, which its kubelet then completes.
        const graceful = await core.deleteNamespacedPod({ namespace: ns, name: 'contract-server-2' });
        expect(graceful).toMatchObject({
          kind: 'Pod',
          metadata: { name: 'contract-server-2', deletionGracePeriodSeconds: 30 },
        });
        expect(graceful.metadata?.deletionTimestamp).toBeInstanceOf(Date);
        await eventually('contract-server-2 gone', gone('contract-server-2'));

        expect(await kube.deletePod(ns, 'other-0', { gracePeriodSeconds: 0 })).toBe('deleted');
        expect(await names('app=other')).toEqual([]);
        expect(await kube.deletePod(ns, 'other-0')).toBe('absent');
      });
    });
  });
};
