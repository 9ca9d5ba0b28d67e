// The console API as deployed: the gate's step stores the request in DynamoDB (dynalite) with the
// real adapter, the API handler decides through the real service and store, and Step Functions,
// which has no local stand-in, is a mocked client whose received requests are asserted.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { createDynamoDbApprovalStore } from '../../lambdas/adapters/dynamodb-approval-store.js';
import { createDynamoDbApprovals } from '../../lambdas/adapters/dynamodb-approvals.js';
import { createDynamoDbJournal } from '../../lambdas/adapters/dynamodb-journal.js';
import { createSfnWorkflowResume } from '../../lambdas/adapters/sfn-workflow-resume.js';
import { createApprovalService } from '../../lambdas/approvals/approval-service.js';
import { loadConsoleAssets } from '../../lambdas/approvals/console-assets.js';
import { journalledResume } from '../../lambdas/approvals/journalled-resume.js';
import type { CheckResult } from '../../lambdas/engines/engine.js';
import { callerFromJwtClaims, createApprovalApi } from '../../lambdas/handlers/approval-api.js';
import { loadPlan } from '../../lambdas/plan/load-plan.js';
import type { Plan } from '../../lambdas/plan/schema.js';
import type { ClockPort } from '../../lambdas/ports/clock.js';
import type { JournalPort } from '../../lambdas/ports/journal.js';
import type { Notification } from '../../lambdas/ports/notifier.js';
import { requestApproval } from '../../lambdas/steps/request-approval.js';
import type { AwsDeps } from '../../lambdas/steps/step-deps.js';
import { consoleDir } from '../../local/approvals-gate.js';
import { startLocalDynamoDb, type LocalDynamoDb } from '../../sim/local-dynamodb.js';

const consoleUrl = 'https://abc123.execute-api.eu-west-1.amazonaws.com/';
const context = { functionName: 'approval-api', awsRequestId: 'r-1', getRemainingTimeInMillis: () => 20_000 } as unknown as Context;

const checks: CheckResult[] = [
  { name: 'pods-ready', passed: true, summary: '3/3 server pods Ready', evidence: { expected: 3, ready: 3 } },
  { name: 'replication-lag', passed: false, summary: 'lag 605 s (test-vhost-1/q1.quorum) > RPO bound 60 s', evidence: { lagSeconds: 605, maxReplicationLagSeconds: 60 } },
];

let db: LocalDynamoDb;
let plan: Plan;
let journal: JournalPort;
let now: Date;
const clock: ClockPort = { now: () => new Date(now), sleep: async () => undefined };
const sfnClient = new SFNClient({ region: 'eu-west-1' });
const sfn = mockClient(sfnClient);
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
  sfn.on(SendTaskSuccessCommand).resolves({});
  sfn.on(SendTaskFailureCommand).resolves({});
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
  const execution = { id: `arn:aws:states:eu-west-1:111122223333:execution:failover:exec-${executions}`, startedAt: now.toISOString() };
  const taskToken = `AQCEAAAAKgAAAAMAAAAAAAAAA-secret-token-${executions}-${'x'.repeat(40)}`;
  const deps = {
    journal, clock, progress: () => undefined,
    approvals: createDynamoDbApprovals({ tableName: db.tableName, client: db.client, consoleUrl, notifier: { notify: async (n) => void notifications.push(n) } }),
  } as unknown as AwsDeps;
  // The gate shows the evidence of the execution's readiness step, which it reads from the journal.
  const checkedAt = new Date(now.getTime() - 1000).toISOString();
  await journal.appendStep(execution.id, { step: 'readiness', attempt: 1, startedAt: checkedAt, endedAt: checkedAt, outcome: 'succeeded', summary: 'AT RISK', detail: { checks }, sideEffects: [] });
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
        resume: journalledResume(journal, createSfnWorkflowResume({ client: sfnClient })),
        journal,
        clock,
      }),
      callerOf: callerFromJwtClaims,
      assets: loadConsoleAssets(consoleDir, { type: 'cognito', domain: 'https://failover-approvals.auth.eu-west-1.amazoncognito.com', clientId: 'client-1', redirectUri: consoleUrl }),
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

