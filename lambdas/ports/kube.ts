// What engines need from a Kubernetes API server. Adapters: `adapters/kube/kube-api.ts`
// (the real Kubernetes API, reached with a client-node KubeConfig or an EKS endpoint and token;
// used in AWS, in break-glass runs and against the simulator).

export interface CustomObjectRef {
  group: string;
  version: string;
  plural: string;
  namespace: string;
  name: string;
}

export interface PodSummary {
  name: string;
  phase: string;
  /** The pod's `Ready` condition is True. */
  ready: boolean;
  labels: Record<string, string>;
  /** `spec.nodeName`: where it was scheduled (which site, when a cluster spans several). */
  node?: string;
  /** `status.podIP`: what brokers that register by IP (RocketMQ) are known by. */
  ip?: string;
  /** `metadata.deletionTimestamp`: deleted, but not yet gone (e.g. its node is lost). */
  terminating?: boolean;
}

export interface DeletePodOptions {
  /**
   * 0 deletes at once without waiting for the kubelet: the only way to free a StatefulSet pod
   * whose node is lost (`kubectl delete pod --grace-period=0 --force`). Default: the pod's own.
   */
  gracePeriodSeconds?: number;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  container?: string;
  timeoutMs?: number;
}

/**
 * Errors: 404 on get/delete is not an error (undefined / 'absent'); 5xx, 429, 409 (a concurrent
 * change: re-read and retry), timeouts and connection failures throw `TransientError`; other API failures throw `KubeApiError`.
 * A command that ran and exited non-zero is NOT an error: it returns its exit code.
 */
export interface KubePort {
  /** A label for messages, e.g. the cluster name. */
  readonly describe: string;
  getCustomObject(ref: CustomObjectRef): Promise<Record<string, unknown> | undefined>;
  /** JSON merge patch (RFC 7386). */
  mergePatchCustomObject(
    ref: CustomObjectRef,
    patch: Record<string, unknown>,
  ): Promise<Record<string, unknown>>;
  deleteCustomObject(ref: CustomObjectRef): Promise<'deleted' | 'absent'>;
  listPods(namespace: string, labelSelector: string): Promise<PodSummary[]>;
  /** 404 is not an error ('absent'). */
  deletePod(namespace: string, name: string, options?: DeletePodOptions): Promise<'deleted' | 'absent'>;
  exec(namespace: string, pod: string, command: string[], options?: ExecOptions): Promise<ExecResult>;
}

export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  constructor(
    message: string,
    readonly statusCode: number,
  ) {
    super(message);
  }
}
