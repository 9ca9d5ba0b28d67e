// Running rabbitmqctl in a server pod, with failures that name the pod, command and output.
import { PromotionFailedError, TransientError } from '../../errors.js';
import type { ExecResult, KubePort, PodSummary } from '../../ports/kube.js';
import type { RabbitmqStandbyPlan } from './plan.js';
import { serverPods } from './resources.js';

export interface DownstreamAccess {
  kube: KubePort;
  namespace: string;
  cluster: string;
  container: string;
}

export const downstreamAccess = (kube: KubePort, engine: RabbitmqStandbyPlan): DownstreamAccess => ({
  kube,
  namespace: engine.downstream.namespace,
  cluster: engine.downstream.rabbitmqCluster,
  container: engine.downstream.container,
});

export class CommandFailedError extends Error {
  override readonly name = 'CommandFailed';
  constructor(
    readonly pod: string,
    readonly command: readonly string[],
    readonly result: ExecResult,
  ) {
    super(`\`${command.join(' ')}\` in pod ${pod} exited ${result.exitCode}: ${(result.stderr || result.stdout).trim().slice(0, 500)}`);
  }
}

/** sysexits: 69 the node is unavailable (e.g. still starting), 75 try again later. */
const temporaryExitCodes = new Set([69, 75]);

/**
 * Runs the command; a non-zero exit throws CommandFailedError with the output, or
 * TransientError for exits that mean "not now", which the workflow retries.
 */
export const run = async (access: DownstreamAccess, pod: string, command: readonly string[], timeoutMs = 60_000): Promise<string> => {
  const result = await access.kube.exec(access.namespace, pod, [...command], { container: access.container, timeoutMs });
  if (temporaryExitCodes.has(result.exitCode)) throw new TransientError(new CommandFailedError(pod, command, result).message);
  if (result.exitCode !== 0) throw new CommandFailedError(pod, command, result);
  return result.stdout;
};

/** The first Ready server pod: where cluster-wide commands run. */
export const readyPod = async (access: DownstreamAccess): Promise<PodSummary> => {
  const pods = await serverPods(access.kube, access.namespace, access.cluster);
  const pod = pods.find((p) => p.ready);
  if (!pod) {
    throw new PromotionFailedError(
      `no Ready server pod of ${access.namespace}/${access.cluster} to run rabbitmqctl in (pods: ${pods.map((p) => `${p.name} ${p.ready ? 'Ready' : 'not Ready'}`).join(', ') || 'none'})`,
    );
  }
  return pod;
};
