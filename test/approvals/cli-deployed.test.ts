// `failover approvals|approve|reject --table` against a deployed stack: the approval service runs
// in the CLI on the journal table (dynalite here) with the caller's IAM identity from STS, and
// resumes the workflow through Step Functions (a mocked client: the requests it would receive
// are asserted). STS itself is a scripted endpoint that checks the request is signed.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { createDynamoDbApprovals } from '../../lambdas/adapters/dynamodb-approvals.js';
import { createDynamoDbJournal } from '../../lambdas/adapters/dynamodb-journal.js';
import { loadPlan } from '../../lambdas/plan/load-plan.js';
import type { Plan } from '../../lambdas/plan/schema.js';
import { systemClock } from '../../lambdas/ports/clock.js';
import { requestApproval } from '../../lambdas/steps/request-approval.js';
import type { AwsDeps } from '../../lambdas/steps/step-deps.js';
import { deployedApprovals, stsCallerArn } from '../../local/approvals-aws.js';
import { endpointClient } from '../../local/approvals-client.js';
import { approvalCommands } from '../../local/approvals.js';
import { startLocalDynamoDb, type LocalDynamoDb } from '../../sim/local-dynamodb.js';

const approverSession = 'arn:aws:sts::111122223333:assumed-role/orders-failover-approver/dana@example.com';
const otherSession = 'arn:aws:sts::111122223333:assumed-role/developer/eve';

let db: LocalDynamoDb;
let plan: Plan;
const sfnClient = new SFNClient({ region: 'eu-west-1' });
const sfn = mockClient(sfnClient);
/** STS on 127.0.0.1: answers with the scripted response and keeps what it received, headers included. */
let sts: Server;
let stsUrl: string;
let stsAnswer = { status: 200, body: '' };
let stsReceived: Array<{ method?: string; headers: IncomingHttpHeaders; body: string }> = [];

beforeAll(async () => {
  db = await startLocalDynamoDb('failover-journal');
  plan = await loadPlan('examples/plans/rabbitmq-standby.yaml');
  sts = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      stsReceived.push({ method: req.method, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(stsAnswer.status, { 'content-type': 'text/xml' }).end(stsAnswer.body);
    });
  });
  await new Promise<void>((resolve) => sts.listen(0, '127.0.0.1', resolve));
  stsUrl = `http://127.0.0.1:${(sts.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  await db.stop();
  await new Promise<void>((resolve) => sts.close(() => resolve()));
});
beforeEach(() => {
  sfn.reset();
  sfn.on(SendTaskSuccessCommand).resolves({});
});

let executions = 0;
const pendingApproval = async () => {
  executions += 1;
  const execution = { id: `arn:aws:states:eu-west-1:111122223333:execution:failover:cli-${executions}`, startedAt: new Date().toISOString() };
  const deps = {
    journal: createDynamoDbJournal({ tableName: db.tableName, client: db.client }), clock: systemClock, progress: () => undefined,
    approvals: createDynamoDbApprovals({ tableName: db.tableName, client: db.client, consoleUrl: 'https://console.example/', notifier: { notify: async () => undefined } }),
  } as unknown as AwsDeps;
  // The gate shows the evidence of the execution's readiness step, which it reads from the journal.
  const checks = [{ name: 'pods-ready', passed: true, summary: '3/3 server pods Ready', evidence: { ready: 3 } }];
  await deps.journal.appendStep(execution.id, { step: 'readiness', attempt: 1, startedAt: execution.startedAt, endedAt: execution.startedAt, outcome: 'succeeded', summary: '1/1 checks passed', detail: { checks }, sideEffects: [] });
  const output = await requestApproval(deps, execution, plan, `token-${executions}`, 1800);
  return { id: output.approvalId, token: `token-${executions}` };
};

/** `failover ...` as an operator with the given AWS identity runs it. */
const failover = async (callerArn: string, ...argv: string[]) => {
  const commands = approvalCommands({ endpoint: endpointClient, deployed: (options) => deployedApprovals({ ...options, dynamo: db.client, sfn: sfnClient, callerArn: async () => callerArn }) });
  const [name, ...rest] = argv;
  const command = commands[name as keyof typeof commands];
  // As local/cli.ts parses a command's arguments.
  const { values, positionals } = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true });
  const out: string[] = [];
  const err: string[] = [];
  const code = await command.run(values as Record<string, string | boolean | undefined>, positionals, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
};

describe('the CLI against a deployed stack (--table)', () => {
  it('an approver role decides: the workflow receives SendTaskSuccess, recorded as the session that decided', async () => {
    const { id, token } = await pendingApproval();
    const list = await failover(approverSession, 'approvals', 'list', '--table', db.tableName);
    expect(list.out.find((l) => l.includes(id))).toMatch(/orders-rabbitmq {2}requested .*, decide by /);

    const approved = await failover(approverSession, 'approve', id, '--reason', 'upstream region is down', '--table', db.tableName);
    expect(approved).toMatchObject({ code: 0, out: [`approved ${id} (plan orders-rabbitmq) as ${approverSession}: upstream region is down`, 'The failover goes on.'] });
    const sent = sfn.commandCalls(SendTaskSuccessCommand).map((c) => c.args[0].input);
    expect(sent.map((input) => [input.taskToken, JSON.parse(input.output!).approver])).toEqual([[token, approverSession]]);
  });

  it('a role the plan does not name is refused (exit 1), and nothing reaches the workflow', async () => {
    const { id } = await pendingApproval();
    const refused = await failover(otherSession, 'approve', id, '--reason', 'I think it is fine', '--table', db.tableName);
    expect(refused.code).toBe(1);
    expect(refused.err).toEqual([`refused (403): ${otherSession} is not an approver of plan orders-rabbitmq; its approvers are: group:orders-oncall, arn:aws:iam::111122223333:role/orders-failover-approver`]);
    expect(sfn.calls()).toHaveLength(0);
  });

  it('needs to know where: a drill endpoint or a table, not both', async () => {
    expect((await failover(approverSession, 'approvals', 'list')).err).toEqual([expect.stringContaining('pass --endpoint URL (a running drill prints it) or --table NAME')]);
    expect((await failover(approverSession, 'approvals', 'list', '--table', 't', '--endpoint', 'http://127.0.0.1:1')).code).toBe(2);
  });
});

describe('stsCallerArn', () => {
  const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'session-token' };

  beforeEach(() => {
    stsReceived = [];
  });

  it('asks STS GetCallerIdentity with a SigV4-signed request and reads the ARN', async () => {
    stsAnswer = { status: 200, body: `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>${approverSession}</Arn><UserId>AROAEXAMPLE:dana</UserId><Account>111122223333</Account></GetCallerIdentityResult></GetCallerIdentityResponse>` };
    await expect(stsCallerArn({ region: 'eu-west-1', credentials, endpoint: stsUrl })).resolves.toBe(approverSession);
    expect(stsReceived).toEqual([
      {
        method: 'POST',
        body: 'Action=GetCallerIdentity&Version=2011-06-15',
        headers: expect.objectContaining({
          authorization: expect.stringMatching(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/sts\/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$/),
          'x-amz-security-token': 'session-token',
          'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        }),
      },
    ]);
  });

  it('says what to check when the credentials are refused', async () => {
    stsAnswer = { status: 403, body: '<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error></ErrorResponse>' };
    await expect(stsCallerArn({ region: 'eu-west-1', credentials, endpoint: stsUrl })).rejects.toMatchObject({
      status: 401,
      message: 'cannot tell who you are from your AWS credentials (STS GetCallerIdentity: InvalidClientTokenId); check your AWS profile and region',
    });
  });
});
