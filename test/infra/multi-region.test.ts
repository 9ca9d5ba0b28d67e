// An orchestrator in each of two Regions, read from ONE synthesized app (`--context
// regions=eu-west-1,eu-central-1`, infra/orchestrator-stacks.ts) with a plan that fails over from
// eu-west-1 to eu-central-1 and switches traffic with Route 53 ARC routing controls: a stack per
// Region with its own workflow and workers, one journal shared through a global table, each
// Region's alarms created there and forwarded to the other, nothing of one Region needed by the
// other's, and the Route 53 records created once. Then the Regions and plans refused before synth.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { App, CfnElement, NestedStack, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { deploymentRegions, planRegionProblems } from '../../infra/deployment-regions.js';
import { FailoverOrchestrator } from '../../infra/failover-orchestrator.js';
import type { FailoverOrchestratorStack } from '../../infra/failover-stack.js';
import { GLOBAL_JOURNAL_TABLE_NAME, orchestratorStacks } from '../../infra/orchestrator-stacks.js';
import { loadPlan, parsePlan } from '../../lambdas/plan/load-plan.js';
import type { Plan } from '../../lambdas/plan/schema.js';
import { sdkActionsCalledBy, trafficSwitchActions } from './sdk-actions.js';

const repoPath = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const cdkContext = JSON.parse(readFileSync(repoPath('cdk.json'), 'utf8')).context as Record<string, unknown>;

const ACCOUNT = '111122223333';
/** The example plan's sides: its upstream cluster is in eu-west-1, its downstream in eu-central-1. */
const UP = 'eu-west-1';
const DOWN = 'eu-central-1';
const CONTROLS = {
  upstream: `arn:aws:route53-recovery-control::${ACCOUNT}:controlpanel/0123456789abcdef0123456789abcdef/routingcontrol/a1b2c3d4e5f60718`,
  downstream: `arn:aws:route53-recovery-control::${ACCOUNT}:controlpanel/0123456789abcdef0123456789abcdef/routingcontrol/f8e7d6c5b4a39281`,
};
const DOWNSTREAM_ALARM = 'orders-rabbitmq-unreachable-from-eu-central-1';

type Json = Record<string, any>;
const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** The intrinsics CDK writes in ARNs, as CloudFormation renders them in ACCOUNT and `region`. */
const render = (value: unknown, region: string): string => {
  if (typeof value === 'string') return value;
  const v = value as Json;
  if (v['Fn::Join'])
    return (v['Fn::Join'][1] as unknown[]).map((part) => render(part, region)).join(v['Fn::Join'][0]);
  if (v.Ref)
    return (
      ({ 'AWS::Partition': 'aws', 'AWS::AccountId': ACCOUNT, 'AWS::Region': region } as Json)[v.Ref] ??
      `ref:${v.Ref}`
    );
  if (v['Fn::GetAtt']) return `getatt:${v['Fn::GetAtt'].join('.')}`;
  throw new Error(`cannot render ${JSON.stringify(value)}`);
};

/** An EventBridge pattern (with its ARNs rendered) against an event: the subset the rules use. */
const matches = (pattern: Json, event: Json): boolean =>
  Object.entries(pattern).every(([key, expected]) => {
    const actual = event[key];
    if (!Array.isArray(expected)) return actual !== undefined && matches(expected as Json, actual as Json);
    return asList(actual as unknown).some((value) =>
      (expected as unknown[]).some((e) =>
        typeof e === 'string' ? e === value : String(value).startsWith((e as { prefix: string }).prefix),
      ),
    );
  });
const renderPattern = (pattern: Json, region: string): Json =>
  JSON.parse(
    JSON.stringify(pattern, (_key, value: unknown) =>
      value && typeof value === 'object' && ('Fn::Join' in value || 'Ref' in value)
        ? render(value, region)
        : value,
    ),
  ) as Json;

/** A CloudWatch alarm entering `state`, as the event reaches a bus (forwarded events keep it whole). */
const alarmEvent = (region: string, alarmName: string, state = 'ALARM') => ({
  source: 'aws.cloudwatch',
  'detail-type': 'CloudWatch Alarm State Change',
  account: ACCOUNT,
  region,
  resources: [`arn:aws:cloudwatch:${region}:${ACCOUNT}:alarm:${alarmName}`],
  detail: { alarmName, state: { value: state } },
});

