// KubePort over the Kubernetes API: in AWS (EKS endpoint + IAM token, kube-access.ts), in
// break-glass runs (a kubeconfig context, through client-node's KubeConfig) and against the
// simulator in drills and tests. The calls are plain REST (kube-http.ts) and the exec channel
// protocol (kube-exec.ts).
import { TransientError, UnreachableError } from '../../errors.js';
import {
  KubeApiError,
  type CustomObjectRef,
  type ExecOptions,
  type ExecResult,
  type KubePort,
  type PodSummary,
} from '../../ports/kube.js';
import { shellCommand } from '../../text/shell-quote.js';
import type { KubeAccess } from './kube-access.js';
import { startExec, type ExecStatus } from './kube-exec.js';
import { KubeHttpError, kubeRequest, type KubeRequest } from './kube-http.js';

export interface KubeApiOptions {
  /** Bound on every API request, headers and body. Default 10 s. */
  requestTimeoutMs?: number;
  /** Bound on an exec when the call does not pass its own `timeoutMs`. Default 60 s. */
  execTimeoutMs?: number;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
const DEFAULT_EXEC_TIMEOUT_MS = 60_000;

/** Connection failures worth a retry (Node's socket and DNS codes). */
const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

export const createKubeApi = (
  access: KubeAccess,
  describe: string,
  options: KubeApiOptions = {},
): KubePort => {
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const execTimeoutMs = options.execTimeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;

  const call = async (what: string, request: KubeRequest): Promise<unknown> => {
    try {
      return await kubeRequest(access, request, requestTimeoutMs);
    } catch (err) {
      throw toPortError(describe, what, err, requestTimeoutMs);
    }
  };

  const objectLabel = (ref: CustomObjectRef): string =>
    `${ref.plural}.${ref.group} ${ref.namespace}/${ref.name}`;

  return {
    describe,

    async getCustomObject(ref) {
      try {
        return (await call(`get ${objectLabel(ref)}`, { method: 'GET', path: objectPath(ref) })) as Record<
          string,
          unknown
        >;
      } catch (err) {
        if (err instanceof KubeApiError && err.statusCode === 404) return undefined;
        throw err;
      }
    },

    async mergePatchCustomObject(ref, patch) {
      return (await call(`merge-patch ${objectLabel(ref)}`, {
        method: 'PATCH',
        path: objectPath(ref),
        body: patch,
        contentType: 'application/merge-patch+json',
      })) as Record<string, unknown>;
    },

    async deleteCustomObject(ref) {
      try {
        await call(`delete ${objectLabel(ref)}`, { method: 'DELETE', path: objectPath(ref) });
        return 'deleted';
      } catch (err) {
        if (err instanceof KubeApiError && err.statusCode === 404) return 'absent';
        throw err;
      }
    },

    async listPods(namespace, labelSelector) {
      const list = (await call(`list pods in ${namespace} (${labelSelector})`, {
        method: 'GET',
        path: podsPath(namespace),
        query: { labelSelector },
      })) as { items?: Pod[] };
      return (list.items ?? []).map(podSummary);
    },

    async deletePod(namespace, name, deleteOptions) {
      try {
        await call(`delete pod ${namespace}/${name}`, {
          method: 'DELETE',
          path: `${podsPath(namespace)}/${segments(name)}`,
          query: { gracePeriodSeconds: deleteOptions?.gracePeriodSeconds },
        });
        return 'deleted';
      } catch (err) {
        if (err instanceof KubeApiError && err.statusCode === 404) return 'absent';
        throw err;
      }
    },

    exec(namespace, pod, command, execOptions) {
      return runExec(access, describe, namespace, pod, command, execOptions, execTimeoutMs);
    },
  };
};

/** Path segments, each encoded. */
const segments = (...values: string[]): string => values.map(encodeURIComponent).join('/');

const objectPath = (ref: CustomObjectRef): string =>
  `/apis/${segments(ref.group, ref.version)}/namespaces/${segments(ref.namespace, ref.plural, ref.name)}`;

const podsPath = (namespace: string): string => `/api/v1/namespaces/${segments(namespace)}/pods`;

/** The fields of a pod its summary reads, as the API returns them. */
interface Pod {
  metadata?: { name?: string; labels?: Record<string, string>; deletionTimestamp?: string };
  spec?: { nodeName?: string };
  status?: { phase?: string; podIP?: string; conditions?: Array<{ type: string; status: string }> };
}

const podSummary = (pod: Pod): PodSummary => ({
  name: pod.metadata?.name ?? '',
  phase: pod.status?.phase ?? 'Unknown',
  ready: pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
  labels: pod.metadata?.labels ?? {},
  ...(pod.spec?.nodeName ? { node: pod.spec.nodeName } : {}),
  ...(pod.status?.podIP ? { ip: pod.status.podIP } : {}),
  ...(pod.metadata?.deletionTimestamp ? { terminating: true } : {}),
});

// 409 Conflict: someone changed the object since we read it (resourceVersion). Steps read
// before they act, so a retry re-reads and decides again: retryable like a 5xx.
const isTransientStatus = (status: number): boolean => status >= 500 || status === 429 || status === 409;

/** Maps whatever a request threw to the port's error contract (see ports/kube.ts). */
const toPortError = (describe: string, what: string, err: unknown, timeoutMs: number): Error => {
  if (err instanceof KubeHttpError) {
    const status = err.statusCode;
    const message = `${describe}: ${what}: HTTP ${status}: ${apiMessage(err.body)}`;
    return isTransientStatus(status) ? new TransientError(message) : new KubeApiError(message, status);
  }
  // Duck-typed: the abort reason is a DOMException, which is not always an `Error` of this realm.
  const name = (err as { name?: unknown } | undefined)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new UnreachableError(`${describe}: ${what}: no answer within ${timeoutMs} ms`);
  }
  const code = networkCode(err);
  if (code !== undefined && TRANSIENT_NETWORK_CODES.has(code)) {
    return new UnreachableError(`${describe}: ${what}: connection failed (${code})`);
  }
  const message = (err as { message?: unknown } | undefined)?.message;
  return new Error(`${describe}: ${what}: ${typeof message === 'string' ? message : String(err)}`, {
    cause: err,
  });
};

