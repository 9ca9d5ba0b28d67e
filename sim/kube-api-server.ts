// One site's simulated Kubernetes API server: real HTTP (and WebSocket exec), so the real
// @kubernetes/client-node code paths run against it. Serves the objects in its store,
// lets the engine model answer exec commands, and applies the scenario's latency and faults.
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Side } from '../lambdas/plan/schema.js';
import type { ApiVerb, FaultInjector } from './faults.js';
import { isJsonObject, type Json, type JsonObject } from './json-patch.js';
import type { ExecOutput, SimModel, WriteEvent } from './models/sim-model.js';
import {
  KubeStatusError,
  metadataOf,
  qualifiedResource,
  statusBody,
  type ObjectKey,
  type PatchType,
  type ResourceStore,
} from './resource-store.js';

export type SimLogEntry =
  | {
      at: number;
      site: Side;
      kind: 'api';
      method: 'POST' | 'PATCH' | 'DELETE';
      path: string;
      status: number | 'timeout';
      fault: boolean;
    }
  | {
      at: number;
      site: Side;
      kind: 'exec';
      pod: string;
      argv: string[];
      exitCode?: number;
      status?: number | 'timeout';
      fault: boolean;
    };

export interface KubeApiServerOptions {
  site: Side;
  store: ResourceStore;
  model: SimModel<unknown>;
  faults: FaultInjector;
  latency: { apiMs: number; execMs: number };
  log: (entry: SimLogEntry) => void;
}

export interface KubeApiServer {
  readonly url: string;
  /** Drops every open connection (the site just became unreachable). */
  dropConnections(): void;
  close(): Promise<void>;
}

/** client-node offers v5 first; v5 adds only a stdin-close signal, which exec here never needs. */
const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
const STDOUT = 1;
const STDERR = 2;
const STATUS = 3;

interface Route {
  group: string;
  version: string;
  /** Undefined: the list of every namespace (`/apis/G/V/PLURAL`), which only GET serves. */
  namespace: string | undefined;
  plural: string;
  name: string | undefined;
  subresource: string | undefined;
}

const REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  410: 'Expired',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

