// The Kube-port contract against a real kube-apiserver with etcd and kwok (scripts/kube-control-plane.sh
// builds them): the client-node adapter as the engines use it, as the admin user. Its twin in
// test/sim/kube-port-contract.test.ts holds the simulator to the same tests.
import {
  ApiException,
  ApiextensionsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
} from '@kubernetes/client-node';
import { createClientNodeKube } from '../../lambdas/adapters/kube/client-node-kube.js';
import { PLAIN_USER } from './certificates.js';
import { startControlPlane, type ControlPlane } from './control-plane.js';
import { kubePortContract, type ContractEnvironment } from './kube-port-contract.js';
import { shovelCrd } from './shovel-crd.js';

const NAMESPACE = 'contract';

const until = async (what: string, done: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await done().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
};

const installShovelCrd = async (kc: KubeConfig): Promise<void> => {
  // Sent as JSON as it is written: the typed ApiextensionsV1Api would drop `enum` (its model says `_enum`).
  await kc.makeApiClient(CustomObjectsApi).createClusterCustomObject({
    group: 'apiextensions.k8s.io',
    version: 'v1',
    plural: 'customresourcedefinitions',
    body: shovelCrd,
  });
  const crds = kc.makeApiClient(ApiextensionsV1Api);
  await until('the Shovel CRD established', async () => {
    const crd = await crds.readCustomResourceDefinition({ name: shovelCrd.metadata.name });
    return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false;
  });
};

/** The namespace with its `default` ServiceAccount, which pod admission requires (no controller manager makes it here). */
const createNamespace = async (core: CoreV1Api): Promise<void> => {
  await core.createNamespace({ body: { metadata: { name: NAMESPACE } } });
  await core.createNamespacedServiceAccount({
    namespace: NAMESPACE,
    body: { metadata: { name: 'default' } },
  });
};

const startRealEnvironment = async (plane: ControlPlane): Promise<ContractEnvironment> => {
  const kubeConfig = plane.kubeConfig('admin');
  const core = kubeConfig.makeApiClient(CoreV1Api);
  await installShovelCrd(kubeConfig);
  await createNamespace(core);
  return {
    kube: createClientNodeKube(kubeConfig, 'real kube-apiserver', {
      requestTimeoutMs: 10_000,
      execTimeoutMs: 20_000,
    }),
    kubeConfig,
    namespace: NAMESPACE,
    async createReadyPod(name, labels) {
      await core.createNamespacedPod({
        namespace: NAMESPACE,
        body: {
          metadata: { name, labels },
          spec: {
            // Bound to kwok's node directly: no scheduler runs here.
            nodeName: plane.nodeName,
            containers: [{ name: 'server', image: 'rabbitmq:4.0-management' }],
          },
        },
      });
      await until(`pod ${name} Ready`, async () => {
        const pod = await core.readNamespacedPod({ namespace: NAMESPACE, name });
        return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
      });
    },
    // The control plane outlives the contract: the tests below use it too.
    stop: () => Promise.resolve(),
  };
};

let plane: ControlPlane | undefined;
beforeAll(async () => {
  const started = Date.now();
  plane = await startControlPlane();
  console.log(
    `control plane on ${plane.server} in ${Date.now() - started} ms: kube-apiserver ${plane.versions.kubeApiserver}; ${plane.versions.etcd}; ${plane.versions.kwok}`,
  );
});
afterAll(() => plane?.stop());

kubePortContract('real kube-apiserver, etcd and kwok', () => startRealEnvironment(plane!));

describe('the real control plane', () => {
  it('reports the pinned Kubernetes release and enforces RBAC on a user no binding names', async () => {
    expect(plane!.versions.kubeApiserver).toMatch(/^v1\.36\.\d+$/);
    const core = plane!.kubeConfig('user').makeApiClient(CoreV1Api);
    const denied = await core.listNamespacedPod({ namespace: NAMESPACE }).catch((err: unknown) => err);
    expect(denied).toBeInstanceOf(ApiException);
    expect(denied).toMatchObject({ code: 403 });
    expect(JSON.parse((denied as ApiException<string>).body)).toMatchObject({
      reason: 'Forbidden',
      message: `pods is forbidden: User "${PLAIN_USER}" cannot list resource "pods" in API group "" in the namespace "${NAMESPACE}"`,
    });
  });
});
