// A real Kubernetes control plane on loopback for the conformance tier: etcd, kube-apiserver (RBAC
// enforced, client-certificate users, service-account signing) and kwok as the kubelet of one fake
// node, built by scripts/kube-control-plane.sh. kwok runs a pod's exec as a local process, so an
// exec goes client → kube-apiserver → kubelet endpoint → a real command, as on a cluster.
// A pod can be given its own exec environment (`podExecs`), as its container's environment would
// be: e.g. RABBITMQ_NODENAME naming the real RabbitMQ node the pod stands for.
// Everything lives in a fresh temporary directory with fresh certificates and free ports, and
// stop() (or the death of the test process) ends every process and removes the directory.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { makePki, type KeyPair } from './certificates.js';

export interface ControlPlane {
  /** https://127.0.0.1:PORT */
  readonly server: string;
  readonly versions: { kubeApiserver: string; etcd: string; kwok: string };
  /** The fake node kwok manages: pods scheduled to it run (and exec) through kwok. */
  readonly nodeName: string;
  /** The CA the server's certificate is signed by (PEM file). */
  readonly caFile: string;
  /** Kubeconfig files: `admin` (system:masters) and `user` (no group: only what RBAC binds). */
  readonly kubeconfigs: { admin: string; user: string };
  kubeConfig(who: 'admin' | 'user'): KubeConfig;
  stop(): Promise<void>;
}

/** How kwok runs the exec of one pod: a local process with these environment variables. */
export interface PodExec {
  namespace: string;
  pod: string;
  env: Record<string, string>;
}

export interface ControlPlaneOptions {
  /** Pods whose exec runs with an environment of their own (every other pod's with kwok's). */
  podExecs?: readonly PodExec[];
  /** Directories put first on the PATH kwok finds a pod's exec command on. */
  execPath?: readonly string[];
  /**
   * A TokenReview webhook (http://127.0.0.1:PORT/...) the server asks about bearer tokens it does
   * not know itself, as an EKS cluster asks its authenticator about the tokens IAM principals send.
   */
  tokenWebhook?: string;
}

const READY_TIMEOUT_MS = 90_000;
const NODE_NAME = 'kwok-node-0';

const BUILD_SCRIPT = fileURLToPath(new URL('../../scripts/kube-control-plane.sh', import.meta.url));

/** Where scripts/kube-control-plane.sh keeps the binaries (it alone knows the versions). */
const binDir = (): string =>
  execFileSync('bash', [BUILD_SCRIPT, '--print-bin-dir'], { encoding: 'utf8' }).trim();

/** Fails with the one command to run when the binaries have not been built. */
const requireControlPlaneBinaries = (): string => {
  const bin = binDir();
  for (const name of ['etcd', 'kube-apiserver', 'kwok'])
    if (!existsSync(join(bin, name)))
      throw new Error(`${join(bin, name)} is missing: run  bash scripts/kube-control-plane.sh  first`);
  return bin;
};

