// The approval console's API with real Cognito tokens: moto's cognito-idp (a user pool with the
// groups the stack creates for the plan's approvers, an app client, users signed in with their
// passwords) issues RS256 ID tokens; API Gateway's JWT authorizer is stood in for by
// jwt-authorizer.ts, configured with the issuer, audience and identity source of the synthesized
// stack's authorizer; the deployed entry point (lambdas/functions/approval-api.ts, bundled as the
// stack bundles it, with the environment the stack gives it) decides on moto's DynamoDB and sends
// the decision to moto's Step Functions.
//
// Where moto is not Cognito, and what this test does about it:
// - Every moto pool, in every region, signs with one key, whose private half ships in moto's
//   package (cognitoidp/resources/jwks-private.json.gz, kid `dummy`). A token of another pool
//   therefore passes the signature check here and is refused by its `iss` alone; in AWS each pool
//   has its own keys. The test uses that published key to sign tokens whose only fault is `nbf`.
// - Cognito's tokens carry no `nbf`; moto's neither.
// - moto serves no hosted UI: the stack's client allows only the authorization code flow (with
//   MFA, which the pool requires), so the users here sign in with USER_PASSWORD_AUTH on a client
//   that allows it, without MFA. The ID token's claims the authorizer and the API read are the same.
// - moto's ID tokens carry no `event_id`, and a user attribute (`email`, `email_verified`) only
//   when the client's ReadAttributes names it, where Cognito's client without ReadAttributes reads
//   them all; they always last an hour whatever the client's IdTokenValidity (the stack's is an hour).
// - moto's SendTaskSuccess accepts any task token and does nothing, so "delivered" here means
//   that the request reached Step Functions' API, not that an execution resumed.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  InitiateAuthCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { App } from 'aws-cdk-lib';
import { decodeJwt, generateKeyPair, importPKCS8, SignJWT, type JWTPayload } from 'jose';
import { createDynamoDbJournal } from '../../lambdas/adapters/dynamodb-journal.js';
import { createDynamoDbApprovalStore } from '../../lambdas/approvals/dynamodb-store.js';
import { createApprovalGate } from '../../lambdas/approvals/gate.js';
import { loadPlan } from '../../lambdas/plan/load-plan.js';
import type { Plan } from '../../lambdas/plan/schema.js';
import { systemClock } from '../../lambdas/ports/clock.js';
import type { JournalPort } from '../../lambdas/ports/journal.js';
import { requestApproval } from '../../lambdas/steps/request-approval.js';
import type { AwsDeps } from '../../lambdas/steps/step-deps.js';
import { FailoverOrchestratorStack } from '../../infra/failover-stack.js';
import { buildFunctions } from '../../scripts/build-functions.js';
import { createJournalTable } from '../../sim/local-dynamodb.js';
import { jwtAuthorizer, type Authorized } from './jwt-authorizer.js';
import { startMotoServer, type MotoServer } from './moto-server.js';
import { ranAgainst } from '../record.js';

const TABLE = 'failover-journal';
const CONSOLE_URL = 'https://abc123.execute-api.eu-west-1.amazonaws.com/';
const PASSWORD = 'Correct-Horse-Battery-9!';
const context = {
  functionName: 'approval-api',
  awsRequestId: 'r-1',
  getRemainingTimeInMillis: () => 20_000,
} as unknown as Context;

type Json = Record<string, unknown>;
interface Resource {
  Type: string;
  Properties: Json;
}
type Handler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

let dir: string;
let moto: MotoServer;
let plan: Plan;
let cognito: CognitoIdentityProviderClient;
let journal: JournalPort;
let handler: Handler;
let handlerRuns = 0;
let authorize: (authorization: string | undefined, now?: Date) => Promise<Authorized>;
let authorizerOfTemplate: Json;
let pool: { id: string; clientId: string; issuer: string };
let executions = 0;

