// The deployed shape, read from ONE synthesized app (synth bundles both functions with esbuild, so
// it runs once). Assertions are about behaviour: what the workflow runs, what starts it with which
// input, what people are told, what each function is allowed to touch, and what cdk-nag finds.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { App, CfnElement, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Vpc } from 'aws-cdk-lib/aws-ec2';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { FailoverOrchestrator } from '../../infra/failover-orchestrator.js';
import { FailoverOrchestratorStack } from '../../infra/failover-stack.js';
import { checkDefinitionPlaceholders, workflowDefinitionFile } from '../../infra/workflow-definition.js';
import { sdkActionsCalledBy, trafficSwitchActions } from './sdk-actions.js';
import { journalTableKeys } from '../../lambdas/adapters/dynamodb-journal.js';
import { awsWorkerSteps } from '../../lambdas/handlers/aws-worker.js';
import { kubeWorkerSteps } from '../../lambdas/handlers/kube-worker.js';
import { parseStepEvent } from '../../lambdas/handlers/step-event.js';
import { alarmEventSchema } from '../../lambdas/plan/alarm-event.js';
import { loadPlan, parsePlan } from '../../lambdas/plan/load-plan.js';
import { PLAN_CATALOGUE_FILE, planCatalogue } from '../../lambdas/plan/plan-catalogue.js';
import { planRef } from '../../lambdas/plan/plan-ref.js';
import { publishedPlans } from '../../local/published-plans.js';
import type { Plan } from '../../lambdas/plan/schema.js';
import { METRICS_NAMESPACE } from '../../lambdas/ports/metrics.js';

const repoPath = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const cdkContext = JSON.parse(readFileSync(repoPath('cdk.json'), 'utf8')).context as Record<string, unknown>;

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';

type Json = Record<string, any>;

// Renders the intrinsics CDK uses in ARNs, as CloudFormation would in ACCOUNT and REGION.
const render = (value: unknown): string => {
  if (typeof value === 'string') return value;
  const v = value as Json;
  if (v['Fn::Join']) return (v['Fn::Join'][1] as unknown[]).map(render).join(v['Fn::Join'][0]);
  if (v.Ref)
    return (
      (
        { 'AWS::Partition': 'aws', 'AWS::AccountId': ACCOUNT, 'AWS::Region': REGION } as Record<
          string,
          string
        >
      )[v.Ref] ?? `ref:${v.Ref}`
    );
  if (v['Fn::GetAtt']) return `getatt:${v['Fn::GetAtt'].join('.')}`;
  throw new Error(`cannot render ${JSON.stringify(value)}`);
};
/** A policy statement's Condition with every value rendered. */
const renderConditions = (condition: Json | undefined) =>
  condition &&
  Object.fromEntries(
    Object.entries(condition).map(([operator, keys]) => [
      operator,
      Object.fromEntries(
        Object.entries(keys as Json).map(([key, value]) => [
          key,
          Array.isArray(value) ? value.map(render) : render(value),
        ]),
      ),
    ]),
  );
const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
const unique = <T>(values: T[]): T[] => [...new Set(values)];

// Actions IAM offers on "*" only; any other action must name its resources.
const ACTIONS_WITHOUT_RESOURCE_LEVEL_PERMISSIONS = new Set([
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
]);

interface Statement {
  actions: string[];
  resources: string[];
  condition?: Json;
}

const alarmEvent = {
  version: '0',
  id: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
  'detail-type': 'CloudWatch Alarm State Change',
  source: 'aws.cloudwatch',
  account: ACCOUNT,
  time: '2026-03-01T10:00:00Z',
  region: REGION,
  resources: [`arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:orders-rabbitmq-upstream-unhealthy`],
  detail: {
    alarmName: 'orders-rabbitmq-upstream-unhealthy',
    state: {
      value: 'ALARM',
      reason: 'Threshold Crossed: 3 out of the last 3 datapoints were less than the threshold (1.0).',
      timestamp: '2026-03-01T10:00:00.000+0000',
    },
    previousState: { value: 'OK', reason: 'Threshold Crossed', timestamp: '2026-03-01T09:00:00.000+0000' },
    configuration: {
      metrics: [
        {
          id: 'm1',
          metricStat: {
            metric: { namespace: 'RabbitMQ', name: 'HealthyNodes' },
            period: 60,
            stat: 'Minimum',
          },
        },
      ],
    },
  },
};

/** What EventBridge Scheduler puts in place of its context attributes for one run. */
const scheduledRun = { executionId: '89d1a02d-5ec7-412e-82f5-13505f849b41', time: '2026-03-01T10:30:00Z' };

/** A second plan in another zone and with other clusters, whose alarms only start it when two agree. */
const compositePlan = (example: Plan): Plan =>
  parsePlan({
    ...example,
    name: 'payments-rabbitmq',
    clusters: {
      upstream: { eks: { name: 'pay-a', region: 'eu-west-1' } },
      downstream: { eks: { name: 'pay-b', region: 'eu-north-1' } },
    },
    dns: {
      ...example.dns,
      hostedZoneId: 'Z9876543210ZYXWVUTSRQ',
      records: [{ ...example.dns.records[0]!, name: 'amqp.payments.example.com' }],
    },
    triggers: {
      alarms: [
        { name: 'payments-upstream-health-check' },
        {
          name: 'payments-upstream-queue-stalled',
          define: {
            metric: {
              namespace: 'ContainerInsights/Prometheus',
              name: 'rabbitmq_queue_messages_ready',
              dimensions: { Namespace: 'payments' },
              statistic: 'Maximum',
              periodSeconds: 60,
            },
            comparison: 'GreaterThanThreshold',
            threshold: 10000,
            evaluationPeriods: 5,
            datapointsToAlarm: 3,
            treatMissingData: 'notBreaching',
          },
        },
      ],
      composite: { name: 'payments-upstream-down' },
    },
    evaluation: { everyMinutes: 15 },
  });