export const startControlPlane = async (options: ControlPlaneOptions = {}): Promise<ControlPlane> => {
  const bin = requireControlPlaneBinaries();
  const dir = mkdtempSync(join(tmpdir(), 'kube-control-plane-'));
  const processes: ChildProcess[] = [];
  const watchdog = startWatchdog(dir);
  const onExit = (): void => killAll(processes);
  process.once('exit', onExit);

  const stop = async (): Promise<void> => {
    process.removeListener('exit', onExit);
    await Promise.all(processes.reverse().map(terminate));
    watchdog.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };

  const run = (name: string, args: string[], env = process.env): ChildProcess => {
    const log = openSync(join(dir, `${name}.log`), 'a');
    // Its own process group, so the watchdog can end it and whatever it started.
    const child = spawn(join(bin, name), args, {
      cwd: dir,
      env,
      detached: true,
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    processes.push(child);
    writeFileSync(join(dir, 'pids'), processes.map((p) => p.pid).join('\n'));
    return child;
  };

  try {
    const pki = makePki(dir);
    const [etcdClient, etcdPeer, apiPort, kubeletPort] = await freePorts(4);
    const versions = {
      kubeApiserver: '',
      etcd: versionIn(execFileSync(join(bin, 'etcd'), ['--version'], { encoding: 'utf8' })),
      kwok: versionIn(execFileSync(join(bin, 'kwok'), ['--version'], { encoding: 'utf8' })),
    };

    const etcdUrl = `http://127.0.0.1:${etcdClient}`;
    const etcd = run('etcd', [
      '--name=default',
      `--data-dir=${join(dir, 'etcd-data')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=default=http://127.0.0.1:${etcdPeer}`,
      // A test cluster that dies with its directory needs no durability; fsync on a busy disk
      // is what makes etcd (and so every API write) slow.
      '--unsafe-no-fsync',
    ]);
    await waitFor('etcd', etcd, dir, async () =>
      (await httpGet(`${etcdUrl}/health`)).includes('"health":"true"'),
    );

    const server = `https://127.0.0.1:${apiPort}`;
    const apiServer = run('kube-apiserver', [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      `--tls-cert-file=${pki.apiServer.cert}`,
      `--tls-private-key-file=${pki.apiServer.key}`,
      `--client-ca-file=${pki.ca.cert}`,
      '--authorization-mode=RBAC',
      `--service-account-key-file=${pki.serviceAccountKey}`,
      `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      '--service-account-issuer=https://kubernetes.default.svc',
      // Only the range services are allocated from: nothing listens or routes there.
      '--service-cluster-ip-range=10.96.0.0/24',
      // The `kubernetes` Endpoints would advertise 127.0.0.1, which the reconciler refuses.
      '--endpoint-reconciler-type=none',
      `--kubelet-client-certificate=${pki.apiServerKubeletClient.cert}`,
      `--kubelet-client-key=${pki.apiServerKubeletClient.key}`,
      `--kubelet-certificate-authority=${pki.ca.cert}`,
      // kwok's node reports 127.0.0.1 as its InternalIP; its Hostname is no name a resolver knows.
      '--kubelet-preferred-address-types=InternalIP',
      ...(options.tokenWebhook === undefined
        ? []
        : [
            `--authentication-token-webhook-config-file=${writeWebhookConfig(dir, options.tokenWebhook)}`,
            '--authentication-token-webhook-version=v1',
          ]),
    ]);
    const adminConfig = writeKubeconfig(dir, 'admin', server, pki.ca.cert, pki.admin);
    await waitFor(
      'kube-apiserver',
      apiServer,
      dir,
      async () => (await httpGet(`${server}/readyz`, pki.ca.cert, pki.admin)) === 'ok',
    );
    const version = JSON.parse(await httpGet(`${server}/version`, pki.ca.cert, pki.admin)) as {
      gitVersion: string;
    };
    versions.kubeApiserver = version.gitVersion;

    const kwokConfig = join(dir, 'kwok.yaml');
    writeFileSync(kwokConfig, kwokConfiguration(bin, join(dir, 'exec'), options.podExecs ?? []));
    mkdirSync(join(dir, 'exec'));
    const kwokKubeconfig = writeKubeconfig(dir, 'kwok', server, pki.ca.cert, pki.kwokClient);
    // kwok looks an exec's command up on its own PATH (a pod's environment does not change that).
    const kwokEnv = {
      ...process.env,
      PATH: [...(options.execPath ?? []), process.env['PATH'] ?? ''].join(':'),
    };
    const kwok = run(
      'kwok',
      [
        `--config=${kwokConfig}`,
        `--kubeconfig=${kwokKubeconfig}`,
        '--manage-all-nodes',
        '--node-ip=127.0.0.1',
        `--node-port=${kubeletPort}`,
        `--server-address=127.0.0.1:${kubeletPort}`,
        `--tls-cert-file=${pki.kwokServing.cert}`,
        `--tls-private-key-file=${pki.kwokServing.key}`,
      ],
      kwokEnv,
    );
    await waitFor(
      'kwok',
      kwok,
      dir,
      async () => (await httpGet(`https://127.0.0.1:${kubeletPort}/healthz`, pki.ca.cert)) === 'ok',
    );

    const kubeconfigs = {
      admin: adminConfig,
      user: writeKubeconfig(dir, 'user', server, pki.ca.cert, pki.user),
    };
    const kubeConfig = (who: 'admin' | 'user'): KubeConfig => {
      const kc = new KubeConfig();
      kc.loadFromFile(kubeconfigs[who]);
      return kc;
    };
    await addNode(kubeConfig('admin'), kwok, dir);
    return { server, versions, nodeName: NODE_NAME, caFile: pki.ca.cert, kubeconfigs, kubeConfig, stop };
  } catch (err) {
    await stop();
    throw err;
  }
};

/**
 * kwok's stages from its own release (copied by the build script), one exec rule for every pod (run
 * it here) and one per pod of `podExecs` (run it here, with the pod's environment).
 */
const kwokConfiguration = (bin: string, execDir: string, podExecs: readonly PodExec[]): string => {
  const stagesDir = join(bin, '..', 'kwok-stages');
  const stages = readdirSync(stagesDir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => readFileSync(join(stagesDir, f), 'utf8').trim());
  const clusterExec = [
    'apiVersion: kwok.x-k8s.io/v1alpha1',
    'kind: ClusterExec',
    'metadata:',
    '  name: local-process',
    'spec:',
    '  execs:',
    '  - local:',
    `      workDir: ${JSON.stringify(execDir)}`,
  ].join('\n');
  const execs = podExecs.map(({ namespace, pod, env }) =>
    [
      'apiVersion: kwok.x-k8s.io/v1alpha1',
      'kind: Exec',
      'metadata:',
      `  name: ${pod}`,
      `  namespace: ${namespace}`,
      'spec:',
      '  execs:',
      '  - local:',
      `      workDir: ${JSON.stringify(execDir)}`,
      '      envs:',
      ...Object.entries(env).flatMap(([name, value]) => [
        `      - name: ${name}`,
        `        value: ${JSON.stringify(value)}`,
      ]),
    ].join('\n'),
  );
  return `${[...stages, clusterExec, ...execs].join('\n---\n')}\n`;
};

/** The fake node: kwok sees it (it manages every node), marks it Ready and serves its kubelet API. */
const addNode = async (kc: KubeConfig, kwok: ChildProcess, dir: string): Promise<void> => {
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNode({
    body: {
      metadata: { name: NODE_NAME, labels: { 'kubernetes.io/hostname': NODE_NAME, type: 'kwok' } },
      spec: {},
    },
  });
  await waitFor(`kwok's node ${NODE_NAME}`, kwok, dir, async () => {
    const node = await core.readNode({ name: NODE_NAME });
    return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  });
};

/** The kubeconfig-shaped file that tells kube-apiserver where its token webhook is. */
const writeWebhookConfig = (dir: string, url: string): string => {
  const file = join(dir, 'token-webhook.kubeconfig');
  writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: token-webhook',
      '  cluster:',
      `    server: ${url}`,
      'users:',
      '- name: kube-apiserver',
      'contexts:',
      '- name: token-webhook',
      '  context:',
      '    cluster: token-webhook',
      '    user: kube-apiserver',
      'current-context: token-webhook',
      '',
    ].join('\n'),
  );
  return file;
};

const writeKubeconfig = (dir: string, user: string, server: string, ca: string, pair: KeyPair): string => {
  const file = join(dir, `${user}.kubeconfig`);
  writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: conformance',
      '  cluster:',
      `    server: ${server}`,
      `    certificate-authority: ${JSON.stringify(ca)}`,
      'users:',
      `- name: ${user}`,
      '  user:',
      `    client-certificate: ${JSON.stringify(pair.cert)}`,
      `    client-key: ${JSON.stringify(pair.key)}`,
      'contexts:',
      `- name: ${user}`,
      '  context:',
      '    cluster: conformance',
      `    user: ${user}`,
      `current-context: ${user}`,
      '',
    ].join('\n'),
  );
  return file;
};

