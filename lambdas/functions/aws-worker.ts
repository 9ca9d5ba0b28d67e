// Lambda entry: the AWS worker (CloudWatch, Route 53, DynamoDB, SNS).
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
import { withReportMetrics } from '../steps/report-metrics.js';
import { logger, logProgress, requiredEnv } from './runtime.js';

const tableName = requiredEnv('JOURNAL_TABLE');
const notifier = createSnsNotifier({ topicArn: requiredEnv('TOPIC_ARN') });
const consoleUrl = requiredEnv('APPROVAL_CONSOLE_URL');
const stateMachineArn = requiredEnv('STATE_MACHINE_ARN');

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