/** The example plan, switching traffic with routing controls. */
const routingControlPlan = (example: Plan): Plan =>
  parsePlan({
    ...example,
    dns: {
      ...example.dns,
      switch: {
        via: 'routing-controls',
        clusterEndpoints: [
          { url: 'https://a1b2c3d4.route53-recovery-cluster.us-west-2.amazonaws.com/', region: 'us-west-2' },
          { url: 'https://e5f6a7b8.route53-recovery-cluster.eu-west-1.amazonaws.com/', region: 'eu-west-1' },
        ],
        controls: CONTROLS,
      },
    },
  });

/** The example plan, deployed in two Regions and switching traffic with routing controls. */
const twoRegionPlan = (example: Plan): Plan =>
  parsePlan({
    ...routingControlPlan(example),
    regions: { upstream: UP, downstream: DOWN },
    triggers: {
      alarms: [
        ...example.triggers.alarms,
        // The upstream's health as seen from the downstream's Region: it fires when eu-west-1 is lost.
        {
          name: DOWNSTREAM_ALARM,
          region: DOWN,
          define: {
            metric: {
              namespace: 'CloudWatchSynthetics',
              name: 'SuccessPercent',
              dimensions: { CanaryName: 'orders-amqp-from-eu-central-1' },
              statistic: 'Average',
              periodSeconds: 60,
            },
            comparison: 'LessThanThreshold',
            threshold: 50,
            evaluationPeriods: 3,
          },
        },
      ],
    },
  });

