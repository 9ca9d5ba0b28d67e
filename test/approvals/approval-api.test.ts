// The console API as deployed: the gate's step stores the request in DynamoDB (dynalite) with the
// real store, the API handler decides through the real service, and Step Functions, which has no
// local stand-in, is modelled by step-functions-gate.ts (its answers, history and faults).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { SFNClient } from '@aws-sdk/client-sfn';
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { createDynamoDbJournal } from '../../lambdas/adapters/dynamodb-journal.js';
import { createApprovalService, SETTLE_SENDING_AFTER_MS } from '../../lambdas/approvals/approval-service.js';
import { loadConsoleAssets } from '../../lambdas/approvals/console-assets.js';
import { createDynamoDbApprovalStore } from '../../lambdas/approvals/dynamodb-store.js';
import { createApprovalGate } from '../../lambdas/approvals/gate.js';
import { gateJournal } from '../../lambdas/approvals/gate-journal.js';
import { callerFromAuthorizer, createApprovalApi } from '../../lambdas/approvals/http-api.js';
import { createSfnWorkflowResume } from '../../lambdas/approvals/step-functions-resume.js';
import type { CheckResult } from '../../lambdas/engines/engine.js';
import { loadPlan } from '../../lambdas/plan/load-plan.js';
import type { Plan } from '../../lambdas/plan/schema.js';
import type { ClockPort } from '../../lambdas/ports/clock.js';
import type { JournalPort } from '../../lambdas/ports/journal.js';
import type { Notification } from '../../lambdas/ports/notifier.js';
import { requestApproval } from '../../lambdas/steps/request-approval.js';
import type { AwsDeps } from '../../lambdas/steps/step-deps.js';
import { consoleDir } from '../../local/approvals-gate.js';
import { startLocalDynamoDb, type LocalDynamoDb } from '../../sim/local-dynamodb.js';
import { stepFunctionsGate } from './step-functions-gate.js';

const consoleUrl = 'https://abc123.execute-api.eu-west-1.amazonaws.com/';
const context = {
  functionName: 'approval-api',
  awsRequestId: 'r-1',
  getRemainingTimeInMillis: () => 20_000,
} as unknown as Context;

const checks: CheckResult[] = [
  { name: 'pods-ready', passed: true, summary: '3/3 server pods Ready', evidence: { expected: 3, ready: 3 } },
  {
    name: 'replication-lag',
    passed: false,
    summary: 'lag 605 s (test-vhost-1/q1.quorum) > RPO bound 60 s',
    evidence: { lagSeconds: 605, maxReplicationLagSeconds: 60 },
  },
];

let db: LocalDynamoDb;
let plan: Plan;
let journal: JournalPort;
let now: Date;
const clock: ClockPort = { now: () => new Date(now), sleep: async () => undefined };
const sfnClient = new SFNClient({ region: 'eu-west-1' });
const sfn = stepFunctionsGate(sfnClient);
let notifications: Notification[];
let logged: string[];
let executions = 0;

beforeAll(async () => {
  process.env['POWERTOOLS_DEV'] = 'true';
  db = await startLocalDynamoDb('failover-journal');
  plan = await loadPlan('examples/plans/rabbitmq-standby.yaml');
  journal = createDynamoDbJournal({ tableName: db.tableName, client: db.client });
});
afterAll(async () => {
  delete process.env['POWERTOOLS_DEV'];
  await db.stop();
});

beforeEach(() => {
  now = new Date('2026-03-01T10:00:00.000Z');
  notifications = [];
  logged = [];
  sfn.reset();
  // Every log line the handler writes (Powertools writes to `console` in dev mode), to show no task token is among them.
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    jest.spyOn(console, method).mockImplementation((line: unknown) => {
      logged.push(String(line));
    });
  }
});
afterEach(() => {
  jest.restoreAllMocks();
});

