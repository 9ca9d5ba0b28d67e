// The deployed orchestrator for a set of plans: alarm -> EventBridge rule (one per plan) ->
// the ONE workflow -> two worker functions, with the journal table and the notification topic.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ArnFormat, Aws, Duration, Fn, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Rule } from 'aws-cdk-lib/aws-events';
import { SfnStateMachine } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Alias } from 'aws-cdk-lib/aws-kms';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { journalTableKeys } from '../lambdas/adapters/dynamodb-journal.js';
import type { Plan } from '../lambdas/plan/schema.js';
import { FailoverTriggerInput } from './failover-trigger-input.js';
import { checkDefinitionPlaceholders, workflowDefinitionFile } from './workflow-definition.js';

export interface FailoverOrchestratorProps {
  /** Validated plans (`loadPlan`): each gets its own trigger rule; all share one workflow and its functions. */
  readonly plans: Plan[];
  /**
   * Applies to the journal table and the log groups.
   * @default RemovalPolicy.RETAIN: they are the record of past failovers
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Retention of the workflow's and the functions' logs.
   * @default RetentionDays.THREE_MONTHS, as long as the journal keeps a failover's records
   */
  readonly logRetention?: RetentionDays;
}

const repoFile = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));

const SERVICE_NAME = 'failover-orchestrator';

// What the journal and approval adapters call; narrower than grantReadWriteData (no Scan, no
// deletes). test/infra checks it against the SDK commands the adapters import.
const JOURNAL_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'];

/** The ASL's `${Name}` placeholders: one per worker function, filled with its ARN. */
const WORKER_PLACEHOLDERS = ['AwsWorkerArn', 'KubeWorkerArn'] as const;

// The AWS SDK v3 is in the Lambda runtime, but bundled the functions run the exact SDK and
// @smithy versions the tests ran, and one minified, tree-shaken file loads faster than the
// runtime's full packages. `createRequire` serves the CommonJS dependencies that still require().
const bundling: NodejsFunctionProps['bundling'] = {
  format: OutputFormat.ESM,
  mainFields: ['module', 'main'],
  banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
  externalModules: [],
  minify: true,
  sourceMap: true,
  // Stack traces need only the mappings; the sources would double the upload.
  sourcesContent: false,
};

export class FailoverOrchestrator extends Construct {
  readonly stateMachine: StateMachine;
  /** Readiness, promotion, its verification and teardown: every step that talks to the clusters. */
  readonly kubeWorker: NodejsFunction;
  /** Alarm confirmation, approval request, DNS flip and its verification, report and halt. */
  readonly awsWorker: NodejsFunction;
  /** The journal: step records, reports and pending approvals of every execution. */
  readonly journalTable: Table;
  /** Approval requests and failover reports are published here. */
  readonly topic: Topic;
  /** The trigger rule of each plan, by plan name. */
  readonly rules: ReadonlyMap<string, Rule>;

