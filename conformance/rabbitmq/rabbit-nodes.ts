// Real RabbitMQ nodes on loopback, for the tests that prove our checks against the real tools,
// in both major versions a cluster may run: 3.x from this machine's Debian package (bookworm:
// 3.10) and 4.x from a Debian trixie root (4.0, Erlang 27) that scripts/rabbitmq-4-root.sh
// builds and caches; a 4.x node and its CLI run in that root through chroot, on the shared
// loopback and the shared epmd (port 4369: the epmd protocol is the same for both Erlangs). Each
// node gets its own name, ports, data and log directories (owned by the `rabbitmq` user the
// server script drops to); every wait is bounded, and the nodes a test file started are stopped
// in its afterAll, also when a test failed.
import { execFile } from 'node:child_process';
import { access, chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

/** The major versions every real-node test runs against. */
export const MAJORS = [3, 4] as const;
export type Major = (typeof MAJORS)[number];

export interface RabbitNode {
  /** `name@localhost`. */
  node: string;
  major: Major;
  amqpPort: number;
  distPort: number;
  /** The node's directory on this machine. */
  dir: string;
  /** The node's enabled plugins file as the node (and its CLI) sees it. */
  enabledPluginsFile: string;
  /** The root the node runs in (4.x), or undefined for this machine's own RabbitMQ (3.x). */
  root?: string;
  /** 4.x: the plugin directories as the node sees them (the root's CLI finds plugin commands only through them). */
  pluginsDir?: string;
  /** For amqplib: `amqp://user:password@127.0.0.1:<port>/<vhost>`. */
  url(vhost?: string, user?: string, password?: string): string;
}

export interface CliResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

const STARTUP_TIMEOUT_MS = 90_000;
const CLI_TIMEOUT_MS = 60_000;

/** Where scripts/rabbitmq-4-root.sh keeps the trixie root (the same default as the script). */
export const rabbitmq4Root = (): string =>
  join(
    process.env['FAILOVER_CACHE'] ?? join(homedir(), '.cache', 'failover-orchestrator'),
    'rabbitmq-4-trixie',
  );

const rootOf = (major: Major): string | undefined => (major === 4 ? rabbitmq4Root() : undefined);

/** A command run on this machine, or inside the node's root. */
const inRoot = (root: string | undefined, command: string, args: string[]): [string, string[]] =>
  root === undefined ? [command, args] : ['chroot', [root, command, ...args]];

const run = (command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<CliResult> =>
  new Promise((resolve) => {
    execFile(command, args, { timeout: CLI_TIMEOUT_MS, env }, (error, stdout, stderr) => {
      const code = (error as NodeJS.ErrnoException | null)?.code;
      resolve({
        stdout,
        stderr: stderr || (error?.message ?? ''),
        exitCode: error === null ? 0 : typeof code === 'number' ? code : code === 'ENOENT' ? 127 : 1,
      });
    });
  });

/** Runs a RabbitMQ CLI tool against a node, as the pods' exec binding does: the node's own version of the tool. */
export const cli = (
  node: RabbitNode,
  tool: 'rabbitmqctl' | 'rabbitmq-diagnostics' | 'rabbitmq-queues',
  ...args: string[]
): Promise<CliResult> => {
  const [command, argv] = inRoot(node.root, tool, ['-n', node.node, ...args]);
  return run(command, argv, {
    ...process.env,
    RABBITMQ_ENABLED_PLUGINS_FILE: node.enabledPluginsFile,
    ...(node.pluginsDir === undefined ? {} : { RABBITMQ_PLUGINS_DIR: node.pluginsDir }),
  });
};

/** Fails with the tool's own words when a setup command does not succeed. */
export const ctl = async (node: RabbitNode, ...args: string[]): Promise<string> => {
  const result = await cli(node, 'rabbitmqctl', ...args);
  if (result.exitCode !== 0)
    throw new Error(
      `rabbitmqctl -n ${node.node} ${args.join(' ')} exited ${result.exitCode}: ${result.stderr || result.stdout}`,
    );
  return result.stdout;
};

/** What the node itself says it runs (`rabbitmq-diagnostics server_version`), e.g. `4.0.5`. */
export const serverVersion = async (node: RabbitNode): Promise<string> => {
  const result = await cli(node, 'rabbitmq-diagnostics', 'server_version', '-q');
  const version = result.stdout.trim();
  if (result.exitCode !== 0 || !/^\d+\.\d+\.\d+/.test(version))
    throw new Error(`${node.node} did not say its version: ${result.stderr || result.stdout}`);
  if (!version.startsWith(`${node.major}.`))
    throw new Error(`${node.node} runs RabbitMQ ${version}, not ${node.major}.x`);
  return version;
};

/** A clear message instead of a timeout when the machine cannot run nodes of that version. */
export const requireRabbitmqServer = async (major: Major = 3): Promise<void> => {
  const root = rootOf(major);
  if (root === undefined) {
    const found = await run('sh', ['-c', 'command -v rabbitmq-server && command -v rabbitmqctl']);
    if (found.exitCode !== 0)
      throw new Error(
        'rabbitmq-server is not installed: these tests run real RabbitMQ 3.x nodes (apt-get install -y rabbitmq-server; scripts/test-machine.sh installs it)',
      );
    return;
  }
  const ready = await Promise.all([
    readFile(`${root}.stamp`, 'utf8').then(
      () => true,
      () => false,
    ),
    access(join(root, 'proc', 'self')).then(
      () => true,
      () => false,
    ),
  ]);
  if (!ready.every(Boolean))
    throw new Error(
      `no RabbitMQ 4.x root ready at ${root} (built, with /proc mounted): run scripts/rabbitmq-4-root.sh as root (scripts/test-machine.sh conformance runs it)`,
    );
};

const portFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/**
 * Free ports from a range this test file owns (files run in parallel, so each gets its own, and
 * each version within a file its own part), away from 5672 where a default node may run.
 */
export const freePorts = async (from: number, to: number, count: number): Promise<number[]> => {
  const ports: number[] = [];
  for (let port = from; port <= to && ports.length < count; port++)
    if (await portFree(port)) ports.push(port);
  if (ports.length < count) throw new Error(`fewer than ${count} free ports in ${from}-${to}`);
  return ports;
};

/** `/usr/lib/rabbitmq/plugins:/usr/lib/rabbitmq/lib/rabbitmq_server-<version>/plugins`, as the node's server script has it. */
const pluginsDirIn = async (root: string): Promise<string> => {
  const servers = (await readdir(join(root, 'usr/lib/rabbitmq/lib'))).filter((d) =>
    d.startsWith('rabbitmq_server-'),
  );
  if (servers.length !== 1)
    throw new Error(`expected one rabbitmq_server-* in ${root}/usr/lib/rabbitmq/lib: ${servers.join(', ')}`);
  return `/usr/lib/rabbitmq/plugins:/usr/lib/rabbitmq/lib/${servers[0]}/plugins`;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const startNode = async (options: {
  major: Major;
  name: string;
  amqpPort: number;
  distPort: number;
  plugins?: string[];
}): Promise<RabbitNode> => {
  const root = rootOf(options.major);
  // The node's files live inside its root (4.x): the node and its CLI see them without the prefix.
  const base = root === undefined ? tmpdir() : join(root, 'tmp');
  await mkdir(base, { recursive: true });
  const dir = await mkdtemp(join(base, `failover-${options.name}-`));
  const seen = root === undefined ? dir : dir.slice(root.length);
  const node = `${options.name}@localhost`;
  const enabledPluginsFile = join(seen, 'enabled_plugins');
  await writeFile(
    join(dir, 'rabbitmq.conf'),
    [`listeners.tcp.1 = 127.0.0.1:${options.amqpPort}`, 'loopback_users = none', ''].join('\n'),
  );
  await writeFile(join(dir, 'enabled_plugins'), `[${(options.plugins ?? []).join(',')}].\n`);
  // The root's `rabbitmq` user is not this machine's: chown inside the root.
  const [chown, chownArgs] = inRoot(root, 'sh', [
    '-c',
    `mkdir -p "${seen}/mnesia" "${seen}/log" && chown -R rabbitmq:rabbitmq "${seen}"`,
  ]);
  const prepared = await run(chown, chownArgs);
  if (prepared.exitCode !== 0)
    throw new Error(`cannot give ${dir} to the rabbitmq user (run as root): ${prepared.stderr}`);
  const env = {
    ...process.env,
    RABBITMQ_NODENAME: node,
    RABBITMQ_DIST_PORT: String(options.distPort),
    RABBITMQ_MNESIA_BASE: join(seen, 'mnesia'),
    RABBITMQ_LOG_BASE: join(seen, 'log'),
    RABBITMQ_ENABLED_PLUGINS_FILE: enabledPluginsFile,
    RABBITMQ_CONFIG_FILE: join(seen, 'rabbitmq'),
    RABBITMQ_PID_FILE: join(seen, 'pid'),
  };
  const pluginsDir = root === undefined ? undefined : await pluginsDirIn(root);
  const [server, serverArgs] = inRoot(root, 'rabbitmq-server', ['-detached']);
  const started = await run(server, serverArgs, env);
  if (started.exitCode !== 0)
    throw new Error(`rabbitmq-server -detached for ${node} exited ${started.exitCode}: ${started.stderr}`);
  const handle: RabbitNode = {
    node,
    major: options.major,
    amqpPort: options.amqpPort,
    distPort: options.distPort,
    dir,
    enabledPluginsFile,
    ...(root === undefined ? {} : { root }),
    ...(pluginsDir === undefined ? {} : { pluginsDir }),
    url: (vhost = '/', user = 'guest', password = 'guest') =>
      `amqp://${user}:${password}@127.0.0.1:${options.amqpPort}/${encodeURIComponent(vhost)}`,
  };
  // -detached returns before the node is up.
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    const result = await cli(handle, 'rabbitmqctl', 'await_startup', '--timeout', '10');
    if (result.exitCode === 0) return handle;
    if (Date.now() > deadline) {
      await stopNode(handle);
      throw new Error(
        `${node} did not start within ${STARTUP_TIMEOUT_MS / 1000} s: ${result.stderr.split('\n').slice(0, 3).join(' ')} (logs in ${dir}/log)`,
      );
    }
    await sleep(1000);
  }
};

/** Starts `count` nodes; when one fails, stops the others and throws its error. */
export const startNodes = async (
  major: Major,
  names: string[],
  ports: { amqp: number[]; dist: number[] },
  plugins?: string[],
): Promise<RabbitNode[]> => {
  const started = await Promise.allSettled(
    names.map((name, i) =>
      startNode({
        major,
        name,
        amqpPort: ports.amqp[i]!,
        distPort: ports.dist[i]!,
        ...(plugins ? { plugins } : {}),
      }),
    ),
  );
  const nodes = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(nodes.map(stopNode));
    throw failed.reason;
  }
  return nodes;
};

/** Joins `node` to the cluster of `seed` (stop_app, join_cluster, start_app). */
export const joinCluster = async (node: RabbitNode, seed: RabbitNode): Promise<void> => {
  await ctl(node, 'stop_app');
  await ctl(node, 'join_cluster', seed.node);
  await ctl(node, 'start_app');
};

/** How a scenario binds a pod to this node: the pod's exec runs this node's CLI (in its root for 4.x). */
export const binding = (node: RabbitNode) => ({
  node: node.node,
  enabledPluginsFile: node.enabledPluginsFile,
  ...(node.root === undefined ? {} : { root: node.root }),
  ...(node.pluginsDir === undefined ? {} : { pluginsDir: node.pluginsDir }),
});

/**
 * The RabbitMQ CLI tools of a pod's container, for pods whose exec a real kubelet stand-in (kwok)
 * runs on this machine: each runs the real tool, in the node's root when the pod's environment
 * names one (CONTAINER_ROOT), against the node RABBITMQ_NODENAME names, as the cluster operator's
 * containers set it. Written into `dir`, which goes first on the exec PATH.
 */
export const writeContainerTools = async (dir: string): Promise<string> => {
  await mkdir(dir, { recursive: true });
  const script = [
    '#!/bin/sh',
    'tool=${0##*/}',
    'if [ -n "$CONTAINER_ROOT" ]; then exec chroot "$CONTAINER_ROOT" "$tool" "$@"; fi',
    // The system's own tool, not this script again.
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin exec "$tool" "$@"',
    '',
  ].join('\n');
  for (const tool of ['rabbitmqctl', 'rabbitmq-diagnostics', 'rabbitmq-queues', 'rabbitmq-plugins']) {
    await writeFile(join(dir, tool), script);
    await chmod(join(dir, tool), 0o755);
  }
  return dir;
};

/** The environment of a pod's container standing for `node`, for the tools writeContainerTools writes. */
export const containerEnv = (node: RabbitNode): Record<string, string> => ({
  RABBITMQ_NODENAME: node.node,
  RABBITMQ_ENABLED_PLUGINS_FILE: node.enabledPluginsFile,
  ...(node.root === undefined ? {} : { CONTAINER_ROOT: node.root }),
  ...(node.pluginsDir === undefined ? {} : { RABBITMQ_PLUGINS_DIR: node.pluginsDir }),
});

export const stopNode = async (node: RabbitNode): Promise<void> => {
  await cli(node, 'rabbitmqctl', 'shutdown');
  await rm(node.dir, { recursive: true, force: true });
};
