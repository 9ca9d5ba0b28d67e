// The drill's workers with both sites' clusters on a real kube-apiserver: the same handlers and
// @kubernetes/client-node, with the Kube port reaching the real server as the plain user (so only
// what the plan's generated RBAC grants is allowed), a local DNS zone holding the plan's records,
// the plan's alarms in ALARM, and the gate approved.
import type { KubeConfig } from '@kubernetes/client-node';
import { createClientNodeKube } from '../../lambdas/adapters/kube/client-node-kube.js';
import { createMemoryCoordination } from '../../lambdas/adapters/memory-coordination.js';
import type { Plan } from '../../lambdas/plan/schema.js';
import { planSideOf } from '../../lambdas/steps/leg.js';
import type { ProgressEvent } from '../../lambdas/steps/step-deps.js';
import { autoApprovals } from '../../local/drill-deps.js';
import { localWorkers, type LocalWorkers } from '../../local/local-workers.js';
import { publishedPlans } from '../../local/published-plans.js';
import { localExecutions } from '../../local/run-workflow.js';
import { planDnsZone, type LocalDnsZone } from '../../sim/local-dns-zone.js';

export const realClusterWorkers = async (options: {
  plan: Plan;
  /** Both sites' namespaces live on this one server. */
  kubeConfig: KubeConfig;
  /** How the clusters are named in what the steps report, e.g. `kube-apiserver v1.36.3`. */
  describe: string;
  progress: (event: ProgressEvent) => void;
}): Promise<LocalWorkers & { dns: LocalDnsZone }> => {
  const { plan } = options;
  const coordination = createMemoryCoordination();
  await coordination.putPlanState(plan.name, { activeSide: 'upstream' });
  const dns = planDnsZone(plan, 0);
  const workers = localWorkers({
    plans: publishedPlans([plan]),
    kubeFor: async (oriented, side) =>
      createClientNodeKube(
        options.kubeConfig,
        `${planSideOf(plan, oriented, side)} cluster (${options.describe})`,
      ),
    progress: options.progress,
    coordination,
    executions: localExecutions,
    dns,
    alarms: {
      getStates: async (names) =>
        new Map(names.filter((n) => plan.triggers.alarms.some((a) => a.name === n)).map((n) => [n, 'ALARM'])),
    },
    approvals: autoApprovals('approve'),
  });
  return { ...workers, dns };
};

/** Where the plan's first record points now, as the zone holds it. */
export const firstRecordValues = (plan: Plan, dns: LocalDnsZone): string[] | undefined => {
  const record = plan.dns.records[0]!;
  return dns.records().get(`${plan.dns.hostedZoneId}/${record.name}/${record.type}`)?.values;
};
