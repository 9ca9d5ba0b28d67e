// The deployed orchestrator for a set of plans: alarm -> the one EventBridge rule -> the AWS
// worker, which starts the ONE workflow for the plan the alarm triggers -> two worker functions,
// with the journal table and the notification topic; the plans published with the workers' code;
// per plan its trigger alarms, a readiness schedule and its alarm, in nested stacks
// (plan-shards.ts); one operations dashboard; and per cluster region the EKS access entries of the
// Kubernetes worker. Nothing in the orchestrator's own stack grows with the number of plans but
// the IAM statements naming the plans' clusters, DNS records and routing controls. With
// `multiRegion`, one such orchestrator in each of several Regions shares a global journal table
// (journal-table.ts), and each forwards its Region's alarms to the others (alarm-forwarding.ts).
import { readFileSync } from 'node:fs';
import { ArnFormat, Aws, Duration, Fn, Names, RemovalPolicy, Stack, Stage, Token } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { ISecurityGroup, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import { Policy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key, type IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, Tracing, type Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { CfnScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { deployedFunction, type DeployedFunctionProps } from './function-code.js';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { checkKubernetesGroup, DEFAULT_KUBERNETES_GROUP } from '../lambdas/plan/rbac.js';
import { planCatalogue, type PlanCatalogue } from '../lambdas/plan/plan-catalogue.js';
import type { Plan } from '../lambdas/plan/schema.js';
import { METRICS_NAMESPACE } from '../lambdas/ports/metrics.js';
import { AlarmForwarding } from './alarm-forwarding.js';
import { ApprovalConsole } from './approval-console.js';
import {
  homeRegion,
  multiRegionKeyProblem,
  planRegionProblems,
  type MultiRegionProps,
} from './deployment-regions.js';
import { EksAccessStack } from './eks-access-stack.js';
import { ExecutionEnded } from './execution-ended.js';
import { FailoverTrigger } from './failover-trigger.js';
import { createJournalTable } from './journal-table.js';
import { acknowledgeExplainedFindings } from './nag-suppressions.js';
import { OperationsDashboard } from './operations-dashboard.js';
import { writePlanCatalogue } from './plan-catalogue-asset.js';
import { planShards, type PlanShard } from './plan-shards.js';
import type { PlanTrigger } from './plan-trigger.js';
import type { ReadinessEvaluation } from './readiness-evaluation.js';
import type { RoutingControlRecords } from './routing-control-records.js';
import { checkDefinitionPlaceholders, workflowDefinitionFile } from './workflow-definition.js';

export interface FailoverOrchestratorProps {
  /**
   * Validated plans (`loadPlan`): each gets its own trigger alarms and readiness schedule; all
   * share one trigger rule, one workflow and its functions, which read the plans published with
   * their code.
   */
  readonly plans: Plan[];
  /**
   * Applies to the journal table, the topic's key and the log groups.
   * @default RemovalPolicy.RETAIN: they are the record of past failovers
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Retention of the workflow's and the functions' logs.
   * @default RetentionDays.THREE_MONTHS, as long as the journal keeps a failover's records
   */
  readonly logRetention?: RetentionDays;
  /**
   * Places the Kubernetes worker in this VPC, for clusters whose API endpoint is private. Its
   * subnets need a route to the EKS and DynamoDB APIs (NAT, or VPC endpoints) and to the clusters.
   * @default the Lambda service network: the clusters' public endpoints
   */
  readonly vpc?: IVpc;
  /** @default the VPC's private subnets */
  readonly vpcSubnets?: SubnetSelection;
  /** @default a new security group that allows all outbound traffic and no inbound */
  readonly securityGroups?: ISecurityGroup[];
  /**
   * The Kubernetes group the EKS access entries map the Kubernetes worker's role to; bind it with
   * `failover rbac PLAN --group G`.
   * @default 'failover-orchestrator'
   */
  readonly kubernetesGroup?: string;
  /**
   * An existing symmetric KMS key, by ARN, in the stack's Region (`--context encryptionKeyArn=ARN`
   * for infra/app.ts): it encrypts the journal table, the topic, the dead-letter queue and the log
   * groups. The stack cannot edit the policy of a key it imports, so the key policy must already
   * admit CloudWatch Logs, the alarms and EventBridge (docs/deploy.md, "Your own KMS key"); the
   * functions' roles are granted its use through IAM.
   * @default AWS owned keys for the table and the queue, CloudWatch Logs' own encryption for the
   * logs, and a key the stack creates for the topic
   */
  readonly encryptionKeyArn?: string;
  /**
   * One orchestrator in each of several Regions, this one's stack in one of them (its `env`
   * region set). Every plan then names its sides' `regions`, all deployed; the journal is one
   * global table; this orchestrator creates the plans' alarms of its own Region only, forwards
   * them to the other Regions and receives theirs. Not with `encryptionKeyArn`.
   * @default one orchestrator, in the stack's Region
   */
  readonly multiRegion?: MultiRegionProps;
}

const SERVICE_NAME = 'failover-orchestrator';

// What SNS, DynamoDB and SQS ask KMS for with the caller's permissions: a data key to encrypt, and decrypting one.
const KEY_ACTIONS = ['kms:GenerateDataKey', 'kms:Decrypt'];

// What the journal and approval adapters call; narrower than grantReadWriteData (no Scan, no
// deletes). test/infra checks it against the SDK commands the adapters import.
const JOURNAL_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'];

// What the ARC adapter calls on a cluster's data plane (adapters/arc-routing-controls.ts): a read
// per control, and one request that sets both (never UpdateRoutingControlState, one at a time).
const ROUTING_CONTROL_ACTIONS = [
  'route53-recovery-cluster:GetRoutingControlState',
  'route53-recovery-cluster:UpdateRoutingControlStates',
];

/** A control panel's controls as an IAM resource is about 120 characters: 16 make a statement of about 2 KB, as a group of records. */
const CONTROL_PANELS_PER_STATEMENT = 16;

/**
 * The control panels that hold the controls of the plans that switch with them, each as the IAM
 * resource of all its controls (`…:controlpanel/<panel>/routingcontrol/*`).
 */
const routingControlPanels = (plans: Plan[]): string[] =>
  unique(
    plans.flatMap((plan) =>
      plan.dns.switch.via === 'routing-controls'
        ? [plan.dns.switch.controls.upstream, plan.dns.switch.controls.downstream].map((controlArn) =>
            controlArn.replace(/\/routingcontrol\/[^/]+$/, '/routingcontrol/*'),
          )
        : [],
    ),
  );

/** The ASL's `${Name}` placeholders: one per worker function, filled with its ARN. */
const WORKER_PLACEHOLDERS = ['AwsWorkerArn', 'KubeWorkerArn'] as const;

export class FailoverOrchestrator extends Construct {
  readonly stateMachine: StateMachine;
  /** Readiness, promotion, its verification, teardown and the scheduled evaluation: every step that talks to the clusters. */
  readonly kubeWorker: LambdaFunction;
  /** Alarm confirmation, approval request, DNS flip and its verification, report and halt. */
  readonly awsWorker: LambdaFunction;
  /**
   * The journal: step records, reports and pending approvals of every execution. With
   * `multiRegion`, a global table: created in the first Region, its replica elsewhere.
   */
  readonly journalTable: ITable;
  /** Start, approval, halt, failure and success notifications, and the alarms' actions. */
  readonly topic: Topic;
  /** Encrypts the topic; CloudWatch alarms may use it to publish. `encryptionKey` when given, else the stack's own. */
  readonly topicKey: IKey;
  /** The key of `encryptionKeyArn`: the journal table, the topic, the dead-letter queue and the log groups use it. */
  readonly encryptionKey?: IKey;
  /** The one rule that hands every ALARM of the account's alarms to the AWS worker, which starts the plan's failover. */
  readonly trigger: FailoverTrigger;
  /** With `multiRegion`: the rules that send this Region's alarms to the other Regions. */
  readonly alarmForwarding?: AlarmForwarding;
  /** The nested stacks that hold the plans' alarms and schedules. */
  readonly planShards: readonly PlanShard[];
  /** Each plan's trigger alarms, by plan name. */
  readonly triggers: ReadonlyMap<string, PlanTrigger>;
  /** Each plan's readiness schedule and alarm, by plan name. */
  readonly evaluations: ReadonlyMap<string, ReadinessEvaluation>;
  /**
   * The Route 53 failover records and health checks of each plan that switches with routing
   * controls, by plan name; with `multiRegion`, only the first Region's orchestrator has them.
   */
  readonly routingControlRecords: ReadonlyMap<string, RoutingControlRecords>;
  /** The failure alarm and the dashboard. */
  readonly operations: OperationsDashboard;
  /** Executions that ended outside the workflow's own Catch: the rule, its dead-letter queue and alarm. */
  readonly executionEnded: ExecutionEnded;
  /** The stacks holding the Kubernetes worker's EKS access entries, by region; deploy them after this one. */
  readonly eksAccessStacks: ReadonlyMap<string, EksAccessStack>;
  /** Every Route 53 change: the DNS flip polls the one it made, whose id it learns only then. */
  private readonly route53ChangesArn = Stack.of(this).formatArn({
    service: 'route53',
    region: '',
    account: '',
    resource: 'change',
    resourceName: '*',
  });

  /**
   * Every alarm of the account in this Region, and with `multiRegion` in each deployed Region (a
   * forwarded alarm is re-read in its own): ConfirmAlarm re-reads the plan's alarms. Their names
   * would grow the role's policy past IAM's 10 KB with the plans; reading an alarm's state reveals
   * nothing the trigger rule does not already hand the worker.
   */
  private readonly alarmsArns: string[];

  constructor(scope: Construct, id: string, props: FailoverOrchestratorProps) {
    super(scope, id);
    const { plans } = props;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const retention = props.logRetention ?? RetentionDays.THREE_MONTHS;
    const kubernetesGroup = props.kubernetesGroup ?? DEFAULT_KUBERNETES_GROUP;

    // Every check runs before any resource exists: a bad plan set fails synth at once, before bundling.
    const { multiRegion } = props;
    const stackRegion = Stack.of(this).region;
    const catalogue = checkPlans(plans, multiRegion?.regions);
    checkProps(props, kubernetesGroup, stackRegion);
    this.alarmsArns = (multiRegion?.regions ?? [undefined]).map((region) =>
      Stack.of(this).formatArn({
        service: 'cloudwatch',
        region,
        resource: 'alarm',
        resourceName: '*',
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    );
    checkDefinitionPlaceholders(
      readFileSync(workflowDefinitionFile, 'utf8'),
      workflowDefinitionFile,
      WORKER_PLACEHOLDERS,
    );

    if (props.encryptionKeyArn !== undefined)
      this.encryptionKey = Key.fromKeyArn(this, 'EncryptionKey', props.encryptionKeyArn);
    const encryptionKey = this.encryptionKey;
    this.journalTable = createJournalTable(this, 'Journal', { removalPolicy, encryptionKey, multiRegion });

    this.topicKey = encryptionKey ?? this.createTopicKey(removalPolicy);
    this.topic = new Topic(this, 'Notifications', {
      displayName: 'Failover orchestrator',
      masterKey: this.topicKey,
      enforceSSL: true,
    });
    // The topic policy replaces SNS's default one: alarm actions need their own statement. Each
    // trigger rule adds its own (rule-targets.ts).
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AlarmActionsOfThisAccount',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: this.fromAlarmsOfThisAccount(),
      }),
    );

    // Two functions, grouped by what they talk to: a failover meets at most two cold starts before
    // the DNS flip (the AWS worker for ConfirmAlarm, the Kubernetes worker for readiness, promotion
    // and its verification), after which the AWS worker is warm for the flip.
    const kubeLogs = new LogGroup(this, 'KubeWorkerLogs', { retention, removalPolicy, encryptionKey });
    const awsLogs = new LogGroup(this, 'AwsWorkerLogs', { retention, removalPolicy, encryptionKey });
    // The EKS access entries name the Kubernetes worker's role from other regions' stacks: it gets
    // a name fixed at synth, unique per stack and construct path.
    const kubeRoleName = `${Names.uniqueResourceName(this, { maxLength: 52 })}-KubeWorker`;
    // The AWS worker starts the workflow, whose definition names the worker: a name fixed at synth
    // gives the worker the workflow's ARN without a reference that would make them depend on each other.
    const stateMachineName = Names.uniqueResourceName(this, { maxLength: 80 });
    const stateMachineArn = Stack.of(this).formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: stateMachineName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const plansFile = writePlanCatalogue(catalogue);
    const workerProps = (role: Role, logGroup: LogGroup): DeployedFunctionProps => ({
      architecture: Architecture.ARM_64,
      tracing: Tracing.ACTIVE,
      role,
      logGroup,
      synthFiles: [plansFile],
    });
    const environment = {
      JOURNAL_TABLE: this.journalTable.tableName,
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
      // Where the evaluation and the reports publish their metrics (EMF), and what the dashboard and alarms read.
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      POWERTOOLS_LOG_LEVEL: 'INFO',
      // Source-mapped stack traces; loading the bundles with it measured no slower.
      NODE_OPTIONS: '--enable-source-maps',
    };

    this.kubeWorker = deployedFunction(this, 'KubeWorker', 'kube-worker', {
      ...workerProps(workerRole(this, 'KubeWorkerRole', kubeLogs, kubeRoleName), kubeLogs),
      description:
        'Failover steps that talk to the Kubernetes clusters (readiness, promote, verify, teardown, scheduled evaluation)',
      // Room for the longest Kubernetes task's TimeoutSeconds in the ASL; the waits for rolling
      // restarts, drains and elections are the workflow's (steps/workflow-wait.ts), not the function's.
      timeout: Duration.minutes(15),
      // Failovers are rare, so cost is no concern; CPU scales with memory, and 1769 MB is one full
      // vCPU for the cold start, TLS to two API servers and parallel execs.
      memorySize: 1769,
      environment,
      ...(props.vpc
        ? { vpc: props.vpc, vpcSubnets: props.vpcSubnets, securityGroups: props.securityGroups }
        : {}),
    });

    this.awsWorker = deployedFunction(this, 'AwsWorker', 'aws-worker', {
      ...workerProps(workerRole(this, 'AwsWorkerRole', awsLogs), awsLogs),
      description: 'Failover steps that talk to AWS (alarm, approval, Route 53 flip, report)',
      // Room for the ASL's longest AWS task (FlipDns, 600 s); the flip looks for INSYNC a few
      // seconds per invocation and the workflow invokes it again.
      timeout: Duration.minutes(10),
      // Its work is waiting on AWS APIs: memory buys CPU it does not use, and FlipDns's looks are
      // billed by the GB-second (`npm run bench` prints what a failover costs).
      memorySize: 512,
      environment: { ...environment, TOPIC_ARN: this.topic.topicArn, STATE_MACHINE_ARN: stateMachineArn },
    });
    this.awsWorker.addToRolePolicy(
      new PolicyStatement({ actions: ['states:StartExecution'], resources: [stateMachineArn] }),
    );

    // Conditional updates renew the lock's lease from every step of its owner, and a conditional
    // delete releases the lock when the execution ends (adapters/dynamodb-coordination.ts).
    this.journalTable.grant(this.kubeWorker, ...JOURNAL_ACTIONS, 'dynamodb:UpdateItem');
    this.journalTable.grant(this.awsWorker, ...JOURNAL_ACTIONS, 'dynamodb:DeleteItem', 'dynamodb:UpdateItem');
    if (props.vpc) {
      // The Lambda service creates and removes the function's network interfaces with its role.
      // EC2's Describe* calls have no resource-level permissions, and the interfaces' ids are not
      // known in advance: Resource "*", as in AWSLambdaVPCAccessExecutionRole.
      this.kubeWorker.addToRolePolicy(
        new PolicyStatement({
          actions: [
            'ec2:CreateNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses',
            'ec2:UnassignPrivateIpAddresses',
          ],
          resources: ['*'],
        }),
      );
    }

    const substitutions: Record<(typeof WORKER_PLACEHOLDERS)[number], string> = {
      AwsWorkerArn: this.awsWorker.functionArn,
      KubeWorkerArn: this.kubeWorker.functionArn,
    };
    this.stateMachine = new StateMachine(this, 'Workflow', {
      stateMachineName,
      definitionBody: DefinitionBody.fromFile(workflowDefinitionFile),
      definitionSubstitutions: substitutions,
      stateMachineType: StateMachineType.STANDARD,
      tracingEnabled: true,
      logs: {
        destination: new LogGroup(this, 'WorkflowLogs', {
          logGroupName: this.vendedLogGroupName(),
          retention,
          removalPolicy,
          encryptionKey,
        }),
        level: LogLevel.ALL,
        // Every state's entry and exit, without their input and output: the approval task's input
        // carries its task token, which would let anyone who can read the logs approve. What each
        // step did is in the journal and the report.
        includeExecutionData: false,
      },
    });
    // The definition comes from a file, so CDK cannot see which functions it calls. Not
    // grantInvoke(): it adds every version and alias (`:*`), and the ASL calls the functions only.
    this.stateMachine.addToRolePolicy(
      new PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [this.kubeWorker.functionArn, this.awsWorker.functionArn],
      }),
    );
    // Where approvers decide at AwaitApproval (infra/approval-console.ts).
    new ApprovalConsole(this, 'ApprovalConsole', {
      plans,
      journalTable: this.journalTable,
      stateMachine: this.stateMachine,
      gateFunction: this.awsWorker,
      removalPolicy,
      logRetention: retention,
      ...(this.encryptionKey ? { encryptionKey: this.encryptionKey } : {}),
    });
    // Admit asks whether the execution holding a plan's lock still runs (a stale lock is taken
    // over). A policy of its own: in the worker's default policy the state machine's name would
    // make the worker depend on the state machine, which depends on the worker.
    const executionsArn = Stack.of(this).formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${this.stateMachine.stateMachineName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const executionsPolicy = new Policy(this, 'AwsWorkerExecutionsPolicy', {
      roles: [this.awsWorker.role!],
      statements: [
        new PolicyStatement({ actions: ['states:DescribeExecution'], resources: [executionsArn] }),
      ],
    });

    this.executionEnded = new ExecutionEnded(this, 'ExecutionEnded', {
      stateMachine: this.stateMachine,
      worker: this.awsWorker,
      topic: this.topic,
      removalPolicy,
      encryptionKey,
    });
    const otherRegions = multiRegion?.regions.filter((region) => region !== stackRegion) ?? [];
    this.trigger = new FailoverTrigger(this, 'Trigger', {
      worker: this.awsWorker,
      deadLetterQueue: this.executionEnded.deadLetterQueue,
      ...(multiRegion ? { alarmRegions: [stackRegion, ...otherRegions] } : {}),
    });
    if (multiRegion)
      this.alarmForwarding = new AlarmForwarding(this, 'AlarmForwarding', {
        toRegions: otherRegions,
        deadLetterQueue: this.executionEnded.deadLetterQueue,
      });
    this.planShards = planShards(this, plans, {
      kubeWorker: this.kubeWorker,
      ...this.createEvaluationSchedules(),
      topic: this.topic,
      ...(multiRegion ? { alarmRegion: stackRegion } : {}),
      createsRoutingControlRecords: !multiRegion || stackRegion === homeRegion(multiRegion.regions),
    });
    this.triggers = new Map(this.planShards.flatMap((shard) => [...shard.triggers]));
    this.evaluations = new Map(this.planShards.flatMap((shard) => [...shard.evaluations]));
    this.routingControlRecords = new Map(
      this.planShards.flatMap((shard) => [...shard.routingControlRecords]),
    );
    this.grantPlanAccess(plans);

    this.operations = new OperationsDashboard(this, 'Operations', {
      stateMachine: this.stateMachine,
      topic: this.topic,
      alarms: [this.executionEnded.alarm],
    });

    this.eksAccessStacks = this.createEksAccessStacks(plans, kubeRoleName, kubernetesGroup);
    acknowledgeExplainedFindings({
      kubeWorkerRole: this.kubeWorker.role,
      awsWorkerRole: this.awsWorker.role,
      workflowRole: this.stateMachine.role,
      inVpc: props.vpc !== undefined,
      route53ChangesArn: plans.some(switchesRecords) ? this.route53ChangesArn : undefined,
      alarmsArns: this.alarmsArns,
      routingControlPanels: routingControlPanels(plans),
      executionsPolicy,
      executionsArn,
      executionEndedDeadLetters: this.executionEnded.deadLetterQueue,
    });
  }

  /**
   * One schedule group for every plan's readiness schedule, and the role they invoke the
   * Kubernetes worker as: an identity policy of one statement, where a rule per plan added a
   * statement per plan to the worker's resource policy.
   */
  private createEvaluationSchedules() {
    const stack = Stack.of(this);
    const group = new CfnScheduleGroup(this, 'ReadinessSchedules', {
      name: Names.uniqueResourceName(this, { maxLength: 64, separator: '-' }),
    });
    const schedulerRole = new Role(this, 'ReadinessSchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': stack.formatArn({
              service: 'scheduler',
              resource: 'schedule',
              resourceName: `${group.ref}/*`,
            }),
          },
        },
      }),
    });
    schedulerRole.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.kubeWorker.functionArn] }),
    );
    return { schedulerRole, scheduleGroupName: group.ref };
  }

  /** Each function may touch only what the plans name. */
  private grantPlanAccess(plans: Plan[]): void {
    const stack = Stack.of(this);

    const clusterArns = unique(
      plans
        .flatMap((plan) => [plan.clusters.upstream.eks, plan.clusters.downstream.eks])
        .flatMap((eks) =>
          eks
            ? [
                stack.formatArn({
                  service: 'eks',
                  region: eks.region,
                  resource: 'cluster',
                  resourceName: eks.name,
                }),
              ]
            : [],
        ),
    );
    this.kubeWorker.addToRolePolicy(
      new PolicyStatement({ actions: ['eks:DescribeCluster'], resources: clusterArns }),
    );

    this.awsWorker.addToRolePolicy(
      new PolicyStatement({ actions: ['cloudwatch:DescribeAlarms'], resources: this.alarmsArns }),
    );

    const recordPlans = plans.filter(switchesRecords);
    if (recordPlans.length > 0) this.grantRecordChanges(recordPlans);
    this.grantRoutingControls(plans);

    // Not topic.grantPublish(): it grants kms:GenerateDataKey*, a wildcard; SNS calls GenerateDataKey.
    this.awsWorker.addToRolePolicy(
      new PolicyStatement({ actions: ['sns:Publish'], resources: [this.topic.topicArn] }),
    );
    this.grantKeyUse();
  }

  /**
   * Changing the records of the plans that switch by record changes, in their zones only. A plan
   * that switches with routing controls is granted nothing on its records: the stack owns them,
   * and its flip reads and sets controls only.
   */
  private grantRecordChanges(plans: Plan[]): void {
    const stack = Stack.of(this);
    const route53Arn = (resource: string, resourceName: string) =>
      stack.formatArn({ service: 'route53', region: '', account: '', resource, resourceName });
    const plansByZone = new Map<string, Plan[]>();
    for (const plan of plans)
      plansByZone.set(plan.dns.hostedZoneId, [...(plansByZone.get(plan.dns.hostedZoneId) ?? []), plan]);
    for (const [zoneId, zonePlans] of plansByZone) {
      for (const records of recordGroups(zonePlans)) {
        this.awsWorker.addToRolePolicy(
          new PolicyStatement({
            actions: ['route53:ChangeResourceRecordSets'],
            resources: [route53Arn('hostedzone', zoneId)],
            conditions: {
              'ForAllValues:StringEquals': {
                'route53:ChangeResourceRecordSetsNormalizedRecordNames': unique(
                  records.map((record) => normalizedRecordName(record.name)),
                ),
                'route53:ChangeResourceRecordSetsRecordTypes': unique(records.map((record) => record.type)),
                // DELETE only for the access probe before any change (CheckTrafficSwitch): it deletes a
                // reserved value the record never holds, which Route 53 refuses after authorizing it
                // (adapters/route53-dns.ts), so a missing permission halts the run before the fence.
                'route53:ChangeResourceRecordSetsActions': ['UPSERT', 'DELETE'],
              },
            },
          }),
        );
      }
    }
    this.awsWorker.addToRolePolicy(
      new PolicyStatement({
        actions: ['route53:ListResourceRecordSets'],
        resources: [...plansByZone.keys()].map((zoneId) => route53Arn('hostedzone', zoneId)),
      }),
    );
    // Change ids are not known in advance.
    this.awsWorker.addToRolePolicy(
      new PolicyStatement({ actions: ['route53:GetChange'], resources: [this.route53ChangesArn] }),
    );
  }

  /**
   * Reading and setting the routing controls of the control panels that hold the plans' controls.
   * IAM names a routing control by its ARN, and two per plan filled a role's ten managed policies
   * at about 180 plans; a panel's controls are one resource, so the grant grows with the panels,
   * not the plans. The orchestrator only ever sets a plan's own two controls
   * (steps/routing-control-switch.ts); docs/deploy.md asks for panels of the orchestrator's own.
   */
  private grantRoutingControls(plans: Plan[]): void {
    const panels = routingControlPanels(plans);
    for (let i = 0; i < panels.length; i += CONTROL_PANELS_PER_STATEMENT)
      this.awsWorker.addToRolePolicy(
        new PolicyStatement({
          actions: ROUTING_CONTROL_ACTIONS,
          resources: panels.slice(i, i + CONTROL_PANELS_PER_STATEMENT),
        }),
      );
  }

  /**
   * The stack's own topic key encrypts the topic alone, so the AWS worker may use it directly. A
   * key given by ARN may protect other data too: each worker may use it only through the services
   * that hold what it reads and writes (the journal; for the AWS worker also the topic and the
   * dead-letter queue of its failed invocations).
   */
  private grantKeyUse(): void {
    if (!this.encryptionKey) {
      this.awsWorker.addToRolePolicy(
        new PolicyStatement({ actions: KEY_ACTIONS, resources: [this.topicKey.keyArn] }),
      );
      return;
    }
    const stack = Stack.of(this);
    const through = (...services: string[]) => ({
      StringEquals: {
        'kms:ViaService': services.map((service) => `${service}.${stack.region}.${stack.urlSuffix}`),
      },
    });
    this.kubeWorker.addToRolePolicy(
      new PolicyStatement({
        actions: KEY_ACTIONS,
        resources: [this.encryptionKey.keyArn],
        conditions: through('dynamodb'),
      }),
    );
    this.awsWorker.addToRolePolicy(
      new PolicyStatement({
        actions: KEY_ACTIONS,
        resources: [this.encryptionKey.keyArn],
        conditions: through('dynamodb', 'sns', 'sqs'),
      }),
    );
  }

  /**
   * A customer managed key, because CloudWatch alarm actions publish to the
   * topic and the AWS managed SNS key's policy cannot admit them. Its policy references no
   * resource of the stack: the topic names the key, so the key cannot name the topic.
   */
  private createTopicKey(removalPolicy: RemovalPolicy): Key {
    const key = new Key(this, 'NotificationsKey', {
      description: 'Encrypts the failover orchestrator notifications topic',
      enableKeyRotation: true,
      removalPolicy,
    });
    // What SNS asks KMS for on a publisher's behalf: a data key for a topic of this account and Region.
    const forTopicsOfThisAccount = {
      StringLike: {
        'kms:EncryptionContext:aws:sns:topicArn': Stack.of(this).formatArn({ service: 'sns', resource: '*' }),
      },
    };
    key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AlarmActionsPublishToTheTopic',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: KEY_ACTIONS,
        // In a key policy, "*" is this key.
        resources: ['*'],
        conditions: { ...this.fromAlarmsOfThisAccount(), ...forTopicsOfThisAccount },
      }),
    );
    return key;
  }

  /** CloudWatch acting for an alarm of this account and Region. */
  private fromAlarmsOfThisAccount() {
    const stack = Stack.of(this);
    return {
      ArnLike: {
        'aws:SourceArn': stack.formatArn({
          service: 'cloudwatch',
          resource: 'alarm',
          resourceName: '*',
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      },
      StringEquals: { 'aws:SourceAccount': stack.account },
    };
  }

  /** One stack per region of the plans' clusters, deployed after this one (the role must exist). */
  private createEksAccessStacks(
    plans: Plan[],
    roleName: string,
    kubernetesGroup: string,
  ): Map<string, EksAccessStack> {
    const stack = Stack.of(this);
    const stage = Stage.of(this);
    if (!stage)
      throw new Error(
        'FailoverOrchestrator: its stack must belong to an App or Stage, where the EKS access stacks are added',
      );
    const clustersByRegion = new Map<string, string[]>();
    for (const plan of plans) {
      for (const eks of [plan.clusters.upstream.eks, plan.clusters.downstream.eks]) {
        if (eks)
          clustersByRegion.set(eks.region, unique([...(clustersByRegion.get(eks.region) ?? []), eks.name]));
      }
    }
    return new Map(
      [...clustersByRegion].map(([region, clusterNames]) => {
        const accessStack = new EksAccessStack(
          stage,
          `${stack.node.id}-${this.node.id}-eks-access-${region}`,
          {
            // An environment-agnostic stack deploys to the account of the credentials: so do these.
            env: { region, ...(Token.isUnresolved(stack.account) ? {} : { account: stack.account }) },
            description: `EKS access entries of the failover orchestrator's Kubernetes worker in ${region} (stack ${stack.stackName})`,
            clusterNames,
            roleName,
            kubernetesGroup,
          },
        );
        accessStack.addStackDependency(
          stack,
          'the access entries name the Kubernetes worker role, which must exist first',
        );
        return [region, accessStack] as const;
      }),
    );
  }

  // Under /aws/vendedlogs/ Step Functions needs no entry in the account's size-limited CloudWatch
  // Logs resource policy. The stack id's GUID keeps the name unique per stack creation, so a
  // retained group of a deleted stack never blocks a new one.
  private vendedLogGroupName(): string {
    const stackGuid = Fn.select(2, Fn.split('/', Aws.STACK_ID));
    return `/aws/vendedlogs/states/${Names.uniqueResourceName(this, { maxLength: 200 })}-${stackGuid}`;
  }
}

/**
 * A worker's execution role: its own log group only (AWSLambdaBasicExecutionRole would allow
 * every log group of the account); the grants that follow add what the worker calls.
 */
function workerRole(scope: Construct, id: string, logGroup: LogGroup, roleName?: string): Role {
  const role = new Role(scope, id, {
    assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
    ...(roleName ? { roleName } : {}),
  });
  role.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn],
    }),
  );
  return role;
}

