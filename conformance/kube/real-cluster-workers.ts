// A failover of the plan's alarm through the ASL file with the drill's workers, both sites'
// clusters on a real kube-apiserver: the same handlers and @kubernetes/client-node, with the Kube
// port reaching the real server as the user of `kubeConfig` (the plain user: only what the plan's
// generated RBAC grants is allowed), a local DNS zone holding the plan's records, the plan's
// alarms in ALARM, and the gate approved. The summary is printed as the drill prints it.
import type { KubeConfig } from '@kubernetes/client-node';
import { createKubeApi } from '../../lambdas/adapters/kube/kube-api.js';
import { createMemoryCoordination } from '../../lambdas/adapters/memory-coordination.js';
import type { Plan } from '../../lambdas/plan/schema.js';
import { planSideOf } from '../../lambdas/steps/leg.js';
import { drillAlarmEvent } from '../../lambdas/plan/alarm-event.js';
import type { FailoverReport } from '../../lambdas/ports/journal.js';
import { printProgress, printSummary } from '../../local/drill.js';
import { autoApprovals } from '../../local/drill-deps.js';
import type { Io } from '../../local/io.js';
import { localWorkers } from '../../local/local-workers.js';
import { publishedPlans } from '../../local/published-plans.js';
import { localExecutions, runWorkflow } from '../../local/run-workflow.js';
import { planDnsZone, type LocalDnsZone } from '../../sim/local-dns-zone.js';

export const failOverOnRealCluster = async (options: {
  plan: Plan;
  /** Both sites' namespaces live on this one server. */
  kubeConfig: KubeConfig;
  /** How the clusters are named in what the steps report, e.g. `kube-apiserver v1.36.3`. */
  describe: string;
  io: Io;
}): Promise<{ report: FailoverReport; dns: LocalDnsZone }> => {
  const { plan } = options;
  const coordination = createMemoryCoordination();
  await coordination.putPlanState(plan.name, { activeSide: 'upstream' });
  const dns = planDnsZone(plan, 0);
  const { workers, journal } = localWorkers({
    plans: publishedPlans([plan]),
    kubeFor: async (oriented, side) =>
      createKubeApi(options.kubeConfig, `${planSideOf(plan, oriented, side)} cluster (${options.describe})`),
    progress: printProgress(options.io),
    coordination,
    executions: localExecutions,
    dns,
    alarms: {
      getStates: async (names) =>
        new Map(names.filter((n) => plan.triggers.alarms.some((a) => a.name === n)).map((n) => [n, 'ALARM'])),
    },
    approvals: autoApprovals('approve'),
  });
  const { report } = await runWorkflow({
    plan,
    trigger: drillAlarmEvent(plan.triggers.alarms[0]!.name, new Date()),
    workers,
    journal,
    settleMs: 0,
    retryIntervalMs: 200,
  });
  printSummary(options.io, report);
  return { report, dns };
};

/** Where the plan's first record points now, as the zone holds it. */
export const firstRecordValues = (plan: Plan, dns: LocalDnsZone): string[] | undefined => {
  const record = plan.dns.records[0]!;
  return dns.records().get(`${plan.dns.hostedZoneId}/${record.name}/${record.type}`)?.values;
};
