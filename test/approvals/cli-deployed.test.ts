// `failover approvals|approve|reject|ack --api` against a deployed stack: the CLI signs its
// requests with the operator's AWS credentials and calls the console API's /iam/ routes, where
// API Gateway (signed-api-gateway.ts: SigV4 verified, the IAM policy asked) tells the console's
// handler who signed; the handler decides on the journal table (dynalite) and resumes the workflow
// (step-functions-gate.ts). The CLI holds no rule and touches no table.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Logger } from '@aws-lambda-powertools/logger';
import { SFNClient } from '@aws-sdk/client-sfn';
import { createDynamoDbJournal } from '../../lambdas/adapters/dynamodb-journal.js';
import { createDynamoDbPlanState } from '../../lambdas/adapters/dynamodb-plan-state.js';
import { createApprovalService } from '../../lambdas/approvals/approval-service.js';
import { loadConsoleAssets } from '../../lambdas/approvals/console-assets.js';
import { createDynamoDbApprovalStore } from '../../lambdas/approvals/dynamodb-store.js';
import { createApprovalGate } from '../../lambdas/approvals/gate.js';
import { gateJournal } from '../../lambdas/approvals/gate-journal.js';
import { callerFromAuthorizer, createApprovalApi } from '../../lambdas/approvals/http-api.js';
import { createSfnWorkflowResume } from '../../lambdas/approvals/step-functions-resume.js';
import { loadPlan } from '../../lambdas/plan/load-plan.js';
import type { Plan } from '../../lambdas/plan/schema.js';
import { systemClock } from '../../lambdas/ports/clock.js';
import { requestApproval } from '../../lambdas/steps/request-approval.js';
import type { AwsDeps } from '../../lambdas/steps/step-deps.js';
import { consoleDir } from '../../local/approvals-gate.js';
import { consoleCommands } from '../../local/approvals.js';
import { runCommandLine } from '../../local/cli.js';
import { deployedClient, endpointClient } from '../../local/console-client.js';
import { startLocalDynamoDb, type LocalDynamoDb } from '../../sim/local-dynamodb.js';
import { startSignedApiGateway, type SignedApiGateway, type Signer } from './signed-api-gateway.js';
import { cli } from './paused-drill.js';
import { stepFunctionsGate } from './step-functions-gate.js';

const signer = (name: string, arn: string): Signer => ({
  accessKeyId: `ASIA${name.toUpperCase()}`,
  secretAccessKey: `secret-of-${name}`,
  sessionToken: `session-of-${name}`,
  arn,
});
/** The plan names this role as an approver; its sessions hold the stack's ApproverCliPolicy. */
const approver = signer(
  'dana',
  'arn:aws:sts::111122223333:assumed-role/orders-failover-approver/dana@example.com',
);
/** Holds the ApproverCliPolicy, but the plan does not name the role. */
const developer = signer('eve', 'arn:aws:sts::111122223333:assumed-role/developer/eve');
/** Holds the OperatorCliPolicy only. */
const operator = signer('otto', 'arn:aws:sts::111122223333:assumed-role/failover-operator/otto');
/** Holds neither policy. */
const outsider = signer('mallory', 'arn:aws:sts::111122223333:assumed-role/guest/mallory');

/** The two managed policies as IAM would evaluate them for execute-api:Invoke. */
const mayInvoke = (arn: string, method: string, path: string) =>
  ([approver.arn, developer.arn].includes(arn) &&
    /^\/iam\/approvals(\/[\w-]+(\/decision)?)?$/.test(path) &&
    (method === 'GET' || path.endsWith('/decision'))) ||
  (arn === operator.arn && method === 'POST' && /^\/iam\/plans\/[^/]+\/ack$/.test(path));

let db: LocalDynamoDb;
let plan: Plan;
let gateway: SignedApiGateway;
const sfnClient = new SFNClient({ region: 'eu-west-1' });
const sfn = stepFunctionsGate(sfnClient);

