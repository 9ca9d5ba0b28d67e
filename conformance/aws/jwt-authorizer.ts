// API Gateway's JWT authorizer for HTTP APIs, as AWS documents it
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html):
// the token from the identity source, alone or after `Bearer `; an RSA signature by the key its
// `kid` names in the issuer's JWKS (found through the issuer's OpenID configuration); `iss` equal to
// the configured issuer; `aud`, or `client_id` when there is no `aud`, one of the configured
// audiences; `exp` after now, `nbf` and `iat` before now. Any failure is a 401 and the integration
// never runs; otherwise the claims reach it flattened to strings.
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';

export interface JwtAuthorizerConfig {
  /** The authorizer's JwtConfiguration.Issuer. */
  issuer: string;
  /** The authorizer's JwtConfiguration.Audience. */
  audience: string[];
  /**
   * Where the issuer's documents are served: API Gateway reads `${issuer}/.well-known/...`; a
   * stand-in for the identity provider serves them at another origin under the same path.
   */
  discoveryBase: string;
}

export type Authorized =
  { ok: true; claims: Record<string, string>; scopes: string[] | null } | { ok: false; reason: string };

/** A list claim reaches the integration as "[a b]", any other value as its text. */
const flatten = (value: unknown): string =>
  Array.isArray(value)
    ? `[${value.map(String).join(' ')}]`
    : typeof value === 'string'
      ? value
      : JSON.stringify(value);

export const jwtAuthorizer = async (config: JwtAuthorizerConfig) => {
  const discovery = (await (
    await fetch(`${config.discoveryBase}/.well-known/openid-configuration`)
  ).json()) as { issuer: string; jwks_uri: string };
  // An authorizer whose issuer is not the one its documents name could never accept a token.
  if (discovery.issuer !== config.issuer)
    throw new Error(`the OpenID configuration names issuer ${discovery.issuer}, not ${config.issuer}`);
  const keys = createRemoteJWKSet(new URL(discovery.jwks_uri));

  return async (authorization: string | undefined, now = new Date()): Promise<Authorized> => {
    const token = authorization?.replace(/^Bearer /, '');
    if (!token) return { ok: false, reason: 'no token' };
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        algorithms: ['RS256', 'RS384', 'RS512'],
        issuer: config.issuer,
        currentDate: now,
      }));
    } catch (err) {
      const { code, claim } = err as { code?: string; claim?: string };
      return { ok: false, reason: `${code ?? 'invalid'}${claim ? ` (${claim})` : ''}` };
    }
    // jose checks exp and nbf; these three it leaves to its caller.
    const audience = payload.aud ?? payload['client_id'];
    const audiences = Array.isArray(audience) ? audience : [audience];
    if (!audiences.some((a) => typeof a === 'string' && config.audience.includes(a)))
      return { ok: false, reason: `audience ${String(audience)} is not configured` };
    if (typeof payload.iat === 'number' && payload.iat * 1000 > now.getTime())
      return { ok: false, reason: 'issued in the future (iat)' };
    const scope = payload['scope'] ?? payload['scp'];
    return {
      ok: true,
      claims: Object.fromEntries(Object.entries(payload).map(([name, value]) => [name, flatten(value)])),
      scopes: typeof scope === 'string' ? scope.split(' ') : null,
    };
  };
};
