// One deployment for many plans: 1, 100 and 500 plans, made from the example plan with names,
// alarms and DNS records of their own, synthesized once per size and held to CloudFormation's
// limits on every stack (500 resources, 1 MB of template) and to the size limits of the policies
// that could grow with the plans (a function's resource policy, a role's policies and how many
// managed ones it has, the topic's, the queue's and the key's); then 500 plans that switch with
// routing controls, whose health checks, failover records and grants are their own. What grows per
// plan must be in the plans' nested stacks. The synth's time is printed, not asserted (a
// benchmark's matter).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { FailoverOrchestratorStack } from '../../infra/failover-stack.js';
import { PLAN_SHARDS } from '../../infra/plan-shards.js';
import { loadPlan, parsePlan } from '../../lambdas/plan/load-plan.js';
import type { Plan } from '../../lambdas/plan/schema.js';

const repoPath = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const cdkContext = JSON.parse(readFileSync(repoPath('cdk.json'), 'utf8')).context as Record<string, unknown>;

// CloudFormation, Lambda, IAM, SNS, SQS and KMS quotas that cannot be raised.
const MAX_STACK_RESOURCES = 500;
const MAX_TEMPLATE_BYTES = 1_000_000;
const MAX_LAMBDA_POLICY_BYTES = 20_480;
/** A role's inline policies together, and one managed policy, in characters without whitespace. */
const MAX_ROLE_INLINE_CHARS = 10_240;
const MAX_MANAGED_POLICY_CHARS = 6_144;
const MAX_TOPIC_POLICY_BYTES = 30_720;
const MAX_QUEUE_POLICY_BYTES = 8_192;
const MAX_KEY_POLICY_BYTES = 32_768;
/** IAM's default quota of managed policies per role (it can be raised to 20). */
const MAX_MANAGED_POLICIES_PER_ROLE = 10;

type Json = Record<string, any>;

/**
 * A value as long as CloudFormation would make it: references become ARNs and names of a
 * generous length, so a policy measured here is no shorter than the deployed one.
 */
const rendered = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(rendered);
  if (value === null || typeof value !== 'object') return value;
  const v = value as Json;
  if ('Ref' in v)
    return (
      (
        {
          'AWS::Partition': 'aws-us-gov',
          'AWS::AccountId': '111122223333',
          'AWS::Region': 'ap-southeast-3',
        } as Json
      )[v.Ref] ?? 'x'.repeat(128)
    );
  if ('Fn::GetAtt' in v) return 'x'.repeat(128);
  if ('Fn::Join' in v)
    return (v['Fn::Join'][1] as unknown[]).map((p) => String(rendered(p))).join(v['Fn::Join'][0]);
  if ('Fn::Select' in v || 'Fn::ImportValue' in v) return 'x'.repeat(64);
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, rendered(x)]));
};
const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(rendered(value)), 'utf8');

/** The example plan as the `i`th service: its own name, alarms and DNS record. */
const planNumber = (example: Plan, i: number): Plan => {
  const name = `service-${String(i).padStart(3, '0')}`;
  return parsePlan({
    ...example,
    name,
    dns: {
      ...example.dns,
      records: example.dns.records.map((r) => ({ ...r, name: `${name}.${r.name}` })),
    },
    triggers: {
      ...example.triggers,
      alarms: example.triggers.alarms.map((a) => ({ ...a, name: `${name}-${a.name}` })),
    },
  });
};

const PANELS = 5;
const ACCOUNT = '111122223333';

/** The `i`th plan switching with two routing controls of one of PANELS control panels. */
const routingControlPlanNumber = (example: Plan, i: number): Plan => {
  const control = (side: 'u' | 'd') =>
    `arn:aws:route53-recovery-control::${ACCOUNT}:controlpanel/${String(i % PANELS).padStart(32, '0')}/routingcontrol/${side}${String(i).padStart(15, '0')}`;
  const plan = planNumber(example, i);
  return parsePlan({
    ...plan,
    dns: {
      ...plan.dns,
      switch: {
        via: 'routing-controls',
        clusterEndpoints: [
          { url: 'https://a1b2c3d4.route53-recovery-cluster.us-west-2.amazonaws.com/', region: 'us-west-2' },
        ],
        controls: { upstream: control('u'), downstream: control('d') },
      },
    },
  });
};

