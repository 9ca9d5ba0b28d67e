// Lambda entry: the AWS worker (CloudWatch, Route 53, Route 53 ARC, DynamoDB, SNS).
import { createAuthoritativeAnswers } from '../adapters/authoritative-answers.js';
import { createArcRoutingControls } from '../adapters/arc-routing-controls.js';
import { createBundledPlans } from '../adapters/bundled-plans.js';
import { createCloudWatchAlarms } from '../adapters/cloudwatch-alarms.js';
import { createDynamoDbCoordination } from '../adapters/dynamodb-coordination.js';
import { createDynamoDbJournal } from '../adapters/dynamodb-journal.js';
import { createEmfMetrics } from '../adapters/emf-metrics.js';
import { createRoute53Dns } from '../adapters/route53-dns.js';
import { createSfnExecutions } from '../adapters/sfn-executions.js';
import { createSfnWorkflowStart } from '../adapters/sfn-workflow-start.js';
import { createSnsNotifier } from '../adapters/sns-notifier.js';
import { createDynamoDbApprovalStore } from '../approvals/dynamodb-store.js';
import { createApprovalGate } from '../approvals/gate.js';
import { createAwsWorker } from '../handlers/aws-worker.js';
import { systemClock } from '../ports/clock.js';
import type { RoutingControlPort } from '../ports/routing-controls.js';
import { withReportMetrics } from '../steps/report-metrics.js';
import { logger, logProgress, requiredEnv } from './runtime.js';

const tableName = requiredEnv('JOURNAL_TABLE');
const notifier = createSnsNotifier({ topicArn: requiredEnv('TOPIC_ARN') });
const consoleUrl = requiredEnv('APPROVAL_CONSOLE_URL');
const stateMachineArn = requiredEnv('STATE_MACHINE_ARN');
// One adapter per ARC cluster (its list of endpoints), kept while the container lives: each
// remembers which endpoint answered last, so a warm invocation skips one that is down.
const arcClusters = new Map<string, RoutingControlPort>();

export const handler = createAwsWorker(
  {
    plans: createBundledPlans(),
    // Each stored report also becomes metrics: executions by outcome, recovery time, step durations.
    journal: withReportMetrics(
      createDynamoDbJournal({ tableName }),
      createEmfMetrics({ namespace: requiredEnv('POWERTOOLS_METRICS_NAMESPACE') }),
    ),
    coordination: createDynamoDbCoordination({ tableName }),
    executions: createSfnExecutions(),
    clock: systemClock,
    progress: logProgress,
    dns: createRoute53Dns(),
    routingControlsFor: ({ clusterEndpoints }) => {
      const key = JSON.stringify(clusterEndpoints);
      let cluster = arcClusters.get(key);
      if (!cluster) arcClusters.set(key, (cluster = createArcRoutingControls({ clusterEndpoints })));
      return cluster;
    },
    // The zones' own name servers, found and asked over DNS: they verify a routing-control flip.
    answers: createAuthoritativeAnswers(),
    // Lambda sets it: a plan with `regions` acts only from its leg's Region.
    region: process.env.AWS_REGION,
    alarms: createCloudWatchAlarms(),
    notifier,
    starts: { workflow: createSfnWorkflowStart({ stateMachineArn }), stateMachineArn },
    approvals: createApprovalGate({
      store: createDynamoDbApprovalStore({ tableName }),
      notifier,
      // The CLI signs its requests to the console's API with the approver's AWS credentials.
      where: { consoleUrl, cli: { command: 'failover', target: `--api ${consoleUrl}` } },
    }),
  },
  logger,
);