const waitFor = async (
  what: string,
  child: ChildProcess,
  dir: string,
  ready: () => Promise<boolean>,
): Promise<void> => {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(
        `${what} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${logTail(dir, child)}`,
      );
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline)
      throw new Error(`${what} was not ready within ${READY_TIMEOUT_MS} ms:\n${logTail(dir, child)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
};

const logTail = (dir: string, child: ChildProcess): string => {
  const name = child.spawnfile.split('/').pop() ?? '';
  try {
    return readFileSync(join(dir, `${name}.log`), 'utf8')
      .split('\n')
      .slice(-25)
      .join('\n');
  } catch {
    return '(no log)';
  }
};

const httpGet = (url: string, ca?: string, client?: KeyPair): Promise<string> => {
  if (url.startsWith('http:')) return fetch(url).then((r) => r.text());
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        ca: ca === undefined ? undefined : readFileSync(ca),
        cert: client === undefined ? undefined : readFileSync(client.cert),
        key: client === undefined ? undefined : readFileSync(client.key),
        timeout: 2000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${url}: no answer within 2 s`)));
    req.on('error', reject);
    req.end();
  });
};

/** Ports the kernel hands out now; each is closed again before the server that takes it starts. */
const freePorts = async (count: number): Promise<number[]> => {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
};

/** `etcd Version: 3.6.8` → v3.6.8; `kwok version v0.8.0 (go1.26.0 linux/amd64)` → v0.8.0. */
const versionIn = (text: string): string => {
  const found = /\bv?(\d+\.\d+\.\d+\S*)/.exec(text);
  return found ? `v${found[1]}` : (text.split('\n')[0]?.trim() ?? '');
};

/**
 * A shell that outlives a test process killed outright (no `exit` handler runs then): once that
 * process is gone it kills every process group listed in `pids` and removes the directory.
 */
const startWatchdog = (dir: string): ChildProcess => {
  const script =
    'while kill -0 "$0" 2>/dev/null; do sleep 1; done; ' +
    'for p in $(cat "$1/pids" 2>/dev/null); do kill -KILL "-$p" 2>/dev/null; done; rm -rf "$1"';
  const watchdog = spawn('sh', ['-c', script, String(process.pid), dir], { detached: true, stdio: 'ignore' });
  watchdog.unref();
  return watchdog;
};

const killAll = (processes: ChildProcess[]): void => {
  for (const child of processes)
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
};

/** SIGTERM (etcd and kube-apiserver shut down cleanly on it), SIGKILL after 5 s. */
const terminate = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) {
      resolve();
      return;
    }
    const pid = child.pid;
    const timer = setTimeout(() => {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }, 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      clearTimeout(timer);
      resolve();
    }
  });
