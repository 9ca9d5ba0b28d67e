// Where this engine runs rabbitmqctl: the downstream's server pods, through the shared RabbitMQ
// access (lambdas/engines/rabbitmq/cluster-access.ts).
import { PromotionFailedError } from '../../errors.js';
import type { KubePort, PodSummary } from '../../ports/kube.js';
import { runIn, serverPods, type RabbitAccess } from '../rabbitmq/cluster-access.js';
import type { RabbitmqStandbyPlan } from './plan.js';

export type DownstreamAccess = RabbitAccess;

export const downstreamAccess = (kube: KubePort, engine: RabbitmqStandbyPlan): DownstreamAccess => ({
  kube,
  namespace: engine.downstream.namespace,
  cluster: engine.downstream.rabbitmqCluster,
  container: engine.downstream.container,
});

/** rabbitmqctl and friends take up to a minute on a busy node; promotion passes its own bound. */
export const run = (
  access: DownstreamAccess,
  pod: string,
  command: readonly string[],
  timeoutMs = 60_000,
): Promise<string> => runIn(access, pod, command, timeoutMs);

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
