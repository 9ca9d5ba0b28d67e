// Kubernetes access from an operator's machine: a kubeconfig context per side, from the plan's
// `clusters.*.context` unless the command line names others.
import { createClientNodeKube } from '../lambdas/adapters/kube/client-node-kube.js';
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

export const contextsOf = (plan: Plan, options: ContextOptions): Record<Side, string> => {
  const contexts = { downstream: options.context ?? plan.clusters.downstream.context, upstream: options.upstreamContext ?? plan.clusters.upstream.context };
  for (const side of ['downstream', 'upstream'] as const) {
    if (contexts[side] === undefined) {
      throw new BadInputError(`plan ${plan.name}: clusters.${side} names no kubeconfig context; pass ${side === 'downstream' ? '--context' : '--upstream-context'} C`);
    }
  }
  return contexts as Record<Side, string>;
};

/** Fails now, naming the context, rather than in the middle of a failover. */
export const kubePortsFor = (contexts: Record<Side, string>, kubeconfig?: string): Record<Side, KubePort> => ({
  downstream: createClientNodeKube(kubeConfigFromContext(contexts.downstream, kubeconfig), `downstream cluster (context ${contexts.downstream})`),
  upstream: createClientNodeKube(kubeConfigFromContext(contexts.upstream, kubeconfig), `upstream cluster (context ${contexts.upstream})`),
});
