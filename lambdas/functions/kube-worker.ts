// Lambda entry: the Kubernetes worker with EKS access (no stored kubeconfig or secret).
import { createBundledPlans } from '../adapters/bundled-plans.js';
import { createKubeApi } from '../adapters/kube/kube-api.js';
import { createDynamoDbLeaseRenewal } from '../adapters/dynamodb-lease.js';
import { createDynamoDbJournal } from '../adapters/dynamodb-journal.js';
import { createEmfMetrics } from '../adapters/emf-metrics.js';
import { createEksAccessProvider } from '../adapters/eks-access.js';
import { createKubeWorker } from '../handlers/kube-worker.js';
import { systemClock } from '../ports/clock.js';
import { eksClusterOf, logger, logProgress, requiredEnv } from './runtime.js';

const eks = createEksAccessProvider();

export const handler = createKubeWorker(
  {
    plans: createBundledPlans(),
    journal: createDynamoDbJournal({ tableName: requiredEnv('JOURNAL_TABLE') }),
    coordination: createDynamoDbLeaseRenewal({ tableName: requiredEnv('JOURNAL_TABLE') }),
    clock: systemClock,
    progress: logProgress,
    metrics: createEmfMetrics({ namespace: requiredEnv('POWERTOOLS_METRICS_NAMESPACE') }),
    kubeFor: async (plan, side) => {
      const cluster = eksClusterOf(plan, side);
      return createKubeApi(await eks.accessFor(cluster), `EKS cluster ${cluster.name} (${cluster.region})`);
    },
  },
  logger,
);