beforeAll(async () => {
  db = await startLocalDynamoDb('failover-journal');
  plan = await loadPlan('examples/plans/rabbitmq-standby.yaml');
  const journal = createDynamoDbJournal({ tableName: db.tableName, client: db.client });
  // The console's handler as the deployed function builds it.
  const handler = createApprovalApi(
    {
      service: createApprovalService({
        store: createDynamoDbApprovalStore({ tableName: db.tableName, client: db.client }),
        resume: createSfnWorkflowResume({ client: sfnClient }),
        journal,
        clock: systemClock,
        gateJournal: gateJournal(journal),
      }),
      callerOf: callerFromAuthorizer,
      assets: loadConsoleAssets(consoleDir, {
        type: 'cognito',
        domain: 'https://x.auth.eu-west-1.amazoncognito.com',
        clientId: 'c',
        redirectUri: 'https://x/',
      }),
      planState: createDynamoDbPlanState({ tableName: db.tableName, client: db.client }),
      clock: systemClock,
    },
    new Logger({ serviceName: 'failover-orchestrator', logLevel: 'SILENT' }),
  );
  gateway = await startSignedApiGateway({
    handler,
    region: 'eu-west-1',
    signers: [approver, developer, operator, outsider],
    mayInvoke,
  });
});
afterAll(async () => {
  await gateway.close();
  await db.stop();
});
beforeEach(() => sfn.reset());

let executions = 0;
const pendingApproval = async () => {
  executions += 1;
  const execution = {
    id: `arn:aws:states:eu-west-1:111122223333:execution:failover:cli-${executions}`,
    startedAt: new Date().toISOString(),
  };
  const deps = {
    journal: createDynamoDbJournal({ tableName: db.tableName, client: db.client }),
    clock: systemClock,
    progress: () => undefined,
    approvals: createApprovalGate({
      store: createDynamoDbApprovalStore({ tableName: db.tableName, client: db.client }),
      notifier: { notify: async () => undefined },
      where: { consoleUrl: gateway.url, cli: { command: 'failover', target: `--api ${gateway.url}` } },
    }),
  } as unknown as AwsDeps;
  // The gate shows the evidence of the execution's readiness step, which it reads from the journal.
  const checks = [
    { name: 'pods-ready', passed: true, summary: '3/3 server pods Ready', evidence: { ready: 3 } },
  ];
  await deps.journal.appendStep(execution.id, {
    step: 'readiness',
    attempt: 1,
    startedAt: execution.startedAt,
    endedAt: execution.startedAt,
    outcome: 'succeeded',
    summary: '1/1 checks passed',
    detail: { checks },
    sideEffects: [],
  });
  sfn.waitAtGate(execution.id, execution.startedAt, `token-${executions}`);
  const output = await requestApproval(deps, execution, plan, `token-${executions}`, 1800);
  return { id: output.approvalId, token: `token-${executions}` };
};

