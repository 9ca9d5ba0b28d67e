// Reaching a RabbitMQ cluster run by the RabbitMQ Cluster Operator: its server pods, and the
// CLI tools run in them through the Kubernetes exec API. Shared by the RabbitMQ engines.
import { TransientError } from '../../errors.js';
import type { Side } from '../../plan/schema.js';
import type { ExecResult, KubePort, PodSummary } from '../../ports/kube.js';
import { shellCommand } from '../../text/shell-quote.js';
import { probeSite, type SitePresence } from '../site-presence.js';

export interface RabbitAccess {
  kube: KubePort;
  namespace: string;
  /** The RabbitmqCluster: its pods are labelled `app.kubernetes.io/name=<cluster>`. */
  cluster: string;
  /** The container that has rabbitmqctl, rabbitmq-diagnostics and rabbitmq-queues. */
  container: string;
}

/** Server pods of a RabbitmqCluster, sorted by ordinal (`<cluster>-server-<i>`). */
export const serverPods = async (kube: KubePort, namespace: string, cluster: string): Promise<PodSummary[]> =>
  (await kube.listPods(namespace, `app.kubernetes.io/name=${cluster}`)).sort((a, b) =>
    a.name.localeCompare(b.name, 'en', { numeric: true }),
  );

export const execIn = (
  access: RabbitAccess,
  pod: string,
  command: readonly string[],
  timeoutMs = 30_000,
): Promise<ExecResult> =>
  access.kube.exec(access.namespace, pod, [...command], { container: access.container, timeoutMs });

export class RabbitCommandError extends Error {
  override readonly name = 'RabbitCommandFailed';
  constructor(
    readonly pod: string,
    readonly command: readonly string[],
    readonly result: ExecResult,
  ) {
    super(
      `\`${shellCommand(command)}\` in pod ${pod} exited ${result.exitCode}: ${outputOf(result).slice(0, 400)}`,
    );
  }
}

/** What a failed command said: the CLI tools print their errors on stderr, some on stdout. */
export const outputOf = (result: ExecResult): string =>
  (result.stderr.trim() || result.stdout.trim()).split('\n').slice(0, 3).join(' ');

/** sysexits: 69 the node is unavailable (e.g. still starting), 75 try again later. */
export const temporaryExitCodes = new Set([69, 75]);

/**
 * Runs the command and returns stdout. A non-zero exit throws RabbitCommandError, except the
 * exits that mean "not now", which throw TransientError so the workflow retries the step.
 */
export const runIn = async (
  access: RabbitAccess,
  pod: string,
  command: readonly string[],
  timeoutMs?: number,
): Promise<string> => {
  const result = await execIn(access, pod, command, timeoutMs);
  if (temporaryExitCodes.has(result.exitCode))
    throw new TransientError(new RabbitCommandError(pod, command, result).message);
  if (result.exitCode !== 0) throw new RabbitCommandError(pod, command, result);
  return result.stdout;
};

export const describeCluster = (access: RabbitAccess): string => `${access.namespace}/${access.cluster}`;

/**
 * The operator keeps a server pod for every replica, Ready or not, even when RabbitMQ is down:
 * no pod at all means no such cluster in that namespace.
 */
export const rabbitClusterPresence = (side: Side, access: RabbitAccess): Promise<SitePresence> =>
  probeSite(
    side,
    access.kube,
    `RabbitmqCluster ${describeCluster(access)} (pods labelled app.kubernetes.io/name=${access.cluster})`,
    async () => (await serverPods(access.kube, access.namespace, access.cluster)).length > 0,
  );