/** The plans' catalogue, as the workers will read it; throws with every problem of the plan set. */
function checkPlans(plans: Plan[], regions: readonly string[] | undefined): PlanCatalogue {
  if (plans.length === 0)
    throw new Error('FailoverOrchestrator: no plans; pass at least one validated plan (loadPlan)');
  const problems = planRegionProblems(plans, regions);
  let catalogue: PlanCatalogue = { plans: {}, triggers: {} };
  try {
    catalogue = planCatalogue(plans);
  } catch (err) {
    problems.push((err as Error).message);
  }
  for (const plan of plans) {
    for (const side of ['upstream', 'downstream'] as const) {
      if (!plan.clusters[side].eks) {
        problems.push(
          `plan ${plan.name}: clusters.${side} has no \`eks\` entry (name and region); the deployed workflow reaches clusters through EKS`,
        );
      }
    }
  }
  if (problems.length > 0) throw new Error(`FailoverOrchestrator: ${problems.join('; ')}`);
  return catalogue;
}

function checkProps(props: FailoverOrchestratorProps, kubernetesGroup: string, stackRegion: string): void {
  const problems = [
    ...(!props.vpc && (props.vpcSubnets || props.securityGroups)
      ? ['vpcSubnets and securityGroups need a vpc']
      : []),
    ...[checkKubernetesGroup(kubernetesGroup)]
      .filter((p): p is string => p !== undefined)
      .map((p) => `kubernetesGroup: ${p}`),
    ...[
      props.encryptionKeyArn === undefined
        ? undefined
        : encryptionKeyArnProblem(
            props.encryptionKeyArn,
            Token.isUnresolved(stackRegion) ? undefined : stackRegion,
          ),
      multiRegionKeyProblem(props.multiRegion?.regions, props.encryptionKeyArn),
    ].filter((p): p is string => p !== undefined),
    ...(props.multiRegion && !props.multiRegion.regions.includes(stackRegion)
      ? [
          `multiRegion: the stack's Region (${Token.isUnresolved(stackRegion) ? 'decided at deployment' : stackRegion}) is not one of ${props.multiRegion.regions.join(', ')}; set the stack's env region to one of them`,
        ]
      : []),
  ];
  if (problems.length > 0) throw new Error(`FailoverOrchestrator: ${problems.join('; ')}`);
}