describe('an orchestrator in each of two Regions', () => {
  let outdir: string;
  let plan: Plan;
  let app: App;
  let stacks: FailoverOrchestratorStack[];

  const regionOf = (stack: Stack) => stack.region;
  const stackIn = (region: string) => stacks.find((s) => s.region === region)!;
  const otherThan = (region: string) => (region === UP ? DOWN : UP);
  const logicalId = (construct: IConstruct) =>
    Stack.of(construct).getLogicalId(
      construct instanceof CfnElement ? construct : (construct.node.defaultChild as CfnElement),
    );
  const resourcesOf = (stack: Stack) => Template.fromStack(stack).toJSON().Resources as Record<string, Json>;
  /** The stack's own template and its nested stacks' (the plans' shards). */
  const templatesOf = (stack: Stack) => [
    stack,
    ...stack.node.findAll().filter((c): c is NestedStack => c instanceof NestedStack),
  ];
  const allOfType = (stack: Stack, type: string) =>
    templatesOf(stack).flatMap((s) => Object.values(resourcesOf(s)).filter((r) => r.Type === type));
  /** Every Allow statement of a role's policies in its stack, ARNs rendered in the stack's Region. */
  const statementsOf = (role: IConstruct) => {
    const stack = Stack.of(role);
    return Object.values(resourcesOf(stack))
      .filter(
        (r) =>
          (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') &&
          ((r.Properties.Roles ?? []) as Json[]).some((ref) => ref.Ref === logicalId(role)),
      )
      .flatMap((r) => r.Properties.PolicyDocument.Statement as Json[])
      .map((s) => ({
        actions: asList(s.Action as string | string[]),
        resources: asList(s.Resource as unknown).map((arn) => render(arn, regionOf(stack))),
        condition: s.Condition as Json | undefined,
      }));
  };
  const grantedTo = (role: IConstruct, action: string) =>
    statementsOf(role).filter((s) => s.actions.includes(action));

  beforeAll(async () => {
    outdir = mkdtempSync(join(tmpdir(), 'failover-regions-'));
    plan = twoRegionPlan(await loadPlan(repoPath('examples/plans/rabbitmq-standby.yaml')));
    // No bundling: this synth is about where things are and who may touch what, not the code.
    app = new App({ outdir, context: { ...cdkContext, 'aws:cdk:bundling-stacks': [] } });
    stacks = orchestratorStacks(app, { plans: [plan], regions: [UP, DOWN] });
    app.synth();
  });

  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('a stack per Region, named for it, each with the workflow and both workers; the second deploys after the first', () => {
    expect(stacks.map((s) => [s.stackName, s.region])).toEqual([
      [`FailoverOrchestrator-${UP}`, UP],
      [`FailoverOrchestrator-${DOWN}`, DOWN],
    ]);
    for (const stack of stacks) {
      const resources = resourcesOf(stack);
      const { orchestrator } = stack;
      expect(
        Object.values(resources).filter((r) => r.Type === 'AWS::StepFunctions::StateMachine'),
      ).toHaveLength(1);
      for (const worker of [orchestrator.awsWorker, orchestrator.kubeWorker])
        expect(resources[logicalId(worker)]!.Type).toBe('AWS::Lambda::Function');
    }
    expect(stackIn(DOWN).dependencies).toEqual([stackIn(UP)]);
    expect(stackIn(UP).dependencies).toEqual([]);
  });

  it('the journal is one global table, created in the first Region with a replica in the other, which the other Region’s workers use by its name', () => {
    const [table, ...others] = stacks.flatMap((s) => allOfType(s, 'AWS::DynamoDB::GlobalTable'));
    expect(others).toEqual([]);
    expect(allOfType(stackIn(UP), 'AWS::DynamoDB::GlobalTable')).toEqual([table]);
    expect(table!.Properties.TableName).toBe(GLOBAL_JOURNAL_TABLE_NAME);
    expect(table!.Properties.Replicas.map((r: Json) => r.Region).sort()).toEqual([DOWN, UP].sort());
    expect(stacks.flatMap((s) => allOfType(s, 'AWS::DynamoDB::Table'))).toEqual([]);

    const journalArns = (stack: FailoverOrchestratorStack) => {
      const { awsWorker, kubeWorker } = stack.orchestrator;
      return [awsWorker, kubeWorker].map((worker) => ({
        env: resourcesOf(stack)[logicalId(worker)]!.Properties.Environment.Variables.JOURNAL_TABLE,
        granted: [
          ...new Set(
            statementsOf(worker.role!)
              .filter((s) => s.actions.some((action) => action.startsWith('dynamodb:')))
              .flatMap((s) => s.resources),
          ),
        ],
      }));
    };
    const homeTable = logicalId(stackIn(UP).orchestrator.journalTable);
    expect(journalArns(stackIn(UP))).toEqual([
      { env: { Ref: homeTable }, granted: [`getatt:${homeTable}.Arn`] },
      { env: { Ref: homeTable }, granted: [`getatt:${homeTable}.Arn`] },
    ]);
    const replica = `arn:aws:dynamodb:${DOWN}:${ACCOUNT}:table/${GLOBAL_JOURNAL_TABLE_NAME}`;
    expect(journalArns(stackIn(DOWN))).toEqual([
      { env: GLOBAL_JOURNAL_TABLE_NAME, granted: [replica] },
      { env: GLOBAL_JOURNAL_TABLE_NAME, granted: [replica] },
    ]);
  });

  it('each Region creates the plan’s defined alarms that live in it, and its trigger rule matches its own alarms and the other Region’s', () => {
    const alarmNames = (region: string) =>
      allOfType(stackIn(region), 'AWS::CloudWatch::Alarm')
        .map((a) => a.Properties.AlarmName as string | undefined)
        .filter((name) => name !== undefined);
    expect(alarmNames(DOWN)).toEqual([DOWNSTREAM_ALARM]);
    expect(alarmNames(UP)).toEqual(['orders-rabbitmq-upstream-nodes-missing']);

    for (const region of [UP, DOWN]) {
      const { orchestrator } = stackIn(region);
      const pattern = renderPattern(
        resourcesOf(stackIn(region))[logicalId(orchestrator.trigger.rule)]!.Properties.EventPattern,
        region,
      );
      expect(matches(pattern, alarmEvent(DOWN, DOWNSTREAM_ALARM))).toBe(true);
      // The upstream's alarms, forwarded from eu-west-1.
      expect(matches(pattern, alarmEvent(UP, 'orders-rabbitmq-upstream-unhealthy'))).toBe(true);
      expect(matches(pattern, alarmEvent('eu-north-1', DOWNSTREAM_ALARM))).toBe(false);
      expect(matches(pattern, alarmEvent(DOWN, DOWNSTREAM_ALARM, 'OK'))).toBe(false);
    }
  });

  it('each Region forwards its own alarms, and only those, to the default bus of the other, as a role of its own, with the dead-letter queue', () => {
    for (const region of [UP, DOWN]) {
      const stack = stackIn(region);
      const resources = resourcesOf(stack);
      const { orchestrator } = stack;
      const rules = Object.entries(resources).filter(
        ([, r]) =>
          r.Type === 'AWS::Events::Rule' &&
          (r.Properties.Targets as Json[]).some((t) => render(t.Arn, region).includes(':event-bus/')),
      );
      expect(rules).toHaveLength(1);
      const [ruleId, rule] = rules[0]!;
      const [target, ...moreTargets] = rule.Properties.Targets as Json[];
      expect(moreTargets).toEqual([]);
      expect(render(target!.Arn, region)).toBe(
        `arn:aws:events:${otherThan(region)}:${ACCOUNT}:event-bus/default`,
      );
      expect(target!.DeadLetterConfig).toEqual({
        Arn: { 'Fn::GetAtt': [logicalId(orchestrator.executionEnded.deadLetterQueue), 'Arn'] },
      });

      // Its own Region's alarms only: a forwarded alarm is never forwarded again.
      const pattern = renderPattern(rule.Properties.EventPattern, region);
      expect(pattern.resources).toEqual([{ prefix: `arn:aws:cloudwatch:${region}:${ACCOUNT}:alarm:` }]);
      expect(matches(pattern, alarmEvent(region, 'any-alarm'))).toBe(true);
      expect(matches(pattern, alarmEvent(otherThan(region), 'any-alarm'))).toBe(false);
      expect(matches(pattern, alarmEvent(region, 'any-alarm', 'OK'))).toBe(false);

      // EventBridge assumes the role only for this rule, and may only put events on that bus.
      const roleId = target!.RoleArn['Fn::GetAtt'][0] as string;
      const trust = resources[roleId]!.Properties.AssumeRolePolicyDocument.Statement as Json[];
      expect(trust).toHaveLength(1);
      expect(trust[0]!.Principal).toEqual({ Service: 'events.amazonaws.com' });
      expect(render(trust[0]!.Condition.StringEquals['aws:SourceAccount'], region)).toBe(ACCOUNT);
      expect(
        asList(trust[0]!.Condition.ArnEquals['aws:SourceArn']).map((arn) => render(arn, region)),
      ).toEqual([`arn:aws:events:${region}:${ACCOUNT}:rule/${rule.Properties.Name}`]);
      expect(statementsOf(orchestrator.alarmForwarding!.role)).toEqual([
        {
          actions: ['events:PutEvents'],
          resources: [`arn:aws:events:${otherThan(region)}:${ACCOUNT}:event-bus/default`],
          condition: undefined,
        },
      ]);
      // The dead-letter queue takes this rule's undeliverable events, of this account only.
      const queueStatements = Object.values(resources)
        .filter((r) => r.Type === 'AWS::SQS::QueuePolicy')
        .flatMap((r) => r.Properties.PolicyDocument.Statement as Json[]);
      expect(queueStatements).toContainEqual(
        expect.objectContaining({
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Condition: {
            ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ruleId, 'Arn'] } },
            StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          },
        }),
      );
    }
  });

  it('no stack names a resource of the other Region but the global table’s replica, the forwarding target, and what the plan needs there (its alarms and cluster)', () => {
    /** Where the template names `region`: resource type, and the property (the actions, in a policy). */
    const mentions = (stack: Stack, region: string) =>
      templatesOf(stack).flatMap((s) => {
        const template = Template.fromStack(s).toJSON();
        expect(JSON.stringify(template)).not.toMatch(/Fn::ImportValue|Custom::CrossRegion/);
        return Object.values(template.Resources as Record<string, Json>).flatMap((resource) => {
          const parts =
            resource.Type === 'AWS::IAM::Policy'
              ? (resource.Properties.PolicyDocument.Statement as Json[]).map((s) => [
                  asList(s.Action as string[]).join(','),
                  s,
                ])
              : Object.entries(resource.Properties ?? {}).filter(([key]) => key !== 'Description');
          return parts
            .filter(
              ([, value]) =>
                JSON.stringify(value).includes(`:${region}:`) ||
                JSON.stringify(value).includes(`"${region}"`),
            )
            .map(([what]) => `${resource.Type} ${what}`);
        });
      });
    const expected = (other: string) =>
      [
        'AWS::Events::Rule EventPattern', // the trigger rule matches the alarms the other Region forwards
        'AWS::Events::Rule Targets', // the forwarding rule's target: the other Region's default bus
        'AWS::IAM::Policy events:PutEvents', // what the forwarding role may put there
        'AWS::IAM::Policy cloudwatch:DescribeAlarms', // ConfirmAlarm re-reads a forwarded alarm in its Region
        'AWS::IAM::Policy eks:DescribeCluster', // the plan's cluster in the other Region
        ...(other === DOWN ? ['AWS::DynamoDB::GlobalTable Replicas'] : []),
      ].sort();
    expect(mentions(stackIn(UP), DOWN).sort()).toEqual(expected(DOWN));
    expect(mentions(stackIn(DOWN), UP).sort()).toEqual(expected(UP));
  });

  it('the routing controls’ health checks and the failover records exist once, in the first Region', () => {
    const healthChecks = stacks.map((s) =>
      templatesOf(s).flatMap((t) =>
        Object.entries(resourcesOf(t)).filter(([, r]) => r.Type === 'AWS::Route53::HealthCheck'),
      ),
    );
    expect(healthChecks[1]).toEqual([]);
    const checkOf = Object.fromEntries(
      healthChecks[0]!.map(([id, r]) => [r.Properties.HealthCheckConfig.RoutingControlArn as string, id]),
    );
    expect(healthChecks[0]!.map(([, r]) => r.Properties.HealthCheckConfig)).toEqual([
      { Type: 'RECOVERY_CONTROL', RoutingControlArn: CONTROLS.upstream, Inverted: false },
      { Type: 'RECOVERY_CONTROL', RoutingControlArn: CONTROLS.downstream, Inverted: false },
    ]);
    expect(allOfType(stackIn(DOWN), 'AWS::Route53::RecordSet')).toEqual([]);
    const record = plan.dns.records[0]!;
    const failoverRecord = (side: 'upstream' | 'downstream', failover: string) => ({
      HostedZoneId: plan.dns.hostedZoneId,
      Name: record.name,
      Type: record.type,
      TTL: String(record.ttl),
      ResourceRecords: [record[side]],
      Failover: failover,
      SetIdentifier: `${plan.name}-${side}`,
      HealthCheckId: { Ref: checkOf[CONTROLS[side]] },
    });
    expect(allOfType(stackIn(UP), 'AWS::Route53::RecordSet').map((r) => r.Properties)).toEqual([
      failoverRecord('upstream', 'PRIMARY'),
      failoverRecord('downstream', 'SECONDARY'),
    ]);
  });

  it('in each Region the AWS worker may read and set only the routing controls of the plan’s control panel, changes none of its records, and may read the alarms of both Regions', () => {
    for (const region of [UP, DOWN]) {
      const role = stackIn(region).orchestrator.awsWorker.role!;
      const arc = statementsOf(role).filter((s) =>
        s.actions.some((action) => action.startsWith('route53-recovery-cluster:')),
      );
      expect(arc).toEqual([
        {
          actions: [
            'route53-recovery-cluster:GetRoutingControlState',
            'route53-recovery-cluster:UpdateRoutingControlStates',
          ],
          resources: [
            `arn:aws:route53-recovery-control::${ACCOUNT}:controlpanel/0123456789abcdef0123456789abcdef/routingcontrol/*`,
          ],
          condition: undefined,
        },
      ]);
      expect(statementsOf(role).filter((s) => s.actions.some((a) => a.startsWith('route53:')))).toEqual([]);
      expect(
        grantedTo(role, 'cloudwatch:DescribeAlarms')
          .flatMap((s) => s.resources)
          .sort(),
      ).toEqual([UP, DOWN].map((r) => `arn:aws:cloudwatch:${r}:${ACCOUNT}:alarm:*`).sort());
    }
  });

  // As test/infra/stack.test.ts checks it for plans that switch by record changes.
  it('in each Region the AWS worker is granted exactly the AWS actions its adapters call but record changes', () => {
    const platform =
      /^(xray:|logs:(CreateLogStream|PutLogEvents)$|kms:(GenerateDataKey|Decrypt)$|sqs:SendMessage$)/;
    const called = sdkActionsCalledBy(repoPath('lambdas/functions/aws-worker.ts')).filter(
      (action) => !trafficSwitchActions.records.test(action),
    );
    for (const stack of stacks) {
      const granted = new Set(
        statementsOf(stack.orchestrator.awsWorker.role!)
          .flatMap((s) => s.actions)
          .filter((action) => !platform.test(action)),
      );
      expect([...granted].sort()).toEqual(called.sort());
    }
  });

  it('cdk-nag finds nothing unacknowledged in any stack of the app', () => {
    expect(
      new AwsSolutionsChecks()
        .validateScope(app)
        .violations.map(
          (v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
        ),
    ).toEqual([]);
  });
});

