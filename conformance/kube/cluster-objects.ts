// Objects on a real control plane, made as admin the way a cluster would hold them: the engines'
// CRDs, namespaces
// (with the `default` ServiceAccount pod admission needs, which no controller manager makes
// here), pods bound to kwok's node and Ready, and a generated Role bound to the plain user too.
import {
  ApiException,
  ApiextensionsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  RbacAuthorizationV1Api,
  type KubeConfig,
  type V1Pod,
} from '@kubernetes/client-node';
import type { NamespaceRbac } from '../../lambdas/plan/rbac.js';
import { PLAIN_USER } from './certificates.js';
import type { ControlPlane } from './control-plane.js';
import { engineCrds, type EngineCrd } from './engine-crds.js';

export const RBAC_API = 'rbac.authorization.k8s.io';

/** For creations that may meet an object made earlier in the same run. */
export const ignoreConflict = (err: unknown): void => {
  if (!(err instanceof ApiException && err.code === 409)) throw err;
};

export const until = async (
  what: string,
  done: () => Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await done().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
};

export const createNamespaces = async (kc: KubeConfig, namespaces: readonly string[]): Promise<void> => {
  const core = kc.makeApiClient(CoreV1Api);
  await Promise.all(
    [...new Set(namespaces)].map(async (namespace) => {
      await core.createNamespace({ body: { metadata: { name: namespace } } }).catch(ignoreConflict);
      await core
        .createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'default' } } })
        .catch(ignoreConflict);
    }),
  );
};

export interface PodFixture {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  container: string;
}

/** Creates the pods (their namespaces too) and waits until kwok has made every one Ready. */
export const createReadyPods = async (plane: ControlPlane, pods: readonly PodFixture[]): Promise<void> => {
  const kc = plane.kubeConfig('admin');
  const core = kc.makeApiClient(CoreV1Api);
  await createNamespaces(
    kc,
    pods.map((p) => p.namespace),
  );
  await Promise.all(
    pods.map(({ namespace, name, labels, container }) =>
      core
        .createNamespacedPod({
          namespace,
          body: {
            metadata: { name, labels },
            // Bound to kwok's node directly: no scheduler runs here.
            spec: {
              nodeName: plane.nodeName,
              containers: [{ name: container, image: 'rabbitmq:4.0-management' }],
            },
          } satisfies V1Pod,
        })
        .catch(ignoreConflict),
    ),
  );
  await untilReady(plane, pods);
};

/** Waits until kwok has made every one of the pods Ready. */
export const untilReady = async (
  plane: ControlPlane,
  pods: ReadonlyArray<{ namespace: string; name: string }>,
): Promise<void> => {
  const core = plane.kubeConfig('admin').makeApiClient(CoreV1Api);
  await until('the pods Ready', async () => {
    const ready = await Promise.all(
      pods.map(async ({ namespace, name }) => {
        const pod = await core.readNamespacedPod({ namespace, name });
        return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
      }),
    );
    return ready.every(Boolean);
  });
};

/** The generated Role and RoleBinding as they are: the binding names the EKS access entries' group. */
export const applyGeneratedRbac = async (kc: KubeConfig, entry: NamespaceRbac): Promise<void> => {
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  await rbac.createNamespacedRole({ namespace: entry.namespace, body: entry.role });
  await rbac.createNamespacedRoleBinding({ namespace: entry.namespace, body: entry.binding });
};

/** The generated Role and RoleBinding, and one more binding of the Role to the plain user. */
export const applyRbac = async (kc: KubeConfig, entry: NamespaceRbac): Promise<void> => {
  await applyGeneratedRbac(kc, entry);
  const { namespace, binding } = entry;
  await kc.makeApiClient(RbacAuthorizationV1Api).createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name: `${binding.metadata.name}-${PLAIN_USER}`, namespace },
      roleRef: binding.roleRef,
      subjects: [{ apiGroup: RBAC_API, kind: 'User', name: PLAIN_USER }],
    },
  });
};

/** CRDs (default: those of every custom resource the engines use), each waited for until Established. */
export const installCrds = async (
  kc: KubeConfig,
  crds: readonly EngineCrd[] = engineCrds(),
): Promise<void> => {
  // Sent as JSON as written: the typed ApiextensionsV1Api would drop `enum` (its model says `_enum`).
  const objects = kc.makeApiClient(CustomObjectsApi);
  const extensions = kc.makeApiClient(ApiextensionsV1Api);
  await Promise.all(
    crds.map(async ({ names, crd }) => {
      await objects.createClusterCustomObject({
        group: 'apiextensions.k8s.io',
        version: 'v1',
        plural: 'customresourcedefinitions',
        body: crd,
      });
      await until(`the ${names.kind} CRD established`, async () => {
        const read = await extensions.readCustomResourceDefinition({
          name: `${names.plural}.${names.group}`,
        });
        return read.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false;
      });
    }),
  );
};