/** An HTTP API (payload 2.0) event as API Gateway sends it after its JWT authorizer. */
const call = async (method: string, path: string, who?: Who, body?: unknown) => {
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
      // HTTP APIs pass a list claim as "[a b]".
      ...(who ? { authorizer: { jwt: { claims: { 'cognito:username': who.username, 'cognito:groups': `[${(who.groups ?? []).join(' ')}]`, token_use: 'id' }, scopes: null } } } : {}),
    },
  } as unknown as APIGatewayProxyEventV2;
  const response = (await handler()(event, context)) as APIGatewayProxyStructuredResultV2;
  return { status: response.statusCode, body: JSON.parse(response.body ?? '{}'), raw: response.body ?? '' };
};

const decide = (id: string, who: Who | undefined, body: unknown) => call('POST', `/approvals/${id}/decision`, who, body);

describe('the approval console API (DynamoDB on dynalite, Step Functions mocked)', () => {
  it('lists a pending approval and shows its evidence, the intended changes and the timeline; the approvers are told with a link', async () => {
    const { id, execution, taskToken } = await gate();

    const list = await call('GET', '/approvals', alice);
    expect(list.status).toBe(200);
    const listed = list.body.approvals.find((a: { id: string }) => a.id === id);
    expect(listed).toMatchObject({ planName: 'orders-rabbitmq', state: 'pending', mayDecide: true, atRisk: ['replication-lag: lag 605 s (test-vhost-1/q1.quorum) > RPO bound 60 s'] });

    const one = await call('GET', `/approvals/${id}`, alice);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id, executionId: execution.id, decideBy: '2026-03-01T10:30:00.000Z', evidence: checks, caller: 'user:alice' });
    expect(one.body.intendedChanges).toEqual([
      'ungraceful failover upstream -> downstream: from vmware-rabbitmq/upstream-cluster to tanzu-rabbitmq/downstream-cluster',
      'promote tanzu-rabbitmq/downstream-cluster (standby) to upstream',
      'point CNAME amqp.orders.example.com from upstream-cluster.site-a.orders.example.com to downstream-cluster.site-b.orders.example.com (TTL 60 s)',
      expect.stringMatching(/^remove the replication links/),
    ]);
    expect(one.body.timeline).toEqual([expect.objectContaining({ step: 'readiness', outcome: 'succeeded' }), expect.objectContaining({ step: 'approval', outcome: 'succeeded', summary: expect.stringMatching(`approval ${id} requested; waiting for an approver until 2026-03-01T10:30:00.000Z`) })]);

    expect(notifications).toHaveLength(1);
    expect(notifications[0]!.subject).toBe('[failover] orders-rabbitmq: AT RISK, approval required');
    expect(notifications[0]!.message).toContain(`Review the evidence and decide: ${consoleUrl}#/approvals/${id}`);
    expect(notifications[0]!.message).toContain('replication-lag: lag 605 s');
    for (const text of [list.raw, one.raw, notifications[0]!.message, ...logged]) expect(text).not.toContain(taskToken);
  });

  it('approve: Step Functions receives SendTaskSuccess with the decision, the journal entry says who and why, and a second decision gets 409', async () => {
    const { id, execution, taskToken } = await gate();
    now = new Date('2026-03-01T10:07:00.000Z');

    const approved = await decide(id, alice, { decision: 'approve', reason: '  site A is down; the lag is accepted  ' });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ state: 'approved', applied: true, decision: { decision: 'approved', approver: 'user:alice', reason: 'site A is down; the lag is accepted' } });

    const sent = sfn.commandCalls(SendTaskSuccessCommand).map((c) => c.args[0].input);
    expect(sent).toEqual([{ taskToken, output: expect.any(String) }]);
    expect(JSON.parse(sent[0]!.output!)).toEqual({
      approvalId: id, decision: 'approved', approver: 'user:alice', reason: 'site A is down; the lag is accepted', decidedAt: '2026-03-01T10:07:00.000Z',
      acceptedRisk: ['replication-lag: lag 605 s (test-vhost-1/q1.quorum) > RPO bound 60 s'],
    });
    // The gate's entry now spans the wait for a person and carries the decision: one entry, not two.
    const entries = (await journal.listSteps(execution.id)).filter((r) => r.step === 'approval');
    expect(entries).toEqual([
      expect.objectContaining({
        attempt: 1, startedAt: '2026-03-01T10:00:00.000Z', endedAt: '2026-03-01T10:07:00.000Z', outcome: 'succeeded',
        summary: 'approved by user:alice: site A is down; the lag is accepted; accepted risk: replication-lag: lag 605 s (test-vhost-1/q1.quorum) > RPO bound 60 s',
        detail: expect.objectContaining({ approvalId: id, approver: 'user:alice', acceptedRisk: [expect.stringMatching(/^replication-lag/)] }),
      }),
    ]);

    const second = await decide(id, bob, { decision: 'reject', reason: 'wait for the upstream' });
    expect(second.status).toBe(409);
    expect(second.body.message).toContain('already approved by user:alice at 2026-03-01T10:07:00.000Z');
    expect(sfn.calls()).toHaveLength(1);
    expect((await call('GET', `/approvals/${id}`, bob)).body.decision.approver).toBe('user:alice');
  });

  it('reject: Step Functions receives SendTaskFailure with ApprovalRejected, who and why', async () => {
    const { id, execution, taskToken } = await gate();
    const rejected = await decide(id, bob, { decision: 'reject', reason: 'the lag is too large for orders' });
    expect(rejected.status).toBe(200);
    expect(sfn.commandCalls(SendTaskFailureCommand).map((c) => c.args[0].input)).toEqual([
      { taskToken, error: 'ApprovalRejected', cause: 'rejected by user:bob: the lag is too large for orders' },
    ]);
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
    const entry = (await journal.listSteps(execution.id)).find((r) => r.step === 'approval')!;
    expect(entry).toMatchObject({ outcome: 'failed', summary: 'ApprovalRejected: rejected by user:bob: the lag is too large for orders' });
  });

  it('a caller who is not an approver of the plan gets 403; nothing is recorded or sent', async () => {
    const { id } = await gate();
    const refused = await decide(id, carol, { decision: 'approve', reason: 'looks fine' });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toBe('user:carol is not an approver of plan orders-rabbitmq; its approvers are: group:orders-oncall, arn:aws:iam::111122223333:role/orders-failover-approver');
    const shown = await call('GET', `/approvals/${id}`, carol);
    expect(shown.body).toMatchObject({ state: 'pending', isApprover: false, mayDecide: false });
    expect(sfn.calls()).toHaveLength(0);
  });

  it('after the gate timed out: 410, nothing sent', async () => {
    const { id } = await gate();
    now = new Date('2026-03-01T10:30:00.000Z');
    const late = await decide(id, alice, { decision: 'approve', reason: 'sorry, was asleep' });
    expect(late.status).toBe(410);
    expect(late.body.message).toBe(`approval ${id} expired at 2026-03-01T10:30:00.000Z: the workflow stopped waiting and the failover was aborted (gate.onTimeout: abort); nothing was decided`);
    expect((await call('GET', `/approvals/${id}`, alice)).body.state).toBe('expired');
    expect(sfn.calls()).toHaveLength(0);
  });

  it('a decision needs a reason (400), a signed-in caller (401) and an existing approval (404)', async () => {
    const { id } = await gate();
    expect(await decide(id, alice, { decision: 'approve', reason: '   ' })).toMatchObject({ status: 400, body: { message: expect.stringContaining('a reason is required') } });
    expect(await decide(id, alice, { decision: 'maybe', reason: 'x' })).toMatchObject({ status: 400 });
    expect(await decide(id, alice, { decision: 'reject', reason: 'no', allowUngraceful: true })).toMatchObject({ status: 400 });
    expect(await decide(id, undefined, { decision: 'approve', reason: 'x' })).toMatchObject({ status: 401 });
    expect(await decide('20260301-100000-00000000', alice, { decision: 'approve', reason: 'x' })).toMatchObject({ status: 404 });
    expect((await call('GET', `/approvals/${id}`, alice)).body.state).toBe('pending');
    expect(sfn.calls()).toHaveLength(0);
  });

  it('when Step Functions no longer waits on the token (TaskTimedOut): 410, the journal says not applied, and its message (with the token) goes nowhere', async () => {
    const { id, execution, taskToken } = await gate();
    sfn.on(SendTaskSuccessCommand).rejects(Object.assign(new Error(`Task Timed Out: 'Provided task ${taskToken} does not exist anymore'`), { name: 'TaskTimedOut' }));
    const response = await decide(id, alice, { decision: 'approve', reason: 'go' });
    expect(response.status).toBe(410);
    expect(response.body.message).toContain('the workflow had stopped waiting for it (TaskTimedOut)');
    const entry = (await journal.listSteps(execution.id)).find((r) => r.step === 'approval')!;
    expect(entry).toMatchObject({ outcome: 'failed', summary: 'approved by user:alice after the workflow had stopped waiting: not applied' });
    expect(logged.map((line) => JSON.parse(line))).toContainEqual(expect.objectContaining({ message: 'approval request refused', error: 'WorkflowNotWaiting', caller: 'user:alice', status: 410 }));
    for (const text of [response.raw, ...logged]) expect(text).not.toContain(taskToken);
  });

  it('a decision that could not be delivered is undone, so it can be made again', async () => {
    const { id, execution, taskToken } = await gate();
    sfn.on(SendTaskSuccessCommand).rejectsOnce(Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } })).resolves({});
    const failed = await decide(id, alice, { decision: 'approve', reason: 'go' });
    expect(failed.status).toBe(503);
    expect(failed.body.message).toContain('so it was not recorded');
    expect((await call('GET', `/approvals/${id}`, alice)).body.state).toBe('pending');
    expect((await journal.listSteps(execution.id)).find((r) => r.step === 'approval')!.summary).toMatch(/waiting for an approver/);

    expect((await decide(id, bob, { decision: 'approve', reason: 'go, second try' })).status).toBe(200);
    expect(sfn.commandCalls(SendTaskSuccessCommand).map((c) => c.args[0].input.taskToken)).toEqual([taskToken, taskToken]);
  });

  it('serves the console page with a policy that keeps it to its own origin and the sign-in domain', async () => {
    const response = await handler()({ version: '2.0', rawPath: '/', requestContext: { http: { method: 'GET' } } } as unknown as APIGatewayProxyEventV2, context);
    const page = response as APIGatewayProxyStructuredResultV2;
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<title>Failover approvals</title>');
    expect(page.headers?.['content-security-policy']).toContain("connect-src 'self' https://failover-approvals.auth.eu-west-1.amazoncognito.com");
    const config = (await handler()({ version: '2.0', rawPath: '/config.json', requestContext: { http: { method: 'GET' } } } as unknown as APIGatewayProxyEventV2, context)) as APIGatewayProxyStructuredResultV2;
    expect(JSON.parse(config.body!)).toEqual({ auth: { type: 'cognito', domain: 'https://failover-approvals.auth.eu-west-1.amazoncognito.com', clientId: 'client-1', redirectUri: consoleUrl } });
  });
});
