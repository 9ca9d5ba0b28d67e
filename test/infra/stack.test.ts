// The deployed shape, read from ONE synthesized template (synth bundles both functions with
// esbuild, so it runs once). Assertions are about behaviour: what the workflow runs, what starts
// it with which input, and what each function is allowed to touch.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { App, Stack, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { FailoverOrchestrator } from '../../infra/failover-orchestrator.js';
import { FailoverOrchestratorStack } from '../../infra/failover-stack.js';
import { MAX_INPUT_TEMPLATE_CHARS } from '../../infra/failover-trigger-input.js';
import { checkDefinitionPlaceholders, workflowDefinitionFile } from '../../infra/workflow-definition.js';
import { journalTableKeys } from '../../lambdas/adapters/dynamodb-journal.js';
import { awsWorkerSteps } from '../../lambdas/handlers/aws-worker.js';
import { kubeWorkerSteps } from '../../lambdas/handlers/kube-worker.js';
import { parseStepEvent } from '../../lambdas/handlers/step-event.js';
import { alarmEventSchema } from '../../lambdas/plan/alarm-event.js';
import { loadPlan } from '../../lambdas/plan/load-plan.js';
import type { Plan } from '../../lambdas/plan/schema.js';

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
  if (v.Ref) return ({ 'AWS::Partition': 'aws', 'AWS::AccountId': ACCOUNT, 'AWS::Region': REGION } as Record<string, string>)[v.Ref] ?? `ref:${v.Ref}`;
  if (v['Fn::GetAtt']) return `getatt:${v['Fn::GetAtt'].join('.')}`;
  throw new Error(`cannot render ${JSON.stringify(value)}`);
};
const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
const unique = <T>(values: T[]): T[] => [...new Set(values)];

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
    state: { value: 'ALARM', reason: 'Threshold Crossed: 3 out of the last 3 datapoints were less than the threshold (1.0).', timestamp: '2026-03-01T10:00:00.000+0000' },
    previousState: { value: 'OK', reason: 'Threshold Crossed', timestamp: '2026-03-01T09:00:00.000+0000' },
    configuration: { metrics: [{ id: 'm1', metricStat: { metric: { namespace: 'RabbitMQ', name: 'HealthyNodes' }, period: 60, stat: 'Minimum' } }] },
  },
};

