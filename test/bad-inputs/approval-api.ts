// Requests the approval console's API must refuse with 400 or 404 and a JSON body
// ({error, message}) naming what is expected: driven as API Gateway calls it, on an in-memory store
// holding one pending approval.
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { pendingApproval } from '../../lambdas/approvals/approval-record.js';
import { createApprovalService } from '../../lambdas/approvals/approval-service.js';
import { createApprovalApi } from '../../lambdas/approvals/http-api.js';
import { createMemoryApprovalStore } from '../../lambdas/approvals/memory-store.js';
import { loadPlan } from '../../lambdas/plan/load-plan.js';
import type { Answer, BadInput } from './case.js';

const APPROVAL_ID = '20260301-100005-1a2b3c4d';
const now = new Date('2026-03-01T10:01:00.000Z');
const context = {
  functionName: 'approval-api',
  awsRequestId: 'r-1',
  getRemainingTimeInMillis: () => 20_000,
} as unknown as Context;

type Handler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;
let handler: Handler | undefined;

const api = async (): Promise<Handler> => {
  if (handler) return handler;
  const plan = await loadPlan('examples/plans/rabbitmq-standby.yaml');
  const store = createMemoryApprovalStore();
  await store.create(
    pendingApproval({
      approvalId: APPROVAL_ID,
      executionId: 'exec-1',
      plan,
      evidence: [],
      intendedChanges: [],
      requestedAt: now.toISOString(),
      decideBy: '2026-03-01T10:30:00.000Z',
    }),
    'task-token-1',
  );
  const service = createApprovalService({
    store,
    resume: { resume: async () => undefined, gateState: async () => 'waiting' },
    journal: { listSteps: async () => [] },
    clock: { now: () => new Date(now), sleep: async () => undefined },
  });
  handler = createApprovalApi(
    {
      service,
      callerOf: () => ({ kind: 'cognito', username: 'alice', groups: ['orders-oncall'] }),
      assets: { get: () => undefined, headers: {} },
    },
    new Logger({ serviceName: 'bad-inputs', logLevel: 'SILENT' }),
  ) as unknown as Handler;
  return handler;
};

/** One HTTP API (payload 2.0) call; the answer is the status and the body's message, when the body is `{error, message}`. */
const call = async (method: string, path: string, body?: string): Promise<Answer> => {
  const event = {
    version: '2.0',
    rawPath: path,
    headers: { 'content-type': 'application/json' },
    requestContext: { http: { method, path } },
    ...(body !== undefined ? { body, isBase64Encoded: false } : {}),
  } as unknown as APIGatewayProxyEventV2;
  const response = await (await api())(event, context);
  let parsed: { error?: unknown; message?: unknown } | undefined;
  try {
    parsed = JSON.parse(response.body ?? '') as typeof parsed;
  } catch {
    parsed = undefined;
  }
  if (typeof parsed?.error !== 'string' || typeof parsed.message !== 'string')
    return {
      outcome: `HTTP ${response.statusCode} without {error, message}`,
      lines: String(response.body).split('\n'),
    };
  return { outcome: `HTTP ${response.statusCode}`, lines: parsed.message.split('\n') };
};

const refused = (
  status: 400 | 404,
  name: string,
  method: string,
  path: string,
  body: string | undefined,
  ...names: string[]
): BadInput => ({
  name: `approval API: ${name}`,
  names,
  outcomes: [`HTTP ${status}`],
  run: () => call(method, path, body),
});

const decision = `/approvals/${APPROVAL_ID}/decision`;
const json = (value: unknown) => JSON.stringify(value);

export const approvalApiCases: BadInput[] = [
  refused(
    400,
    'a body that is not JSON',
    'POST',
    decision,
    'approve please',
    'the body must be JSON',
    '"decision"',
  ),
  refused(400, 'no body', 'POST', decision, undefined, 'the body must be JSON'),
  refused(400, 'an empty mapping', 'POST', decision, '{}', 'decision', 'reason'),
  refused(400, 'a list', 'POST', decision, '[]', 'decision'),
  refused(400, 'no reason', 'POST', decision, json({ decision: 'approve' }), 'reason'),
  refused(
    400,
    'an empty reason',
    'POST',
    decision,
    json({ decision: 'approve', reason: '   ' }),
    'a reason is required',
  ),
  refused(
    400,
    'a reason of 5,000 characters',
    'POST',
    decision,
    json({ decision: 'approve', reason: 'r'.repeat(5000) }),
    'reason',
    'at most 1000 characters',
  ),
  refused(
    400,
    'a decision "maybe"',
    'POST',
    decision,
    json({ decision: 'maybe', reason: 'hmm' }),
    'decision',
  ),
  refused(
    400,
    'an unknown field',
    'POST',
    decision,
    json({ decision: 'approve', reason: 'ok', force: true }),
    'force',
  ),
  refused(
    400,
    'allowUngraceful with a rejection',
    'POST',
    decision,
    json({ decision: 'reject', reason: 'no', allowUngraceful: true }),
    'allowUngraceful goes with approve only',
  ),
  refused(
    400,
    'allowUngraceful as a text',
    'POST',
    decision,
    json({ decision: 'approve', reason: 'ok', allowUngraceful: 'yes' }),
    'allowUngraceful',
  ),
  refused(
    404,
    'an id that does not exist',
    'POST',
    '/approvals/20260301-100005-ffffffff/decision',
    json({ decision: 'approve', reason: 'ok' }),
    'no approval 20260301-100005-ffffffff',
  ),
  refused(
    404,
    'reading an id that does not exist',
    'GET',
    '/approvals/20260301-100005-ffffffff',
    undefined,
    'no approval 20260301-100005-ffffffff',
  ),
  refused(
    404,
    'an id with a path in it',
    'POST',
    '/approvals/../decision',
    json({ decision: 'approve', reason: 'ok' }),
    'no POST /approvals/../decision',
  ),
  refused(
    404,
    'an id of 65 characters',
    'GET',
    `/approvals/${'a'.repeat(65)}`,
    undefined,
    'no GET /approvals/aaaa',
  ),
  refused(
    404,
    'a path of 10,000 characters',
    'GET',
    `/approvals/${'b'.repeat(10_000)}`,
    undefined,
    'no GET /approvals/bbbb',
  ),
  refused(
    404,
    'DELETE an approval',
    'DELETE',
    `/approvals/${APPROVAL_ID}`,
    undefined,
    `no DELETE /approvals/${APPROVAL_ID}`,
  ),
  refused(
    404,
    'PUT a decision',
    'PUT',
    decision,
    json({ decision: 'approve', reason: 'ok' }),
    `no PUT ${decision}`,
  ),
  refused(404, 'GET a decision', 'GET', decision, undefined, `no GET ${decision}`),
];
