// Where `failover approvals|approve|reject|ack` send their requests: a running drill's console API
// (`--endpoint`, printed by the drill), or a deployed stack's console API (`--api`, the stack's
// ConsoleUrl output), signed with the operator's AWS credentials. Every rule is the server's: it
// learns who is asking from the signature API Gateway verified, and the CLI may only call it.
import { Sha256 } from '@aws-crypto/sha256-js';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { ApprovalSummary, ApprovalView, DecisionInput } from '../lambdas/approvals/approval-service.js';
import type { Acknowledged, AcknowledgeInput } from '../lambdas/operator/acknowledge.js';

export interface ConsoleClient {
  list(): Promise<ApprovalSummary[]>;
  get(id: string): Promise<ApprovalView>;
  decide(id: string, input: DecisionInput): Promise<ApprovalView>;
  acknowledge(plan: string, input: AcknowledgeInput): Promise<Acknowledged>;
}

/** A refusal or failure, with the HTTP status the console API answers for it. */
export class ConsoleRequestError extends Error {
  override readonly name = 'ConsoleRequestError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

interface Request {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string;
}

const httpClient = (
  base: URL,
  options: { sign(request: Request): Promise<Record<string, string>>; unreachable: string },
): ConsoleClient => {
  const root = base.pathname.replace(/\/+$/, '');
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const url = new URL(`${root}${path}`, base);
    const text = body === undefined ? undefined : JSON.stringify(body);
    const request: Request = {
      method,
      url,
      headers: { accept: 'application/json', ...(text ? { 'content-type': 'application/json' } : {}) },
      ...(text ? { body: text } : {}),
    };
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: await options.sign(request),
        ...(text ? { body: text } : {}),
      });
    } catch (err) {
      if (err instanceof ConsoleRequestError) throw err;
      throw new ConsoleRequestError(
        `cannot reach ${base.origin} (${((err as Error).cause as Error | undefined)?.message ?? (err as Error).message}): ${options.unreachable}`,
        503,
      );
    }
    const data = (await response.json().catch(() => ({}))) as { message?: unknown; Message?: unknown };
    if (!response.ok) {
      // API Gateway's own refusals (a bad signature, no permission) say `message` or `Message`.
      const message =
        typeof data.message === 'string'
          ? data.message
          : typeof data.Message === 'string'
            ? data.Message
            : `HTTP ${response.status}`;
      throw new ConsoleRequestError(
        response.status === 403 && !('error' in data)
          ? `API Gateway refused the request (${message}): your AWS identity needs the stack's ApproverCliPolicy`
          : message,
        response.status,
      );
    }
    return data as T;
  };
  return {
    list: async () => (await call<{ approvals: ApprovalSummary[] }>('GET', '/approvals')).approvals,
    get: (id) => call('GET', `/approvals/${encodeURIComponent(id)}`),
    decide: (id, input) => call('POST', `/approvals/${encodeURIComponent(id)}/decision`, input),
    acknowledge: (plan, input) => call('POST', `/plans/${encodeURIComponent(plan)}/ack`, input),
  };
};

const parseUrl = (text: string, flag: string, example: string): URL => {
  try {
    const url = new URL(text);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url;
  } catch {
    // Said below.
  }
  throw new ConsoleRequestError(`${flag} ${text.slice(0, 80)}: expected a URL such as ${example}`, 400);
};

/** A drill's console on 127.0.0.1: it answers only this machine, for the person running the drill. */
export const endpointClient = (endpoint: string): ConsoleClient =>
  httpClient(parseUrl(endpoint, '--endpoint', 'http://127.0.0.1:8080 (a running drill prints it)'), {
    sign: async (r) => r.headers,
    unreachable: 'is the drill still running?',
  });

export interface DeployedApiOptions {
  /** The stack's ConsoleUrl output. */
  api: string;
  /** Default: from the API's address (`ID.execute-api.REGION.amazonaws.com`). */
  region?: string;
  /** Default: the AWS SDK's credential chain (environment, profile, SSO, instance role). */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
}

const EXECUTE_API_HOST = /^[a-z0-9]+\.execute-api\.([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com(?:\.cn)?$/;

/** The console API of a deployed stack: its /iam/ routes, which API Gateway lets only signed, permitted callers reach. */
export const deployedClient = (options: DeployedApiOptions): ConsoleClient => {
  const api = parseUrl(
    options.api,
    '--api',
    "https://abc123.execute-api.eu-west-1.amazonaws.com/ (the stack's ConsoleUrl output)",
  );
  const region = options.region ?? EXECUTE_API_HOST.exec(api.hostname)?.[1];
  if (!region)
    throw new ConsoleRequestError(
      `--api ${api.origin} is not an execute-api address, so its Region is unknown: pass --region`,
      400,
    );
  const signer = new SignatureV4({
    service: 'execute-api',
    region,
    credentials: options.credentials ?? defaultProvider(),
    sha256: Sha256,
  });
  const base = new URL(`${api.pathname.replace(/\/+$/, '')}/iam/`, api);
  return httpClient(base, {
    unreachable: "check --api (the stack's ConsoleUrl output) and your network",
    sign: async ({ method, url, headers, body }) => {
      try {
        const signed = await signer.sign(
          new HttpRequest({
            method,
            protocol: url.protocol,
            hostname: url.hostname,
            ...(url.port ? { port: Number(url.port) } : {}),
            path: url.pathname,
            headers: { ...headers, host: url.host },
            ...(body !== undefined ? { body } : {}),
          }),
        );
        return signed.headers as Record<string, string>;
      } catch (err) {
        throw new ConsoleRequestError(
          `no AWS credentials to sign the request with (${(err as Error).message.split('\n')[0]}): set AWS_PROFILE or sign in (aws sso login)`,
          401,
        );
      }
    },
  });
};