/** The `message` of a Kubernetes `Status` body, or the body itself when it is not one. */
const apiMessage = (body: string): string => {
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    return typeof parsed.message === 'string' ? parsed.message : body;
  } catch {
    return body || 'empty response body';
  }
};

/** Finds a socket error code along the cause chain (an error's `cause`; ws: event → error). */
const networkCode = (err: unknown): string | undefined => {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth += 1) {
    const { code, cause, error } = current as { code?: unknown; cause?: unknown; error?: unknown };
    if (typeof code === 'string') return code;
    current = cause ?? error;
  }
  return undefined;
};

const runExec = (
  access: KubeAccess,
  describe: string,
  namespace: string,
  pod: string,
  command: string[],
  options: ExecOptions | undefined,
  defaultTimeoutMs: number,
): Promise<ExecResult> => {
  const timeoutMs = options?.timeoutMs ?? defaultTimeoutMs;
  const what = `exec \`${shellCommand(command)}\` in pod ${namespace}/${pod}`;
  const session = startExec(access, { namespace, pod, container: options?.container ?? '', command });

  return new Promise<ExecResult>((resolve, reject) => {
    let settled = false;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
    };
    const timer = setTimeout(() => {
      session.then(
        (started) => started.terminate(),
        () => undefined,
      );
      settle(() =>
        reject(
          new TransientError(
            `${describe}: ${what}: no exit status within ${timeoutMs} ms; the connection was closed`,
          ),
        ),
      );
    }, timeoutMs);

    session
      .then(async (started) => {
        await started.opened;
        const status = await started.closed;
        settle(() => {
          if (status === undefined) {
            reject(
              new TransientError(
                `${describe}: ${what}: the connection closed before the command reported an exit status`,
              ),
            );
            return;
          }
          const exitCode = exitCodeOf(status);
          if (exitCode === undefined) {
            reject(execFailure(describe, what, status));
            return;
          }
          resolve({ exitCode, stdout: started.stdout(), stderr: started.stderr() });
        });
      })
      .catch((err: unknown) => settle(() => reject(execConnectError(describe, what, err, timeoutMs))));
  });
};

/** `Success` is 0; a command that ran and failed carries its code as the `ExitCode` cause. */
const exitCodeOf = (status: ExecStatus): number | undefined => {
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  const code = cause?.message === undefined ? Number.NaN : Number.parseInt(cause.message, 10);
  return Number.isInteger(code) ? code : undefined;
};

/** A Failure status without an exit code: the command never ran (e.g. the runtime could not start it). */
const execFailure = (describe: string, what: string, status: ExecStatus): Error => {
  const message = `${describe}: ${what}: ${status.reason ?? 'Failure'}: ${status.message ?? 'the exec failed without an exit code'}`;
  return status.code !== undefined && !isTransientStatus(status.code)
    ? new KubeApiError(message, status.code)
    : new TransientError(message);
};

/** ws reports a refused upgrade only as `Unexpected server response: <status>`. */
const execConnectError = (describe: string, what: string, err: unknown, timeoutMs: number): Error => {
  const message = (err as { message?: unknown } | undefined)?.message;
  const upgrade = typeof message === 'string' ? /Unexpected server response: (\d{3})/.exec(message) : null;
  if (upgrade?.[1] !== undefined) {
    const status = Number(upgrade[1]);
    const text = `${describe}: ${what}: the API refused the exec with HTTP ${status}${status === 404 ? ' (no such pod)' : ''}`;
    return isTransientStatus(status) ? new TransientError(text) : new KubeApiError(text, status);
  }
  return toPortError(describe, what, err, timeoutMs);
};
