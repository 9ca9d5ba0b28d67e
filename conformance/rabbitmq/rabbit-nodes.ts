// Real RabbitMQ nodes on loopback from the Debian package (3.10), for the tests that prove our
// checks against the real tools. Each node gets its own name, ports, data and log directories
// (owned by the `rabbitmq` user the server script drops to); every wait is bounded, and the
// nodes a test file started are stopped in its afterAll, also when a test failed.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RabbitNode {
  /** `name@localhost`. */
  node: string;
  amqpPort: number;
  distPort: number;
  dir: string;
  enabledPluginsFile: string;
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

/** Runs a RabbitMQ CLI tool against a node, as the pods' exec binding does. */
export const cli = (
  node: RabbitNode,
  tool: 'rabbitmqctl' | 'rabbitmq-diagnostics' | 'rabbitmq-queues',
  ...args: string[]
): Promise<CliResult> =>
  new Promise((resolve) => {
    execFile(
      tool,
      ['-n', node.node, ...args],
      {
        timeout: CLI_TIMEOUT_MS,
        env: { ...process.env, RABBITMQ_ENABLED_PLUGINS_FILE: node.enabledPluginsFile },
      },
      (error, stdout, stderr) => {
        const code = (error as NodeJS.ErrnoException | null)?.code;
        resolve({
          stdout,
          stderr: stderr || (error?.message ?? ''),
          exitCode: error === null ? 0 : typeof code === 'number' ? code : 1,
        });
      },
    );
  });

/** Fails with the tool's own words when a setup command does not succeed. */
export const ctl = async (node: RabbitNode, ...args: string[]): Promise<string> => {
  const result = await cli(node, 'rabbitmqctl', ...args);
  if (result.exitCode !== 0)
    throw new Error(
      `rabbitmqctl -n ${node.node} ${args.join(' ')} exited ${result.exitCode}: ${result.stderr || result.stdout}`,
    );
  return result.stdout;
};

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

/** A clear message instead of a timeout when the machine has no RabbitMQ. */
export const requireRabbitmqServer = async (): Promise<void> => {
  const found = await run('sh', ['-c', 'command -v rabbitmq-server && command -v rabbitmqctl']);
  if (found.exitCode !== 0) {
    throw new Error(
      'rabbitmq-server is not installed: these tests run real RabbitMQ nodes (apt-get install -y rabbitmq-server; .ci/run installs it)',
    );
  }
};

const portFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/**
 * Free ports from a range this test file owns (files run in parallel, so each gets its own),
 * away from 5672 where a default node may run.
 */
export const freePorts = async (from: number, to: number, count: number): Promise<number[]> => {
  const ports: number[] = [];
  for (let port = from; port <= to && ports.length < count; port++)
    if (await portFree(port)) ports.push(port);
  if (ports.length < count) throw new Error(`fewer than ${count} free ports in ${from}-${to}`);
  return ports;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const startNode = async (options: {
  name: string;
  amqpPort: number;
  distPort: number;
  plugins?: string[];
}): Promise<RabbitNode> => {
  const dir = await mkdtemp(join(tmpdir(), `failover-${options.name}-`));
  const node = `${options.name}@localhost`;
  const enabledPluginsFile = join(dir, 'enabled_plugins');
  await writeFile(
    join(dir, 'rabbitmq.conf'),
    [`listeners.tcp.1 = 127.0.0.1:${options.amqpPort}`, 'loopback_users = none', ''].join('\n'),
  );
  await writeFile(enabledPluginsFile, `[${(options.plugins ?? []).join(',')}].\n`);
  const prepared = await run('sh', [
    '-c',
    `mkdir -p "${dir}/mnesia" "${dir}/log" && chown -R rabbitmq:rabbitmq "${dir}"`,
  ]);
  if (prepared.exitCode !== 0)
    throw new Error(`cannot give ${dir} to the rabbitmq user (run as root): ${prepared.stderr}`);
  const env = {
    ...process.env,
    RABBITMQ_NODENAME: node,
    RABBITMQ_DIST_PORT: String(options.distPort),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_ENABLED_PLUGINS_FILE: enabledPluginsFile,
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq'),
    RABBITMQ_PID_FILE: join(dir, 'pid'),
  };
  const started = await run('rabbitmq-server', ['-detached'], env);
  if (started.exitCode !== 0)
    throw new Error(`rabbitmq-server -detached for ${node} exited ${started.exitCode}: ${started.stderr}`);
  const handle: RabbitNode = {
    node,
    amqpPort: options.amqpPort,
    distPort: options.distPort,
    dir,
    enabledPluginsFile,
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

/** Joins `node` to the cluster of `seed` (stop_app, join_cluster, start_app). */
export const joinCluster = async (node: RabbitNode, seed: RabbitNode): Promise<void> => {
  await ctl(node, 'stop_app');
  await ctl(node, 'join_cluster', seed.node);
  await ctl(node, 'start_app');
};

export const stopNode = async (node: RabbitNode): Promise<void> => {
  await cli(node, 'rabbitmqctl', 'shutdown');
  await rm(node.dir, { recursive: true, force: true });
};