/** `failover ...` as an operator with the given AWS credentials runs it. */
const failover = async (credentials: Signer, ...argv: string[]) => {
  const commands = consoleCommands({
    endpoint: endpointClient,
    deployed: (options) => deployedClient({ ...options, credentials }),
  });
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCommandLine(commands, argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
};

describe('the CLI against a deployed stack (--api)', () => {
  it('an approver role decides: the workflow receives SendTaskSuccess, recorded as the session API Gateway verified', async () => {
    const { id, token } = await pendingApproval();
    const list = await failover(approver, 'approvals', 'list', '--api', gateway.url, '--region', 'eu-west-1');
    expect(list.out.find((l) => l.includes(id))).toMatch(/orders-rabbitmq {2}requested .*, decide by /);

    const approved = await failover(
      approver,
      'approve',
      id,
      '--reason',
      'upstream region is down',
      '--api',
      gateway.url,
      '--region',
      'eu-west-1',
    );
    expect(approved).toMatchObject({
      code: 0,
      out: [
        `approved ${id} (plan orders-rabbitmq) as ${approver.arn}: upstream region is down`,
        'The failover goes on.',
      ],
    });
    expect(sfn.sent.map((s) => [s.taskToken, JSON.parse(s.output!).approver])).toEqual([
      [token, approver.arn],
    ]);
    expect(gateway.invoked.at(-1)).toEqual({
      method: 'POST',
      path: `/iam/approvals/${id}/decision`,
      arn: approver.arn,
    });
  });

  it('a role the plan does not name is refused by the server (403, exit 1), and nothing reaches the workflow', async () => {
    const { id } = await pendingApproval();
    const refused = await failover(
      developer,
      'approve',
      id,
      '--reason',
      'I think it is fine',
      '--api',
      gateway.url,
      '--region',
      'eu-west-1',
    );
    expect(refused.code).toBe(1);
    expect(refused.err).toEqual([
      `refused (403): ${developer.arn} is not an approver of plan orders-rabbitmq; its approvers are: group:orders-oncall, arn:aws:iam::111122223333:role/orders-failover-approver`,
    ]);
    expect(sfn.sent).toHaveLength(0);
  });

  it('credentials without the ApproverCliPolicy, or a signature made with the wrong secret, never reach the handler', async () => {
    const { id } = await pendingApproval();
    const before = gateway.invoked.length;
    const outside = await failover(
      outsider,
      'approve',
      id,
      '--reason',
      'x',
      '--api',
      gateway.url,
      '--region',
      'eu-west-1',
    );
    expect(outside.err).toEqual([
      expect.stringMatching(
        /^refused \(403\): API Gateway refused the request \(User: .*guest\/mallory is not authorized to perform: execute-api:Invoke.*\): your AWS identity needs the stack's ApproverCliPolicy$/,
      ),
    ]);
    const forged = await failover(
      { ...approver, secretAccessKey: 'guessed' },
      'approve',
      id,
      '--reason',
      'x',
      '--api',
      gateway.url,
      '--region',
      'eu-west-1',
    );
    expect(forged.err).toEqual([
      expect.stringContaining('The request signature we calculated does not match'),
    ]);
    expect(gateway.invoked.length).toBe(before);
    expect(sfn.sent).toHaveLength(0);
  });

  it('`failover ack` re-arms a plan through the server, which records who did it; a role without the OperatorCliPolicy cannot', async () => {
    const planState = createDynamoDbPlanState({ tableName: db.tableName, client: db.client });
    await planState.putPlanState('acked', {
      activeSide: 'downstream',
      protection: 'unprotected',
      cooldownUntil: '2999-01-01T00:00:00.000Z',
      needsOperator: 'teardown failed',
      lastExecutionId: 'exec-9',
    });

    const denied = await failover(
      approver,
      'ack',
      'acked',
      '--reason',
      'looked at it',
      '--api',
      gateway.url,
      '--region',
      'eu-west-1',
    );
    expect(denied.code).toBe(1);
    expect((await planState.getPlanState('acked')).needsOperator).toBe('teardown failed');

    const acked = await failover(
      operator,
      'ack',
      'acked',
      '--reason',
      'teardown finished by hand, INC-7',
      '--api',
      gateway.url,
      '--region',
      'eu-west-1',
    );
    expect(acked.code).toBe(0);
    expect(acked.out[0]).toBe(
      'acked: was active side downstream; cooldown until 2999-01-01T00:00:00.000Z; waiting for an operator: teardown failed',
    );
    expect(await planState.getPlanState('acked')).toEqual({
      activeSide: 'downstream',
      protection: 'unprotected',
      lastExecutionId: 'exec-9',
      updatedAt: expect.any(String),
      acknowledged: { by: operator.arn, reason: 'teardown finished by hand, INC-7', at: expect.any(String) },
    });
    expect(
      (
        await failover(
          operator,
          'ack',
          'acked',
          '--active',
          'upstream',
          '--reason',
          'failed back by hand',
          '--api',
          gateway.url,
          '--region',
          'eu-west-1',
        )
      ).code,
    ).toBe(0);
    const failedBack = await planState.getPlanState('acked');
    expect([failedBack.activeSide, 'protection' in failedBack]).toEqual(['upstream', false]);
  });

  it('says what is missing or wrong before sending anything (exit 2)', async () => {
    const where = await failover(approver, 'approvals', 'list');
    expect([where.code, where.err]).toEqual([2, [expect.stringContaining('pass --endpoint or --api')]]);
    expect(
      (
        await failover(
          approver,
          'approvals',
          'list',
          '--api',
          gateway.url,
          '--endpoint',
          'http://127.0.0.1:1',
        )
      ).code,
    ).toBe(2);
    const region = await failover(approver, 'approvals', 'list', '--api', gateway.url);
    expect([region.code, region.err]).toEqual([
      2,
      [expect.stringContaining('is not an execute-api address, so its Region is unknown: pass --region')],
    ]);
    expect((await failover(approver, 'approvals', 'list', '--api', 'not a url')).err).toEqual([
      '--api not a url: expected an http:// or https:// URL',
    ]);
    expect((await failover(operator, 'ack', 'acked', '--api', gateway.url)).err).toEqual([
      expect.stringContaining('--reason TEXT is required'),
    ]);
    // Flag values are checked by the command line before any command runs.
    const sideways = await cli('ack', 'acked', '--reason', 'x', '--active', 'sideways', '--api', gateway.url);
    expect([sideways.code, sideways.err]).toEqual([
      2,
      [expect.stringMatching(/^--active sideways: expected (one of )?upstream(,| or) downstream/)],
    ]);
  });

  it("reads the Region from an execute-api address (the stack's ConsoleUrl)", () => {
    expect(() =>
      deployedClient({ api: 'https://abc123.execute-api.eu-west-1.amazonaws.com/', credentials: approver }),
    ).not.toThrow();
  });
});
