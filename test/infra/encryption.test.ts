// The stack with an existing customer managed key (encryptionKeyArn): what it encrypts, who may
// use it and how, and the values refused before anything is synthesized. Without the key, the
// stack is as test/infra/stack.test.ts reads it.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { App, Stack, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { encryptionKeyArnProblem, FailoverOrchestrator } from '../../infra/failover-orchestrator.js';
import { FailoverOrchestratorStack } from '../../infra/failover-stack.js';
import { loadPlan } from '../../lambdas/plan/load-plan.js';
import type { Plan } from '../../lambdas/plan/schema.js';

const repoPath = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const cdkContext = JSON.parse(readFileSync(repoPath('cdk.json'), 'utf8')).context as Record<string, unknown>;

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const EXPECTED = `expected the ARN of a symmetric KMS key in ${REGION}, arn:<partition>:kms:<region>:<account>:key/<key id> (a key, not an alias)`;

type Json = Record<string, any>;
const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

describe('FailoverOrchestratorStack with encryptionKeyArn', () => {
  let app: App;
  let stack: FailoverOrchestratorStack;
  let resources: Record<string, Json>;

  const orchestrator = () => stack.orchestrator;
  const logicalId = (construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnElement);
  const propertiesOf = (construct: IConstruct) => resources[logicalId(construct)]!.Properties;
  /** The KMS statements of the role's policies, with the ViaService condition rendered as `service.region.suffix`. */
  const keyGrantsOf = (role: IConstruct) =>
    Object.values(resources)
      .filter(
        (r) =>
          r.Type === 'AWS::IAM::Policy' &&
          (r.Properties.Roles as Json[]).some((ref) => ref.Ref === logicalId(role)),
      )
      .flatMap((r) => r.Properties.PolicyDocument.Statement as Json[])
      .filter((s) => asList(s.Action as string | string[]).some((action) => action.startsWith('kms:')))
      .map((s) => ({
        actions: s.Action,
        resources: s.Resource,
        through: (s.Condition?.StringEquals?.['kms:ViaService'] as Json[] | undefined)?.map((v) =>
          (v['Fn::Join'][1] as unknown[]).map((p) => (typeof p === 'string' ? p : 'amazonaws.com')).join(''),
        ),
      }));

  beforeAll(async () => {
    const plan = await loadPlan(repoPath('examples/plans/rabbitmq-standby.yaml'));
    // No bundling: this synth is about encryption and permissions, not the code.
    app = new App({ context: { ...cdkContext, 'aws:cdk:bundling-stacks': [] } });
    stack = new FailoverOrchestratorStack(app, 'FailoverOrchestratorStack', {
      plans: [plan],
      encryptionKeyArn: KEY,
      env: { account: ACCOUNT, region: REGION },
    });
    resources = Template.fromStack(stack).toJSON().Resources;
  });

  it('the journal table, the topic, the dead-letter queue and the workers’ and workflow’s log groups use the key; the stack creates no key', () => {
    expect(propertiesOf(orchestrator().journalTable).SSESpecification).toEqual({
      SSEEnabled: true,
      SSEType: 'KMS',
      KMSMasterKeyId: KEY,
    });
    expect(propertiesOf(orchestrator().topic).KmsMasterKeyId).toBe(KEY);
    const queue = propertiesOf(orchestrator().executionEnded.deadLetterQueue);
    expect([queue.KmsMasterKeyId, queue.SqsManagedSseEnabled]).toEqual([KEY, undefined]);
    const logGroupIds = [
      propertiesOf(orchestrator().kubeWorker).LoggingConfig.LogGroup.Ref,
      propertiesOf(orchestrator().awsWorker).LoggingConfig.LogGroup.Ref,
      propertiesOf(orchestrator().stateMachine).LoggingConfiguration.Destinations[0].CloudWatchLogsLogGroup
        .LogGroupArn['Fn::GetAtt'][0],
    ];
    expect(logGroupIds.map((id) => resources[id]!.Properties.KmsKeyId)).toEqual([KEY, KEY, KEY]);
    expect(orchestrator().topicKey).toBe(orchestrator().encryptionKey);
    expect(Object.values(resources).filter((r) => r.Type === 'AWS::KMS::Key')).toEqual([]);
  });

  it('each worker may use the key only through the services holding its data; the workflow may not use it', () => {
    const actions = ['kms:Decrypt', 'kms:GenerateDataKey'];
    const through = (...services: string[]) =>
      services.map((service) => `${service}.${REGION}.amazonaws.com`);
    expect(keyGrantsOf(orchestrator().kubeWorker.role!)).toEqual([
      { actions, resources: KEY, through: through('dynamodb') },
    ]);
    // The AWS worker also publishes to the topic, and Lambda sends its failed invocations to the queue with its role.
    expect(keyGrantsOf(orchestrator().awsWorker.role!)).toEqual([
      { actions, resources: KEY, through: through('dynamodb', 'sns', 'sqs') },
    ]);
    expect(keyGrantsOf(orchestrator().stateMachine.role)).toEqual([]);
  });

  it('the topic admits CloudWatch, and the queue EventBridge, under the same conditions as without the key', () => {
    const statements = (type: string) =>
      Object.values(resources)
        .filter((r) => r.Type === type)
        .flatMap((r) => r.Properties.PolicyDocument.Statement as Json[])
        .filter((s) => s.Principal?.Service);
    for (const statement of [
      ...statements('AWS::SNS::TopicPolicy'),
      ...statements('AWS::SQS::QueuePolicy'),
    ]) {
      expect(statement.Condition).toMatchObject({ StringEquals: { 'aws:SourceAccount': ACCOUNT } });
      expect(statement.Condition.ArnEquals ?? statement.Condition.ArnLike).toHaveProperty(['aws:SourceArn']);
    }
    // The alarms publish to the topic; EventBridge only sends undeliverable events to the queue.
    expect(statements('AWS::SNS::TopicPolicy').map((s) => s.Principal.Service)).toEqual([
      'cloudwatch.amazonaws.com',
    ]);
    expect(statements('AWS::SQS::QueuePolicy').map((s) => s.Principal.Service)).toEqual([
      'events.amazonaws.com',
      'events.amazonaws.com',
    ]);
  });

  it('cdk-nag finds nothing unacknowledged', () => {
    expect(
      new AwsSolutionsChecks()
        .validateScope(app)
        .violations.map(
          (v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
        ),
    ).toEqual([]);
  });
});

describe('encryptionKeyArn is refused, before anything is built, when it is', () => {
  let plan: Plan;
  beforeAll(async () => {
    plan = await loadPlan(repoPath('examples/plans/rabbitmq-standby.yaml'));
  });
  const build = (encryptionKeyArn: string) => () =>
    new FailoverOrchestrator(
      new Stack(new App(), 'Stack', { env: { account: ACCOUNT, region: REGION } }),
      'Orchestrator',
      { plans: [plan], encryptionKeyArn },
    );

  it.each([
    ['not an ARN', 'nope'],
    ['an alias', `arn:aws:kms:${REGION}:${ACCOUNT}:alias/failover`],
    ['another service’s', `arn:aws:sns:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`],
    ['a key id without the ARN', '1234abcd-12ab-34cd-56ef-1234567890ab'],
    ['empty', ''],
  ])('%s', (_case, value) => {
    expect(build(value)).toThrow(
      `FailoverOrchestrator: encryptionKeyArn: ${JSON.stringify(value)} is not a KMS key ARN; ${EXPECTED}`,
    );
  });

  it('a key in another Region', () => {
    const elsewhere = KEY.replace(REGION, 'us-east-1');
    expect(build(elsewhere)).toThrow(
      `FailoverOrchestrator: encryptionKeyArn: ${elsewhere} is a key in us-east-1, but the stack deploys to ${REGION}; ${EXPECTED}`,
    );
  });

  it('but a single- or multi-Region key of any partition passes, and any Region while the stack’s is decided at deployment', () => {
    expect(encryptionKeyArnProblem(KEY, REGION)).toBeUndefined();
    expect(
      encryptionKeyArnProblem(
        `arn:aws:kms:${REGION}:${ACCOUNT}:key/mrk-1234abcd12ab34cd56ef1234567890ab`,
        REGION,
      ),
    ).toBeUndefined();
    expect(
      encryptionKeyArnProblem(
        `arn:aws-cn:kms:cn-north-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
        'cn-north-1',
      ),
    ).toBeUndefined();
    expect(encryptionKeyArnProblem(KEY.replace(REGION, 'us-east-1'), undefined)).toBeUndefined();
  });

  it('by the CDK app, in the Region the CLI deploys to, with the context key named', async () => {
    const outdir = mkdtempSync(join(tmpdir(), 'failover-key-'));
    try {
      const elsewhere = KEY.replace(REGION, 'us-east-1');
      const run = promisify(execFile)(process.execPath, ['--import', 'tsx', repoPath('infra/app.ts')], {
        cwd: repoPath(''),
        env: {
          ...process.env,
          NODE_OPTIONS: '',
          CDK_DEFAULT_REGION: REGION,
          CDK_CONTEXT_JSON: JSON.stringify({ encryptionKeyArn: elsewhere }),
          CDK_OUTDIR: outdir,
        },
      });
      await expect(run).rejects.toMatchObject({
        code: 1,
        stderr:
          `encryptionKeyArn: ${elsewhere} is a key in us-east-1, but the stack deploys to ${REGION}; ${EXPECTED}. ` +
          "Nothing was synthesized; pass --context encryptionKeyArn=ARN, or leave it out for the stack's own keys.\n",
      });
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
