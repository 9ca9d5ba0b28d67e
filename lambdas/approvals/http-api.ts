// The approval console's HTTP API (API Gateway HTTP API, payload 2.0), and the console's static
// files from the same origin:
//   GET  /approvals                 pending and past approvals
//   GET  /approvals/{id}            one approval: evidence, intended changes, timeline
//   POST /approvals/{id}/decision   {"decision": "approve" | "reject", "reason": "...", "allowUngraceful"?: true}
// and the same three under /iam/ for the CLI, which also has
//   POST /iam/plans/{name}/ack      {"reason": "...", "active"?: "upstream" | "downstream"}  (`failover ack`)
// Deployed, API Gateway has verified the caller before
// this runs: the Cognito token of a console user (JWT authorizer), or the SigV4 signature of the
// CLI's AWS credentials (IAM authorization), and says who it is in the request context, which no
// caller can write. In a drill the local console server calls it for the drill's operator.
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyEventV2WithIAMAuthorizer,
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
} from 'aws-lambda';
import type { ApprovalService } from './approval-service.js';
import { describeCaller, type Caller } from './approvers.js';
import type { ConsoleAssets } from './console-assets.js';
import {
  ApprovalServiceError,
  InvalidDecisionError,
  invalidBody,
  NotAnApproverError,
  NotSignedInError,
} from './errors.js';
import { acknowledge, acknowledgeInputSchema } from '../operator/acknowledge.js';
import type { PlanStatePort } from '../ports/coordination.js';
import type { ClockPort } from '../ports/clock.js';
import { excerpt } from '../plan/excerpt.js';

export interface ApprovalApiOptions {
  service: ApprovalService;
  /** Who is calling; undefined answers 401. */
  callerOf(event: APIGatewayProxyEventV2): Caller | undefined;
  assets: ConsoleAssets;
  /** Where `failover ack` re-arms a plan (deployed only: a drill has nothing to acknowledge). */
  planState?: PlanStatePort;
  clock?: ClockPort;
}

/**
 * Who API Gateway verified: a CLI user's IAM identity (the ARN of the credentials that signed the
 * request), or a console user from the claims of the Cognito ID token.
 */
export const callerFromAuthorizer = (event: APIGatewayProxyEventV2): Caller | undefined => {
  const iam = (event as APIGatewayProxyEventV2WithIAMAuthorizer).requestContext.authorizer?.iam;
  if (iam)
    return typeof iam.userArn === 'string' && iam.userArn !== ''
      ? { kind: 'iam', arn: iam.userArn }
      : undefined;
  const claims = (event as APIGatewayProxyEventV2WithJWTAuthorizer).requestContext.authorizer?.jwt?.claims;
  const username = claims?.['cognito:username'] ?? claims?.['username'];
  if (typeof username !== 'string' || username === '') return undefined;
  return { kind: 'cognito', username, groups: groupsOf(claims?.['cognito:groups']) };
};

/**
 * HTTP APIs pass a list claim as the string "[sre orders-oncall]": one space between entries, and
 * Cognito group names hold no white space but may hold commas, so only white space separates.
 */
export const groupsOf = (claim: unknown): string[] =>
  Array.isArray(claim)
    ? claim.map(String)
    : typeof claim === 'string'
      ? claim
          .replace(/^\[(.*)\]$/s, '$1')
          .split(/\s+/)
          .filter(Boolean)
      : [];

const bodyOf = (event: APIGatewayProxyEventV2): unknown => {
  const text =
    event.isBase64Encoded && event.body
      ? Buffer.from(event.body, 'base64').toString('utf8')
      : (event.body ?? '');
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidDecisionError(
      'the body must be JSON: {"decision": "approve" | "reject", "reason": "..."}',
    );
  }
};

type Route = {
  method: string;
  path: RegExp;
  run(
    options: ApprovalApiOptions,
    caller: Caller,
    id: string,
    event: APIGatewayProxyEventV2,
  ): Promise<unknown>;
};

