// What EKS does with the bearer token the Kubernetes worker sends (lambdas/adapters/eks-access.ts):
// the token is `k8s-aws-v1.` + a base64url presigned STS GetCallerIdentity URL whose signature
// covers the `x-k8s-aws-id` header naming the cluster. EKS's authenticator forwards that request
// to STS, which checks the SigV4 signature and the expiry and answers with the caller's ARN; an
// access entry then maps the ARN to a Kubernetes user and groups. The signature is recomputed
// here from the SigV4 specification with node:crypto, independently of @smithy/signature-v4.
import { createHash, createHmac } from 'node:crypto';

const TOKEN_PREFIX = 'k8s-aws-v1.';
const CLUSTER_ID_HEADER = 'x-k8s-aws-id';

/** The SigV4 query-string signature of the presigned GetCallerIdentity request for this cluster. */
export const presignedSignature = (url: URL, clusterName: string, secretAccessKey: string): string => {
  const params = [...url.searchParams].filter(([key]) => key !== 'X-Amz-Signature');
  const encode = (s: string) =>
    encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const canonicalQuery = params
    .map(([k, v]) => [encode(k), encode(v)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonicalRequest = [
    'GET',
    '/',
    canonicalQuery,
    `host:${url.host}\n${CLUSTER_ID_HEADER}:${clusterName}\n`,
    `host;${CLUSTER_ID_HEADER}`,
    createHash('sha256').update('').digest('hex'),
  ].join('\n');
  const amzDate = url.searchParams.get('X-Amz-Date') ?? '';
  const [, day = '', region = '', service = ''] = (url.searchParams.get('X-Amz-Credential') ?? '').split('/');
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    amzDate,
    `${day}/${region}/${service}/aws4_request`,
    createHash('sha256').update(canonicalRequest).digest('hex'),
  ].join('\n');
  const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, day), region), service), 'aws4_request');
  return createHmac('sha256', signingKey).update(stringToSign).digest('hex');
};

/** `20250304T050607Z` → epoch ms. */
const amzDateMs = (value: string): number =>
  Date.parse(value.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));

/**
 * Checks a token as STS would for one of `clusterNames`: a GetCallerIdentity URL on an STS host,
 * signed for that cluster with the secret key of its access key id, not expired. Returns the
 * access key id and the cluster; throws with the reason STS or the authenticator would give.
 */
export const checkEksToken = (
  token: string,
  options: {
    clusterNames: readonly string[];
    secretAccessKeyOf: (accessKeyId: string) => string | undefined;
    now?: Date;
  },
): { accessKeyId: string; clusterName: string } => {
  if (!token.startsWith(TOKEN_PREFIX)) throw new Error(`not an EKS token (no ${TOKEN_PREFIX} prefix)`);
  const url = new URL(Buffer.from(token.slice(TOKEN_PREFIX.length), 'base64url').toString('utf8'));
  const q = url.searchParams;
  if (url.protocol !== 'https:' || !/^sts\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/.test(url.hostname))
    throw new Error(`the token's URL is not an STS endpoint: ${url.origin}`);
  if (q.get('Action') !== 'GetCallerIdentity') throw new Error('the token does not ask GetCallerIdentity');
  if (q.get('X-Amz-SignedHeaders') !== `host;${CLUSTER_ID_HEADER}`)
    throw new Error(`the token's signature does not cover ${CLUSTER_ID_HEADER}`);
  const accessKeyId = (q.get('X-Amz-Credential') ?? '').split('/')[0] ?? '';
  const secret = options.secretAccessKeyOf(accessKeyId);
  if (secret === undefined) throw new Error(`InvalidClientTokenId: no access key ${accessKeyId}`);
  const signedAt = amzDateMs(q.get('X-Amz-Date') ?? '');
  const expiresMs = Number(q.get('X-Amz-Expires')) * 1000;
  if (Number.isNaN(signedAt) || (options.now ?? new Date()).getTime() > signedAt + expiresMs)
    throw new Error('ExpiredToken: the presigned request has expired');
  const clusterName = options.clusterNames.find(
    (name) => presignedSignature(url, name, secret) === q.get('X-Amz-Signature'),
  );
  if (clusterName === undefined)
    throw new Error(
      `SignatureDoesNotMatch: the token is not signed for any of ${options.clusterNames.join(', ')}`,
    );
  return { accessKeyId, clusterName };
};