export const startKubeApiServer = async (options: KubeApiServerOptions): Promise<KubeApiServer> => {
  const { site, store, model, faults, latency, log } = options;
  const sockets = new Set<Socket | Duplex>();
  const timers = new Set<NodeJS.Timeout>();
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) => [...offered].find((p) => EXEC_PROTOCOLS.includes(p)) ?? false,
  });
  let closing = false;

  const delay = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  const reachable = (): boolean => !closing && model.isReachable(site);

  const server = createServer((req, res) => {
    if (!reachable()) {
      req.socket.destroy();
      return;
    }
    serveRequest(req, res).catch((err: unknown) => {
      if (!res.headersSent && !res.destroyed)
        sendJson(res, 500, statusBody(500, 'InternalError', `simulator error: ${String(err)}`));
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    if (!reachable()) socket.destroy();
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!reachable()) {
      socket.destroy();
      return;
    }
    serveExec(req, socket, head).catch((err: unknown) =>
      refuseUpgrade(socket, 500, 'InternalError', `simulator error: ${String(err)}`),
    );
  });

  const serveRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    await delay(latency.apiMs);
    if (!reachable()) {
      req.socket.destroy();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://sim');
    const route = parseRoute(url.pathname);
    const method = req.method ?? 'GET';
    const mutating = method === 'POST' || method === 'PATCH' || method === 'DELETE';
    const record = (status: number | 'timeout', fault: boolean): void => {
      if (mutating) log({ at: Date.now(), site, kind: 'api', method, path: url.pathname, status, fault });
    };
    if (
      route === undefined ||
      (route.subresource !== undefined && !servesSubresource(method, route.subresource)) ||
      store.typeOf(route.group, route.version, route.plural) === undefined
    ) {
      record(404, false);
      // A known type without that subresource, or an unknown core resource, gets a Status; a path
      // under /apis that no served group and resource matches gets the server's plain 404.
      if (route !== undefined && (route.group === '' || route.subresource !== undefined))
        sendJson(res, 404, statusBody(404, 'NotFound', 'the server could not find the requested resource'));
      else sendText(res, 404, '404 page not found\n');
      return;
    }
    const verb = apiVerb(method, route.name);
    const fault = verb === undefined ? undefined : faults.takeApi(site, verb, route.plural, route.name);
    if (fault !== undefined && !fault.afterEffect) {
      failWith(res, fault.status, route, record);
      return;
    }
    let answer: { status: number; body: JsonObject };
    try {
      answer = perform(method, route, req.headers['content-type'] ?? '', body, url.searchParams);
    } catch (err) {
      if (!(err instanceof KubeStatusError)) throw err;
      answer = { status: err.code, body: err.toStatus() };
    }
    if (fault !== undefined) {
      failWith(res, fault.status, route, record);
      return;
    }
    record(answer.status, false);
    sendJson(res, answer.status, answer.body);
  };

  /** An injected failure: an error status, or (`timeout`) no answer at all until the client gives up. */
  const failWith = (
    res: ServerResponse,
    status: number | 'timeout',
    route: Route,
    record: (status: number | 'timeout', fault: boolean) => void,
  ): void => {
    record(status, true);
    if (status === 'timeout') return;
    const reason = REASONS[status] ?? STATUS_CODES[status] ?? 'Unknown';
    const message =
      status === 409
        ? `Operation cannot be fulfilled on ${qualifiedResource(route.group, route.plural)} "${route.name ?? ''}": the object has been modified; please apply your changes to the latest version and try again`
        : `${reason}: injected by the scenario (${qualifiedResource(route.group, route.plural)}${route.name ? ` "${route.name}"` : ''})`;
    if (status === 429 || status === 503) res.setHeader('Retry-After', '1');
    sendJson(res, status, statusBody(status, reason, message));
  };

  const listBody = (route: Route, list: { items: JsonObject[]; resourceVersion: string }): JsonObject => ({
    apiVersion: route.group === '' ? route.version : `${route.group}/${route.version}`,
    kind: `${store.typeOf(route.group, route.version, route.plural)?.kind ?? ''}List`,
    metadata: { resourceVersion: list.resourceVersion },
    items: list.items,
  });

  const perform = (
    method: string,
    route: Route,
    contentType: string,
    body: string,
    query: URLSearchParams,
  ): { status: number; body: JsonObject } => {
    if (route.namespace === undefined) {
      if (method !== 'GET') throw methodNotAllowed(method);
      const list = store.list(
        route.group,
        route.version,
        route.plural,
        undefined,
        query.get('labelSelector') ?? '',
      );
      return { status: 200, body: listBody(route, list) };
    }
    const key: ObjectKey = {
      group: route.group,
      version: route.version,
      plural: route.plural,
      namespace: route.namespace,
      name: route.name ?? '',
    };
    const labelSelector = query.get('labelSelector') ?? '';
    const written = (
      verb: WriteEvent['verb'],
      before: JsonObject | undefined,
      after: JsonObject | undefined,
      writtenKey: ObjectKey,
      gracePeriodSeconds?: number,
    ): void =>
      model.afterWrite(site, {
        verb,
        key: writtenKey,
        before,
        after,
        ...(gracePeriodSeconds === undefined ? {} : { gracePeriodSeconds }),
      });
    if (route.name === undefined) {
      if (method === 'GET') {
        const list = store.list(route.group, route.version, route.plural, route.namespace, labelSelector);
        return { status: 200, body: listBody(route, list) };
      }
      if (method === 'POST') {
        const created = store.create(key, parseJson(body));
        written('POST', undefined, created, { ...key, name: String(metadataOf(created).name) });
        return { status: 201, body: created };
      }
      throw methodNotAllowed(method);
    }
    switch (method) {
      case 'GET':
        return { status: 200, body: store.get(key) };
      case 'PATCH': {
        const before = store.get(key);
        const after = store.patch(
          key,
          patchType(contentType, route.group),
          parseJson(body),
          route.subresource === 'status' ? 'status' : undefined,
        );
        written('PATCH', before, after, key);
        return { status: 200, body: after };
      }
      case 'DELETE': {
        const gracePeriodSeconds = gracePeriodOf(query, body);
        const deleted = store.delete(key);
        written('DELETE', deleted, undefined, key, gracePeriodSeconds);
        return { status: 200, body: deleteAnswer(route, deleted, gracePeriodSeconds) };
      }
      default:
        throw methodNotAllowed(method);
    }
  };

  const serveExec = async (req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://sim');
    const match = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/exec$/.exec(url.pathname);
    if (match === null) {
      refuseUpgrade(socket, 404, 'NotFound', 'the server could not find the requested resource');
      return;
    }
    const namespace = decodeURIComponent(match[1] as string);
    const podName = decodeURIComponent(match[2] as string);
    const argv = url.searchParams.getAll('command');
    const refuse = (status: number, message: string): void => {
      log({ at: Date.now(), site, kind: 'exec', pod: podName, argv, status, fault: false });
      refuseUpgrade(socket, status, REASONS[status] ?? 'Unknown', message);
    };
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    if (!offered.some((p) => EXEC_PROTOCOLS.includes(p))) {
      refuse(400, `exec needs one of the subprotocols ${EXEC_PROTOCOLS.join(', ')}`);
      return;
    }
    if (argv.length === 0) {
      refuse(400, 'you must specify at least 1 command');
      return;
    }
    const pod = store.find({ group: '', version: 'v1', plural: 'pods', namespace, name: podName });
    if (pod === undefined) {
      refuse(404, `pods "${podName}" not found`);
      return;
    }
    const containers = containerNames(pod);
    const container = url.searchParams.get('container') || containers[0] || '';
    if (!containers.includes(container)) {
      refuse(400, `container ${container} is not valid for pod ${podName}`);
      return;
    }
    // A pod being recreated has no running container yet: the kubelet refuses the stream.
    if (!containerRunning(pod, container)) {
      refuse(500, `unable to upgrade connection: container not found ("${container}")`);
      return;
    }
    const ws = await new Promise<WebSocket>((resolve) => wss.handleUpgrade(req, socket, head, resolve));
    // A client that breaks the protocol loses its stream; it must not take the simulator down.
    ws.on('error', () => ws.terminate());
    await delay(latency.execMs);
    if (!reachable() || ws.readyState !== ws.OPEN) return;

    const fault = faults.takeExec(site, podName, argv);
    const ran: ExecOutput | undefined =
      fault === undefined || fault.afterEffect
        ? await model.exec(site, { namespace, pod: podName, container, argv })
        : undefined;
    if (fault?.hang) {
      log({ at: Date.now(), site, kind: 'exec', pod: podName, argv, status: 'timeout', fault: true });
      return;
    }
    const output: ExecOutput =
      fault === undefined
        ? (ran as ExecOutput)
        : {
            stdout: ran?.stdout ?? '',
            stderr: fault.stderr ?? model.failureMessage(site, podName, fault.command),
            exitCode: fault.exitCode,
          };
    log({
      at: Date.now(),
      site,
      kind: 'exec',
      pod: podName,
      argv,
      exitCode: output.exitCode,
      fault: fault !== undefined,
    });
    if (output.stdout !== '') ws.send(frame(STDOUT, output.stdout));
    if (output.stderr !== '') ws.send(frame(STDERR, output.stderr));
    ws.send(frame(STATUS, JSON.stringify(execStatus(argv, output.exitCode))));
    ws.close(1000);
  };

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const dropConnections = (): void => {
    for (const socket of sockets) socket.destroy();
  };

  return {
    url: `http://127.0.0.1:${port}`,
    dropConnections,
    close: async () => {
      closing = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const client of wss.clients) client.terminate();
      dropConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      wss.close();
    },
  };
};