/** The synthesized stack (no bundling: only its resources are read). */
const synthesize = async (plans: Plan[]): Promise<Record<string, Resource>> => {
  const cdkContext = JSON.parse(await readFile('cdk.json', 'utf8')).context as Json;
  const app = new App({ outdir: dir, context: { ...cdkContext, 'aws:cdk:bundling-stacks': [] } });
  const stack = new FailoverOrchestratorStack(app, 'FailoverOrchestratorStack', { plans });
  return app.synth().getStackArtifact(stack.artifactId).template.Resources as Record<string, Resource>;
};

/** A template value with its Refs replaced by what they name here. */
const resolve = (value: unknown, refs: Record<string, string>): string => {
  if (typeof value === 'string') return value;
  const { Ref: ref, 'Fn::Join': join } = value as { Ref?: string; 'Fn::Join'?: [string, unknown[]] };
  if (ref !== undefined && refs[ref] !== undefined) return refs[ref];
  if (join) return join[1].map((part) => resolve(part, refs)).join(join[0]);
  throw new Error(`cannot resolve ${JSON.stringify(value)}`);
};

const createClient = async (poolId: string, name: string) =>
  (
    await cognito.send(
      new CreateUserPoolClientCommand({
        UserPoolId: poolId,
        ClientName: name,
        GenerateSecret: false,
        ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      }),
    )
  ).UserPoolClient!.ClientId!;

const createPool = async (name: string, groups: string[]) => {
  const id = (await cognito.send(new CreateUserPoolCommand({ PoolName: name }))).UserPool!.Id!;
  for (const group of groups)
    await cognito.send(new CreateGroupCommand({ UserPoolId: id, GroupName: group }));
  return id;
};

/** Created by an administrator (the pool admits no one else), with a permanent password. */
const createUser = async (poolId: string, username: string, groups: string[]) => {
  await cognito.send(
    new AdminCreateUserCommand({
      UserPoolId: poolId,
      Username: username,
      MessageAction: 'SUPPRESS',
      UserAttributes: [{ Name: 'email', Value: `${username}@example.com` }],
    }),
  );
  await cognito.send(
    new AdminSetUserPasswordCommand({
      UserPoolId: poolId,
      Username: username,
      Password: PASSWORD,
      Permanent: true,
    }),
  );
  for (const group of groups)
    await cognito.send(
      new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: username, GroupName: group }),
    );
};

/** The user signs in with their password: their ID and access tokens. */
const signIn = async (clientId: string, username: string) => {
  const auth = await cognito.send(
    new InitiateAuthCommand({
      ClientId: clientId,
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: username, PASSWORD },
    }),
  );
  return { id: auth.AuthenticationResult!.IdToken!, access: auth.AuthenticationResult!.AccessToken! };
};

/** API Gateway in front of the function: the authorizer first; the function only for what it let through. */
const call = async (method: string, path: string, token?: string, body?: unknown, at = new Date()) => {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
  };
  const authorized = await authorize(headers['authorization'], at);
  if (!authorized.ok)
    return { status: 401, body: { message: 'Unauthorized' } as Json, refused: authorized.reason };
  handlerRuns += 1;
  const event = {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers,
    isBase64Encoded: false,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    requestContext: {
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'test' },
      authorizer: { jwt: { claims: authorized.claims, scopes: authorized.scopes } },
    },
  } as unknown as APIGatewayProxyEventV2;
  const response = await handler(event, context);
  return { status: response.statusCode, body: JSON.parse(response.body ?? '{}') as Json };
};

