// The approval console as deployed, read from ONE synthesized stack: the page is served by the
// stack (and is the repository's console/), the API routes exist and every route that returns
// data needs a Cognito token or an IAM signature, the user pool requires MFA and admits only
// created users, the console's function may only read and decide approvals and complete this
// workflow's tasks, and no person's policy reaches the journal, a task token or a plan's state.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import {
  APPROVAL_EXECUTION_ACTIONS,
  APPROVAL_STATES_ACTIONS,
  APPROVAL_TABLE_ACTIONS,
  ApprovalConsole,
} from '../../infra/approval-console.js';
import { sdkActionsCalledBy } from './sdk-actions.js';
import { FailoverOrchestratorStack } from '../../infra/failover-stack.js';
import { loadPlan } from '../../lambdas/plan/load-plan.js';
import type { Plan } from '../../lambdas/plan/schema.js';

const repoPath = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const cdkContext = JSON.parse(readFileSync(repoPath('cdk.json'), 'utf8')).context as Record<string, unknown>;

type Json = Record<string, any>;
const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

describe('the approval console in the stack', () => {
  let outdir: string;
  let plan: Plan;
  let stack: FailoverOrchestratorStack;
  let approvalConsole: ApprovalConsole;
  let template: Template;
  let resources: Record<string, Json>;

  const logicalId = (construct: IConstruct) =>
    stack.getLogicalId((construct.node.defaultChild ?? construct) as CfnElement);
  /** The console's address as the template writes it. */
  const consoleUrl = (): Json => JSON.parse(JSON.stringify(stack.resolve(approvalConsole.url)));
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const statementsOfRole = (roleId: string): Json[] =>
    ofType('AWS::IAM::Policy')
      .filter(([, p]) => (p.Properties.Roles as Json[]).some((ref) => ref.Ref === roleId))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Json[]);

  beforeAll(async () => {
    outdir = mkdtempSync(join(tmpdir(), 'failover-console-'));
    plan = await loadPlan(repoPath('examples/plans/rabbitmq-standby.yaml'));
    const app = new App({ outdir, context: cdkContext });
    stack = new FailoverOrchestratorStack(app, 'FailoverOrchestratorStack', { plans: [plan] });
    approvalConsole = stack.orchestrator.node.findChild('ApprovalConsole') as ApprovalConsole;
    const assembly = app.synth();
    template = Template.fromJSON(assembly.getStackArtifact(stack.artifactId).template);
    resources = template.toJSON().Resources;
  });

  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  describe('hosting', () => {
    it("the console's function carries the repository's console/ page, script and style next to its bundle", () => {
      const fn = resources[logicalId(approvalConsole.function)]!.Properties;
      const bundle = join(outdir, `asset.${fn.Code.S3Key.replace(/\.zip$/, '')}`);
      for (const file of ['index.html', 'app.js', 'styles.css']) {
        expect(readFileSync(join(bundle, 'console', file), 'utf8')).toBe(
          readFileSync(repoPath(`console/${file}`), 'utf8'),
        );
      }
      expect(readFileSync(join(bundle, 'index.mjs'), 'utf8')).toMatch(/^import \{ createRequire \}/);
      expect(Number(/^nodejs(\d+)\.x$/.exec(fn.Runtime)?.[1])).toBeGreaterThanOrEqual(22);
      expect(fn.Architectures).toEqual(['arm64']);
    });

    it('the page routes are public and reach the function; everything else needs a token or a signature', () => {
      const routes = ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);
      const byKey = Object.fromEntries(routes.map((r) => [r.RouteKey, r]));
      expect(Object.keys(byKey).sort()).toEqual([
        'GET /',
        'GET /approvals',
        'GET /approvals/{id}',
        'GET /iam/approvals',
        'GET /iam/approvals/{id}',
        'GET /{asset}',
        'POST /approvals/{id}/decision',
        'POST /iam/approvals/{id}/decision',
        'POST /iam/plans/{name}/ack',
      ]);
      expect(byKey['GET /'].AuthorizationType ?? 'NONE').toBe('NONE');
      expect(byKey['GET /{asset}'].AuthorizationType ?? 'NONE').toBe('NONE');
      const [[integrationId, integration]] = ofType('AWS::ApiGatewayV2::Integration') as [[string, Json]];
      expect(integration.Properties).toMatchObject({
        IntegrationType: 'AWS_PROXY',
        PayloadFormatVersion: '2.0',
        IntegrationUri: { 'Fn::GetAtt': [logicalId(approvalConsole.function), 'Arn'] },
      });
      for (const route of routes)
        expect(route.Target).toEqual({ 'Fn::Join': ['', ['integrations/', { Ref: integrationId }]] });
    });

    it('one $default stage, throttled, with access logs', () => {
      template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
      template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: '$default',
        AutoDeploy: true,
        DefaultRouteSettings: { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
        AccessLogSettings: {
          DestinationArn: Match.anyValue(),
          Format: Match.stringLikeRegexp('"route":"\\$context.routeKey"'),
        },
      });
    });
  });

  describe('the API and its authentication', () => {
    it('every /approvals route needs a token that the Cognito JWT authorizer verified for the console client', () => {
      const [[authorizerId, authorizer]] = ofType('AWS::ApiGatewayV2::Authorizer') as [[string, Json]];
      const poolId = logicalId(approvalConsole.userPool);
      expect(authorizer.Properties).toMatchObject({
        AuthorizerType: 'JWT',
        IdentitySource: ['$request.header.Authorization'],
        JwtConfiguration: {
          Audience: [{ Ref: logicalId(approvalConsole.userPoolClient) }],
          Issuer: {
            'Fn::Join': [
              '',
              ['https://cognito-idp.', { Ref: 'AWS::Region' }, '.amazonaws.com/', { Ref: poolId }],
            ],
          },
        },
      });
      const apiRoutes = ofType('AWS::ApiGatewayV2::Route')
        .map(([, r]) => r.Properties)
        .filter((r) => / \/approvals/.test(r.RouteKey));
      expect(apiRoutes).toHaveLength(3);
      for (const route of apiRoutes)
        expect(route).toMatchObject({ AuthorizationType: 'JWT', AuthorizerId: { Ref: authorizerId } });
    });

    it('every /iam route (the CLI) needs a SigV4 signature, which API Gateway verifies and names to the function', () => {
      const cliRoutes = ofType('AWS::ApiGatewayV2::Route')
        .map(([, r]) => r.Properties)
        .filter((r) => / \/iam\//.test(r.RouteKey));
      expect(cliRoutes).toHaveLength(4);
      for (const route of cliRoutes) expect(route.AuthorizationType).toBe('AWS_IAM');
    });

    it('the user pool admits only the accounts an administrator creates, requires TOTP MFA and enforces threat protection', () => {
      const pool = resources[logicalId(approvalConsole.userPool)]!.Properties;
      expect(pool.AdminCreateUserConfig).toEqual({ AllowAdminCreateUserOnly: true });
      expect(pool.MfaConfiguration).toBe('ON');
      expect(pool.EnabledMfas).toEqual(['SOFTWARE_TOKEN_MFA']);
      expect(pool.Policies.PasswordPolicy).toMatchObject({ MinimumLength: 14, RequireSymbols: true });
      expect(pool.UserPoolAddOns).toEqual({ AdvancedSecurityMode: 'ENFORCED' });
      expect(resources[logicalId(approvalConsole.userPool)]!.DeletionPolicy).toBe('Retain');
    });

    it('the console signs in through the hosted login with the code flow, as a public client, back to the console', () => {
      const client = resources[logicalId(approvalConsole.userPoolClient)]!.Properties;
      expect(client).toMatchObject({
        AllowedOAuthFlows: ['code'],
        AllowedOAuthFlowsUserPoolClient: true,
        SupportedIdentityProviders: ['COGNITO'],
        PreventUserExistenceErrors: 'ENABLED',
      });
      expect(client.GenerateSecret ?? false).toBe(false);
      expect(client.CallbackURLs).toEqual([consoleUrl()]);
      expect(consoleUrl()).toEqual({
        'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(approvalConsole.api), 'ApiEndpoint'] }, '/']],
      });
      template.resourceCountIs('AWS::Cognito::UserPoolDomain', 1);
    });

    it("creates the Cognito groups the plans' approvers name", () => {
      template.hasResourceProperties('AWS::Cognito::UserPoolGroup', {
        GroupName: 'orders-oncall',
        UserPoolId: { Ref: logicalId(approvalConsole.userPool) },
      });
      template.resourceCountIs('AWS::Cognito::UserPoolGroup', 1);
    });

    it("the page learns the sign-in settings from the function's environment, and notifications link to the console", () => {
      const env = resources[logicalId(approvalConsole.function)]!.Properties.Environment.Variables;
      expect(env).toMatchObject({
        JOURNAL_TABLE: { Ref: logicalId(stack.orchestrator.journalTable) },
        COGNITO_CLIENT_ID: { Ref: logicalId(approvalConsole.userPoolClient) },
        CONSOLE_URL: consoleUrl(),
      });
      expect(JSON.stringify(env.COGNITO_DOMAIN)).toContain('.amazoncognito.com');
      const gate = resources[logicalId(stack.orchestrator.awsWorker)]!.Properties.Environment.Variables;
      expect(gate.APPROVAL_CONSOLE_URL).toEqual(consoleUrl());
    });
  });

  describe('permissions', () => {
    const fnRoleId = () => logicalId(approvalConsole.function.role!);

    // What the function calls, from the SDK commands its adapters import: an action the code calls
    // but the role lacks would fail only when an approver decides during a real failover.
    it("the function is granted exactly the AWS actions its adapters call, on the journal table and this workflow's tasks", () => {
      const statements = statementsOfRole(fnRoleId()).filter((s) => s.Effect === 'Allow');
      const granted = statements
        .flatMap((s) => asList(s.Action as string | string[]))
        .filter((a) => !a.startsWith('logs:'));
      expect([...new Set(granted)].sort()).toEqual(
        sdkActionsCalledBy(repoPath('lambdas/functions/approval-api.ts')).sort(),
      );
      expect([...new Set(granted)].sort()).toEqual(
        [...APPROVAL_TABLE_ACTIONS, ...APPROVAL_STATES_ACTIONS, ...APPROVAL_EXECUTION_ACTIONS].sort(),
      );
      const table = statements.find((s) => asList(s.Action).includes('dynamodb:UpdateItem'))!;
      expect(asList(table.Resource)).toEqual([
        { 'Fn::GetAtt': [logicalId(stack.orchestrator.journalTable), 'Arn'] },
      ]);
      const states = statements.find((s) => asList(s.Action).includes('states:SendTaskSuccess'))!;
      expect(asList(states.Resource)).toEqual([{ Ref: logicalId(stack.orchestrator.stateMachine) }]);
      // This workflow's executions only: `execution:NAME:*`.
      const history = statements.find((s) => asList(s.Action).includes('states:GetExecutionHistory'))!;
      expect(JSON.stringify(history.Resource)).toMatch(/:execution:/);
      expect(JSON.stringify(history.Resource)).toContain(logicalId(stack.orchestrator.stateMachine));
    });

    it('writes logs only to its own log group, and no statement of the console uses a wildcard action', () => {
      const logs = statementsOfRole(fnRoleId()).filter((s) =>
        asList(s.Action).some((a: string) => a.startsWith('logs:')),
      );
      const logGroupId =
        resources[logicalId(approvalConsole.function)]!.Properties.LoggingConfig.LogGroup.Ref;
      expect(logs.flatMap((s) => asList(s.Resource))).toEqual([{ 'Fn::GetAtt': [logGroupId, 'Arn'] }]);
      const consolePolicies = [
        ...statementsOfRole(fnRoleId()),
        ...resources[logicalId(approvalConsole.approverCliPolicy)]!.Properties.PolicyDocument.Statement,
      ];
      expect(
        consolePolicies.flatMap((s) => asList(s.Action as string | string[])).filter((a) => a.includes('*')),
      ).toEqual([]);
    });

    /** The route ARNs a managed policy allows to invoke, as `METHOD /path`. */
    const invokedRoutes = (policy: IConstruct) =>
      (resources[logicalId(policy)]!.Properties.PolicyDocument.Statement as Json[])
        .filter((st) => asList(st.Action).includes('execute-api:Invoke'))
        .flatMap((st) => asList(st.Resource))
        .map((arn: Json) => {
          const parts = arn['Fn::Join'][1] as unknown[];
          return String(parts.at(-1))
            .replace(/^\/\$default\//, '')
            .replace('/', ' /');
        })
        .sort();

    it("the approver CLI policy allows calling the CLI's approval routes and nothing else: no table, no task token, no Step Functions call", () => {
      const policy = resources[logicalId(approvalConsole.approverCliPolicy)]!.Properties.PolicyDocument
        .Statement as Json[];
      expect(policy.flatMap((st) => asList(st.Action))).toEqual(['execute-api:Invoke']);
      expect(invokedRoutes(approvalConsole.approverCliPolicy)).toEqual([
        'GET /iam/approvals',
        'GET /iam/approvals/*',
        'POST /iam/approvals/*/decision',
      ]);
    });

    it('the operator CLI policy allows `failover ack` through the API and starting this workflow, nothing else', () => {
      const policy = resources[logicalId(approvalConsole.operatorCliPolicy)]!.Properties.PolicyDocument
        .Statement as Json[];
      expect(invokedRoutes(approvalConsole.operatorCliPolicy)).toEqual(['POST /iam/plans/*/ack']);
      expect(policy.find((st) => asList(st.Action).includes('states:StartExecution'))).toMatchObject({
        Resource: { Ref: logicalId(stack.orchestrator.stateMachine) },
      });
      expect(policy.flatMap((st) => asList(st.Action)).sort()).toEqual([
        'execute-api:Invoke',
        'states:StartExecution',
      ]);
    });

    it("no principal but the stack's own functions may touch the journal table (task tokens, approvals, locks, plan state) or complete a task", () => {
      const tableArn = JSON.stringify({ 'Fn::GetAtt': [logicalId(stack.orchestrator.journalTable), 'Arn'] });
      const reachesJournal = (st: Json) =>
        asList(st.Action).some((a: string) => a.startsWith('dynamodb:')) &&
        JSON.stringify(st.Resource).includes(tableArn.slice(1, -1));
      const completesTasks = (st: Json) =>
        asList(st.Action).some((a: string) => /^states:(SendTask|\*)/.test(a));
      // Managed policies are what a person's role gets.
      for (const [, policy] of ofType('AWS::IAM::ManagedPolicy')) {
        expect(
          (policy.Properties.PolicyDocument.Statement as Json[]).filter(
            (st) => reachesJournal(st) || completesTasks(st),
          ),
        ).toEqual([]);
      }
      const lambdaRoles = new Set(
        ofType('AWS::IAM::Role')
          .filter(([, r]) =>
            JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('lambda.amazonaws.com'),
          )
          .map(([id]) => id),
      );
      for (const [id, policy] of ofType('AWS::IAM::Policy')) {
        if (
          !(policy.Properties.PolicyDocument.Statement as Json[]).some(
            (st) => reachesJournal(st) || completesTasks(st),
          )
        )
          continue;
        expect([id, (policy.Properties.Roles as Json[]).map((ref) => lambdaRoles.has(ref.Ref))]).toEqual([
          id,
          (policy.Properties.Roles as Json[]).map(() => true),
        ]);
        expect(policy.Properties.Users ?? policy.Properties.Groups).toBeUndefined();
      }
    });
  });
});

describe('ApprovalConsole refuses a gated plan nobody may approve', () => {
  // No bundling: these only build the constructs.
  const build = (plans: Plan[]) => () =>
    new FailoverOrchestratorStack(
      new App({ context: { ...cdkContext, 'aws:cdk:bundling-stacks': [] } }),
      'Stack',
      { plans },
    );

  it('names the plan and what to do; a plan without a gate needs no approver', async () => {
    const plan = await loadPlan(repoPath('examples/plans/rabbitmq-standby.yaml'));
    const nobody = { ...plan, gate: { ...plan.gate, approvers: [] } };
    expect(build([nobody])).toThrow(
      'ApprovalConsole: plan orders-rabbitmq: gate.approval is always but gate.approvers is empty, so nobody could approve',
    );
    expect(build([{ ...nobody, gate: { ...nobody.gate, approval: 'never' } }])).not.toThrow();
  });
});