interface Measured {
  seconds: number;
  stacks: Array<{ name: string; resources: number; templateBytes: number; template: Json }>;
}

const synthesize = async (plans: Plan[], outdir: string): Promise<Measured> => {
  const started = performance.now();
  // No bundling: the plans reach the code as one file beside the bundle, whatever their number.
  const app = new App({ outdir, context: { ...cdkContext, 'aws:cdk:bundling-stacks': [] } });
  new FailoverOrchestratorStack(app, 'FailoverOrchestratorStack', {
    plans,
    env: { account: ACCOUNT, region: 'eu-west-1' },
  });
  const assembly = app.synth();
  const seconds = (performance.now() - started) / 1000;
  const templates = readdirTemplates(assembly.directory);
  return {
    seconds,
    stacks: templates.map((file) => {
      const template = JSON.parse(readFileSync(join(assembly.directory, file), 'utf8')) as Json;
      return {
        name: file,
        resources: Object.keys(template.Resources ?? {}).length,
        templateBytes: statSync(join(assembly.directory, file)).size,
        template,
      };
    }),
  };
};

const readdirTemplates = (dir: string): string[] =>
  readdirSync(dir).filter((f) => f.endsWith('.template.json'));

const resourcesOf = (m: Measured, type: string) =>
  m.stacks.flatMap((s) => Object.entries(s.template.Resources as Json).filter(([, r]) => r.Type === type));

/** Each function's resource policy, as Lambda builds it from the function's permissions. */
const lambdaPolicyBytes = (m: Measured): Map<string, number> => {
  const policies = new Map<string, number>();
  for (const [, permission] of resourcesOf(m, 'AWS::Lambda::Permission')) {
    const p = permission.Properties;
    const fn = JSON.stringify(p.FunctionName);
    const statement = {
      Sid: 'x'.repeat(100),
      Effect: 'Allow',
      Principal: { Service: p.Principal },
      Action: p.Action,
      Resource: p.FunctionName,
      Condition: {
        ...(p.SourceArn ? { ArnLike: { 'AWS:SourceArn': p.SourceArn } } : {}),
        ...(p.SourceAccount ? { StringEquals: { 'AWS:SourceAccount': p.SourceAccount } } : {}),
      },
    };
    policies.set(fn, (policies.get(fn) ?? 60) + bytes(statement) + 1);
  }
  return policies;
};

/** Each role's inline policies together (IAM counts them per role). */
const roleInlineChars = (m: Measured): number[] => {
  const byRole = new Map<string, number>();
  for (const [, policy] of resourcesOf(m, 'AWS::IAM::Policy'))
    for (const role of policy.Properties.Roles ?? []) {
      const key = JSON.stringify(role);
      byRole.set(key, (byRole.get(key) ?? 0) + bytes(policy.Properties.PolicyDocument));
    }
  for (const [, role] of resourcesOf(m, 'AWS::IAM::Role'))
    for (const inline of role.Properties.Policies ?? [])
      byRole.set(JSON.stringify(role), bytes(inline.PolicyDocument));
  return [...byRole.values()];
};

/** Each role's managed policies: those it names and those the stacks attach to it. */
const managedPoliciesPerRole = (m: Measured): number[] => {
  const byRole = new Map<string, number>();
  const add = (key: string, n: number) => byRole.set(key, (byRole.get(key) ?? 0) + n);
  for (const stack of m.stacks)
    for (const [id, r] of Object.entries(stack.template.Resources as Json)) {
      if (r.Type === 'AWS::IAM::Role')
        add(`${stack.name}/${id}`, r.Properties.ManagedPolicyArns?.length ?? 0);
      if (r.Type === 'AWS::IAM::ManagedPolicy')
        for (const role of r.Properties.Roles ?? [])
          add(role.Ref ? `${stack.name}/${role.Ref}` : JSON.stringify(role), 1);
    }
  return [...byRole.values()];
};