/** The AWS worker's approval step on moto's DynamoDB: a pending approval for a new execution. */
const gate = async (): Promise<string> => {
  executions += 1;
  const execution = {
    id: `arn:aws:states:${moto.clientConfig.region}:123456789012:execution:failover:cognito-${executions}`,
    startedAt: new Date().toISOString(),
  };
  const checkedAt = new Date().toISOString();
  await journal.appendStep(execution.id, {
    step: 'readiness',
    attempt: 1,
    startedAt: checkedAt,
    endedAt: checkedAt,
    outcome: 'succeeded',
    summary: 'AT RISK',
    detail: {
      checks: [
        { name: 'replication-lag', passed: false, summary: 'lag 605 s > RPO bound 60 s', evidence: {} },
      ],
    },
    sideEffects: [],
  });
  const deps = {
    journal,
    clock: systemClock,
    progress: () => undefined,
    approvals: createApprovalGate({
      store: createDynamoDbApprovalStore({ tableName: TABLE, clientConfig: moto.clientConfig }),
      notifier: { notify: async () => undefined },
      where: { consoleUrl: CONSOLE_URL, cli: { command: 'failover', target: `--api ${CONSOLE_URL}` } },
    }),
  } as unknown as AwsDeps;
  const output = await requestApproval(deps, execution, plan, `task-token-${executions}-${'x'.repeat(40)}`);
  if (output.decision !== 'pending') throw new Error('the AWS gate must leave the decision to a person');
  return output.approvalId;
};

/** moto's signing key, as its package ships it (a JWK without the CRT parameters WebCrypto needs: as PKCS #8). */
const motoSigningKey = async () => {
  const bin = spawnSync('bash', ['scripts/moto-server.sh', '--print-bin'], {
    encoding: 'utf8',
  }).stdout.trim();
  const pem = spawnSync(
    join(dirname(bin), 'python'),
    [
      '-c',
      `import gzip, json, os, moto.cognitoidp as m
from joserfc.jwk import RSAKey
jwk = json.load(gzip.open(os.path.join(os.path.dirname(m.__file__), 'resources', 'jwks-private.json.gz')))
print(RSAKey.import_key(jwk).as_pem(private=True).decode())`,
    ],
    { encoding: 'utf8' },
  ).stdout;
  return importPKCS8(pem, 'RS256');
};

const sign = (claims: JWTPayload, key: Parameters<SignJWT['sign']>[0], kid = 'dummy') =>
  new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid }).sign(key);

let alice: { id: string; access: string };
let carol: { id: string; access: string };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'failover-cognito-'));
  plan = await loadPlan('examples/plans/rabbitmq-standby.yaml');
  moto = await startMotoServer();
  ranAgainst('moto', moto.version);
  const { clientConfig } = moto;
  cognito = new CognitoIdentityProviderClient(clientConfig);

  // The pool with the groups the stack creates for the plan's approvers, and another team's group.
  const resources = await synthesize([plan]);
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const only = (type: string) => {
    const found = ofType(type);
    expect(found).toHaveLength(1);
    return found[0]!;
  };
  const stackGroups = ofType('AWS::Cognito::UserPoolGroup').map(
    ([, r]) => r.Properties['GroupName'] as string,
  );
  expect(stackGroups).toEqual(['orders-oncall']);
  const poolId = await createPool('failover-approvals', [...stackGroups, 'payments-oncall']);
  const clientId = await createClient(poolId, 'console');
  const [poolLogicalId] = only('AWS::Cognito::UserPool');
  const [clientLogicalId] = only('AWS::Cognito::UserPoolClient');
  const refs = { 'AWS::Region': clientConfig.region, [poolLogicalId]: poolId, [clientLogicalId]: clientId };
  authorizerOfTemplate = only('AWS::ApiGatewayV2::Authorizer')[1].Properties;
  const jwt = authorizerOfTemplate['JwtConfiguration'] as { Issuer: unknown; Audience: unknown[] };
  const issuer = resolve(jwt.Issuer, refs);
  pool = { id: poolId, clientId, issuer };
  authorize = await jwtAuthorizer({
    issuer,
    audience: jwt.Audience.map((a) => resolve(a, refs)),
    // moto answers the issuer's paths at its own endpoint.
    discoveryBase: `${moto.endpoint}/${poolId}`,
  });

  await createUser(poolId, 'alice', ['orders-oncall']);
  await createUser(poolId, 'carol', ['payments-oncall']);
  alice = await signIn(clientId, 'alice');
  carol = await signIn(clientId, 'carol');

  await createJournalTable(new DynamoDBClient(clientConfig), TABLE);
  journal = createDynamoDbJournal({ tableName: TABLE, clientConfig });

  // What the stack gives the function (infra/approval-console.ts), and where AWS is.
  Object.assign(process.env, {
    AWS_REGION: clientConfig.region,
    AWS_ACCESS_KEY_ID: clientConfig.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: clientConfig.credentials.secretAccessKey,
    AWS_ENDPOINT_URL: moto.endpoint,
    JOURNAL_TABLE: TABLE,
    POWERTOOLS_SERVICE_NAME: 'failover-orchestrator',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    COGNITO_DOMAIN: `https://failover-approvals.auth.${clientConfig.region}.amazoncognito.com`,
    COGNITO_CLIENT_ID: clientId,
    CONSOLE_URL,
  });
  await buildFunctions(dir);
  const bundle = join(dir, 'lambda', 'approval-api', 'index.mjs');
  handler = ((await import(pathToFileURL(bundle).href)) as { handler: Handler }).handler;
}, 300_000);

