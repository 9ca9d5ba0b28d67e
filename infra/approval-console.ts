// Where approvers decide at the gate: one HTTP API serves the console page and its API from one
// Lambda (same origin: no CORS, and the page always matches the API it came with), behind a
// Cognito user pool with MFA whose tokens API Gateway verifies before the function runs; the same
// API under /iam/ for the CLI, behind IAM authorization (SigV4), so API Gateway tells the function
// who signed. The function alone applies the rules (who may decide, once, in time), reads the task
// token, writes the journal and hands the decision to the waiting workflow: the people deciding
// hold nothing but the right to call it.
//
// Not S3 + CloudFront: uploading the assets needs a BucketDeployment custom resource whose role is
// granted wildcard S3 actions, and a console for a handful of approvers gains nothing from a CDN.
import {
  ArnFormat,
  Aws,
  CfnOutput,
  Duration,
  Fn,
  Names,
  RemovalPolicy,
  Stack,
  Validations,
} from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  HttpMethod,
  HttpStage,
  LogGroupLogDestination,
  PayloadFormatVersion,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import {
  AccountRecovery,
  FeaturePlan,
  Mfa,
  OAuthScope,
  UserPool,
  UserPoolClient,
  UserPoolClientIdentityProvider,
  StandardThreatProtectionMode,
  UserPoolDomain,
  UserPoolGroup,
} from 'aws-cdk-lib/aws-cognito';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { ManagedPolicy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, type Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { deployedFunction } from './function-code.js';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { wildcardFinding } from './nag-suppressions.js';
import { Construct } from 'constructs';
import type { Plan } from '../lambdas/plan/schema.js';

export interface ApprovalConsoleProps {
  /** The deployed plans: their approvers name the console's groups, and a gated plan must have one. */
  readonly plans: Plan[];
  /** The journal table: approvals, and the timeline of each execution. */
  readonly journalTable: ITable;
  /** The workflow whose AwaitApproval tasks the decisions complete. */
  readonly stateMachine: StateMachine;
  /**
   * The orchestrator's customer managed key (encryptionKeyArn): the console's log groups use it, and
   * the function may use it through DynamoDB for the journal table it encrypts.
   * @default CloudWatch Logs' own encryption; the journal needs no key permission
   */
  readonly encryptionKey?: IKey;
  /** The function that stores approval requests and notifies: it learns the console's address. */
  readonly gateFunction: LambdaFunction;
  /** @default RemovalPolicy.RETAIN: the user pool holds the approvers' accounts */
  readonly removalPolicy?: RemovalPolicy;
  /** @default RetentionDays.THREE_MONTHS */
  readonly logRetention?: RetentionDays;
  /**
   * The Cognito sign-in domain prefix (`PREFIX.auth.REGION.amazoncognito.com`), unique per region.
   * @default `failover-approvals-ACCOUNT-<hash of the construct path>`
   */
  readonly signInDomainPrefix?: string;
}

/** What the API function calls on the journal table: reads, the conditional decision, the journal entry. */
export const APPROVAL_TABLE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:Query',
  'dynamodb:UpdateItem',
  'dynamodb:PutItem',
];
/** Completing the AwaitApproval task; never SendTaskHeartbeat, which the gate does not use. */
export const APPROVAL_STATES_ACTIONS = ['states:SendTaskSuccess', 'states:SendTaskFailure'];
/** Reading what became of a decision whose delivery was unclear, on this workflow's executions only. */
export const APPROVAL_EXECUTION_ACTIONS = ['states:DescribeExecution', 'states:GetExecutionHistory'];

const API_ROUTES: Array<[string, HttpMethod]> = [
  ['/approvals', HttpMethod.GET],
  ['/approvals/{id}', HttpMethod.GET],
  ['/approvals/{id}/decision', HttpMethod.POST],
];
/** The CLI's: the same routes, signed with AWS credentials. */
export const CLI_PREFIX = '/iam';
/** `failover ack`: the CLI only. */
const ACK_ROUTE: [string, HttpMethod] = [`${CLI_PREFIX}/plans/{name}/ack`, HttpMethod.POST];
/** The page, its script and style, and its sign-in configuration: public, they hold no data. */
const ASSET_ROUTES = ['/', '/{asset}'];

export class ApprovalConsole extends Construct {
  readonly api: HttpApi;
  /** The page and the API, from the same origin. */
  readonly url: string;
  readonly function: LambdaFunction;
  readonly userPool: UserPool;
  readonly userPoolClient: UserPoolClient;
  readonly signInDomain: UserPoolDomain;
  /** One per `group:NAME` the plans' approvers name; add approvers' users to them. */
  readonly groups: ReadonlyMap<string, UserPoolGroup>;
  /** Attach to the IAM roles a plan names as approvers, for `failover approve --api`: it allows calling the CLI's routes, nothing else. */
  readonly approverCliPolicy: ManagedPolicy;
  /** Attach to operators' roles: `failover ack --api` and `failover switchover|reprotect` (which start the workflow). */
  readonly operatorCliPolicy: ManagedPolicy;

