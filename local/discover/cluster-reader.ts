// What discovery reads from a cluster, through a kubeconfig context: custom objects and pods in
// every namespace (a plan's namespaces are what it is looking for), and commands run in a pod.
// It only reads; a resource type the cluster does not serve (its CRD is not installed) reads as
// no objects, since that is itself the answer discovery wants.
import { ApiException, CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { createKubeApi } from '../../lambdas/adapters/kube/kube-api.js';
import type { ExecResult, PodSummary } from '../../lambdas/ports/kube.js';

export interface ResourceType {
  group: string;
  version: string;
  plural: string;
}

/** A custom object as discovery uses it: where it is, and its spec. */
export interface FoundObject {
  namespace: string;
  name: string;
  spec: Record<string, unknown>;
}

export interface FoundPod extends PodSummary {
  namespace: string;
  containers: string[];
}

export interface ClusterReader {
  /** The context, for messages and comments. */
  readonly describe: string;
  list(type: ResourceType): Promise<FoundObject[]>;
  pods(labelSelector?: string): Promise<FoundPod[]>;
  exec(pod: FoundPod, command: string[]): Promise<ExecResult>;
}

const REQUEST_TIMEOUT_MS = 10_000;

const apiMessage = (err: unknown): string => {
  if (err instanceof ApiException) {
    const body = err.body as unknown;
    const message = typeof body === 'string' ? (JSON.parse(body) as { message?: string }).message : undefined;
    return `HTTP ${err.code}${message ? `: ${message}` : ''}`;
  }
  return err instanceof Error ? err.message : String(err);
};

export const clusterReader = (kc: KubeConfig, describe: string): ClusterReader => {
  const customObjects = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  const kube = createKubeApi(kc, describe, { requestTimeoutMs: REQUEST_TIMEOUT_MS });
  const read = async <T>(what: string, request: () => Promise<T>): Promise<T> => {
    try {
      return await request();
    } catch (err) {
      throw new Error(`${describe}: ${what}: ${apiMessage(err)}`, { cause: err });
    }
  };
  return {
    describe,
    async list(type) {
      const what = `list ${type.plural}.${type.group} in every namespace`;
      let list: { items?: Array<Record<string, unknown>> };
      try {
        list = (await customObjects.listClusterCustomObject({ ...type })) as typeof list;
      } catch (err) {
        if (err instanceof ApiException && err.code === 404) return [];
        return read(what, () => Promise.reject(err));
      }
      return (list.items ?? []).map((item) => {
        const metadata = (item.metadata ?? {}) as { name?: string; namespace?: string };
        return {
          namespace: metadata.namespace ?? '',
          name: metadata.name ?? '',
          spec: (item.spec ?? {}) as Record<string, unknown>,
        };
      });
    },
    async pods(labelSelector) {
      const list = await read(
        `list pods in every namespace${labelSelector ? ` (${labelSelector})` : ''}`,
        () => core.listPodForAllNamespaces(labelSelector ? { labelSelector } : {}),
      );
      return list.items.map((pod) => ({
        name: pod.metadata?.name ?? '',
        namespace: pod.metadata?.namespace ?? '',
        phase: pod.status?.phase ?? 'Unknown',
        ready: pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
        labels: pod.metadata?.labels ?? {},
        containers: pod.spec?.containers.map((c) => c.name) ?? [],
        ...(pod.spec?.nodeName ? { node: pod.spec.nodeName } : {}),
        ...(pod.status?.podIP ? { ip: pod.status.podIP } : {}),
      }));
    },
    exec: (pod, command) =>
      kube.exec(pod.namespace, pod.name, command, pod.containers[0] ? { container: pod.containers[0] } : {}),
  };
};
