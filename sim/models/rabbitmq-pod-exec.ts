// How a RabbitMQ server pod answers an exec, the same in every RabbitMQ model: a pod bound to a
// real local node runs the real tool; otherwise only the RabbitMQ CLI tools exist in the
// container, bad arguments are refused as the tools refuse them, and a node whose RabbitMQ is
// down answers as an unreachable node does. Everything else is the model's own command.
import {
  EX_UNAVAILABLE,
  isCliTool,
  nodeDown,
  parseCli,
  type CommandSpec,
  type ParsedCommand,
} from './rabbitmq-cli.js';
import { runOnRealNode, type RealNode } from './real-rabbitmq.js';
import type { ExecOutput } from './sim-model.js';

export interface RabbitPod {
  name: string;
  /** RabbitMQ is down in a running container. */
  appDown: boolean;
}

export const execInRabbitPod = <P extends RabbitPod>(options: {
  pod: P | undefined;
  podName: string;
  argv: readonly string[];
  realNode: RealNode | undefined;
  commands: Readonly<Record<string, CommandSpec>>;
  /** The RabbitMQ node name of the pod, for the node-down message. */
  nodeOf: (pod: P) => string;
  run: (parsed: ParsedCommand, pod: P) => ExecOutput | Promise<ExecOutput>;
}): ExecOutput | Promise<ExecOutput> => {
  const { pod, argv } = options;
  if (pod === undefined)
    throw new Error(`${options.podName} is served by the API server but unknown to the model`);
  if (options.realNode !== undefined) return runOnRealNode(options.realNode, argv);
  const [tool] = argv;
  if (!isCliTool(tool)) {
    return {
      stdout: '',
      stderr: `OCI runtime exec failed: exec failed: unable to start container process: exec: "${tool ?? ''}": executable file not found in $PATH: unknown\n`,
      exitCode: 127,
    };
  }
  const parsed = parseCli(argv, options.commands);
  if (!parsed.ok) return { stdout: '', stderr: parsed.stderr, exitCode: parsed.exitCode };
  if (pod.appDown) return { stdout: '', stderr: nodeDown(options.nodeOf(pod)), exitCode: EX_UNAVAILABLE };
  return options.run(parsed.parsed, pod);
};