const acknowledgeRoute = async (
  options: ApprovalApiOptions,
  caller: Caller,
  plan: string,
  event: APIGatewayProxyEventV2,
) => {
  // IAM authorization on this route is the permission (the stack's OperatorCliPolicy); a console user has none.
  if (caller.kind !== 'iam' || !options.planState || !options.clock)
    throw new NotAnApproverError(
      'acknowledging a plan is for operators with AWS credentials: `failover ack PLAN --api URL --reason "..."`',
    );
  const input = acknowledgeInputSchema.safeParse(bodyOf(event));
  if (!input.success) throw invalidBody(input.error.issues, 'body');
  return acknowledge(options.planState, plan, input.data, describeCaller(caller), options.clock.now());
};

/** The console's routes, and the CLI's under /iam/ (the same, behind IAM authorization). */
const routes: Route[] = [
  {
    method: 'GET',
    path: /^(?:\/iam)?\/approvals\/?()$/,
    run: async ({ service }, caller) => ({ approvals: await service.list(caller) }),
  },
  {
    method: 'GET',
    path: /^(?:\/iam)?\/approvals\/([\w-]{1,64})$/,
    run: ({ service }, caller, id) => service.get(id, caller),
  },
  {
    method: 'POST',
    path: /^(?:\/iam)?\/approvals\/([\w-]{1,64})\/decision$/,
    run: ({ service }, caller, id, event) => service.decide(id, caller, bodyOf(event)),
  },
  { method: 'POST', path: /^\/iam\/plans\/([a-z0-9][a-z0-9-]{0,39})\/ack$/, run: acknowledgeRoute },
];

export const createApprovalApi = (options: ApprovalApiOptions, logger: Logger) => {
  const respond = (
    statusCode: number,
    contentType: string,
    body: string,
  ): APIGatewayProxyStructuredResultV2 => ({
    statusCode,
    headers: { ...options.assets.headers, 'content-type': contentType },
    body,
  });
  const json = (statusCode: number, value: unknown) =>
    respond(statusCode, 'application/json; charset=utf-8', JSON.stringify(value));

  return middy(async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const method = event.requestContext.http.method;
    const path = event.rawPath;
    const asset = method === 'GET' ? options.assets.get(path) : undefined;
    if (asset) return respond(200, asset.contentType, asset.body);

    const match = routes
      .map((route) => ({ route, found: route.method === method ? route.path.exec(path) : null }))
      .find((m) => m.found);
    if (!match) {
      return json(404, {
        error: 'NotFound',
        message: `no ${method} ${excerpt(path, 100)}: the API has GET /approvals, GET /approvals/{id}, POST /approvals/{id}/decision (the same under /iam/ with AWS credentials, and POST /iam/plans/{name}/ack)`,
      });
    }
    const id = match.found![1] ?? '';
    logger.appendKeys({ route: `${method} ${match.route.path.source}`, ...(id ? { target: id } : {}) });
    try {
      const caller = options.callerOf(event);
      if (!caller)
        throw new NotSignedInError(
          'sign in to the approval console first (the CLI: sign the request with AWS credentials)',
        );
      logger.appendKeys({ caller: describeCaller(caller) });
      const result = await match.route.run(options, caller, id, event);
      if (method === 'POST' && 'decision' in (result as object)) {
        const decided = result as { planName: string; executionId: string; decision?: { decision: string } };
        logger.info('approval decided', {
          plan: decided.planName,
          execution: decided.executionId,
          decision: decided.decision?.decision,
        });
      } else if (method === 'POST') {
        logger.info('plan acknowledged', { plan: id });
      }
      return json(200, result);
    } catch (err) {
      if (err instanceof ApprovalServiceError) {
        logger.warn('approval request refused', { status: err.status, error: err.name, reason: err.message });
        return json(err.status, { error: err.name, message: err.message });
      }
      // Only the error's name and message: SDK errors carry request details that are not the caller's business.
      logger.error('approval API failed', { error: (err as Error).name, message: (err as Error).message });
      return json(500, {
        error: 'InternalError',
        message:
          'the approval service failed: reload the approval to see whether a decision was recorded, and read the approval API logs',
      });
    }
  }).use(injectLambdaContext(logger, { resetKeys: true }));
};
