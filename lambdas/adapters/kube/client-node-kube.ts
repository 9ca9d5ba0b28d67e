// KubePort over the real @kubernetes/client-node: in AWS (EKS endpoint + IAM token), in
// break-glass runs (a kubeconfig context) and against the simulator in drills and tests.
import { Writable } from 'node:stream';
import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  Exec,
  Observable,
  PatchStrategy,
  setHeaderOptions,
  type ConfigurationOptions,
  type KubeConfig,
  type ObservableMiddleware,
  type V1Pod,
  type V1Status,
} from '@kubernetes/client-node';
// Deep import: the package root does not export the handler, and only with our own socket
// factory can a timed-out exec close its socket, even one still waiting for the upgrade.
import { WebSocketHandler } from '@kubernetes/client-node/dist/web-socket-handler.js';
import WebSocket from 'ws';
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

export interface ClientNodeKubeOptions {
  /** Bound on every API request, headers and body. Default 10 s. */
  requestTimeoutMs?: number;
  /** Bound on an exec when the call does not pass its own `timeoutMs`. Default 60 s. */
  execTimeoutMs?: number;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
const DEFAULT_EXEC_TIMEOUT_MS = 60_000;

/** Connection failures worth a retry (Node socket codes and undici's own). */
const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

export const createClientNodeKube = (
  kc: KubeConfig,
  describe: string,
  options: ClientNodeKubeOptions = {},
): KubePort => {
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const execTimeoutMs = options.execTimeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
  const customObjects = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);

  // A fresh signal per request: the middleware runs once per call, so the clock starts when the request does.
  const bounded = (
    opts?: ConfigurationOptions<ObservableMiddleware>,
  ): ConfigurationOptions<ObservableMiddleware> => ({
    ...opts,
    middleware: [...(opts?.middleware ?? []), timeoutMiddleware(requestTimeoutMs)],
    middlewareMergeStrategy: 'append',
  });

  const call = async <T>(what: string, request: () => Promise<T>): Promise<T> => {
    try {
      return await request();
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
        return (await call(`get ${objectLabel(ref)}`, () =>
          customObjects.getNamespacedCustomObject({ ...ref }, bounded()),
        )) as Record<string, unknown>;
      } catch (err) {
        if (err instanceof KubeApiError && err.statusCode === 404) return undefined;
        throw err;
      }
    },

    async mergePatchCustomObject(ref, patch) {
      return (await call(`merge-patch ${objectLabel(ref)}`, () =>
        customObjects.patchNamespacedCustomObject(
          { ...ref, body: patch },
          bounded(setHeaderOptions('Content-Type', PatchStrategy.MergePatch)),
        ),
      )) as Record<string, unknown>;
    },

    async deleteCustomObject(ref) {
      try {
        await call(`delete ${objectLabel(ref)}`, () =>
          customObjects.deleteNamespacedCustomObject({ ...ref }, bounded()),
        );
        return 'deleted';
      } catch (err) {
        if (err instanceof KubeApiError && err.statusCode === 404) return 'absent';
        throw err;
      }
    },

    async listPods(namespace, labelSelector) {
      const list = await call(`list pods in ${namespace} (${labelSelector})`, () =>
        core.listNamespacedPod({ namespace, labelSelector }, bounded()),
      );
      return list.items.map(podSummary);
    },

    async deletePod(namespace, name, deleteOptions) {
      try {
        await call(`delete pod ${namespace}/${name}`, () =>
          core.deleteNamespacedPod(
            {
              namespace,
              name,
              ...(deleteOptions?.gracePeriodSeconds === undefined
                ? {}
                : { gracePeriodSeconds: deleteOptions.gracePeriodSeconds }),
            },
            bounded(),
          ),
        );
        return 'deleted';
      } catch (err) {
        if (err instanceof KubeApiError && err.statusCode === 404) return 'absent';
        throw err;
      }
    },

    exec(namespace, pod, command, execOptions) {
      return runExec(kc, describe, namespace, pod, command, execOptions, execTimeoutMs);
    },
  };
};

const timeoutMiddleware = (ms: number): ObservableMiddleware => ({
  pre: (context) => {
    context.setSignal(AbortSignal.timeout(ms));
    return new Observable(Promise.resolve(context));
  },
  post: (response) => new Observable(Promise.resolve(response)),
});

const podSummary = (pod: V1Pod): PodSummary => ({
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

/** Maps whatever client-node threw to the port's error contract (see ports/kube.ts). */
const toPortError = (describe: string, what: string, err: unknown, timeoutMs: number): Error => {
  if (err instanceof ApiException) {
    const status = err.code;
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

/** The `message` of a Kubernetes `Status` body, which client-node hands over as a JSON string. */
const apiMessage = (body: unknown): string => {
  if (typeof body !== 'string') return JSON.stringify(body) ?? 'no response body';
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    return typeof parsed.message === 'string' ? parsed.message : body;
  } catch {
    return body || 'empty response body';
  }
};

/** Finds a socket error code along the cause chain (undici wraps it: `fetch failed` → cause; ws: event → error). */
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
  kc: KubeConfig,
  describe: string,
  namespace: string,
  pod: string,
  command: string[],
  options: ExecOptions | undefined,
  defaultTimeoutMs: number,
): Promise<ExecResult> => {
  const timeoutMs = options?.timeoutMs ?? defaultTimeoutMs;
  const what = `exec \`${shellCommand(command)}\` in pod ${namespace}/${pod}`;
  const stdout = collector();
  const stderr = collector();
  let socket: WebSocket | undefined;
  const exec = new Exec(
    kc,
    new WebSocketHandler(kc, (uri, protocols, opts) => {
      socket = new WebSocket(uri, protocols, opts);
      return socket;
    }),
  );

  return new Promise<ExecResult>((resolve, reject) => {
    let settled = false;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
    };
    const timer = setTimeout(() => {
      socket?.terminate();
      settle(() =>
        reject(
          new TransientError(
            `${describe}: ${what}: no exit status within ${timeoutMs} ms; the connection was closed`,
          ),
        ),
      );
    }, timeoutMs);

    let status: V1Status | undefined;
    // The API server picks the pod's default container when none is named.
    exec
      .exec(
        namespace,
        pod,
        options?.container ?? '',
        command,
        stdout.stream,
        stderr.stream,
        null,
        false,
        (s) => {
          status = s;
        },
      )
      .then(
        (ws) => {
          ws.on('close', () =>
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
              resolve({ exitCode, stdout: stdout.text(), stderr: stderr.text() });
            }),
          );
        },
        (err: unknown) => settle(() => reject(execConnectError(describe, what, err, timeoutMs))),
      );
  });
};

const collector = (): { stream: Writable; text: () => string } => {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
};

/** `Success` is 0; a command that ran and failed carries its code as the `ExitCode` cause. */
const exitCodeOf = (status: V1Status): number | undefined => {
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  const code = cause?.message === undefined ? Number.NaN : Number.parseInt(cause.message, 10);
  return Number.isInteger(code) ? code : undefined;
};

/** A Failure status without an exit code: the command never ran (e.g. the runtime could not start it). */
const execFailure = (describe: string, what: string, status: V1Status): Error => {
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
