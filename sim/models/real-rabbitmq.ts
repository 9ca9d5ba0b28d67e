// A pod's RabbitMQ CLI commands can run against a real local node instead of the model:
// the simulated API server still serves the pod and its exec stream, so the
// path is the real Kubernetes client -> exec -> the real rabbitmqctl -> the engine's parser.
// A node of another RabbitMQ version runs from its own root (e.g. 4.x from a Debian trixie root
// on a bookworm machine): its CLI runs there too, as the pod's container would have it.
import { execFile } from 'node:child_process';
import { z } from 'zod';
import type { ExecOutput } from './sim-model.js';

export const realNodeSchema = z.union([
  z.string().regex(/^[^@\s]+@[^@\s]+$/, 'expected a node name such as rabbit@localhost'),
  z.strictObject({
    node: z.string().regex(/^[^@\s]+@[^@\s]+$/, 'expected a node name such as rabbit@localhost'),
    /** The node's enabled plugins file: the CLI finds plugin commands (e.g. `shovel_status`) through it. */
    enabledPluginsFile: z.string().min(1).optional(),
    /** The root the node runs in: the tools run as `chroot <root> <tool> ...` (the node's own version). */
    root: z.string().min(1).optional(),
    /**
     * The plugin directories, where the CLI does not find them by itself (Debian trixie's 4.0 CLI
     * looks for plugin commands such as `shovel_status` only where RABBITMQ_PLUGINS_DIR says).
     */
    pluginsDir: z.string().min(1).optional(),
  }),
]);

export type RealNode = z.infer<typeof realNodeSchema>;

/** Pods (by name) whose RabbitMQ CLI commands run against a real node. */
export const realNodesSchema = z.record(z.string().min(1), realNodeSchema).optional();

const TOOLS = new Set(['rabbitmqctl', 'rabbitmq-diagnostics', 'rabbitmq-queues', 'rabbitmq-plugins']);
const TIMEOUT_MS = 60_000;

const nodeNameOf = (binding: RealNode): string => (typeof binding === 'string' ? binding : binding.node);

/** Runs `<tool> -n <node> <args...>` on this machine; the tool's exit code and output come back as they are. */
export const runOnRealNode = (binding: RealNode, argv: readonly string[]): Promise<ExecOutput> => {
  const [tool, ...args] = argv;
  if (tool === undefined || !TOOLS.has(tool)) {
    return Promise.resolve({
      stdout: '',
      stderr: `OCI runtime exec failed: exec failed: unable to start container process: exec: "${tool ?? ''}": executable file not found in $PATH: unknown\n`,
      exitCode: 127,
    });
  }
  const env =
    typeof binding === 'string'
      ? process.env
      : {
          ...process.env,
          ...(binding.enabledPluginsFile === undefined
            ? {}
            : { RABBITMQ_ENABLED_PLUGINS_FILE: binding.enabledPluginsFile }),
          ...(binding.pluginsDir === undefined ? {} : { RABBITMQ_PLUGINS_DIR: binding.pluginsDir }),
        };
  const root = typeof binding === 'string' ? undefined : binding.root;
  const [command, commandArgs] =
    root === undefined
      ? [tool, ['-n', nodeNameOf(binding), ...args]]
      : ['chroot', [root, tool, '-n', nodeNameOf(binding), ...args]];
  return new Promise((resolve) => {
    execFile(
      command,
      commandArgs,
      { env, timeout: TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error === null) {
          resolve({ stdout, stderr, exitCode: 0 });
          return;
        }
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') {
          resolve({
            stdout: '',
            stderr: `${command} is not installed on this machine (apt-get install rabbitmq-server): ${error.message}\n`,
            exitCode: 127,
          });
          return;
        }
        // A timed-out tool is killed: report it like a command that failed with the signal's code.
        resolve({ stdout, stderr: stderr || error.message, exitCode: typeof code === 'number' ? code : 124 });
      },
    );
  });
};