const parseRoute = (pathname: string): Route | undefined => {
  const segments = pathname
    .split('/')
    .filter((s) => s !== '')
    .map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (segments[0] === 'api' && segments.length >= 2) {
    group = '';
    version = segments[1] as string;
    rest = segments.slice(2);
  } else if (segments[0] === 'apis' && segments.length >= 3) {
    group = segments[1] as string;
    version = segments[2] as string;
    rest = segments.slice(3);
  } else return undefined;
  if (rest.length === 1)
    return {
      group,
      version,
      namespace: undefined,
      plural: rest[0] as string,
      name: undefined,
      subresource: undefined,
    };
  if (rest[0] !== 'namespaces' || rest.length < 3 || rest.length > 5) return undefined;
  return {
    group,
    version,
    namespace: rest[1] as string,
    plural: rest[2] as string,
    name: rest[3],
    subresource: rest[4],
  };
};

/** The `status` subresource: read and patched (what controllers and the engines' callers do). */
const servesSubresource = (method: string, subresource: string): boolean =>
  subresource === 'status' && (method === 'GET' || method === 'PATCH');

const apiVerb = (method: string, name: string | undefined): ApiVerb | undefined => {
  if (method === 'GET') return name === undefined ? 'LIST' : 'GET';
  return method === 'POST' || method === 'PATCH' || method === 'DELETE' ? method : undefined;
};

