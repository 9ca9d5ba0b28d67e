// Lambda entry: the AWS worker (CloudWatch, Route 53, DynamoDB, SNS).
import { createCloudWatchAlarms } from '../adapters/cloudwatch-alarms.js';
import { createDynamoDbApprovals } from '../adapters/dynamodb-approvals.js';
import { createDynamoDbJournal } from '../adapters/dynamodb-journal.js';
import { createRoute53Dns } from '../adapters/route53-dns.js';
import { createSnsNotifier } from '../adapters/sns-notifier.js';
import { createAwsWorker } from '../handlers/aws-worker.js';
import { systemClock } from '../ports/clock.js';
import { logger, logProgress, requiredEnv } from './runtime.js';

const tableName = requiredEnv('JOURNAL_TABLE');
const notifier = createSnsNotifier({ topicArn: requiredEnv('TOPIC_ARN') });

export const handler = createAwsWorker(
  {
    journal: createDynamoDbJournal({ tableName }),
    clock: systemClock,
    progress: logProgress,
    dns: createRoute53Dns(),
    alarms: createCloudWatchAlarms(),
    notifier,
    approvals: createDynamoDbApprovals({ tableName, notifier }),
  },
  logger,
);