describe('one orchestrator, for a plan that switches with routing controls', () => {
  it('creates the plan’s health checks and failover records in its own plans’ stack', async () => {
    const plan = routingControlPlan(await loadPlan(repoPath('examples/plans/rabbitmq-standby.yaml')));
    const app = new App({ context: { ...cdkContext, 'aws:cdk:bundling-stacks': [] } });
    const [stack, ...others] = orchestratorStacks(app, { plans: [plan] });
    expect(others).toEqual([]);
    const switchRecords = stack!.orchestrator.routingControlRecords.get(plan.name)!;
    const shard = Template.fromStack(Stack.of(switchRecords));
    shard.resourceCountIs('AWS::Route53::HealthCheck', 2);
    shard.resourceCountIs('AWS::Route53::RecordSet', 2);
    expect(switchRecords.records.map((r) => [r.failover, r.resourceRecords])).toEqual([
      ['PRIMARY', [plan.dns.records[0]!.upstream]],
      ['SECONDARY', [plan.dns.records[0]!.downstream]],
    ]);
  });
});

describe('Regions and plans that cannot work together are refused before synth', () => {
  let example: Plan;
  let plan: Plan;
  beforeAll(async () => {
    example = await loadPlan(repoPath('examples/plans/rabbitmq-standby.yaml'));
    plan = twoRegionPlan(example);
  });
  const USAGE =
    "pass two or more Regions, comma-separated, e.g. --context regions=eu-west-1,eu-central-1, or leave `regions` out for one orchestrator in the CLI's Region";

  it('the `regions` context: in order, from text or a list; undefined without it', () => {
    expect(deploymentRegions(undefined)).toBeUndefined();
    expect(deploymentRegions(`${UP}, ${DOWN}`)).toEqual([UP, DOWN]);
    expect(deploymentRegions([DOWN, UP])).toEqual([DOWN, UP]);
  });

  it.each([
    [
      'an unknown Region',
      `${UP},eu-wset-1`,
      '"eu-wset-1" is not an AWS Region (as aws-cdk-lib\'s RegionInfo lists them)',
    ],
    ['a Region twice', `${UP},${DOWN},${UP}`, `${UP} is listed twice`],
    ['an empty entry', `${UP},,${DOWN}`, 'an empty Region'],
    [
      'one Region',
      UP,
      `one Region only; for one orchestrator leave \`regions\` out and deploy with AWS_REGION=${UP}`,
    ],
    [
      'Regions of two partitions',
      `${UP},cn-north-1`,
      `${UP} (aws), cn-north-1 (aws-cn) are in different partitions: a global table and EventBridge reach Regions of one partition only`,
    ],
  ])('the `regions` context with %s', (_case, context, problem) => {
    expect(() => deploymentRegions(context)).toThrow(
      `--context regions=${context.replace(/ /g, '')}: ${problem}; ${USAGE}`,
    );
  });

  it('a plan naming a Region that has no orchestrator, a plan without `regions` among several, and a plan with `regions` in one', () => {
    expect(planRegionProblems([plan], [UP, 'eu-north-1'])).toEqual([
      `plan orders-rabbitmq: regions.downstream is ${DOWN}, which has no orchestrator (deployed: ${UP}, eu-north-1); add it to the deployment's Regions (--context regions=${UP},eu-north-1,${DOWN})`,
    ]);
    expect(planRegionProblems([example], [UP, DOWN])).toEqual([
      `plan orders-rabbitmq: names no \`regions\`, so in a deployment of several Regions (${UP}, ${DOWN}) it would be triggered, and act, in each of them at once; name its sides' Regions (regions: {upstream, downstream}), or deploy it in one Region apart`,
    ]);
    expect(planRegionProblems([plan], undefined)).toEqual([
      `plan orders-rabbitmq: names regions (${UP}, ${DOWN}), and each of its legs acts only from its side's Region: deploy an orchestrator in each (--context regions=${UP},${DOWN})`,
    ]);
    expect(planRegionProblems([plan], [UP, DOWN])).toEqual([]);
    expect(planRegionProblems([example], undefined)).toEqual([]);
  });

  it('by the construct: the same plans, a key with several Regions, a stack outside the Regions', () => {
    const build = (region: string | undefined, props: Json) => () =>
      new FailoverOrchestrator(
        new Stack(new App(), 'Stack', region ? { env: { region } } : {}),
        'Orchestrator',
        props as never,
      );
    const multiRegion = { regions: [UP, DOWN], journalTableName: GLOBAL_JOURNAL_TABLE_NAME };
    expect(build(UP, { plans: [example], multiRegion })).toThrow('plan orders-rabbitmq: names no `regions`');
    expect(build(UP, { plans: [plan] })).toThrow(`plan orders-rabbitmq: names regions (${UP}, ${DOWN})`);
    expect(
      build(UP, {
        plans: [plan],
        multiRegion,
        encryptionKeyArn: `arn:aws:kms:${UP}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
      }),
    ).toThrow(
      `encryptionKeyArn: a key serves one Region, and the journal's global table needs one in each of ${UP}, ${DOWN}; leave the key out in a deployment of several Regions`,
    );
    expect(build('eu-north-1', { plans: [plan], multiRegion })).toThrow(
      `multiRegion: the stack's Region (eu-north-1) is not one of ${UP}, ${DOWN}`,
    );
    expect(build(undefined, { plans: [plan], multiRegion })).toThrow(
      "multiRegion: the stack's Region (decided at deployment) is not one of",
    );
  });

  describe('by the CDK app, with the context named and nothing synthesized', () => {
    /** infra/app.ts with `context`, and the plans of `planFiles` (file name to text) as its plans directory. */
    const runApp = (context: Json, planFiles: Record<string, string> = {}) => {
      const dir = mkdtempSync(join(tmpdir(), 'failover-regions-app-'));
      for (const [file, text] of Object.entries(planFiles)) writeFileSync(join(dir, file), text);
      const run = promisify(execFile)(process.execPath, ['--import', 'tsx', repoPath('infra/app.ts')], {
        cwd: repoPath(''),
        env: {
          ...process.env,
          NODE_OPTIONS: '',
          CDK_CONTEXT_JSON: JSON.stringify({
            ...context,
            ...(Object.keys(planFiles).length > 0 ? { plansDir: dir } : {}),
          }),
          CDK_OUTDIR: join(dir, 'cdk.out'),
        },
      });
      return { run, cleanUp: () => rmSync(dir, { recursive: true, force: true }) };
    };

    it('an unknown Region', async () => {
      const { run, cleanUp } = runApp({ regions: `${UP},eu-wset-1` });
      try {
        await expect(run).rejects.toMatchObject({
          code: 1,
          stderr: `--context regions=${UP},eu-wset-1: "eu-wset-1" is not an AWS Region (as aws-cdk-lib's RegionInfo lists them); ${USAGE}. Nothing was synthesized.\n`,
        });
      } finally {
        cleanUp();
      }
    });

    it('a plan naming a Region that is not deployed', async () => {
      // JSON is YAML: the parsed plan, written back as a plan file.
      const { run, cleanUp } = runApp(
        { regions: `${UP},eu-north-1` },
        { 'orders.yaml': JSON.stringify(plan) },
      );
      try {
        await expect(run).rejects.toMatchObject({
          code: 1,
          stderr:
            "The plans do not fit the deployment's Regions; nothing was synthesized:\n" +
            `plan orders-rabbitmq: regions.downstream is ${DOWN}, which has no orchestrator (deployed: ${UP}, eu-north-1); add it to the deployment's Regions (--context regions=${UP},eu-north-1,${DOWN})\n`,
        });
      } finally {
        cleanUp();
      }
    });
  });
});