const largest = (values: number[]) => Math.max(0, ...values);

/** Every policy over its limit; empty when none is. */
const policiesOverLimits = (m: Measured): string[] => {
  const documents = (type: string, property: string) =>
    resourcesOf(m, type).map(([, r]) => bytes(r.Properties[property]));
  return Object.entries({
    'function policy bytes': [largest([...lambdaPolicyBytes(m).values()]), MAX_LAMBDA_POLICY_BYTES],
    "role's inline policy characters": [largest(roleInlineChars(m)), MAX_ROLE_INLINE_CHARS],
    'managed policies of a role': [largest(managedPoliciesPerRole(m)), MAX_MANAGED_POLICIES_PER_ROLE],
    'managed policy characters': [
      largest(documents('AWS::IAM::ManagedPolicy', 'PolicyDocument')),
      MAX_MANAGED_POLICY_CHARS,
    ],
    'topic policy bytes': [
      largest(documents('AWS::SNS::TopicPolicy', 'PolicyDocument')),
      MAX_TOPIC_POLICY_BYTES,
    ],
    'queue policy bytes': [
      largest(documents('AWS::SQS::QueuePolicy', 'PolicyDocument')),
      MAX_QUEUE_POLICY_BYTES,
    ],
    'key policy bytes': [largest(documents('AWS::KMS::Key', 'KeyPolicy')), MAX_KEY_POLICY_BYTES],
  } as Record<string, [number, number]>)
    .filter(([, [size, limit]]) => size > limit)
    .map(([what, [size, limit]]) => `${what}: ${size} > ${limit}`);
};

/** What exceeds a limit, by stack; empty when nothing does. */
const overLimits = (m: Measured) =>
  m.stacks.flatMap((stack) => [
    ...(stack.resources > MAX_STACK_RESOURCES ? [`${stack.name}: ${stack.resources} resources`] : []),
    ...(stack.templateBytes > MAX_TEMPLATE_BYTES ? [`${stack.name}: ${stack.templateBytes} bytes`] : []),
  ]);

const SIZES = [1, 100, 500] as const;
const MAIN = 'FailoverOrchestratorStack.template.json';

