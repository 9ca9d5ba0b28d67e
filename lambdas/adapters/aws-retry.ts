// What the AWS adapters share: how they get their SDK client, and which SDK failures the
// workflow should retry. The SDK retries throttling and 5xx itself first; an error that is
// still retryable after that becomes a TransientError, which the ASL retries with a longer
// backoff than a Lambda invocation can afford.
import { TransientError, errorMessage } from '../errors.js';

/** Powertools' convention: a ready client, or the config to build one, never both. */
export interface AwsClientOptions<Client, Config> {
  client?: Client;
  clientConfig?: Config;
}

/**
 * The client the adapter uses. `defaults` apply only to a client built here: a caller who passes
 * a ready client has configured it deliberately.
 */
export function clientFromOptions<Client, Config extends object>(
  adapter: string,
  options: AwsClientOptions<Client, Config>,
  create: (config: Config) => Client,
  defaults: Partial<Config> = {},
): Client {
  if (options.client !== undefined && options.clientConfig !== undefined) {
    throw new TypeError(`${adapter}: pass either client or clientConfig, not both`);
  }
  return options.client ?? create({ ...defaults, ...options.clientConfig } as Config);
}

const THROTTLING_ERRORS = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
  'PriorRequestNotComplete',
]);

const TIMEOUT_ERRORS = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN']);

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  $metadata?: { httpStatusCode?: unknown; requestId?: unknown };
}

/** What the journal keeps about a failed AWS call: enough to find it in CloudTrail. */
export interface AwsErrorDetail {
  awsError: string;
  httpStatusCode?: number;
  requestId?: string;
}

export function awsErrorDetail(err: unknown): AwsErrorDetail {
  const { name, $metadata } = typeof err === 'object' && err !== null ? (err as SdkErrorShape) : {};
  const status = $metadata?.httpStatusCode;
  const requestId = $metadata?.requestId;
  return {
    awsError: typeof name === 'string' ? name : String(err),
    ...(typeof status === 'number' ? { httpStatusCode: status } : {}),
    ...(typeof requestId === 'string' ? { requestId } : {}),
  };
}

export function isTransientAwsError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { name, code, $metadata } = err as SdkErrorShape;
  const status = $metadata?.httpStatusCode;
  return (
    (typeof name === 'string' && (THROTTLING_ERRORS.has(name) || TIMEOUT_ERRORS.has(name))) ||
    (typeof code === 'string' && NETWORK_CODES.has(code)) ||
    (typeof status === 'number' && (status >= 500 || status === 429))
  );
}

/**
 * Runs one SDK call; a retryable failure becomes a TransientError naming `what`, any other
 * failure passes through unchanged so its AWS name (AccessDenied...) reaches the workflow.
 */
export async function awsCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (isTransientAwsError(err))
      throw new TransientError(`${what}: ${errorMessage(err)}`, awsErrorDetail(err));
    throw err;
  }
}