/** The AwaitApproval task: the AWS worker's approval step with the real DynamoDB gate adapter. */
const gate = async () => {
  executions += 1;
  const execution = {
    id: `arn:aws:states:eu-west-1:111122223333:execution:failover:exec-${executions}`,
    startedAt: now.toISOString(),
  };
  const taskToken = `AQCEAAAAKgAAAAMAAAAAAAAAA-secret-token-${executions}-${'x'.repeat(40)}`;
  const deps = {
    journal,
    clock,
    progress: () => undefined,
    approvals: createApprovalGate({
      store: createDynamoDbApprovalStore({ tableName: db.tableName, client: db.client }),
      notifier: { notify: async (n) => void notifications.push(n) },
      where: { consoleUrl, cli: { command: 'failover', target: `--api ${consoleUrl}` } },
    }),
  } as unknown as AwsDeps;
  // The gate shows the evidence of the execution's readiness step, which it reads from the journal.
  const checkedAt = new Date(now.getTime() - 1000).toISOString();
  await journal.appendStep(execution.id, {
    step: 'readiness',
    attempt: 1,
    startedAt: checkedAt,
    endedAt: checkedAt,
    outcome: 'succeeded',
    summary: 'AT RISK',
    detail: { checks },
    sideEffects: [],
  });
  sfn.waitAtGate(execution.id, execution.startedAt, taskToken);
  const output = await requestApproval(deps, execution, plan, taskToken, 1800);
  if (output.decision !== 'pending') throw new Error('the AWS gate must leave the decision to a person');
  return { execution, taskToken, id: output.approvalId };
};

/** The handler as the deployed function builds it, on the dynalite table. */
const handler = () =>
  createApprovalApi(
    {
      service: createApprovalService({
        store: createDynamoDbApprovalStore({ tableName: db.tableName, client: db.client }),
        resume: createSfnWorkflowResume({ client: sfnClient }),
        journal,
        clock,
        gateJournal: gateJournal(journal),
      }),
      callerOf: callerFromAuthorizer,
      assets: loadConsoleAssets(consoleDir, {
        type: 'cognito',
        domain: 'https://failover-approvals.auth.eu-west-1.amazoncognito.com',
        clientId: 'client-1',
        redirectUri: consoleUrl,
      }),
    },
    new Logger({ serviceName: 'failover-orchestrator', logLevel: 'DEBUG' }),
  );

interface Who {
  username: string;
  groups?: string[];
}
const alice: Who = { username: 'alice', groups: ['orders-oncall'] };
const bob: Who = { username: 'bob', groups: ['orders-oncall', 'dba'] };
const carol: Who = { username: 'carol', groups: ['payments-oncall'] };

/** A Cognito user's claims as API Gateway's JWT authorizer passes them: a list claim is "[a b]". */
const jwt = (who: Who) => ({
  jwt: {
    claims: {
      'cognito:username': who.username,
      'cognito:groups': `[${(who.groups ?? []).join(' ')}]`,
      token_use: 'id',
    },
    scopes: null,
  },
});

/** An HTTP API (payload 2.0) event as API Gateway sends it after its JWT authorizer. */
const call = (method: string, path: string, who?: Who, body?: unknown) =>
  callWith(method, path, who ? jwt(who) : undefined, body);

/** An HTTP API (payload 2.0) event with what API Gateway's authorizer verified. */
const callWith = async (method: string, path: string, authorizer: unknown, body?: unknown) => {
  const event = {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    isBase64Encoded: false,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    requestContext: {
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'test' },
      ...(authorizer ? { authorizer } : {}),
    },
  } as unknown as APIGatewayProxyEventV2;
  const response = (await handler()(event, context)) as APIGatewayProxyStructuredResultV2;
  return { status: response.statusCode, body: JSON.parse(response.body ?? '{}'), raw: response.body ?? '' };
};

const decide = (id: string, who: Who | undefined, body: unknown) =>
  call('POST', `/approvals/${id}/decision`, who, body);

