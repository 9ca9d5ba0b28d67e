// The Kube-port contract against a real kube-apiserver with etcd and kwok (scripts/kube-control-plane.sh
// builds them): the Kubernetes API adapter as the engines use it, as the admin user. Its twin in
// test/sim/kube-port-contract.test.ts holds the simulator to the same tests.
import { ApiException, CoreV1Api } from '@kubernetes/client-node';
import { createKubeApi } from '../../lambdas/adapters/kube/kube-api.js';
import { PLAIN_USER } from './certificates.js';
import { startControlPlane, type ControlPlane } from './control-plane.js';
import { kubePortContract, type ContractEnvironment } from './kube-port-contract.js';
import { createNamespaces, createReadyPods, installCrds } from './cluster-objects.js';
import { engineCrds } from './engine-crds.js';
import { SHOVEL, shovelSchema } from './shovel-crd.js';
import { ranAgainst } from '../record.js';

/** The messaging topology operator's own Shovel CRD (scripts/operator-crds.sh fetches it). */
const upstreamShovel = () => engineCrds().find((c) => c.names === SHOVEL)!;

const NAMESPACE = 'contract';

const startRealEnvironment = async (plane: ControlPlane): Promise<ContractEnvironment> => {
  const kubeConfig = plane.kubeConfig('admin');
  await installCrds(kubeConfig, [upstreamShovel()]);
  await createNamespaces(kubeConfig, [NAMESPACE]);
  return {
    kube: createKubeApi(kubeConfig, 'real kube-apiserver', {
      requestTimeoutMs: 10_000,
      execTimeoutMs: 20_000,
    }),
    kubeConfig,
    namespace: NAMESPACE,
    createReadyPod: (name, labels) =>
      createReadyPods(plane, [{ namespace: NAMESPACE, name, labels, container: 'server' }]),
    // The control plane outlives the contract: the tests below use it too.
    stop: () => Promise.resolve(),
  };
};

let plane: ControlPlane | undefined;
beforeAll(async () => {
  const started = Date.now();
  plane = await startControlPlane();
  console.log(`control plane on ${plane.server} in ${Date.now() - started} ms`);
  ranAgainst('kube-apiserver', plane.versions.kubeApiserver);
  ranAgainst('etcd', plane.versions.etcd);
  ranAgainst('kwok', plane.versions.kwok);
});
afterAll(() => plane?.stop());

kubePortContract('real kube-apiserver, etcd and kwok', () => startRealEnvironment(plane!));

interface Schema {
  type?: string;
  enum?: unknown[];
  default?: unknown;
  required?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
}

/** Where `cut` differs from `upstream`: a field upstream lacks, another type or enum, other requiredness. */
const schemaDifferences = (cut: Schema, upstream: Schema | undefined, path: string): string[] => {
  if (upstream === undefined) return [`${path}: not in the upstream CRD`];
  const here: string[] = [];
  if (cut.type !== upstream.type) here.push(`${path}: type ${cut.type} (upstream ${upstream.type})`);
  if (JSON.stringify(cut.enum) !== JSON.stringify(upstream.enum))
    here.push(`${path}: enum ${JSON.stringify(cut.enum)} (upstream ${JSON.stringify(upstream.enum)})`);
  if (JSON.stringify(cut.default) !== JSON.stringify(upstream.default))
    here.push(
      `${path}: default ${JSON.stringify(cut.default)} (upstream ${JSON.stringify(upstream.default)})`,
    );
  const kept = Object.keys(cut.properties ?? {});
  const required = (s: Schema) => (s.required ?? []).filter((r) => kept.includes(r)).sort();
  if (JSON.stringify(required(cut)) !== JSON.stringify(required(upstream)))
    here.push(`${path}: required ${required(cut).join(', ')} (upstream ${required(upstream).join(', ')})`);
  return [
    ...here,
    ...Object.entries(cut.properties ?? {}).flatMap(([name, field]) =>
      schemaDifferences(field, upstream.properties?.[name], `${path}.${name}`),
    ),
    ...(cut.items ? schemaDifferences(cut.items, upstream.items, `${path}[]`) : []),
  ];
};

describe("the simulator's Shovel schema", () => {
  it("is the messaging topology operator's CRD cut down: every field it keeps has the upstream type, enum, default and requiredness", () => {
    const crd = upstreamShovel().crd as {
      spec: { versions: Array<{ name: string; subresources?: object; schema: { openAPIV3Schema: Schema } }> };
    };
    const version = crd.spec.versions.find((v) => v.name === SHOVEL.version)!;
    expect(version.subresources).toEqual({ status: {} });
    expect(schemaDifferences(shovelSchema, version.schema.openAPIV3Schema, 'Shovel')).toEqual([]);
  });
});

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
