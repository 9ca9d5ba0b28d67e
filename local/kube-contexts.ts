// Kubernetes access from an operator's machine: a kubeconfig context per side, from the plan's
// `clusters.*.context` unless the command line names others.
import { createKubeApi } from '../lambdas/adapters/kube/kube-api.js';
import { kubeConfigFromContext } from '../lambdas/adapters/kube/kube-config.js';
import { BadInputError } from '../lambdas/errors.js';
import type { Plan, Side } from '../lambdas/plan/schema.js';
import type { KubePort } from '../lambdas/ports/kube.js';

export interface ContextOptions {
  /** The downstream's context. */
  context?: string;
  upstreamContext?: string;
  /** Default: $KUBECONFIG or ~/.kube/config. */
  kubeconfig?: string;
}

export interface Contexts {
  downstream: string;
  /** None named: the upstream is treated as unreachable. */
  upstream?: string;
}

/** `source` names the plan in messages, e.g. its file. */
export const contextsOf = (plan: Plan, options: ContextOptions, source = `plan ${plan.name}`): Contexts => {
  const downstream = options.context ?? plan.clusters.downstream.context;
  if (downstream === undefined)
    throw new BadInputError(`${source}: clusters.downstream names no kubeconfig context; pass --context C`);
  const upstream = options.upstreamContext ?? plan.clusters.upstream.context;
  return { downstream, ...(upstream === undefined ? {} : { upstream }) };
};

/** Stands in for an upstream nobody named: whatever asks it learns why, as if it were unreachable. */
const absentUpstream = (plan: Plan): KubePort => {
  const fail = async (): Promise<never> => {
    throw new BadInputError(
      `no upstream kubeconfig context (plan ${plan.name} names none; pass --upstream-context)`,
    );
  };
  return {
    describe: 'upstream cluster (no context)',
    getCustomObject: fail,
    mergePatchCustomObject: fail,
    deleteCustomObject: fail,
    deletePod: fail,
    listPods: fail,
    exec: fail,
  };
};

/** Fails now, naming the context, rather than in the middle of a failover. */
export const kubePortsFor = (
  plan: Plan,
  contexts: Contexts,
  kubeconfig?: string,
): Record<Side, KubePort> => ({
  downstream: createKubeApi(
    kubeConfigFromContext(contexts.downstream, kubeconfig),
    `downstream cluster (context ${contexts.downstream})`,
  ),
  upstream:
    contexts.upstream === undefined
      ? absentUpstream(plan)
      : createKubeApi(
          kubeConfigFromContext(contexts.upstream, kubeconfig),
          `upstream cluster (context ${contexts.upstream})`,
        ),
});