describe('the approval console API (DynamoDB on dynalite, Step Functions mocked)', () => {
  it('lists a pending approval and shows its evidence, the intended changes and the timeline; the approvers are told with a link', async () => {
    const { id, execution, taskToken } = await gate();

    const list = await call('GET', '/approvals', alice);
    expect(list.status).toBe(200);
    const listed = list.body.approvals.find((a: { id: string }) => a.id === id);
    expect(listed).toMatchObject({
      planName: 'orders-rabbitmq',
      state: 'pending',
      mayDecide: true,
      atRisk: ['replication-lag: lag 605 s (test-vhost-1/q1.quorum) > RPO bound 60 s'],
    });

    const one = await call('GET', `/approvals/${id}`, alice);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({
      id,
      executionId: execution.id,
      decideBy: '2026-03-01T10:30:00.000Z',
      evidence: checks,
      caller: 'user:alice',
    });
    expect(one.body.intendedChanges).toEqual([
      'ungraceful failover upstream -> downstream: from vmware-rabbitmq/upstream-cluster to tanzu-rabbitmq/downstream-cluster',
      'promote tanzu-rabbitmq/downstream-cluster (standby) to upstream',
      'point CNAME amqp.orders.example.com from upstream-cluster.site-a.orders.example.com to downstream-cluster.site-b.orders.example.com (TTL 60 s)',
      expect.stringMatching(/^remove the replication links/),
    ]);
    expect(one.body.timeline).toEqual([
      expect.objectContaining({ step: 'readiness', outcome: 'succeeded' }),
      expect.objectContaining({
        step: 'approval',
        outcome: 'succeeded',
        summary: expect.stringMatching(
          `approval ${id} requested; waiting for an approver until 2026-03-01T10:30:00.000Z`,
        ),
      }),
    ]);

    expect(notifications).toHaveLength(1);
    expect(notifications[0]!.subject).toBe('[failover] orders-rabbitmq: AT RISK, approval required');
    expect(notifications[0]!.message).toContain(`Decide in the console: ${consoleUrl}#/approvals/${id}`);
    expect(notifications[0]!.message).toContain(
      `or: failover approve ${id} --api ${consoleUrl} --reason "..."`,
    );
    expect(notifications[0]!.message).toContain('replication-lag: lag 605 s');
    for (const text of [list.raw, one.raw, notifications[0]!.message, ...logged])
      expect(text).not.toContain(taskToken);
  });

  it('approve: Step Functions receives SendTaskSuccess with the decision, the journal entry says who and why, and a second decision gets 409', async () => {
    const { id, execution, taskToken } = await gate();
    now = new Date('2026-03-01T10:07:00.000Z');

    const approved = await decide(id, alice, {
      decision: 'approve',
      reason: '  site A is down; the lag is accepted  ',
    });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({
      state: 'approved',
      delivery: 'delivered',
      decision: {
        decision: 'approved',
        approver: 'user:alice',
        reason: 'site A is down; the lag is accepted',
      },
    });

    const sent = sfn.sent;
    expect(sent).toEqual([{ command: 'SendTaskSuccess', taskToken, output: expect.any(String) }]);
    expect(JSON.parse(sent[0]!.output!)).toEqual({
      approvalId: id,
      decision: 'approved',
      approver: 'user:alice',
      reason: 'site A is down; the lag is accepted',
      decidedAt: '2026-03-01T10:07:00.000Z',
      acceptedRisk: ['replication-lag: lag 605 s (test-vhost-1/q1.quorum) > RPO bound 60 s'],
    });
    // The gate's entry now spans the wait for a person and carries the decision: one entry, not two.
    const entries = (await journal.listSteps(execution.id)).filter((r) => r.step === 'approval');
    expect(entries).toEqual([
      expect.objectContaining({
        attempt: 1,
        startedAt: '2026-03-01T10:00:00.000Z',
        endedAt: '2026-03-01T10:07:00.000Z',
        outcome: 'succeeded',
        summary:
          'approved by user:alice: site A is down; the lag is accepted; accepted risk: replication-lag: lag 605 s (test-vhost-1/q1.quorum) > RPO bound 60 s',
        detail: expect.objectContaining({
          approvalId: id,
          approver: 'user:alice',
          acceptedRisk: [expect.stringMatching(/^replication-lag/)],
        }),
      }),
    ]);

    const second = await decide(id, bob, { decision: 'reject', reason: 'wait for the upstream' });
    expect(second.status).toBe(409);
    expect(second.body.message).toContain('already approved by user:alice at 2026-03-01T10:07:00.000Z');
    expect(sfn.sent).toHaveLength(1);
    expect((await call('GET', `/approvals/${id}`, bob)).body.decision.approver).toBe('user:alice');
  });

  it('reject: Step Functions receives SendTaskFailure with ApprovalRejected, who and why', async () => {
    const { id, execution, taskToken } = await gate();
    const rejected = await decide(id, bob, { decision: 'reject', reason: 'the lag is too large for orders' });
    expect(rejected.status).toBe(200);
    expect(sfn.sent).toEqual([
      {
        command: 'SendTaskFailure',
        taskToken,
        error: 'ApprovalRejected',
        cause: 'rejected by user:bob: the lag is too large for orders',
      },
    ]);
    const entry = (await journal.listSteps(execution.id)).find((r) => r.step === 'approval')!;
    expect(entry).toMatchObject({
      outcome: 'failed',
      summary: 'ApprovalRejected: rejected by user:bob: the lag is too large for orders',
    });
  });

  it('a caller who is not an approver of the plan gets 403; nothing is recorded or sent', async () => {
    const { id } = await gate();
    const refused = await decide(id, carol, { decision: 'approve', reason: 'looks fine' });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toBe(
      'user:carol is not an approver of plan orders-rabbitmq; its approvers are: group:orders-oncall, arn:aws:iam::111122223333:role/orders-failover-approver',
    );
    const shown = await call('GET', `/approvals/${id}`, carol);
    expect(shown.body).toMatchObject({ state: 'pending', isApprover: false, mayDecide: false });
    expect(sfn.sent).toHaveLength(0);
  });

  it('after the gate timed out: 410, nothing sent', async () => {
    const { id } = await gate();
    now = new Date('2026-03-01T10:30:00.000Z');
    const late = await decide(id, alice, { decision: 'approve', reason: 'sorry, was asleep' });
    expect(late.status).toBe(410);
    expect(late.body.message).toBe(
      `approval ${id} expired at 2026-03-01T10:30:00.000Z: the workflow stopped waiting and the failover was aborted (gate.onTimeout: abort); nothing was decided`,
    );
    expect((await call('GET', `/approvals/${id}`, alice)).body.state).toBe('expired');
    expect(sfn.sent).toHaveLength(0);
  });

  it('a decision needs a reason (400), a signed-in caller (401) and an existing approval (404)', async () => {
    const { id } = await gate();
    expect(await decide(id, alice, { decision: 'approve', reason: '   ' })).toMatchObject({
      status: 400,
      body: { message: expect.stringContaining('a reason is required') },
    });
    expect(await decide(id, alice, { decision: 'maybe', reason: 'x' })).toMatchObject({ status: 400 });
    expect(
      await decide(id, alice, { decision: 'reject', reason: 'no', allowUngraceful: true }),
    ).toMatchObject({ status: 400 });
    expect(await decide(id, undefined, { decision: 'approve', reason: 'x' })).toMatchObject({ status: 401 });
    expect(
      await decide('20260301-100000-00000000', alice, { decision: 'approve', reason: 'x' }),
    ).toMatchObject({ status: 404 });
    expect((await call('GET', `/approvals/${id}`, alice)).body.state).toBe('pending');
    expect(sfn.sent).toHaveLength(0);
  });

  it("when the workflow had stopped waiting (the gate timed out): 410, the journal says not applied, and Step Functions' message (with the token) goes nowhere", async () => {
    const { id, execution, taskToken } = await gate();
    sfn.timeOut(execution.id);
    const response = await decide(id, alice, { decision: 'approve', reason: 'go' });
    expect(response.status).toBe(410);
    expect(response.body.message).toBe(
      `approval ${id}: the decision is recorded, but the workflow had stopped waiting for it (it timed out or was stopped), so nothing was changed by this decision`,
    );
    const entry = (await journal.listSteps(execution.id)).find((r) => r.step === 'approval')!;
    expect(entry).toMatchObject({
      outcome: 'failed',
      summary: 'approved by user:alice after the workflow had stopped waiting: not applied',
    });
    expect((await call('GET', `/approvals/${id}`, alice)).body).toMatchObject({
      state: 'approved',
      delivery: 'not-applied',
    });
    expect(logged.map((line) => JSON.parse(line))).toContainEqual(
      expect.objectContaining({
        message: 'approval request refused',
        error: 'WorkflowNotWaiting',
        caller: 'user:alice',
        status: 410,
      }),
    );
    for (const text of [response.raw, ...logged]) expect(text).not.toContain(taskToken);
  });

  it('a send that failed before reaching the workflow (which still waits) is undone, so it can be made again', async () => {
    const { id, execution, taskToken } = await gate();
    sfn.fault('fail-before');
    const failed = await decide(id, alice, { decision: 'approve', reason: 'go' });
    expect(failed.status).toBe(503);
    expect(failed.body.message).toContain('so it was not recorded; the workflow still waits');
    expect((await call('GET', `/approvals/${id}`, alice)).body.state).toBe('pending');
    expect((await journal.listSteps(execution.id)).find((r) => r.step === 'approval')!.summary).toMatch(
      /waiting for an approver/,
    );

    expect((await decide(id, bob, { decision: 'approve', reason: 'go, second try' })).status).toBe(200);
    expect(sfn.sent.map((c) => c.taskToken)).toEqual([taskToken, taskToken]);
  });

  it("a reply lost after the workflow got the decision: the approver is told it was applied, from the execution's history, and nobody can decide again", async () => {
    const { id, execution } = await gate();
    sfn.fault('lose-reply');
    const approved = await decide(id, alice, { decision: 'approve', reason: 'site A is down' });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({
      state: 'approved',
      delivery: 'delivered',
      decision: { approver: 'user:alice' },
    });
    expect((await journal.listSteps(execution.id)).find((r) => r.step === 'approval')).toMatchObject({
      outcome: 'succeeded',
      summary: expect.stringMatching(/^approved by user:alice: site A is down/),
    });
    expect((await decide(id, bob, { decision: 'reject', reason: 'no' })).status).toBe(409);
    expect(sfn.sent).toHaveLength(1);
  });

  it('a rejection whose reply was lost is also settled from the history', async () => {
    const { id } = await gate();
    sfn.fault('lose-reply');
    const rejected = await decide(id, bob, { decision: 'reject', reason: 'the lag is too large' });
    expect(rejected).toMatchObject({ status: 200, body: { state: 'rejected', delivery: 'delivered' } });
  });

  it('when neither the reply nor the history can be read: 503 "do not decide again", shown as being sent, and settled by the next reader once its sender is surely gone', async () => {
    const { id } = await gate();
    sfn.fault('lose-reply');
    sfn.fault('history-unavailable');
    const unclear = await decide(id, alice, { decision: 'approve', reason: 'go' });
    expect(unclear.status).toBe(503);
    expect(unclear.body).toMatchObject({
      error: 'DeliveryUnclear',
      message: expect.stringContaining('do not decide again'),
    });
    expect((await call('GET', `/approvals/${id}`, bob)).body).toMatchObject({
      state: 'approved',
      delivery: 'sending',
    });
    expect((await decide(id, bob, { decision: 'approve', reason: 'me too' })).status).toBe(409);

    now = new Date(now.getTime() + SETTLE_SENDING_AFTER_MS);
    expect((await call('GET', `/approvals/${id}`, bob)).body).toMatchObject({
      state: 'approved',
      delivery: 'delivered',
    });
    expect(sfn.sent).toHaveLength(1);
  });

  it("the CLI's routes: the caller is the IAM identity API Gateway verified from the signature, checked against the plan's approvers", async () => {
    const { id } = await gate();
    const iam = (arn: string) => ({
      iam: {
        accountId: '111122223333',
        userArn: arn,
        callerId: 'AROAEXAMPLE:x',
        accessKey: 'ASIAEXAMPLE',
        principalOrgId: null,
        cognitoIdentity: null,
        userId: 'AROAEXAMPLE',
      },
    });
    const session = 'arn:aws:sts::111122223333:assumed-role/orders-failover-approver/dana';
    const shown = await callWith('GET', `/iam/approvals/${id}`, iam(session));
    expect(shown.body).toMatchObject({ caller: session, mayDecide: true });
    const refused = await callWith(
      'POST',
      `/iam/approvals/${id}/decision`,
      iam('arn:aws:sts::111122223333:assumed-role/developer/eve'),
      { decision: 'approve', reason: 'x' },
    );
    expect(refused.status).toBe(403);
    const approved = await callWith('POST', `/iam/approvals/${id}/decision`, iam(session), {
      decision: 'approve',
      reason: 'site A is down',
    });
    expect(approved).toMatchObject({ status: 200, body: { decision: { approver: session } } });
    expect((await callWith('GET', '/iam/approvals', undefined)).status).toBe(401);
  });

  it('a Cognito group whose name holds a comma is one group: `contractors,orders-oncall` is not `orders-oncall`', async () => {
    const { id } = await gate();
    const refused = await decide(
      id,
      { username: 'mallory', groups: ['contractors,orders-oncall'] },
      { decision: 'approve', reason: 'x' },
    );
    expect(refused.status).toBe(403);
    expect(sfn.sent).toHaveLength(0);
  });

  it('serves the console page with a policy that keeps it to its own origin and the sign-in domain', async () => {
    const response = await handler()(
      {
        version: '2.0',
        rawPath: '/',
        requestContext: { http: { method: 'GET' } },
      } as unknown as APIGatewayProxyEventV2,
      context,
    );
    const page = response as APIGatewayProxyStructuredResultV2;
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<title>Failover approvals</title>');
    expect(page.headers?.['content-security-policy']).toContain(
      "connect-src 'self' https://failover-approvals.auth.eu-west-1.amazoncognito.com",
    );
    const config = (await handler()(
      {
        version: '2.0',
        rawPath: '/config.json',
        requestContext: { http: { method: 'GET' } },
      } as unknown as APIGatewayProxyEventV2,
      context,
    )) as APIGatewayProxyStructuredResultV2;
    expect(JSON.parse(config.body!)).toEqual({
      auth: {
        type: 'cognito',
        domain: 'https://failover-approvals.auth.eu-west-1.amazoncognito.com',
        clientId: 'client-1',
        redirectUri: consoleUrl,
      },
    });
  });
});