afterAll(async () => {
  cognito?.destroy();
  await moto?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

it("the stack's authorizer takes the token from the Authorization header and trusts this pool's issuer, which is the `iss` moto writes", () => {
  expect(authorizerOfTemplate).toMatchObject({
    AuthorizerType: 'JWT',
    IdentitySource: ['$request.header.Authorization'],
  });
  expect(pool.issuer).toBe(`https://cognito-idp.${moto.clientConfig.region}.amazonaws.com/${pool.id}`);
  expect(decodeJwt(alice.id)).toMatchObject({ iss: pool.issuer, aud: pool.clientId, token_use: 'id' });
});

it('an approver signed in to the pool approves with her ID token; the decision names her Cognito user', async () => {
  const id = await gate();
  const authorized = await authorize(`Bearer ${alice.id}`);
  // As API Gateway passes them: every claim a string, a list "[a b]".
  expect(authorized).toMatchObject({
    ok: true,
    claims: {
      'cognito:username': 'alice',
      'cognito:groups': '[orders-oncall]',
      exp: expect.stringMatching(/^\d+$/),
    },
    scopes: null,
  });

  const shown = await call('GET', `/approvals/${id}`, alice.id);
  expect(shown).toMatchObject({
    status: 200,
    body: { state: 'pending', caller: 'user:alice', mayDecide: true },
  });
  const approved = await call('POST', `/approvals/${id}/decision`, alice.id, {
    decision: 'approve',
    reason: 'site A is down',
  });
  expect(approved).toMatchObject({
    status: 200,
    body: {
      state: 'approved',
      delivery: 'delivered',
      decision: { decision: 'approved', approver: 'user:alice', reason: 'site A is down' },
    },
  });
  const entry = (await journal.listSteps(approved.body['executionId'] as string)).at(-1);
  expect(entry?.summary).toContain('approved by user:alice: site A is down');
});

it("a signed-in user outside the plan's approvers is refused with 403; the approval stays pending", async () => {
  const id = await gate();
  const refused = await call('POST', `/approvals/${id}/decision`, carol.id, {
    decision: 'approve',
    reason: 'not mine to approve',
  });
  expect(refused).toMatchObject({ status: 403, body: { error: 'NotAnApprover' } });
  expect(await call('GET', `/approvals/${id}`, alice.id)).toMatchObject({
    status: 200,
    body: { state: 'pending', mayDecide: true },
  });
});

it('an access token of the console client passes too (client_id, no aud) and names the same user', async () => {
  const id = await gate();
  expect(decodeJwt(alice.access)).toMatchObject({ client_id: pool.clientId, token_use: 'access' });
  expect(decodeJwt(alice.access).aud).toBeUndefined();
  expect(await call('GET', `/approvals/${id}`, alice.access)).toMatchObject({
    status: 200,
    body: { caller: 'user:alice', mayDecide: true },
  });
});

it('the authorizer refuses, before the function runs, no token and tokens of another client, of another pool, expired, issued later, not yet valid, tampered or signed with another key', async () => {
  const id = await gate();
  const claims = decodeJwt(alice.id);
  const motoKey = await motoSigningKey();
  const otherKey = (await generateKeyPair('RS256')).privateKey;

  const otherClient = await createClient(pool.id, 'another-app');
  const otherPool = await createPool('another-pool', ['orders-oncall']);
  const otherPoolClient = await createClient(otherPool, 'console');
  await createUser(otherPool, 'alice', ['orders-oncall']);
  const fromOtherPool = (await signIn(otherPoolClient, 'alice')).id;
  const [head, , signature] = carol.id.split('.');
  const raised = Buffer.from(
    JSON.stringify({ ...decodeJwt(carol.id), 'cognito:groups': ['orders-oncall'] }),
  ).toString('base64url');
  const notBefore = Math.floor(Date.now() / 1000) + 60;

  // Each check passes without the fault, so each refusal below is that check's.
  const passes = async (token: string, at?: Date) =>
    expect(await authorize(`Bearer ${token}`, at)).toMatchObject({ ok: true });
  await passes(alice.id, new Date((claims.exp! - 1) * 1000));
  await passes(alice.id, new Date(claims.iat! * 1000));
  await passes(carol.id);
  await passes(await sign(claims, motoKey));
  // moto serves every pool the same keys: only its issuer tells the other pool's token apart.
  const keysOf = async (poolId: string) =>
    (await fetch(`${moto.endpoint}/${poolId}/.well-known/jwks.json`)).json();
  expect(await keysOf(otherPool)).toEqual(await keysOf(pool.id));

  const cases: Array<[string, string | undefined, Date?]> = [
    ['no token', undefined],
    ['another app client of the pool', (await signIn(otherClient, 'alice')).id],
    ['another pool, the same user and group', fromOtherPool],
    ['expired', alice.id, new Date(claims.exp! * 1000)],
    ['issued later', alice.id, new Date((claims.iat! - 1) * 1000)],
    ['not yet valid', await sign({ ...claims, nbf: notBefore }, motoKey)],
    ['tampered groups', `${head}.${raised}.${signature}`],
    ['signed with another key', await sign(claims, otherKey)],
    ['a key id the pool does not have', await sign(claims, otherKey, 'another')],
  ];
  const runsBefore = handlerRuns;
  const answers: Record<string, unknown> = {};
  for (const [name, token, at] of cases) {
    const answer = await call(
      'POST',
      `/approvals/${id}/decision`,
      token,
      { decision: 'approve', reason: name },
      at,
    );
    answers[name] = { status: answer.status, refused: 'refused' in answer ? answer.refused : undefined };
  }
  expect(answers).toEqual({
    'no token': { status: 401, refused: 'no token' },
    'another app client of the pool': { status: 401, refused: `audience ${otherClient} is not configured` },
    'another pool, the same user and group': {
      status: 401,
      refused: 'ERR_JWT_CLAIM_VALIDATION_FAILED (iss)',
    },
    expired: { status: 401, refused: 'ERR_JWT_EXPIRED (exp)' },
    'issued later': { status: 401, refused: 'issued in the future (iat)' },
    'not yet valid': { status: 401, refused: 'ERR_JWT_CLAIM_VALIDATION_FAILED (nbf)' },
    'tampered groups': { status: 401, refused: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' },
    'signed with another key': { status: 401, refused: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' },
    'a key id the pool does not have': { status: 401, refused: 'ERR_JWKS_NO_MATCHING_KEY' },
  });
  expect(handlerRuns).toBe(runsBefore);
  expect(await call('GET', `/approvals/${id}`, alice.id)).toMatchObject({
    status: 200,
    body: { state: 'pending' },
  });
});
