// Where a deployed function's AWS credentials come from: Lambda gives every function its execution
// role's in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), and a
// runtime that serves them over HTTP instead says where (AWS_CONTAINER_CREDENTIALS_*). The bundles
// use this in place of the SDK's default chain (infra/function-bundling.ts swaps the module), which
// would bring profile files, SSO, web identity, instance metadata and the STS and SSO clients they
// need: over 100 KB of each bundle to load on every cold start, none of it usable in Lambda.
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { fromHttp } from '@aws-sdk/credential-provider-http';
import type { AwsCredentialIdentityProvider } from '@smithy/types';

type ProviderInit = Parameters<typeof fromEnv>[0] & Parameters<typeof fromHttp>[0];

const set = (name: string) => Boolean(process.env[name]);

/** The SDK's `defaultProvider` as a function deployed in Lambda has it; the clients call it once each and memoize what it gives. */
export const defaultProvider = (init: ProviderInit = {}): AwsCredentialIdentityProvider => {
  const fromEnvironment = fromEnv(init);
  let overHttp: AwsCredentialIdentityProvider | undefined;
  return async (properties) => {
    if (set('AWS_ACCESS_KEY_ID') && set('AWS_SECRET_ACCESS_KEY')) return fromEnvironment(properties);
    if (set('AWS_CONTAINER_CREDENTIALS_FULL_URI') || set('AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'))
      return (overHttp ??= fromHttp(init))(properties);
    throw new Error(
      'no AWS credentials in the environment: Lambda sets AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from the ' +
        "function's execution role (or AWS_CONTAINER_CREDENTIALS_FULL_URI); this bundle reads no profile, SSO or instance " +
        'metadata. Run it in Lambda, or set those variables.',
    );
  };
};