describe('FailoverOrchestratorStack', () => {
  let outdir: string;
  let plan: Plan;
  let stack: FailoverOrchestratorStack;
  let template: Template;
  let resources: Record<string, Json>;

  const logicalId = (construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnElement);
  const orchestrator = () => stack.orchestrator;
  const asset = (name: string) => join(outdir, `asset.${name}`);

  /** Every Allow statement of the role's policies, with ARNs rendered. */
  const statementsOf = (role: IConstruct): Statement[] =>
    Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((policy) => (policy.Properties.Roles as Json[]).some((ref) => ref.Ref === logicalId(role)))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Json[])
      .filter((statement) => statement.Effect === 'Allow')
      .map((statement) => ({ actions: asList(statement.Action), resources: asList(statement.Resource).map(render), condition: statement.Condition }));
  const grantedTo = (role: IConstruct, action: string) => statementsOf(role).filter((statement) => statement.actions.includes(action));

  beforeAll(async () => {
    outdir = mkdtempSync(join(tmpdir(), 'failover-infra-'));
    plan = await loadPlan(repoPath('examples/plans/rabbitmq-standby.yaml'));
    const app = new App({ outdir, context: cdkContext });
    stack = new FailoverOrchestratorStack(app, 'FailoverOrchestratorStack', { plans: [plan] });
    const assembly = app.synth();
    template = Template.fromJSON(assembly.getStackArtifact(stack.artifactId).template);
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
      expect(machine.DefinitionSubstitutions).toEqual({
        AwsWorkerArn: { 'Fn::GetAtt': [logicalId(orchestrator().awsWorker), 'Arn'] },
        KubeWorkerArn: { 'Fn::GetAtt': [logicalId(orchestrator().kubeWorker), 'Arn'] },
      });
    });

    it('sends every Task to the function whose handler runs that step', () => {
      const states = JSON.parse(readFileSync(workflowDefinitionFile, 'utf8')).States as Record<string, Json>;
      const stepsOf: Record<string, readonly string[]> = { '${AwsWorkerArn}': awsWorkerSteps, '${KubeWorkerArn}': kubeWorkerSteps };
      const tasks = Object.entries(states).filter(([, state]) => state.Type === 'Task');
      expect(tasks.length).toBeGreaterThan(0);
      for (const [name, state] of tasks) {
        const fn = state.Parameters?.FunctionName ?? state.Resource;
        const step = state.Parameters?.Payload?.step ?? state.Parameters?.step;
        expect({ state: name, step, handled: stepsOf[fn]?.includes(step) ?? false }).toEqual({ state: name, step, handled: true });
      }
    });

    it('runs as a Standard state machine with X-Ray tracing and full logs under /aws/vendedlogs/', () => {
      template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        StateMachineType: 'STANDARD',
        TracingConfiguration: { Enabled: true },
        LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: true }),
      });
      const machine = resources[logicalId(orchestrator().stateMachine)]!.Properties;
      const logGroupId = machine.LoggingConfiguration.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn['Fn::GetAtt'][0];
      expect(resources[logGroupId]!.Properties.RetentionInDays).toBe(90);
      expect(render(resources[logGroupId]!.Properties.LogGroupName['Fn::Join'][1][0])).toMatch(/^\/aws\/vendedlogs\/states\//);
    });

    it('may invoke only the two workers', () => {
      const role = orchestrator().stateMachine.role;
      const invokes = grantedTo(role, 'lambda:InvokeFunction');
      const workers = [orchestrator().awsWorker, orchestrator().kubeWorker].map((fn) => `getatt:${logicalId(fn)}.Arn`);
      expect(unique(invokes.flatMap((s) => s.resources)).sort()).toEqual([...workers, ...workers.map((arn) => `${arn}:*`)].sort());
      expect(statementsOf(role).flatMap((s) => s.actions).filter((action) => action.startsWith('lambda:'))).toEqual(['lambda:InvokeFunction']);
    });
  });

  describe('the workers', () => {
    it.each<['kubeWorker' | 'awsWorker', number, boolean]>([
      ['kubeWorker', 900, false],
      ['awsWorker', 600, true],
    ])('%s: Node.js 22+ on arm64, an ESM bundle, %i s timeout, its env', (name, timeout, publishes) => {
      const fn = resources[logicalId(orchestrator()[name])]!.Properties;
      expect(Number(/^nodejs(\d+)\.x$/.exec(fn.Runtime)?.[1])).toBeGreaterThanOrEqual(22);
      expect(fn.Architectures).toEqual(['arm64']);
      expect(fn.Timeout).toBe(timeout);
      expect(fn.Environment.Variables).toEqual({
        JOURNAL_TABLE: { Ref: logicalId(orchestrator().journalTable) },
        POWERTOOLS_SERVICE_NAME: 'failover-orchestrator',
        NODE_OPTIONS: '--enable-source-maps',
        ...(publishes ? { TOPIC_ARN: { Ref: logicalId(orchestrator().topic) } } : {}),
      });
      expect(fn.Handler).toBe('index.handler');
      const bundle = asset(fn.Code.S3Key.replace(/\.zip$/, ''));
      expect(readFileSync(join(bundle, 'index.mjs'), 'utf8')).toMatch(/^import \{ createRequire \} from 'module'; const require = createRequire\(import\.meta\.url\);/);
      expect(JSON.parse(readFileSync(join(bundle, 'index.mjs.map'), 'utf8')).mappings.length).toBeGreaterThan(0);
      const logGroupId = fn.LoggingConfig.LogGroup.Ref;
      expect(resources[logGroupId]!.Properties.RetentionInDays).toBe(90);
    });
  });

  describe('the trigger', () => {
    const ruleOf = () => resources[logicalId(orchestrator().rules.get(plan.name)!)]!.Properties;

    it('matches only the ALARM state of the plan alarms', () => {
      template.resourceCountIs('AWS::Events::Rule', 1);
      expect(ruleOf().EventPattern).toEqual({
        source: ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        detail: { alarmName: ['orders-rabbitmq-upstream-unhealthy'], state: { value: ['ALARM'] } },
      });
    });

    it('starts the workflow with the validated plan and the whole alarm event', () => {
      const [target, ...others] = ruleOf().Targets as Json[];
      expect(others).toEqual([]);
      expect(target!.Arn).toEqual({ Ref: logicalId(orchestrator().stateMachine) });
      const { InputTemplate, InputPathsMap } = target!.InputTransformer;
      expect(InputPathsMap).toBeUndefined();
      expect(InputTemplate.length).toBeLessThanOrEqual(MAX_INPUT_TEMPLATE_CHARS);

      // What EventBridge does with the template: `<aws.events.event.json>` becomes the event.
      const input = JSON.parse(InputTemplate.replace('<aws.events.event.json>', JSON.stringify(alarmEvent)));
      expect(input).toEqual({ plan: JSON.parse(JSON.stringify(plan)), trigger: alarmEvent });
      // ...and what ConfirmAlarm receives from it passes the worker's own parsers.
      const event = parseStepEvent({ step: 'confirm-alarm', execution: { id: 'exec-1', startedAt: alarmEvent.time }, plan: input.plan, trigger: input.trigger }, awsWorkerSteps);
      expect(event.plan).toEqual(plan);
      expect(alarmEventSchema.parse(event.trigger).detail.alarmName).toBe('orders-rabbitmq-upstream-unhealthy');
    });

    it('may only start this workflow', () => {
      const roleId = ruleOf().Targets[0].RoleArn['Fn::GetAtt'][0];
      const statements = Object.values(template.findResources('AWS::IAM::Policy'))
        .filter((policy) => (policy.Properties.Roles as Json[]).some((ref) => ref.Ref === roleId))
        .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Json[]);
      expect(statements).toEqual([{ Action: 'states:StartExecution', Effect: 'Allow', Resource: { Ref: logicalId(orchestrator().stateMachine) } }]);
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

    it('the topic is encrypted with the AWS managed SNS key and refuses publishing without TLS', () => {
      const topic = resources[logicalId(orchestrator().topic)]!.Properties;
      expect(render(topic.KmsMasterKeyId)).toMatch(/alias\/aws\/sns$/);
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: Match.objectLike({
          Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
        }),
      });
    });
  });

  describe('permissions', () => {
    it('no IAM statement allows a wildcard action', () => {
      const statements = [
        ...Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement as Json[]),
        ...Object.values(template.findResources('AWS::IAM::Role')).flatMap((r) => ((r.Properties.Policies ?? []) as Json[]).flatMap((p) => p.PolicyDocument.Statement as Json[])),
      ];
      expect(statements.length).toBeGreaterThan(0);
      expect(statements.flatMap((s) => asList(s.Action ?? s.NotAction) as string[]).filter((action) => action.includes('*'))).toEqual([]);
    });

    // An AWS call the code makes but the role lacks fails only in a real failover: derive what each
    // worker calls from the SDK commands its adapters import, and require exactly that.
    it.each<['kubeWorker' | 'awsWorker', string]>([
      ['kubeWorker', 'lambdas/functions/kube-worker.ts'],
      ['awsWorker', 'lambdas/functions/aws-worker.ts'],
    ])('%s is granted exactly the AWS actions its adapters call', (name, entry) => {
      const granted = unique(statementsOf(orchestrator()[name].role!).flatMap((s) => s.actions)).filter((action) => !action.startsWith('xray:'));
      expect(granted.sort()).toEqual(sdkActionsCalledBy(repoPath(entry)).sort());
    });

    it('the Kubernetes worker may describe only the plan clusters', () => {
      const statements = grantedTo(orchestrator().kubeWorker.role!, 'eks:DescribeCluster');
      expect(statements.flatMap((s) => s.resources).sort()).toEqual(
        [`arn:aws:eks:eu-central-1:${ACCOUNT}:cluster/site-b`, `arn:aws:eks:eu-west-1:${ACCOUNT}:cluster/site-a`].sort(),
      );
    });

    it('the AWS worker may read only the plan alarms, publish only to the topic and use only the journal', () => {
      const role = orchestrator().awsWorker.role!;
      expect(grantedTo(role, 'cloudwatch:DescribeAlarms').flatMap((s) => s.resources)).toEqual([
        `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:orders-rabbitmq-upstream-unhealthy`,
      ]);
      expect(grantedTo(role, 'sns:Publish').flatMap((s) => s.resources)).toEqual([`ref:${logicalId(orchestrator().topic)}`]);
      for (const worker of [orchestrator().awsWorker, orchestrator().kubeWorker]) {
        const journal = statementsOf(worker.role!).filter((s) => s.actions.some((action) => action.startsWith('dynamodb:')));
        expect(journal.flatMap((s) => s.resources)).toEqual([`getatt:${logicalId(orchestrator().journalTable)}.Arn`]);
      }
    });

    it('the AWS worker may only UPSERT the plan records in the plan zone, and poll its changes', () => {
      const role = orchestrator().awsWorker.role!;
      const zone = 'arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ';
      expect(grantedTo(role, 'route53:ChangeResourceRecordSets')).toEqual([
        {
          actions: ['route53:ChangeResourceRecordSets'],
          resources: [zone],
          condition: {
            'ForAllValues:StringEquals': {
              'route53:ChangeResourceRecordSetsNormalizedRecordNames': ['amqp.orders.example.com'],
              'route53:ChangeResourceRecordSetsRecordTypes': ['CNAME'],
              'route53:ChangeResourceRecordSetsActions': ['UPSERT'],
            },
          },
        },
      ]);
      expect(grantedTo(role, 'route53:ListResourceRecordSets').flatMap((s) => s.resources)).toEqual([zone]);
      expect(grantedTo(role, 'route53:GetChange').flatMap((s) => s.resources)).toEqual(['arn:aws:route53:::change/*']);
    });
  });
});