describe('FailoverOrchestratorStack', () => {
  let outdir: string;
  let plan: Plan;
  let payments: Plan;
  let app: App;
  let stack: FailoverOrchestratorStack;
  let assembly: CloudAssembly;
  let template: Template;
  let resources: Record<string, Json>;

  const logicalId = (construct: IConstruct) =>
    Stack.of(construct).getLogicalId(
      construct instanceof CfnElement ? construct : (construct.node.defaultChild as CfnElement),
    );
  const orchestrator = () => stack.orchestrator;
  /** The nested stack that holds a plan's alarms and schedule, and its template. */
  const shardOf = (name: string) => orchestrator().planShards.find((shard) => shard.triggers.has(name))!;
  const shardResources = (name: string) =>
    Template.fromStack(shardOf(name)).toJSON().Resources as Record<string, Json>;
  /** A value the orchestrator's stack hands a nested stack, by the parameter that carries it. */
  const passedToShard = (name: string, value: Json) => {
    const nested = resources[logicalId(shardOf(name).nestedStackResource!)]!.Properties.Parameters as Json;
    return Object.keys(nested).find((key) => JSON.stringify(nested[key]) === JSON.stringify(value));
  };
  const asset = (name: string) => join(outdir, `asset.${name}`);
  const templateOf = (s: Stack) => assembly.getStackArtifact(s.artifactId).template as Json;
  const allTemplates = () => assembly.stacks.map((s) => s.template as Json);

  /** Every Allow statement of the role's policies, with ARNs rendered. */
  const statementsOf = (role: IConstruct): Statement[] =>
    Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((policy) => (policy.Properties.Roles as Json[]).some((ref) => ref.Ref === logicalId(role)))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Json[])
      .filter((statement) => statement.Effect === 'Allow')
      .map((statement) => ({
        actions: asList(statement.Action),
        resources: asList(statement.Resource).map(render),
        condition: statement.Condition,
      }));
  const grantedTo = (role: IConstruct, action: string) =>
    statementsOf(role).filter((statement) => statement.actions.includes(action));

  beforeAll(async () => {
    outdir = mkdtempSync(join(tmpdir(), 'failover-infra-'));
    plan = await loadPlan(repoPath('examples/plans/rabbitmq-standby.yaml'));
    payments = compositePlan(plan);
    app = new App({ outdir, context: cdkContext });
    stack = new FailoverOrchestratorStack(app, 'FailoverOrchestratorStack', { plans: [plan, payments] });
    assembly = app.synth();
    template = Template.fromJSON(templateOf(stack));
    resources = template.toJSON().Resources;
  });

  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  describe('the workflow', () => {
    it('is the ASL file itself, uploaded unchanged, with both worker ARNs substituted', () => {
      const definitionText = readFileSync(workflowDefinitionFile, 'utf8');
      const machine = resources[logicalId(orchestrator().stateMachine)]!.Properties;
      expect(machine.DefinitionString).toBeUndefined();
      expect(readFileSync(asset(machine.DefinitionS3Location.Key), 'utf8')).toBe(definitionText);

      const placeholders = unique([...definitionText.matchAll(/\$\{([^}]+)\}/g)].map((m) => m[1]));
      expect(Object.keys(machine.DefinitionSubstitutions).sort()).toEqual(placeholders.sort());
      expect(machine.DefinitionSubstitutions).toMatchObject({
        AwsWorkerArn: { 'Fn::GetAtt': [logicalId(orchestrator().awsWorker), 'Arn'] },
        KubeWorkerArn: { 'Fn::GetAtt': [logicalId(orchestrator().kubeWorker), 'Arn'] },
      });
    });

    it('sends every Task to the function whose handler runs that step', () => {
      const states = JSON.parse(readFileSync(workflowDefinitionFile, 'utf8')).States as Record<string, Json>;
      const stepsOf: Record<string, readonly string[]> = {
        '${AwsWorkerArn}': awsWorkerSteps,
        '${KubeWorkerArn}': kubeWorkerSteps,
      };
      const tasks = Object.entries(states).filter(
        ([, state]) => state.Type === 'Task' && stepsOf[state.Parameters?.FunctionName ?? state.Resource],
      );
      expect(tasks.length).toBeGreaterThan(0);
      for (const [name, state] of tasks) {
        const fn = state.Parameters?.FunctionName ?? state.Resource;
        const step = state.Parameters?.Payload?.step ?? state.Parameters?.step;
        expect({ state: name, step, handled: stepsOf[fn]?.includes(step) ?? false }).toEqual({
          state: name,
          step,
          handled: true,
        });
      }
    });

    it('runs as a Standard state machine with X-Ray tracing, logging every state under /aws/vendedlogs/ without execution data: the task token never reaches the logs', () => {
      template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        StateMachineType: 'STANDARD',
        TracingConfiguration: { Enabled: true },
        LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: false }),
      });
      // Why it matters: the approval task hands its token to the worker in its input.
      expect(readFileSync(workflowDefinitionFile, 'utf8')).toContain('"$$.Task.Token"');
      const machine = resources[logicalId(orchestrator().stateMachine)]!.Properties;
      const logGroupId =
        machine.LoggingConfiguration.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn['Fn::GetAtt'][0];
      expect(resources[logGroupId]!.Properties.RetentionInDays).toBe(90);
      expect(render(resources[logGroupId]!.Properties.LogGroupName['Fn::Join'][1][0])).toMatch(
        /^\/aws\/vendedlogs\/states\//,
      );
    });

    it('one state machine serves every plan', () => {
      template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    });

    it('may invoke the two workers, unqualified, and nothing else', () => {
      const role = orchestrator().stateMachine.role;
      const invokes = grantedTo(role, 'lambda:InvokeFunction');
      const workers = [orchestrator().awsWorker, orchestrator().kubeWorker].map(
        (fn) => `getatt:${logicalId(fn)}.Arn`,
      );
      expect(unique(invokes.flatMap((s) => s.resources)).sort()).toEqual(
        expect.arrayContaining(workers.sort()),
      );
      expect(invokes.flatMap((s) => s.resources).filter((arn) => arn.endsWith(':*'))).toEqual([]);
    });
  });

  describe('the workers', () => {
    it.each<['kubeWorker' | 'awsWorker', number, number]>([
      ['kubeWorker', 900, 1769],
      ['awsWorker', 600, 512],
    ])(
      '%s: Node.js 22+ on arm64, an ESM bundle, %i s timeout, %i MB, Powertools settings, its own logs',
      (name, timeout, memory) => {
        const fn = resources[logicalId(orchestrator()[name])]!.Properties;
        expect(Number(/^nodejs(\d+)\.x$/.exec(fn.Runtime)?.[1])).toBeGreaterThanOrEqual(22);
        expect(fn.Architectures).toEqual(['arm64']);
        expect(fn.Timeout).toBe(timeout);
        expect(fn.MemorySize).toBe(memory);
        expect(fn.TracingConfig).toEqual({ Mode: 'Active' });
        expect(fn.Environment.Variables).toMatchObject({
          JOURNAL_TABLE: { Ref: logicalId(orchestrator().journalTable) },
          POWERTOOLS_SERVICE_NAME: 'failover-orchestrator',
          POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
          POWERTOOLS_LOG_LEVEL: 'INFO',
          NODE_OPTIONS: '--enable-source-maps',
        });
        expect(fn.Handler).toBe('index.handler');
        const bundle = asset(fn.Code.S3Key.replace(/\.zip$/, ''));
        expect(readFileSync(join(bundle, 'index.mjs'), 'utf8')).toMatch(
          /^import \{ createRequire \} from 'module'; const require = createRequire\(import\.meta\.url\);/,
        );
        expect(
          JSON.parse(readFileSync(join(bundle, 'index.mjs.map'), 'utf8')).mappings.length,
        ).toBeGreaterThan(0);
        const logGroupId = fn.LoggingConfig.LogGroup.Ref;
        expect(resources[logGroupId]!.Properties.RetentionInDays).toBe(90);
        // Its role writes to its own log group only (no AWSLambdaBasicExecutionRole).
        const role = orchestrator()[name].role!;
        expect(resources[logicalId(role)]!.Properties.ManagedPolicyArns).toBeUndefined();
        expect(grantedTo(role, 'logs:PutLogEvents').flatMap((s) => s.resources)).toEqual([
          `getatt:${logGroupId}.Arn`,
        ]);
      },
    );

    it('only the AWS worker knows the topic; neither is in a VPC unless asked', () => {
      expect(
        resources[logicalId(orchestrator().awsWorker)]!.Properties.Environment.Variables.TOPIC_ARN,
      ).toEqual({ Ref: logicalId(orchestrator().topic) });
      expect(
        resources[logicalId(orchestrator().kubeWorker)]!.Properties.Environment.Variables.TOPIC_ARN,
      ).toBeUndefined();
      for (const fn of [orchestrator().awsWorker, orchestrator().kubeWorker])
        expect(resources[logicalId(fn)]!.Properties.VpcConfig).toBeUndefined();
    });
  });

  describe('the triggers', () => {
    const alarmArn = (name: string) => `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}`;
    const workerArn = () => ({ 'Fn::GetAtt': [logicalId(orchestrator().awsWorker), 'Arn'] });
    const rule = () => resources[logicalId(orchestrator().trigger.rule)]!.Properties;

    it("one rule, whatever the number of plans, hands the ALARM of any of this account's alarms, whole, to the AWS worker, with retries and the dead-letter queue", () => {
      template.resourceCountIs('AWS::Events::Rule', 2); // this one and the execution-ended rule
      expect({
        ...rule().EventPattern,
        resources: [{ prefix: render(rule().EventPattern.resources[0].prefix) }],
      }).toEqual({
        source: ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        resources: [{ prefix: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:` }],
        detail: { state: { value: ['ALARM'] } },
      });
      expect(rule().Targets).toEqual([
        expect.objectContaining({
          Arn: workerArn(),
          RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
          DeadLetterConfig: {
            Arn: { 'Fn::GetAtt': [logicalId(orchestrator().executionEnded.deadLetterQueue), 'Arn'] },
          },
        }),
      ]);
      expect(rule().Targets[0].Input ?? rule().Targets[0].InputTransformer).toBeUndefined();
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        Principal: 'events.amazonaws.com',
        FunctionName: workerArn(),
        SourceArn: { 'Fn::GetAtt': [logicalId(orchestrator().trigger.rule), 'Arn'] },
        SourceAccount: { Ref: 'AWS::AccountId' },
      });
    });

    it('the AWS worker starts only this workflow, which it knows by a name fixed at synth', () => {
      const machine = resources[logicalId(orchestrator().stateMachine)]!.Properties;
      const arn = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${machine.StateMachineName}`;
      expect(
        render(
          resources[logicalId(orchestrator().awsWorker)]!.Properties.Environment.Variables.STATE_MACHINE_ARN,
        ),
      ).toBe(arn);
      expect(
        grantedTo(orchestrator().awsWorker.role!, 'states:StartExecution').flatMap((s) => s.resources),
      ).toEqual([arn]);
      expect(grantedTo(orchestrator().kubeWorker.role!, 'states:StartExecution')).toEqual([]);
    });

    it('both workers carry the validated plans, and which plan each triggering alarm starts', () => {
      for (const worker of [orchestrator().awsWorker, orchestrator().kubeWorker]) {
        const bundle = asset(resources[logicalId(worker)]!.Properties.Code.S3Key.replace(/\.zip$/, ''));
        expect(JSON.parse(readFileSync(join(bundle, PLAN_CATALOGUE_FILE), 'utf8'))).toEqual(
          JSON.parse(JSON.stringify(planCatalogue([plan, payments]))),
        );
      }
      // With a composite, its members alone start nothing.
      expect(planCatalogue([plan, payments]).triggers).toEqual({
        'orders-rabbitmq-upstream-unhealthy': plan.name,
        'orders-rabbitmq-upstream-nodes-missing': plan.name,
        'payments-upstream-down': payments.name,
      });
    });

    it('create the alarms a plan defines, as it defines them, and only those, in the plan’s nested stack', () => {
      const alarms = [plan.name, payments.name].flatMap((name) =>
        Object.values(shardResources(name)).filter((r) => r.Type === 'AWS::CloudWatch::Alarm'),
      );
      expect(alarms).toHaveLength(2 + 2); // defined, readiness per plan
      expect(alarms.map((a) => a.Properties)).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            AlarmName: 'orders-rabbitmq-upstream-nodes-missing',
            Namespace: 'ContainerInsights/Prometheus',
            MetricName: 'rabbitmq_identity_info',
            Dimensions: [
              { Name: 'ClusterName', Value: 'site-a' },
              { Name: 'Namespace', Value: 'vmware-rabbitmq' },
            ],
            Statistic: 'SampleCount',
            Period: 60,
            ComparisonOperator: 'LessThanThreshold',
            Threshold: 3,
            EvaluationPeriods: 3,
            DatapointsToAlarm: 3,
            TreatMissingData: 'breaching',
          }),
          expect.objectContaining({
            AlarmName: 'payments-upstream-queue-stalled',
            Statistic: 'Maximum',
            ComparisonOperator: 'GreaterThanThreshold',
            Threshold: 10000,
            EvaluationPeriods: 5,
            DatapointsToAlarm: 3,
            TreatMissingData: 'notBreaching',
          }),
        ]),
      );
      expect(alarms.map((a) => a.Properties.AlarmName)).not.toContain('orders-rabbitmq-upstream-unhealthy');
      template.resourceCountIs('AWS::CloudWatch::Alarm', 2); // failure, unrecorded events
    });

    it('a composite needs every member in ALARM', () => {
      const composites = Object.values(shardResources(payments.name)).filter(
        (r) => r.Type === 'AWS::CloudWatch::CompositeAlarm',
      );
      expect(composites).toHaveLength(1);
      expect(composites[0]!.Properties.AlarmName).toBe('payments-upstream-down');
      expect(render(composites[0]!.Properties.AlarmRule)).toBe(
        `(ALARM("${alarmArn('payments-upstream-health-check')}") AND ALARM("getatt:${logicalId(orchestrator().triggers.get(payments.name)!.definedAlarms[0]!)}.Arn"))`,
      );
    });

    it('what the worker starts the workflow with passes the workers’ own parsers: the plan by name and hash, the whole alarm event', async () => {
      const input = JSON.parse(JSON.stringify({ plan: planRef(plan), trigger: alarmEvent }));
      const event = await parseStepEvent(
        { step: 'admit', execution: { id: 'exec-1', startedAt: alarmEvent.time }, ...input },
        awsWorkerSteps,
        publishedPlans([plan, payments]),
      );
      expect(event.plan).toEqual(plan);
      expect(alarmEventSchema.parse(event.trigger).detail.alarmName).toBe(
        'orders-rabbitmq-upstream-unhealthy',
      );
    });
  });

  describe('the readiness evaluation', () => {
    it.each([
      ['orders-rabbitmq', 30],
      ['payments-rabbitmq', 15],
    ])(
      '%s: a schedule every %i min, in the one schedule group, runs the evaluate step of the Kubernetes worker with the plan’s name and hash',
      async (name, minutes) => {
        const evaluation = orchestrator().evaluations.get(name)!;
        const schedule = shardResources(name)[logicalId(evaluation.schedule)]!.Properties;
        expect(schedule.ScheduleExpression).toBe(`rate(${minutes} minutes)`);
        expect(schedule.FlexibleTimeWindow).toEqual({ Mode: 'OFF' });
        expect(
          passedToShard(name, { Ref: logicalId(orchestrator().node.findChild('ReadinessSchedules')) }),
        ).toBe(schedule.GroupName.Ref);
        const { Arn, RoleArn, RetryPolicy, Input } = schedule.Target;
        expect(passedToShard(name, { 'Fn::GetAtt': [logicalId(orchestrator().kubeWorker), 'Arn'] })).toBe(
          Arn.Ref,
        );
        expect(RetryPolicy).toEqual({ MaximumRetryAttempts: 0 });
        const input = JSON.parse(
          (Input as string)
            .replace('<aws.scheduler.execution-id>', scheduledRun.executionId)
            .replace('<aws.scheduler.scheduled-time>', scheduledRun.time),
        );
        const event = await parseStepEvent(input, kubeWorkerSteps, publishedPlans([plan, payments]));
        expect(event).toMatchObject({
          step: 'evaluate',
          execution: { id: `evaluation-${scheduledRun.executionId}`, startedAt: scheduledRun.time },
        });
        expect(event.plan.name).toBe(name);
        expect(RoleArn.Ref).toBeDefined();
      },
    );

    it('the schedules invoke the Kubernetes worker with a role of their own, and the worker’s resource policy does not grow with the plans', () => {
      const [roleId, ...others] = Object.entries(resources)
        .filter(
          ([, r]) =>
            r.Type === 'AWS::IAM::Role' &&
            r.Properties.AssumeRolePolicyDocument.Statement.some(
              (s: Json) => s.Principal?.Service === 'scheduler.amazonaws.com',
            ),
        )
        .map(([id]) => id);
      expect(others).toEqual([]);
      const trust = resources[roleId!]!.Properties.AssumeRolePolicyDocument.Statement[0];
      expect(renderConditions(trust.Condition)).toEqual({
        StringEquals: { 'aws:SourceAccount': ACCOUNT },
        ArnLike: {
          'aws:SourceArn': `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/ref:${logicalId(orchestrator().node.findChild('ReadinessSchedules'))}/*`,
        },
      });
      expect(
        Object.values(template.findResources('AWS::IAM::Policy'))
          .filter((p) => (p.Properties.Roles as Json[]).some((r) => r.Ref === roleId))
          .flatMap((p) => p.Properties.PolicyDocument.Statement),
      ).toEqual([
        {
          Action: 'lambda:InvokeFunction',
          Effect: 'Allow',
          Resource: { 'Fn::GetAtt': [logicalId(orchestrator().kubeWorker), 'Arn'] },
        },
      ]);
      expect(
        Object.values(template.findResources('AWS::Lambda::Permission')).filter(
          (p) =>
            JSON.stringify(p.Properties.FunctionName) ===
            JSON.stringify({ 'Fn::GetAtt': [logicalId(orchestrator().kubeWorker), 'Arn'] }),
        ),
      ).toEqual([]);
    });

    it('an alarm per plan raises when an evaluation within two intervals was not ready, or none ran, and tells the topic', () => {
      const alarm = shardResources(plan.name)[logicalId(orchestrator().evaluations.get(plan.name)!.alarm)]!
        .Properties;
      const topic = { Ref: passedToShard(plan.name, { Ref: logicalId(orchestrator().topic) }) };
      expect(alarm).toMatchObject({
        Namespace: METRICS_NAMESPACE,
        MetricName: 'StandbyReady',
        Dimensions: [{ Name: 'plan', Value: 'orders-rabbitmq' }],
        Statistic: 'Minimum',
        Period: 3600,
        ComparisonOperator: 'LessThanThreshold',
        Threshold: 1,
        EvaluationPeriods: 1,
        TreatMissingData: 'breaching',
        AlarmActions: [topic],
        OKActions: [topic],
      });
      expect(alarm.AlarmDescription).toContain('failover check');
    });
  });

  describe('executions that end outside the workflow’s own Catch', () => {
    const ended = () => orchestrator().executionEnded;
    const queueArn = () => ({ 'Fn::GetAtt': [logicalId(ended().deadLetterQueue), 'Arn'] });
    const workerArn = () => ({ 'Fn::GetAtt': [logicalId(orchestrator().awsWorker), 'Arn'] });

    it('a rule sends this state machine’s FAILED, TIMED_OUT and ABORTED status changes, whole, to the AWS worker, with retries and a dead-letter queue', () => {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          source: ['aws.states'],
          'detail-type': ['Step Functions Execution Status Change'],
          detail: {
            stateMachineArn: [{ Ref: logicalId(orchestrator().stateMachine) }],
            status: ['FAILED', 'TIMED_OUT', 'ABORTED'],
          },
        },
        Targets: [
          Match.objectLike({
            Arn: workerArn(),
            RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
            DeadLetterConfig: { Arn: queueArn() },
            Input: Match.absent(),
            InputTransformer: Match.absent(),
          }),
        ],
      });
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        Principal: 'events.amazonaws.com',
        FunctionName: workerArn(),
        SourceArn: { 'Fn::GetAtt': [logicalId(ended().rule), 'Arn'] },
        SourceAccount: { Ref: 'AWS::AccountId' },
      });
    });

    it('the event, as Step Functions sends it, is the worker’s execution-ended step for the plan in the execution input', async () => {
      const executionArn = `arn:aws:states:${REGION}:${ACCOUNT}:execution:Workflow:abc`;
      const input = { plan: planRef(plan), trigger: alarmEvent };
      const event = {
        version: '0',
        id: '6d1e2c2a-1b4e-4e0f-9f3e-0c6f4a7f1e11',
        'detail-type': 'Step Functions Execution Status Change',
        source: 'aws.states',
        account: ACCOUNT,
        time: '2026-03-01T10:05:00Z',
        region: REGION,
        resources: [executionArn],
        detail: {
          executionArn,
          stateMachineArn: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:Workflow`,
          name: 'abc',
          status: 'FAILED',
          startDate: Date.parse('2026-03-01T10:00:00.120Z'),
          stopDate: Date.parse('2026-03-01T10:05:00Z'),
          input: JSON.stringify(input),
          inputDetails: { included: true },
          output: null,
          outputDetails: null,
          error: 'States.DataLimitExceeded',
          cause:
            'The state/task returned a result with a size exceeding the maximum number of bytes service limit.',
        },
      };
      expect(await parseStepEvent(event, awsWorkerSteps, publishedPlans([plan, payments]))).toMatchObject({
        step: 'execution-ended',
        execution: { id: executionArn, startedAt: '2026-03-01T10:00:00.120Z' },
        plan,
        ended: { status: 'FAILED', error: 'States.DataLimitExceeded' },
      });
    });

    it('the dead-letter queue is encrypted, refuses plain HTTP, keeps messages 14 days, takes only this rule’s events in this account, and also receives the worker’s failed invocations', () => {
      const queue = resources[logicalId(ended().deadLetterQueue)]!;
      expect(queue.Properties).toMatchObject({
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 14 * 24 * 3600,
      });
      expect(queue.DeletionPolicy).toBe('Retain');
      const policy = Object.values(template.findResources('AWS::SQS::QueuePolicy')).find((p) =>
        (p.Properties.Queues as Json[]).some((q) => q.Ref === logicalId(ended().deadLetterQueue)),
      )!;
      expect(policy.Properties.PolicyDocument.Statement).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
          {
            Sid: expect.any(String),
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Resource: queueArn(),
            Condition: {
              ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [logicalId(ended().rule), 'Arn'] } },
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            },
          },
        ]),
      );
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: logicalId(orchestrator().awsWorker) },
        Qualifier: '$LATEST',
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: queueArn() } },
      });
    });

    it('a message in the dead-letter queue raises an alarm on the topic', () => {
      const alarm = resources[logicalId(ended().alarm)]!.Properties;
      expect(alarm).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [
          { Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(ended().deadLetterQueue), 'QueueName'] } },
        ],
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Threshold: 1,
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: logicalId(orchestrator().topic) }],
      });
    });

    it('the AWS worker may only send to that queue, and needs nothing new to record what Halt could not', () => {
      const role = orchestrator().awsWorker.role!;
      expect(statementsOf(role).filter((s) => s.actions.some((a) => a.startsWith('sqs:')))).toEqual([
        {
          actions: ['sqs:SendMessage'],
          resources: [`getatt:${logicalId(ended().deadLetterQueue)}.Arn`],
          condition: undefined,
        },
      ]);
      expect(
        statementsOf(orchestrator().kubeWorker.role!)
          .flatMap((s) => s.actions)
          .filter((a) => a.startsWith('sqs:')),
      ).toEqual([]);
    });
  });

  describe('operations', () => {
    it('an alarm on executions that failed, halted, timed out or were aborted notifies the topic', () => {
      const alarm = resources[logicalId(orchestrator().operations.failureAlarm)]!.Properties;
      expect(alarm).toMatchObject({
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Threshold: 1,
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
      });
      expect(alarm.AlarmActions).toEqual([{ Ref: logicalId(orchestrator().topic) }]);
      const metrics = alarm.Metrics as Json[];
      expect(metrics.find((m) => m.Expression)!.Expression).toBe('failed + timedOut + aborted');
      const machine = { Name: 'StateMachineArn', Value: { Ref: logicalId(orchestrator().stateMachine) } };
      expect(
        metrics
          .filter((m) => m.MetricStat)
          .map((m) => [
            m.Id,
            m.MetricStat.Metric.MetricName,
            m.MetricStat.Metric.Dimensions,
            m.MetricStat.Stat,
          ]),
      ).toEqual([
        ['failed', 'ExecutionsFailed', [machine], 'Sum'],
        ['timedOut', 'ExecutionsTimedOut', [machine], 'Sum'],
        ['aborted', 'ExecutionsAborted', [machine], 'Sum'],
      ]);
    });

    it('the dashboard shows executions by outcome, recovery time, time per step and readiness, a series per plan, in widgets that do not grow with the plans', () => {
      const body = render(
        resources[logicalId(orchestrator().operations.dashboard)]!.Properties.DashboardBody,
      );
      const widgets = JSON.parse(body).widgets as Json[];
      const titles = widgets.map((w) => w.properties.title).filter(Boolean);
      expect(titles).toEqual([
        'Executions by outcome (all plans)',
        'Alarms',
        'Executions by outcome, per plan',
        'Recovery time per plan (ms)',
        'Standby readiness per plan (1 ready, 0 not)',
        'Time per step, per plan (ms)',
        'Readiness checks per plan (1 passed, 0 failed)',
      ]);
      const expressions = widgets
        .flatMap((w) => (w.properties.metrics ?? []) as unknown[][])
        .map((m) => (m[0] as Json)?.expression)
        .filter(Boolean);
      expect(expressions).toEqual([
        `SEARCH('{${METRICS_NAMESPACE},outcome,plan} MetricName="FailoverExecutions"', 'Sum', 3600)`,
        `SEARCH('{${METRICS_NAMESPACE},plan} MetricName="RecoveryTime"', 'Maximum', 3600)`,
        `SEARCH('{${METRICS_NAMESPACE},plan} MetricName="StandbyReady"', 'Minimum', 3600)`,
        `SEARCH('{${METRICS_NAMESPACE},plan,step} MetricName="StepDuration"', 'Maximum', 3600)`,
        `SEARCH('{${METRICS_NAMESPACE},check,plan} MetricName="ReadinessCheckPassed"', 'Minimum', 3600)`,
      ]);
      expect(body).not.toContain(plan.name);
    });
  });

  describe('Kubernetes access', () => {
    const kubeRoleName = () =>
      resources[logicalId(orchestrator().kubeWorker.role!)]!.Properties.RoleName as string;

    it('an EKS access entry per plan cluster maps the Kubernetes worker role to the group, in the cluster’s region', () => {
      const byRegion = [...orchestrator().eksAccessStacks].map(([region, s]) => {
        const entries = Object.values(
          Template.fromJSON(templateOf(s)).findResources('AWS::EKS::AccessEntry'),
        ).map((e) => e.Properties);
        return {
          region,
          stackRegion: s.region,
          entries: entries.map((e) => ({ ...e, PrincipalArn: render(e.PrincipalArn) })),
        };
      });
      const entry = (cluster: string) => ({
        ClusterName: cluster,
        PrincipalArn: `arn:aws:iam::${ACCOUNT}:role/${kubeRoleName()}`,
        KubernetesGroups: ['failover-orchestrator'],
        Type: 'STANDARD',
      });
      expect(byRegion.sort((a, b) => a.region.localeCompare(b.region))).toEqual([
        { region: 'eu-central-1', stackRegion: 'eu-central-1', entries: [entry('site-b')] },
        { region: 'eu-north-1', stackRegion: 'eu-north-1', entries: [entry('pay-b')] },
        { region: 'eu-west-1', stackRegion: 'eu-west-1', entries: [entry('site-a'), entry('pay-a')] },
      ]);
    });

    it('the access stacks deploy after the role exists', () => {
      for (const accessStack of orchestrator().eksAccessStacks.values())
        expect(accessStack.dependencies).toContain(stack);
      expect(kubeRoleName()).toMatch(/^[\w+=,.@-]{1,64}$/);
    });
  });

  describe('the journal and the topic', () => {
    it('the journal table has the keys and TTL the adapter writes, on demand, with point-in-time recovery', () => {
      const { partitionKey, sortKey, timeToLiveAttribute } = journalTableKeys;
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: [
          { AttributeName: partitionKey, KeyType: 'HASH' },
          { AttributeName: sortKey, KeyType: 'RANGE' },
        ],
        AttributeDefinitions: Match.arrayWith([
          { AttributeName: partitionKey, AttributeType: 'S' },
          { AttributeName: sortKey, AttributeType: 'S' },
        ]),
        TimeToLiveSpecification: { AttributeName: timeToLiveAttribute, Enabled: true },
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      });
      expect(resources[logicalId(orchestrator().journalTable)]!.DeletionPolicy).toBe('Retain');
    });

    /** The statements that admit an AWS service, with their ARNs and conditions rendered. */
    const serviceGrantsIn = (document: Json) =>
      (document.Statement as Json[])
        .filter((s) => s.Principal?.Service)
        .map((s) => ({
          Sid: s.Sid,
          Effect: s.Effect,
          Service: s.Principal.Service,
          Action: s.Action,
          Resource: s.Resource === '*' ? '*' : render(s.Resource),
          Condition: renderConditions(s.Condition),
        }));
    const fromAlarmsOfThisAccount = {
      ArnLike: { 'aws:SourceArn': `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:*` },
      StringEquals: { 'aws:SourceAccount': ACCOUNT },
    };

    it('the topic is encrypted with a rotated key that alarms may use for this account’s topics only, and refuses publishing without TLS', () => {
      const topic = resources[logicalId(orchestrator().topic)]!.Properties;
      expect(topic.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [logicalId(orchestrator().topicKey), 'Arn'] });
      const key = resources[logicalId(orchestrator().topicKey)]!.Properties;
      expect(key.EnableKeyRotation).toBe(true);
      const forTopicsOfThisAccount = {
        StringLike: { 'kms:EncryptionContext:aws:sns:topicArn': `arn:aws:sns:${REGION}:${ACCOUNT}:*` },
      };
      expect(serviceGrantsIn(key.KeyPolicy)).toEqual([
        {
          Sid: 'AlarmActionsPublishToTheTopic',
          Effect: 'Allow',
          Service: 'cloudwatch.amazonaws.com',
          Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          Resource: '*',
          Condition: { ...fromAlarmsOfThisAccount, ...forTopicsOfThisAccount },
        },
      ]);
    });

    it('the topic admits alarms of this account and nothing else: the AWS worker publishes with its role', () => {
      const [policy, ...others] = Object.values(template.findResources('AWS::SNS::TopicPolicy'));
      expect(others).toEqual([]);
      const document = policy!.Properties.PolicyDocument;
      expect((document.Statement as Json[]).filter((s) => s.Effect === 'Deny')).toEqual([
        expect.objectContaining({
          Action: 'sns:Publish',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      ]);
      const topicRef = `ref:${logicalId(orchestrator().topic)}`;
      expect(serviceGrantsIn(document)).toEqual([
        {
          Sid: 'AlarmActionsOfThisAccount',
          Effect: 'Allow',
          Service: 'cloudwatch.amazonaws.com',
          Action: 'sns:Publish',
          Resource: topicRef,
          Condition: fromAlarmsOfThisAccount,
        },
      ]);
    });

    it('without encryptionKeyArn: AWS owned keys for the journal and the dead-letter queue, CloudWatch Logs’ own encryption for the logs, the stack’s key for the topic', () => {
      expect(orchestrator().encryptionKey).toBeUndefined();
      expect(resources[logicalId(orchestrator().journalTable)]!.Properties.SSESpecification).toBeUndefined();
      const queue = resources[logicalId(orchestrator().executionEnded.deadLetterQueue)]!.Properties;
      expect([queue.SqsManagedSseEnabled, queue.KmsMasterKeyId]).toEqual([true, undefined]);
      const logGroups = Object.values(template.findResources('AWS::Logs::LogGroup'));
      expect(logGroups.length).toBeGreaterThanOrEqual(3);
      expect(logGroups.filter((group) => group.Properties.KmsKeyId !== undefined)).toEqual([]);
      expect(Object.keys(template.findResources('AWS::KMS::Key'))).toEqual([
        logicalId(orchestrator().topicKey),
      ]);
    });
  });

  describe('permissions', () => {
    const allStatements = () =>
      allTemplates().flatMap((t) =>
        Object.values(t.Resources as Record<string, Json>).flatMap((r) =>
          r.Type === 'AWS::IAM::Policy'
            ? (r.Properties.PolicyDocument.Statement as Json[])
            : r.Type === 'AWS::IAM::Role'
              ? ((r.Properties.Policies ?? []) as Json[]).flatMap((p) => p.PolicyDocument.Statement as Json[])
              : [],
        ),
      );

    // A service principal acts for any account's resources: each grant to one names the resource it
    // acts for and its account, or (KMS) the topics it may encrypt for.
    it('every grant to an AWS service in a topic, queue or key policy, and every invoke permission for EventBridge, names its source', () => {
      const grants = allTemplates().flatMap((t) =>
        Object.entries(t.Resources as Record<string, Json>).flatMap(([id, r]) => {
          if (r.Type === 'AWS::Lambda::Permission') {
            return r.Properties.Principal === 'events.amazonaws.com'
              ? [
                  {
                    grant: id,
                    keys: [
                      ...(r.Properties.SourceArn ? ['aws:SourceArn'] : []),
                      ...(r.Properties.SourceAccount ? ['aws:SourceAccount'] : []),
                    ],
                  },
                ]
              : [];
          }
          const document =
            r.Type === 'AWS::KMS::Key'
              ? r.Properties.KeyPolicy
              : ['AWS::SNS::TopicPolicy', 'AWS::SQS::QueuePolicy'].includes(r.Type)
                ? r.Properties.PolicyDocument
                : undefined;
          return ((document?.Statement ?? []) as Json[])
            .filter((s) => s.Effect === 'Allow' && s.Principal?.Service)
            .map((s) => ({
              grant: `${id} ${s.Sid}`,
              keys: Object.values((s.Condition ?? {}) as Json).flatMap((keys) => Object.keys(keys)),
            }));
        }),
      );
      // Invoke permissions (the trigger rule, the execution-ended rule), the queue's (the same two), the topic's (alarms), the topic key's (alarms).
      expect(grants.length).toBe(2 + 2 + 1 + 1);
      const namesItsSource = (keys: string[]) =>
        (keys.includes('aws:SourceArn') && keys.includes('aws:SourceAccount')) ||
        keys.includes('kms:EncryptionContext:aws:sns:topicArn');
      expect(grants.filter((g) => !namesItsSource(g.keys))).toEqual([]);
    });

    it('no IAM statement allows a wildcard action', () => {
      const statements = allStatements();
      expect(statements.length).toBeGreaterThan(0);
      expect(
        statements
          .flatMap((s) => asList(s.Action ?? s.NotAction) as string[])
          .filter((action) => action.includes('*')),
      ).toEqual([]);
    });

    it('Resource "*" only for actions that have no resource-level permissions', () => {
      const starred = allStatements().filter((s) => asList(s.Resource).includes('*'));
      expect(starred.length).toBeGreaterThan(0);
      expect(
        starred
          .flatMap((s) => asList(s.Action) as string[])
          .filter((action) => !ACTIONS_WITHOUT_RESOURCE_LEVEL_PERMISSIONS.has(action)),
      ).toEqual([]);
    });

    // An AWS call the code makes but the role lacks fails only in a real failover: derive what each
    // worker calls from the SDK commands its adapters import, and require exactly that.
    it.each<['kubeWorker' | 'awsWorker', string]>([
      ['kubeWorker', 'lambdas/functions/kube-worker.ts'],
      ['awsWorker', 'lambdas/functions/aws-worker.ts'],
    ])('%s is granted exactly the AWS actions its adapters call', (name, entry) => {
      // Besides the SDK calls: tracing, its own logs, the key of the topic it publishes to, and
      // where Lambda puts the events of its failed asynchronous invocations.
      const platform =
        /^(xray:|logs:(CreateLogStream|PutLogEvents)$|kms:(GenerateDataKey|Decrypt)$|sqs:SendMessage$)/;
      const granted = unique(statementsOf(orchestrator()[name].role!).flatMap((s) => s.actions)).filter(
        (action) => !platform.test(action),
      );
      // These plans switch by record changes; routing controls: test/infra/multi-region.test.ts.
      const called = sdkActionsCalledBy(repoPath(entry)).filter(
        (action) => !trafficSwitchActions['routing-controls'].test(action),
      );
      expect(granted.sort()).toEqual(called.sort());
    });

    it('the Kubernetes worker may describe only the plan clusters', () => {
      const statements = grantedTo(orchestrator().kubeWorker.role!, 'eks:DescribeCluster');
      expect(statements.flatMap((s) => s.resources).sort()).toEqual(
        [
          `arn:aws:eks:eu-central-1:${ACCOUNT}:cluster/site-b`,
          `arn:aws:eks:eu-west-1:${ACCOUNT}:cluster/site-a`,
          `arn:aws:eks:eu-west-1:${ACCOUNT}:cluster/pay-a`,
          `arn:aws:eks:eu-north-1:${ACCOUNT}:cluster/pay-b`,
        ].sort(),
      );
    });

    it('the AWS worker may read only this account’s alarms, publish only to the topic, use only the journal and describe only this workflow’s executions', () => {
      const role = orchestrator().awsWorker.role!;
      expect(grantedTo(role, 'cloudwatch:DescribeAlarms').flatMap((s) => s.resources)).toEqual([
        `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:*`,
      ]);
      expect(grantedTo(role, 'sns:Publish').flatMap((s) => s.resources)).toEqual([
        `ref:${logicalId(orchestrator().topic)}`,
      ]);
      expect(grantedTo(role, 'kms:GenerateDataKey').flatMap((s) => s.resources)).toEqual([
        `getatt:${logicalId(orchestrator().topicKey)}.Arn`,
      ]);
      for (const worker of [orchestrator().awsWorker, orchestrator().kubeWorker]) {
        const journal = statementsOf(worker.role!).filter((s) =>
          s.actions.some((action) => action.startsWith('dynamodb:')),
        );
        expect(journal.flatMap((s) => s.resources)).toEqual([
          `getatt:${logicalId(orchestrator().journalTable)}.Arn`,
        ]);
      }
      expect(grantedTo(role, 'states:DescribeExecution').flatMap((s) => s.resources)).toEqual([
        `arn:aws:states:${REGION}:${ACCOUNT}:execution:getatt:${logicalId(orchestrator().stateMachine)}.Name:*`,
      ]);
    });

    it('the AWS worker may only UPSERT the plan records in the plan zones, and poll its changes', () => {
      const role = orchestrator().awsWorker.role!;
      const zone = (id: string) => `arn:aws:route53:::hostedzone/${id}`;
      const upsert = (id: string, name: string) => ({
        actions: ['route53:ChangeResourceRecordSets'],
        resources: [zone(id)],
        condition: {
          'ForAllValues:StringEquals': {
            'route53:ChangeResourceRecordSetsNormalizedRecordNames': [name],
            'route53:ChangeResourceRecordSetsRecordTypes': ['CNAME'],
            'route53:ChangeResourceRecordSetsActions': ['UPSERT', 'DELETE'],
          },
        },
      });
      expect(grantedTo(role, 'route53:ChangeResourceRecordSets')).toEqual([
        upsert('Z0123456789ABCDEFGHIJ', 'amqp.orders.example.com'),
        upsert('Z9876543210ZYXWVUTSRQ', 'amqp.payments.example.com'),
      ]);
      expect(grantedTo(role, 'route53:ListResourceRecordSets').flatMap((s) => s.resources)).toEqual([
        zone('Z0123456789ABCDEFGHIJ'),
        zone('Z9876543210ZYXWVUTSRQ'),
      ]);
      expect(grantedTo(role, 'route53:GetChange').flatMap((s) => s.resources)).toEqual([
        'arn:aws:route53:::change/*',
      ]);
    });
  });

  describe('cdk-nag (AwsSolutions)', () => {
    it('finds nothing unacknowledged in any stack of the app', () => {
      const report = new AwsSolutionsChecks().validateScope(app);
      expect(
        report.violations.map(
          (v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
        ),
      ).toEqual([]);
    });

    it('every acknowledgement names one finding on one resource, with its reason', () => {
      const acknowledged = app.node
        .findAll()
        .flatMap((c) =>
          c.node.metadata
            .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
            .map((m) => ({ path: c.node.path, rules: m.data as Record<string, string> })),
        );
      expect(acknowledged.length).toBeGreaterThan(0);
      for (const { path, rules } of acknowledged) {
        expect(path).not.toBe(stack.node.path);
        for (const [id, reason] of Object.entries(rules)) {
          // A wildcard finding is acknowledged for the one wildcard it names, never for the whole rule.
          expect(id).toMatch(
            /^(annotation::)?AwsSolutions-(IAM5\[Resource::.+\]|(?!IAM5)[A-Z]+\d+(\[.+\])?)$/i,
          );
          expect(reason.length).toBeGreaterThan(60);
        }
      }
    });
  });
});

describe('FailoverOrchestrator in a VPC, for private EKS endpoints', () => {
  it('places only the Kubernetes worker in the given subnets and security groups, with the network-interface grant cdk-nag accepts', async () => {
    const plan = await loadPlan(repoPath('examples/plans/rabbitmq-standby.yaml'));
    // No bundling: this synth is about placement and permissions, not the code.
    const app = new App({ context: { ...cdkContext, 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Private', { env: { account: ACCOUNT, region: 'eu-central-1' } });
    const vpc = Vpc.fromVpcAttributes(stack, 'Vpc', {
      vpcId: 'vpc-0123456789abcdef0',
      availabilityZones: ['eu-central-1a', 'eu-central-1b'],
      privateSubnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
      privateSubnetRouteTableIds: ['rtb-0123456789abcdef0', 'rtb-0123456789abcdef1'],
    });
    const orchestrator = new FailoverOrchestrator(stack, 'Orchestrator', {
      plans: [plan],
      vpc,
      kubernetesGroup: 'dr-automation',
    });
    const template = Template.fromStack(stack);
    const fn = (construct: IConstruct) =>
      template.toJSON().Resources[stack.getLogicalId(construct.node.defaultChild as CfnElement)].Properties;
    expect(fn(orchestrator.kubeWorker).VpcConfig.SubnetIds).toEqual([
      'subnet-0123456789abcdef0',
      'subnet-0123456789abcdef1',
    ]);
    expect(fn(orchestrator.kubeWorker).VpcConfig.SecurityGroupIds).toHaveLength(1);
    expect(fn(orchestrator.awsWorker).VpcConfig).toBeUndefined();
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: Match.arrayWith(['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces']),
            Resource: '*',
          }),
        ]),
      },
    });
    const entries = [...orchestrator.eksAccessStacks.values()].flatMap((s) =>
      Object.values(Template.fromStack(s).findResources('AWS::EKS::AccessEntry')),
    );
    expect(entries.map((e) => e.Properties.KubernetesGroups)).toEqual([['dr-automation'], ['dr-automation']]);
    expect(new AwsSolutionsChecks().validateScope(app).violations.map((v) => v.ruleName)).toEqual([]);
  });
});

describe('FailoverOrchestrator rejects what cannot work, before synth', () => {
  let plan: Plan;
  beforeAll(async () => {
    plan = await loadPlan(repoPath('examples/plans/rabbitmq-standby.yaml'));
  });
  // Each check runs before any function is bundled, so these cost no esbuild run.
  const build =
    (plans: Plan[], extra: Record<string, unknown> = {}) =>
    () =>
      new FailoverOrchestrator(new Stack(new App(), 'Stack'), 'Orchestrator', { plans, ...extra });

  it('two plans that one alarm would start: one alarm event starts one execution', () => {
    const twin = { ...plan, name: 'orders-twin' };
    expect(build([plan, twin])).toThrow(
      'plan orders-twin: alarm orders-rabbitmq-upstream-unhealthy already starts plan orders-rabbitmq',
    );
  });

  it('a plan that reaches a cluster only through a kubeconfig context', () => {
    const contextOnly = { ...plan, clusters: { ...plan.clusters, downstream: { context: 'site-b' } } };
    expect(build([contextOnly])).toThrow('plan orders-rabbitmq: clusters.downstream has no `eks` entry');
  });

  it('two plans with the same name, or none', () => {
    expect(build([plan, plan])).toThrow('plan orders-rabbitmq: the name is used by another plan');
    expect(build([])).toThrow('no plans');
  });

  it('subnets or security groups without a VPC, and a system: group', () => {
    expect(build([plan], { vpcSubnets: { subnetType: 'PRIVATE_WITH_EGRESS' } })).toThrow(
      'vpcSubnets and securityGroups need a vpc',
    );
    expect(build([plan], { kubernetesGroup: 'system:masters' })).toThrow(
      'kubernetesGroup: "system:masters" cannot be the orchestrator\'s Kubernetes group',
    );
  });

  it('an ASL placeholder without a substitution, or a substitution the ASL does not use', () => {
    const definition = JSON.stringify({
      States: { A: { Resource: '${AwsWorkerArn}' }, B: { Resource: '${ApprovalApiArn}' } },
    });
    expect(() =>
      checkDefinitionPlaceholders(definition, 'statemachines/x.asl.json', ['AwsWorkerArn', 'KubeWorkerArn']),
    ).toThrow(
      'statemachines/x.asl.json: the workflow definition and the stack disagree: ${ApprovalApiArn} has no substitution; the substitution KubeWorkerArn is not used',
    );
  });
});

describe('the CDK app', () => {
  it('refuses to synthesize when a plan is invalid, listing its problems', async () => {
    const plansDir = mkdtempSync(join(tmpdir(), 'failover-plans-'));
    try {
      const valid = readFileSync(repoPath('examples/plans/rabbitmq-standby.yaml'), 'utf8');
      writeFileSync(
        join(plansDir, 'bad.yaml'),
        valid.replace('hostedZoneId: Z0123456789ABCDEFGHIJ', 'hostedZoneId: nope'),
      );
      const run = promisify(execFile)(process.execPath, ['--import', 'tsx', repoPath('infra/app.ts')], {
        cwd: repoPath(''),
        env: {
          ...process.env,
          NODE_OPTIONS: '',
          CDK_CONTEXT_JSON: JSON.stringify({ plansDir }),
          CDK_OUTDIR: join(plansDir, 'cdk.out'),
        },
      });
      await expect(run).rejects.toMatchObject({
        code: 1,
        stderr: expect.stringContaining(
          `${join(plansDir, 'bad.yaml')}: dns.hostedZoneId: expected a Route 53 hosted zone id`,
        ),
      });
    } finally {
      rmSync(plansDir, { recursive: true, force: true });
    }
  });
});