  constructor(scope: Construct, id: string, props: ApprovalConsoleProps) {
    super(scope, id);
    checkApprovers(props.plans);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const retention = props.logRetention ?? RetentionDays.THREE_MONTHS;

    this.userPool = new UserPool(this, 'Approvers', {
      // Accounts are created by an administrator: only named approvers can sign in.
      selfSignUpEnabled: false,
      signInAliases: { username: true, email: true },
      signInCaseSensitive: false,
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 14,
        passwordHistorySize: 6,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      // Threat protection (compromised credentials, risky sign-ins blocked): the Plus plan costs
      // per active user, and a console for a few approvers of failovers is worth it.
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy,
    });
    const groupNames = [
      ...new Set(
        props.plans
          .flatMap((plan) => plan.gate.approvers)
          .flatMap((entry) => (entry.startsWith('group:') ? [entry.slice('group:'.length)] : [])),
      ),
    ];
    this.groups = new Map(
      groupNames.map((name, i) => [
        name,
        new UserPoolGroup(this, `Group${i}`, {
          userPool: this.userPool,
          groupName: name,
          description: `Approvers of failover plans that name group:${name}`,
        }),
      ]),
    );
    this.signInDomain = this.userPool.addDomain('SignIn', {
      cognitoDomain: {
        domainPrefix:
          props.signInDomainPrefix ??
          Fn.join('-', ['failover-approvals', Aws.ACCOUNT_ID, Names.uniqueId(this).slice(-8).toLowerCase()]),
      },
    });

    this.api = new HttpApi(this, 'Api', {
      description: 'Failover approval console: the page and its API',
      createDefaultStage: false,
    });
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention,
      removalPolicy,
      ...(props.encryptionKey ? { encryptionKey: props.encryptionKey } : {}),
    });
    new HttpStage(this, 'Stage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      // A few people use it, rarely: a low limit bounds what a leaked token or a loop can do.
      throttle: { rateLimit: 10, burstLimit: 20 },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            time: '$context.requestTime',
            route: '$context.routeKey',
            status: '$context.status',
            user: '$context.authorizer.claims.sub',
            authorizerError: '$context.authorizer.error',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
    this.url = `${this.api.apiEndpoint}/`;

    this.userPoolClient = this.userPool.addClient('Console', {
      // A browser page: a public client with the authorization code flow and PKCE, no secret.
      generateSecret: false,
      authFlows: {},
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
        callbackUrls: [this.url],
        logoutUrls: [this.url],
      },
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(8),
    });

    const logGroup = new LogGroup(this, 'FunctionLogs', {
      retention,
      removalPolicy,
      ...(props.encryptionKey ? { encryptionKey: props.encryptionKey } : {}),
    });
    // Its own log group only: AWSLambdaBasicExecutionRole would allow every log group of the account.
    const role = new Role(this, 'FunctionRole', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    // As the workers: the SDK bundled, ESM, minified; plus the page, which the function serves.
    this.function = deployedFunction(this, 'Function', 'approval-api', {
      description:
        'Failover approval console: lists approvals, shows their evidence, records decisions and resumes the workflow',
      architecture: Architecture.ARM_64,
      // A person is waiting on the page, not a failover on this function: small is enough.
      memorySize: 512,
      timeout: Duration.seconds(20),
      role,
      logGroup,
      environment: {
        JOURNAL_TABLE: props.journalTable.tableName,
        POWERTOOLS_SERVICE_NAME: 'failover-orchestrator',
        NODE_OPTIONS: '--enable-source-maps',
        COGNITO_DOMAIN: this.signInDomain.baseUrl(),
        COGNITO_CLIENT_ID: this.userPoolClient.userPoolClientId,
        CONSOLE_URL: this.url,
      },
    });
    props.journalTable.grant(this.function, ...APPROVAL_TABLE_ACTIONS);
    this.function.addToRolePolicy(
      new PolicyStatement({
        actions: APPROVAL_STATES_ACTIONS,
        resources: [props.stateMachine.stateMachineArn],
      }),
    );
    if (props.encryptionKey) {
      // DynamoDB uses the table's key with the caller's permissions.
      this.function.addToRolePolicy(
        new PolicyStatement({
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: [props.encryptionKey.keyArn],
          conditions: {
            StringEquals: {
              'kms:ViaService': `dynamodb.${Stack.of(this).region}.${Stack.of(this).urlSuffix}`,
            },
          },
        }),
      );
    }
    const executionsArn = Stack.of(this).formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${props.stateMachine.stateMachineName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.function.addToRolePolicy(
      new PolicyStatement({ actions: APPROVAL_EXECUTION_ACTIONS, resources: [executionsArn] }),
    );
    Validations.of(role.node.findChild('DefaultPolicy')).acknowledge({
      id: wildcardFinding(this, executionsArn),
      reason:
        "states:DescribeExecution and GetExecutionHistory only, on this workflow's own executions: an approval's execution is named when EventBridge starts it, and its history settles a decision whose delivery was unclear.",
    });

    const integration = new HttpLambdaIntegration('Console', this.function, {
      payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
    });
    const authorizer = new HttpUserPoolAuthorizer('Approvers', this.userPool, {
      userPoolClients: [this.userPoolClient],
    });
    for (const [path, method] of API_ROUTES)
      this.api.addRoutes({ path, methods: [method], integration, authorizer });
    const iamAuthorizer = new HttpIamAuthorizer();
    for (const [path, method] of [
      ...API_ROUTES.map(([path, method]): [string, HttpMethod] => [`${CLI_PREFIX}${path}`, method]),
      ACK_ROUTE,
    ]) {
      this.api.addRoutes({ path, methods: [method], integration, authorizer: iamAuthorizer });
    }
    const invokeArn = ([path, method]: [string, HttpMethod]) =>
      this.api.arnForExecuteApi(method, path.replace(/\{\w+\}/g, '*'), '$default');
    for (const route of ASSET_ROUTES.flatMap((path) =>
      this.api.addRoutes({ path, methods: [HttpMethod.GET], integration }),
    )) {
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'Serves only the console page, its script and style, and its sign-in configuration (the Cognito client id and domain), which hold no data; every /approvals route has the Cognito JWT authorizer.',
      });
    }

    // Notifications link to the approval in the console.
    props.gateFunction.addEnvironment('APPROVAL_CONSOLE_URL', this.url);

    this.approverCliPolicy = new ManagedPolicy(this, 'ApproverCliPolicy', {
      description:
        'Lets an approver call the failover approval API with `failover approvals|approve|reject --api`; the API decides whether the caller may approve (the plan must name the principal)',
      statements: [
        new PolicyStatement({
          actions: ['execute-api:Invoke'],
          resources: API_ROUTES.map(([path, method]) => invokeArn([`${CLI_PREFIX}${path}`, method])),
        }),
      ],
    });
    this.operatorCliPolicy = new ManagedPolicy(this, 'OperatorCliPolicy', {
      description:
        'Lets an operator re-arm a plan with `failover ack --api` and request a switchover or reprotect (`failover switchover|reprotect --state-machine`); the workflow applies its own rules to either',
      statements: [
        new PolicyStatement({ actions: ['execute-api:Invoke'], resources: [invokeArn(ACK_ROUTE)] }),
        new PolicyStatement({
          actions: ['states:StartExecution'],
          resources: [props.stateMachine.stateMachineArn],
        }),
      ],
    });

    // A route's ARN names its path parameters `*`: these are the routes themselves, not a wildcard over routes.
    for (const [policy, routes] of [
      [
        this.approverCliPolicy,
        API_ROUTES.map(([path, method]): [string, HttpMethod] => [`${CLI_PREFIX}${path}`, method]),
      ],
      [this.operatorCliPolicy, [ACK_ROUTE]],
    ] as const) {
      for (const route of routes.filter(([path]) => path.includes('{'))) {
        Validations.of(policy).acknowledge({
          id: wildcardFinding(policy, invokeArn(route)),
          reason: `execute-api:Invoke on the one route ${route[1]} ${route[0]}: its path parameter is written * in the route's ARN; the function checks every id and who may act on it.`,
        });
      }
    }

    new CfnOutput(this, 'ConsoleUrl', {
      description: 'The approval console, and the API for `failover approvals|approve|reject --api`',
      value: this.url,
    });
    new CfnOutput(this, 'ApproversUserPoolId', {
      description: "Create approvers here (and add them to the plans' groups)",
      value: this.userPool.userPoolId,
    });
    new CfnOutput(this, 'ApproverCliPolicyArn', {
      description: 'Attach to IAM roles named as approvers',
      value: this.approverCliPolicy.managedPolicyArn,
    });
    new CfnOutput(this, 'OperatorCliPolicyArn', {
      description: "Attach to operators' IAM roles (failover ack, switchover, reprotect)",
      value: this.operatorCliPolicy.managedPolicyArn,
    });
  }
}

/** A gated plan nobody may approve would time out and abort every failover. */
function checkApprovers(plans: Plan[]): void {
  const problems = plans
    .filter((plan) => plan.gate.approval !== 'never' && plan.gate.approvers.length === 0)
    .map(
      (plan) =>
        `plan ${plan.name}: gate.approval is ${plan.gate.approval} but gate.approvers is empty, so nobody could approve and every failover would time out and abort; name approvers (group:NAME, user:NAME or an IAM role ARN) or set gate.approval: never`,
    );
  if (problems.length > 0) throw new Error(`ApprovalConsole: ${problems.join('; ')}`);
}
