// The approval console's HTTP API (API Gateway HTTP API, payload 2.0), and the console's static
// files from the same origin:
//   GET  /approvals                 pending and past approvals
//   GET  /approvals/{id}            one approval: evidence, intended changes, timeline
//   POST /approvals/{id}/decision   {"decision": "approve" | "reject", "reason": "...", "allowUngraceful"?: true}
// Deployed, API Gateway's JWT authorizer has verified the caller's Cognito token before this
// runs; in a drill the local console server calls it for the drill's operator.
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { ApprovalService } from '../approvals/approval-service.js';
import { describeCaller, type Caller } from '../approvals/approvers.js';
import type { ConsoleAssets } from '../approvals/console-assets.js';
import { ApprovalServiceError, InvalidDecisionError, NotSignedInError } from '../approvals/errors.js';

export interface ApprovalApiOptions {
  service: ApprovalService;
  /** Who is calling; undefined answers 401. */
  callerOf(event: APIGatewayProxyEventV2): Caller | undefined;
  assets: ConsoleAssets;
}

/** The caller from the Cognito ID token claims that API Gateway's JWT authorizer verified. */
export const callerFromJwtClaims = (event: APIGatewayProxyEventV2): Caller | undefined => {
  const claims = (event as APIGatewayProxyEventV2WithJWTAuthorizer).requestContext.authorizer?.jwt?.claims;
  const username = claims?.['cognito:username'] ?? claims?.['username'];
  if (typeof username !== 'string' || username === '') return undefined;
  return { kind: 'cognito', username, groups: groupsOf(claims?.['cognito:groups']) };
};

// HTTP APIs pass a list claim as the string "[sre oncall]".
const groupsOf = (claim: unknown): string[] =>
  Array.isArray(claim) ? claim.map(String) : typeof claim === 'string' ? claim.replace(/^\[|\]$/g, '').split(/[\s,]+/).filter(Boolean) : [];

const bodyOf = (event: APIGatewayProxyEventV2): unknown => {
  const text = event.isBase64Encoded && event.body ? Buffer.from(event.body, 'base64').toString('utf8') : (event.body ?? '');
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidDecisionError('the body must be JSON: {"decision": "approve" | "reject", "reason": "..."}');
  }
};

type Route = { method: string; path: RegExp; run(service: ApprovalService, caller: Caller, id: string, event: APIGatewayProxyEventV2): Promise<unknown> };

const routes: Route[] = [
  { method: 'GET', path: /^\/approvals\/?()$/, run: async (service, caller) => ({ approvals: await service.list(caller) }) },
  { method: 'GET', path: /^\/approvals\/([\w-]{1,64})$/, run: (service, caller, id) => service.get(id, caller) },
  { method: 'POST', path: /^\/approvals\/([\w-]{1,64})\/decision$/, run: (service, caller, id, event) => service.decide(id, caller, bodyOf(event)) },
];

export const createApprovalApi = (options: ApprovalApiOptions, logger: Logger) => {
  const respond = (statusCode: number, contentType: string, body: string): APIGatewayProxyStructuredResultV2 => ({
    statusCode,
    headers: { ...options.assets.headers, 'content-type': contentType },
    body,
  });
  const json = (statusCode: number, value: unknown) => respond(statusCode, 'application/json; charset=utf-8', JSON.stringify(value));

  return middy(async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const method = event.requestContext.http.method;
    const path = event.rawPath;
    const asset = method === 'GET' ? options.assets.get(path) : undefined;
    if (asset) return respond(200, asset.contentType, asset.body);

    const match = routes.map((route) => ({ route, found: route.method === method ? route.path.exec(path) : null })).find((m) => m.found);
    if (!match) return json(404, { error: 'NotFound', message: `no ${method} ${path}` });
    const id = match.found![1] ?? '';
    logger.appendKeys({ route: `${method} ${match.route.path.source}`, ...(id ? { approvalId: id } : {}) });
    try {
      const caller = options.callerOf(event);
      if (!caller) throw new NotSignedInError('sign in to the approval console first');
      logger.appendKeys({ caller: describeCaller(caller) });
      const result = await match.route.run(options.service, caller, id, event);
      if (method === 'POST') {
        const decided = result as { planName: string; executionId: string; decision?: { decision: string } };
        logger.info('approval decided', { plan: decided.planName, execution: decided.executionId, decision: decided.decision?.decision });
      }
      return json(200, result);
    } catch (err) {
      if (err instanceof ApprovalServiceError) {
        logger.warn('approval request refused', { status: err.status, error: err.name, reason: err.message });
        return json(err.status, { error: err.name, message: err.message });
      }
      // Only the error's name and message: SDK errors carry request details that are not the caller's business.
      logger.error('approval API failed', { error: (err as Error).name, message: (err as Error).message });
      return json(500, { error: 'InternalError', message: 'the approval service failed: reload the approval to see whether a decision was recorded, and read the approval API logs' });
    }
  }).use(injectLambdaContext(logger, { resetKeys: true }));
};