const patchType = (contentType: string, group: string): PatchType => {
  const mediaType = contentType.split(';')[0]?.trim();
  if (mediaType === 'application/merge-patch+json') return 'merge';
  if (mediaType === 'application/json-patch+json') return 'json';
  // Built-in kinds take strategic merge patches; for the fields clients send here it acts as a merge patch.
  if (mediaType === 'application/strategic-merge-patch+json' && group === '') return 'merge';
  throw new KubeStatusError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json${group === '' ? ', application/strategic-merge-patch+json' : ''}, application/apply-patch+yaml`,
  );
};

/**
 * What the real server answers a DELETE with: a custom resource gone at once, a Success Status; a
 * pod on a node, itself marked for deletion (its kubelet then removes it: here that is at once).
 */
const deleteAnswer = (
  route: Route,
  deleted: JsonObject,
  gracePeriodSeconds: number | undefined,
): JsonObject => {
  const metadata = metadataOf(deleted);
  if (route.group !== '')
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: {
        name: metadata.name ?? null,
        group: route.group,
        kind: route.plural,
        uid: metadata.uid ?? null,
      },
    };
  const spec = isJsonObject(deleted.spec) ? deleted.spec : {};
  if (route.plural !== 'pods' || typeof spec.nodeName !== 'string' || gracePeriodSeconds === 0)
    return deleted;
  const grace =
    gracePeriodSeconds ??
    (typeof spec.terminationGracePeriodSeconds === 'number' ? spec.terminationGracePeriodSeconds : 30);
  return {
    ...deleted,
    metadata: {
      ...metadata,
      deletionTimestamp: new Date(Date.now() + grace * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      deletionGracePeriodSeconds: grace,
    },
  };
};

/** `?gracePeriodSeconds=` (client-node) or a `DeleteOptions` body (kubectl); undefined: the object's default. */
const gracePeriodOf = (query: URLSearchParams, body: string): number | undefined => {
  const fromQuery = query.get('gracePeriodSeconds');
  if (fromQuery !== null && fromQuery !== '') return Number(fromQuery);
  if (body.trim() === '') return undefined;
  const options = parseJson(body);
  return isJsonObject(options) && typeof options.gracePeriodSeconds === 'number'
    ? options.gracePeriodSeconds
    : undefined;
};

const methodNotAllowed = (method: string): KubeStatusError =>
  new KubeStatusError(
    405,
    'MethodNotAllowed',
    `the server does not allow this method on the requested resource (${method})`,
  );

const parseJson = (body: string): Json => {
  try {
    return JSON.parse(body) as Json;
  } catch {
    throw new KubeStatusError(400, 'BadRequest', 'the request body is not valid JSON');
  }
};

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

const sendJson = (res: ServerResponse, status: number, body: Json): void => {
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
};

const sendText = (res: ServerResponse, status: number, text: string): void => {
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(text);
};

const refuseUpgrade = (socket: Duplex, status: number, reason: string, message: string): void => {
  if (socket.destroyed) return;
  const body = JSON.stringify(statusBody(status, reason, message));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
};

const containerNames = (pod: JsonObject): string[] => {
  const containers = isJsonObject(pod.spec) && Array.isArray(pod.spec.containers) ? pod.spec.containers : [];
  return containers.flatMap((c) => (isJsonObject(c) && typeof c.name === 'string' ? [c.name] : []));
};

const containerRunning = (pod: JsonObject, container: string): boolean => {
  const statuses =
    isJsonObject(pod.status) && Array.isArray(pod.status.containerStatuses)
      ? pod.status.containerStatuses
      : [];
  return statuses.some(
    (s) => isJsonObject(s) && s.name === container && isJsonObject(s.state) && s.state.running !== undefined,
  );
};

/** Channel byte, then the payload: the channel.k8s.io framing. */
const frame = (channel: number, text: string): Buffer =>
  Buffer.concat([Buffer.from([channel]), Buffer.from(text, 'utf8')]);

/** What the kubelet reports on the status channel when the command ends. */
const execStatus = (argv: string[], exitCode: number): JsonObject =>
  exitCode === 0
    ? { metadata: {}, status: 'Success' }
    : {
        metadata: {},
        status: 'Failure',
        message: `command terminated with non-zero exit code: error executing command [${argv.join(' ')}], exit code ${exitCode}`,
        reason: 'NonZeroExitCode',
        details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
      };