describe('one deployment of 1, 100 and 500 plans', () => {
  const measured = new Map<number, Measured>();
  const outdir = mkdtempSync(join(tmpdir(), 'scale-'));

  beforeAll(async () => {
    const example = await loadPlan(repoPath('examples/plans/rabbitmq-standby.yaml'));
    for (const count of SIZES) {
      const m = await synthesize(
        Array.from({ length: count }, (_, i) => planNumber(example, i)),
        join(outdir, String(count)),
      );
      measured.set(count, m);
      const main = m.stacks.find((s) => s.name === MAIN)!;
      const others = m.stacks.filter((s) => s !== main);
      process.stdout.write(
        `${count} plans: synth ${m.seconds.toFixed(1)} s; orchestrator stack ${main.resources} resources, ${main.templateBytes} bytes; ` +
          `${others.length} other stacks, the largest ${largest(others.map((s) => s.resources))} resources, ` +
          `${largest(others.map((s) => s.templateBytes))} bytes; largest function policy ${largest([...lambdaPolicyBytes(m).values()])} bytes, ` +
          `largest role's inline policies ${largest(roleInlineChars(m))} characters\n`,
      );
    }
  }, 600_000);

  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it.each(SIZES)('%i plans: every stack within 500 resources and 1 MB of template', (count) => {
    expect(overLimits(measured.get(count)!)).toEqual([]);
  });

  it("the orchestrator's own stack grows only by a nested stack per shard and the managed policies that name the plans' DNS records", () => {
    const own = (count: number) => {
      const m = measured.get(count)!;
      const nested = resourcesOf(m, 'AWS::CloudFormation::Stack').length;
      expect(nested).toBeLessThanOrEqual(Math.min(count, PLAN_SHARDS));
      // About one per 150 records, where the AWS worker's inline policy overflows.
      const overflow = resourcesOf(m, 'AWS::IAM::ManagedPolicy').filter(([id]) =>
        id.includes('Overflow'),
      ).length;
      expect(overflow).toBeLessThanOrEqual(Math.ceil(count / 150));
      return m.stacks.find((s) => s.name === MAIN)!.resources - nested - overflow;
    };
    expect(SIZES.map(own)).toEqual(SIZES.map(() => own(1)));
    for (const count of SIZES) {
      const m = measured.get(count)!;
      // The trigger rule and the execution-ended rule; a schedule per plan in the plans' stacks.
      expect(resourcesOf(m, 'AWS::Events::Rule')).toHaveLength(2);
      expect(resourcesOf(m, 'AWS::Scheduler::Schedule')).toHaveLength(count);
    }
  });

  it('no resource policy grows with the plans', () => {
    const permissions = SIZES.map(
      (count) => resourcesOf(measured.get(count)!, 'AWS::Lambda::Permission').length,
    );
    expect(permissions).toEqual(SIZES.map(() => permissions[0]));
    const topicPolicies = SIZES.map((count) =>
      resourcesOf(measured.get(count)!, 'AWS::SNS::TopicPolicy').map(([, p]) =>
        bytes(p.Properties.PolicyDocument),
      ),
    );
    expect(topicPolicies).toEqual(SIZES.map(() => topicPolicies[0]));
  });

  it.each(SIZES)(
    '%i plans: every policy within its limit, and every role within its managed policies',
    (count) => {
      expect(policiesOverLimits(measured.get(count)!)).toEqual([]);
    },
  );
});

describe(`500 plans that switch with routing controls, in ${PANELS} control panels`, () => {
  let m: Measured;
  const outdir = mkdtempSync(join(tmpdir(), 'scale-arc-'));

  beforeAll(async () => {
    const example = await loadPlan(repoPath('examples/plans/rabbitmq-standby.yaml'));
    m = await synthesize(
      Array.from({ length: 500 }, (_, i) => routingControlPlanNumber(example, i)),
      outdir,
    );
    process.stdout.write(
      `500 routing-control plans: synth ${m.seconds.toFixed(1)} s; the largest stack ${largest(m.stacks.map((s) => s.resources))} resources, ` +
        `${largest(m.stacks.map((s) => s.templateBytes))} bytes; ${resourcesOf(m, 'AWS::Route53::HealthCheck').length} health checks\n`,
    );
  }, 600_000);

  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('every stack, every policy and every role within its limits', () => {
    expect(overLimits(m)).toEqual([]);
    expect(policiesOverLimits(m)).toEqual([]);
    expect(resourcesOf(m, 'AWS::Route53::HealthCheck')).toHaveLength(1000);
  });

  it("the AWS worker's routing-control grant names the control panels, not the plans' thousand controls", () => {
    const arcResources = resourcesOf(m, 'AWS::IAM::Policy')
      .concat(resourcesOf(m, 'AWS::IAM::ManagedPolicy'))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Json[])
      .filter((statement) =>
        [statement.Action].flat().some((a: string) => a.startsWith('route53-recovery-cluster:')),
      )
      .flatMap((statement) => [statement.Resource].flat());
    expect(arcResources.sort()).toEqual(
      Array.from(
        { length: PANELS },
        (_, p) =>
          `arn:aws:route53-recovery-control::${ACCOUNT}:controlpanel/${String(p).padStart(32, '0')}/routingcontrol/*`,
      ),
    );
  });
});