// A key's ARN, not an alias's: CloudWatch Logs accepts key ARNs only. Key ids are UUIDs, or
// `mrk-` and 32 hex digits for multi-Region keys.
const KEY_ARN =
  /^arn:aws(?:-[a-z]+)*:kms:([a-z]{2}(?:-[a-z]+)+-\d+):\d{12}:key\/(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;

/**
 * What is wrong with `encryptionKeyArn` for a stack in `region` (undefined while the stack's Region
 * is decided only at deployment), or undefined. The table, the topic, the queue and the log groups
 * can only use a key of their own Region.
 */
export function encryptionKeyArnProblem(value: string, region: string | undefined): string | undefined {
  // A reference (a parameter, an import) is known only at deployment.
  if (Token.isUnresolved(value)) return undefined;
  const expected = `expected the ARN of a symmetric KMS key${region ? ` in ${region}` : " in the stack's Region"}, arn:<partition>:kms:<region>:<account>:key/<key id> (a key, not an alias)`;
  const keyRegion = KEY_ARN.exec(value)?.[1];
  if (keyRegion === undefined)
    return `encryptionKeyArn: ${JSON.stringify(value)} is not a KMS key ARN; ${expected}`;
  if (region !== undefined && keyRegion !== region)
    return `encryptionKeyArn: ${value} is a key in ${keyRegion}, but the stack deploys to ${region}; ${expected}`;
  return undefined;
}

/** Characters of record names per statement: several statements fit one of IAM's 6,144-character managed policies. */
const RECORD_NAMES_PER_STATEMENT = 2_000;

/**
 * A zone's plans' records in groups of whole plans, each group small enough for one statement:
 * CDK moves statements that overflow the role's inline policy into managed policies, but cannot
 * split one. A plan's records stay together, as a flip changes them in one batch, which a
 * ForAllValues condition allows only if one statement names them all.
 */
const recordGroups = (plans: Plan[]): Array<Plan['dns']['records']> => {
  const groups: Array<Plan['dns']['records']> = [];
  let chars = Infinity;
  for (const plan of plans) {
    const planChars = plan.dns.records.reduce((n, record) => n + record.name.length + 3, 0);
    if (chars + planChars > RECORD_NAMES_PER_STATEMENT) {
      groups.push([]);
      chars = 0;
    }
    groups.at(-1)!.push(...plan.dns.records);
    chars += planChars;
  }
  return groups;
};

const switchesRecords = (plan: Plan) => plan.dns.switch.via === 'records';

/** What Route 53 compares the NormalizedRecordNames condition with: lower case, no final dot. */
const normalizedRecordName = (name: string) => name.toLowerCase().replace(/\.$/, '');

const unique = <T>(values: T[]): T[] => [...new Set(values)];