  constructor(scope: Construct, id: string, props: FailoverOrchestratorProps) {
    super(scope, id);
    const { plans } = props;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const retention = props.logRetention ?? RetentionDays.THREE_MONTHS;

    // Every check runs before any resource exists: a bad plan set fails synth at once, before bundling.
    checkPlans(plans);
    const inputs = plans.map((plan) => new FailoverTriggerInput(plan));
    checkDefinitionPlaceholders(readFileSync(workflowDefinitionFile, 'utf8'), workflowDefinitionFile, WORKER_PLACEHOLDERS);

    this.journalTable = new Table(this, 'Journal', {
      partitionKey: { name: journalTableKeys.partitionKey, type: AttributeType.STRING },
      sortKey: { name: journalTableKeys.sortKey, type: AttributeType.STRING },
      timeToLiveAttribute: journalTableKeys.timeToLiveAttribute,
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy,
    });

    // The AWS managed key: only our own function publishes (SNS encrypts and decrypts on its
    // behalf), so a customer managed key would add a key policy to maintain and a monthly fee and
    // buy nothing. A CloudWatch alarm action or an EventBridge rule publishing here would need one.
    this.topic = new Topic(this, 'Notifications', {
      displayName: 'Failover orchestrator',
      masterKey: Alias.fromAliasName(this, 'SnsManagedKey', 'alias/aws/sns'),
      enforceSSL: true,
    });

    // Two functions, grouped by what they talk to: a failover meets at most two cold starts before
    // the DNS flip (the AWS worker for ConfirmAlarm, the Kubernetes worker for readiness, promotion
    // and its verification), after which the AWS worker is warm for the flip.
    const workerProps = (entry: string, logGroup: LogGroup): NodejsFunctionProps => ({
      entry: repoFile(entry),
      projectRoot: repoFile(''),
      depsLockFilePath: repoFile('package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      tracing: Tracing.ACTIVE,
      logGroup,
      bundling,
    });
    const environment = {
      JOURNAL_TABLE: this.journalTable.tableName,
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
      // Source-mapped stack traces; loading the bundles with it measured no slower.
      NODE_OPTIONS: '--enable-source-maps',
    };

    this.kubeWorker = new NodejsFunction(this, 'KubeWorker', {
      ...workerProps('lambdas/functions/kube-worker.ts', new LogGroup(this, 'KubeWorkerLogs', { retention, removalPolicy })),
      description: 'Failover steps that talk to the Kubernetes clusters (readiness, promote, verify, teardown)',
      // Teardown waits up to 15 minutes for a rolling restart of the old upstream.
      timeout: Duration.minutes(15),
      // Failovers are rare, so cost is no concern; CPU scales with memory, and 1769 MB is one full
      // vCPU for the cold start, TLS to two API servers and parallel execs.
      memorySize: 1769,
      environment,
    });

    this.awsWorker = new NodejsFunction(this, 'AwsWorker', {
      ...workerProps('lambdas/functions/aws-worker.ts', new LogGroup(this, 'AwsWorkerLogs', { retention, removalPolicy })),
      description: 'Failover steps that talk to AWS (alarm, approval, Route 53 flip, report)',
      // The flip waits up to ~5 minutes for Route 53 INSYNC; the ASL's FlipDns allows 600 s.
      timeout: Duration.minutes(10),
      memorySize: 1024,
      environment: { ...environment, TOPIC_ARN: this.topic.topicArn },
    });

    this.journalTable.grant(this.kubeWorker, ...JOURNAL_ACTIONS);
    this.journalTable.grant(this.awsWorker, ...JOURNAL_ACTIONS);
    this.grantPlanAccess(plans);

    const substitutions: Record<(typeof WORKER_PLACEHOLDERS)[number], string> = {
      AwsWorkerArn: this.awsWorker.functionArn,
      KubeWorkerArn: this.kubeWorker.functionArn,
    };
    this.stateMachine = new StateMachine(this, 'Workflow', {
      definitionBody: DefinitionBody.fromFile(workflowDefinitionFile),
      definitionSubstitutions: substitutions,
      stateMachineType: StateMachineType.STANDARD,
      tracingEnabled: true,
      logs: {
        destination: new LogGroup(this, 'WorkflowLogs', { logGroupName: this.vendedLogGroupName(), retention, removalPolicy }),
        level: LogLevel.ALL,
        // The plan, the alarm event and every step's input and output, searchable with Logs Insights.
        includeExecutionData: true,
      },
    });
    // The definition comes from a file, so CDK cannot see which functions it calls.
    this.kubeWorker.grantInvoke(this.stateMachine);
    this.awsWorker.grantInvoke(this.stateMachine);

    this.rules = new Map(
      inputs.map((input) => [
        input.plan.name,
        new Rule(this, `Trigger-${input.plan.name}`, {
          description: `Starts the failover of ${input.plan.name} when one of its alarms enters ALARM`,
          eventPattern: {
            source: ['aws.cloudwatch'],
            detailType: ['CloudWatch Alarm State Change'],
            detail: {
              alarmName: input.plan.triggers.alarms.map((alarm) => alarm.name),
              state: { value: ['ALARM'] },
            },
          },
          targets: [new SfnStateMachine(this.stateMachine, { input })],
        }),
      ]),
    );
  }

  /** Each function may touch only what the plans name. */
  private grantPlanAccess(plans: Plan[]): void {
    const stack = Stack.of(this);

    const clusterArns = unique(
      plans.flatMap((plan) => [plan.clusters.upstream.eks, plan.clusters.downstream.eks]).flatMap((eks) =>
        eks ? [stack.formatArn({ service: 'eks', region: eks.region, resource: 'cluster', resourceName: eks.name })] : [],
      ),
    );
    this.kubeWorker.addToRolePolicy(new PolicyStatement({ actions: ['eks:DescribeCluster'], resources: clusterArns }));

    const alarmArns = unique(
      plans.flatMap((plan) => plan.triggers.alarms).map((alarm) =>
        stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: alarm.name, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
      ),
    );
    this.awsWorker.addToRolePolicy(new PolicyStatement({ actions: ['cloudwatch:DescribeAlarms'], resources: alarmArns }));

    const route53Arn = (resource: string, resourceName: string) => stack.formatArn({ service: 'route53', region: '', account: '', resource, resourceName });
    const recordsByZone = new Map<string, Plan['dns']['records']>();
    for (const plan of plans) recordsByZone.set(plan.dns.hostedZoneId, [...(recordsByZone.get(plan.dns.hostedZoneId) ?? []), ...plan.dns.records]);
    for (const [zoneId, records] of recordsByZone) {
      this.awsWorker.addToRolePolicy(
        new PolicyStatement({
          actions: ['route53:ChangeResourceRecordSets'],
          resources: [route53Arn('hostedzone', zoneId)],
          conditions: {
            'ForAllValues:StringEquals': {
              'route53:ChangeResourceRecordSetsNormalizedRecordNames': unique(records.map((record) => normalizedRecordName(record.name))),
              'route53:ChangeResourceRecordSetsRecordTypes': unique(records.map((record) => record.type)),
              'route53:ChangeResourceRecordSetsActions': ['UPSERT'],
            },
          },
        }),
      );
    }
    this.awsWorker.addToRolePolicy(
      new PolicyStatement({
        actions: ['route53:ListResourceRecordSets'],
        resources: [...recordsByZone.keys()].map((zoneId) => route53Arn('hostedzone', zoneId)),
      }),
    );
    // Change ids are not known in advance.
    this.awsWorker.addToRolePolicy(new PolicyStatement({ actions: ['route53:GetChange'], resources: [route53Arn('change', '*')] }));

    // Not topic.grantPublish(): for the imported alias it adds kms:GenerateDataKey* on key/*, which
    // the AWS managed key's own policy already allows every principal of the account through SNS.
    this.awsWorker.addToRolePolicy(new PolicyStatement({ actions: ['sns:Publish'], resources: [this.topic.topicArn] }));
  }

  // Under /aws/vendedlogs/ Step Functions needs no entry in the account's size-limited CloudWatch
  // Logs resource policy. The stack id's GUID keeps the name unique per stack creation, so a
  // retained group of a deleted stack never blocks a new one.
  private vendedLogGroupName(): string {
    const stackGuid = Fn.select(2, Fn.split('/', Aws.STACK_ID));
    return `/aws/vendedlogs/states/${Names.uniqueResourceName(this, { maxLength: 200 })}-${stackGuid}`;
  }
}

function checkPlans(plans: Plan[]): void {
  if (plans.length === 0) throw new Error('FailoverOrchestrator: no plans; pass at least one validated plan (loadPlan)');
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const plan of plans) {
    if (seen.has(plan.name)) problems.push(`plan ${plan.name}: the name is used by another plan; plan names identify rules, locks and reports`);
    seen.add(plan.name);
    for (const side of ['upstream', 'downstream'] as const) {
      if (!plan.clusters[side].eks) {
        problems.push(`plan ${plan.name}: clusters.${side} has no \`eks\` entry (name and region); the deployed workflow reaches clusters through EKS`);
      }
    }
  }
  if (problems.length > 0) throw new Error(`FailoverOrchestrator: ${problems.join('; ')}`);
}

/** What Route 53 compares the NormalizedRecordNames condition with: lower case, no final dot. */
const normalizedRecordName = (name: string) => name.toLowerCase().replace(/\.$/, '');

const unique = <T>(values: T[]): T[] => [...new Set(values)];
