// An exec into a pod over the API server's WebSocket channel protocol, as kubectl and client-node
// speak it: each binary message starts with its channel (1 stdout, 2 stderr, 3 the command's
// final `Status` as JSON), and the status ends the session.
import WebSocket from 'ws';
import type { KubeAccess } from './kube-access.js';

/** Newest first; the server picks the first it speaks. All of them frame the output channels alike. */
const PROTOCOLS = [
  'v5.channel.k8s.io',
  'v4.channel.k8s.io',
  'v3.channel.k8s.io',
  'v2.channel.k8s.io',
  'channel.k8s.io',
];

const STDOUT = 1;
const STDERR = 2;
const STATUS = 3;

/** The `Status` an exec ends with: `Success`, or `Failure` with the exit code among its causes. */
export interface ExecStatus {
  status?: string;
  reason?: string;
  message?: string;
  code?: number;
  details?: { causes?: Array<{ reason?: string; message?: string }> };
}

export interface ExecRequest {
  namespace: string;
  pod: string;
  /** Empty: the API server picks the pod's default container. */
  container: string;
  command: string[];
}

export interface ExecSession {
  /** Resolves once the socket is open; rejects with ws' error when it cannot be (`Unexpected server response: 404`). */
  opened: Promise<void>;
  /** Resolves when the socket has closed, with the command's `Status` if it reported one. */
  closed: Promise<ExecStatus | undefined>;
  stdout(): string;
  stderr(): string;
  /** Closes the socket at once, even one still waiting for the upgrade. */
  terminate(): void;
}

export const startExec = async (access: KubeAccess, request: ExecRequest): Promise<ExecSession> => {
  const server = access.getCurrentCluster()?.server;
  if (!server) throw new Error('No cluster is defined.');
  const url = new URL(
    `${server.replace(/\/+$/, '')}/api/v1/namespaces/${encodeURIComponent(request.namespace)}/pods/${encodeURIComponent(request.pod)}/exec`,
  );
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.searchParams.set('stdout', 'true');
  url.searchParams.set('stderr', 'true');
  url.searchParams.set('stdin', 'false');
  url.searchParams.set('tty', 'false');
  for (const arg of request.command) url.searchParams.append('command', arg);
  url.searchParams.set('container', request.container);
  const options: WebSocket.ClientOptions = {};
  await access.applyToHTTPSOptions(options);
  const socket = new WebSocket(url, PROTOCOLS, options);

  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  let status: ExecStatus | undefined;
  socket.on('message', (data: Buffer, isBinary) => {
    if (!isBinary || data.length < 1) return;
    const channel = data[0];
    const payload = data.subarray(1);
    if (channel === STDOUT) stdout.push(payload);
    else if (channel === STDERR) stderr.push(payload);
    else if (channel === STATUS && payload.length > 0) {
      status = JSON.parse(payload.toString('utf8')) as ExecStatus;
      // The command has ended: nothing follows its status.
      socket.close();
    }
  });
  const opened = new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  // An error before the socket opened rejects `opened`; after it, the close follows the error.
  socket.on('error', () => undefined);
  const closed = new Promise<ExecStatus | undefined>((resolve) =>
    socket.once('close', () => resolve(status)),
  );
  return {
    opened,
    closed,
    stdout: () => Buffer.concat(stdout).toString('utf8'),
    stderr: () => Buffer.concat(stderr).toString('utf8'),
    terminate: () => socket.terminate(),
  };
};