describe('FailoverOrchestrator rejects what cannot work, before synth', () => {
  let plan: Plan;
  beforeAll(async () => {
    plan = await loadPlan(repoPath('examples/plans/rabbitmq-standby.yaml'));
  });
  // Each check runs before any function is bundled, so these cost no esbuild run.
  const build = (plans: Plan[]) => () => new FailoverOrchestrator(new Stack(new App(), 'Stack'), 'Orchestrator', { plans });

  it('a plan whose EventBridge input would exceed 8192 characters', () => {
    const oversized = { ...plan, description: 'x'.repeat(MAX_INPUT_TEMPLATE_CHARS) };
    expect(build([oversized])).toThrow(/plan orders-rabbitmq: its EventBridge input template would be \d+ characters, over EventBridge's limit of 8192/);
  });

  it('a plan that reaches a cluster only through a kubeconfig context', () => {
    const contextOnly = { ...plan, clusters: { ...plan.clusters, downstream: { context: 'site-b' } } };
    expect(build([contextOnly])).toThrow('plan orders-rabbitmq: clusters.downstream has no `eks` entry');
  });

  it('two plans with the same name, or none', () => {
    expect(build([plan, plan])).toThrow('plan orders-rabbitmq: the name is used by another plan');
    expect(build([])).toThrow('no plans');
  });

  it('an ASL placeholder without a substitution, or a substitution the ASL does not use', () => {
    const definition = JSON.stringify({ States: { A: { Resource: '${AwsWorkerArn}' }, B: { Resource: '${ApprovalApiArn}' } } });
    expect(() => checkDefinitionPlaceholders(definition, 'statemachines/x.asl.json', ['AwsWorkerArn', 'KubeWorkerArn'])).toThrow(
      'statemachines/x.asl.json: the workflow definition and the stack disagree: ${ApprovalApiArn} has no substitution; the substitution KubeWorkerArn is not used',
    );
  });
});

describe('the CDK app', () => {
  it('refuses to synthesize when a plan is invalid, listing its problems', async () => {
    const plansDir = mkdtempSync(join(tmpdir(), 'failover-plans-'));
    try {
      const valid = readFileSync(repoPath('examples/plans/rabbitmq-standby.yaml'), 'utf8');
      writeFileSync(join(plansDir, 'bad.yaml'), valid.replace('hostedZoneId: Z0123456789ABCDEFGHIJ', 'hostedZoneId: nope'));
      const run = promisify(execFile)(process.execPath, ['--import', 'tsx', repoPath('infra/app.ts')], {
        cwd: repoPath(''),
        env: { ...process.env, NODE_OPTIONS: '', CDK_CONTEXT_JSON: JSON.stringify({ plansDir }), CDK_OUTDIR: join(plansDir, 'cdk.out') },
      });
      await expect(run).rejects.toMatchObject({
        code: 1,
        stderr: expect.stringContaining(`${join(plansDir, 'bad.yaml')}: dns.hostedZoneId: expected a Route 53 hosted zone id`),
      });
    } finally {
      rmSync(plansDir, { recursive: true, force: true });
    }
  });
});

// IAM prefixes of the SDK clients the adapters use; a new client must be added here on purpose.
const IAM_PREFIX_OF_CLIENT: Record<string, string> = {
  cloudwatch: 'cloudwatch',
  dynamodb: 'dynamodb',
  eks: 'eks',
  'route-53': 'route53',
  sns: 'sns',
};

/** `service:Operation` for every `...Command` imported from `@aws-sdk/client-*` by the adapters an entry imports. */
function sdkActionsCalledBy(entry: string): string[] {
  const adapters = [...readFileSync(entry, 'utf8').matchAll(/from '\.\.\/adapters\/([\w/-]+)\.js'/g)].map((m) => repoPath(`lambdas/adapters/${m[1]}.ts`));
  return unique(
    adapters.flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/import\s*\{([^}]*)\}\s*from\s*'@aws-sdk\/client-([\w-]+)'/g)].flatMap(([, names = '', client = '']) => {
        const prefix = IAM_PREFIX_OF_CLIENT[client];
        if (!prefix) throw new Error(`${file} uses @aws-sdk/client-${client}: add its IAM prefix to IAM_PREFIX_OF_CLIENT`);
        return names
          .split(',')
          .map((name) => name.trim())
          .filter((name) => /^\w+Command$/.test(name))
          .map((name) => `${prefix}:${name.replace(/Command$/, '')}`);
      }),
    ),
  );
}
