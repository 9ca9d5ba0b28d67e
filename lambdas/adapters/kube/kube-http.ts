// One request to the Kubernetes API over node:http(s), with the access's TLS and credentials: the
// port's calls are plain JSON REST calls, which need neither client-node's generated API (and its
// serializer of every model) nor undici.
import http from 'node:http';
import https from 'node:https';
import type { KubeAccess } from './kube-access.js';

export interface KubeRequest {
  method: 'GET' | 'PATCH' | 'DELETE';
  /** From the server's root, with each segment already encoded: `/api/v1/namespaces/ns/pods`. */
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  /** Of the body; JSON by default. */
  contentType?: string;
}

/** The API server answered with a status outside 2xx; `body` is its text (a Kubernetes `Status` as JSON, as a rule). */
export class KubeHttpError extends Error {
  override readonly name = 'KubeHttpError';
  constructor(
    readonly statusCode: number,
    readonly body: string,
  ) {
    super(`HTTP ${statusCode}`);
  }
}

/** The parsed JSON answer; rejects with KubeHttpError, or with the socket's or the abort's error. */
export const kubeRequest = async (
  access: KubeAccess,
  request: KubeRequest,
  timeoutMs: number,
): Promise<unknown> => {
  const server = access.getCurrentCluster()?.server;
  if (!server) throw new Error('No cluster is defined.');
  const url = new URL(server.replace(/\/+$/, '') + request.path);
  for (const [key, value] of Object.entries(request.query ?? {}))
    if (value !== undefined) url.searchParams.set(key, String(value));
  const body = request.body === undefined ? undefined : JSON.stringify(request.body);
  const options: https.RequestOptions = {
    method: request.method,
    headers: {
      Accept: 'application/json',
      ...(body === undefined
        ? {}
        : {
            'Content-Type': request.contentType ?? 'application/json',
            'Content-Length': Buffer.byteLength(body),
          }),
    },
    // Bounds the whole exchange, headers and body: it aborts the request and the answer's stream.
    signal: AbortSignal.timeout(timeoutMs),
  };
  await access.applyToHTTPSOptions(options);
  const text = await send(url, options, body);
  if (text.status < 200 || text.status > 299) throw new KubeHttpError(text.status, text.body);
  return text.body === '' ? undefined : (JSON.parse(text.body) as unknown);
};

const send = (
  url: URL,
  options: https.RequestOptions,
  body: string | undefined,
): Promise<{ status: number; body: string }> =>
  new Promise((resolve, reject) => {
    const request = (url.protocol === 'http:' ? http : https).request(url, options, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    request.on('error', reject);
    request.end(body);
  });
