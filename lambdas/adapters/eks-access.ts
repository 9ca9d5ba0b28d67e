// Kubernetes access from a Lambda without stored credentials: the cluster's endpoint and CA come
// from EKS DescribeCluster, and the bearer token is the one `aws eks get-token` makes, a
// presigned STS GetCallerIdentity URL that the cluster's IAM authenticator calls to learn who we are.
import { Sha256 } from '@aws-crypto/sha256-js';
import { DescribeClusterCommand, EKSClient, type EKSClientConfig } from '@aws-sdk/client-eks';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { BadInputError, TransientError } from '../errors.js';
import { awsCall, awsErrorDetail } from './aws-retry.js';
import { serverAccess, type ServerKubeAccess } from './kube/kube-access.js';

export interface EksCluster {
  name: string;
  region: string;
}

export interface EksAccessOptions {
  /** Used for every cluster, so it must be configured for their region. */
  eksClient?: EKSClient;
  /** For the EKS client built per cluster region; `region` is each cluster's own. */
  eksClientConfig?: EKSClientConfig;
  /** Signs the tokens (and the built EKS clients' requests); defaults to the Node provider chain. */
  credentials?: AwsCredentialIdentityProvider;
  now?: () => Date;
}

export interface EksAccessProvider {
  /** Call per use rather than keeping the result: the token in it is renewed every 10 minutes. */
  accessFor(cluster: EksCluster): Promise<ServerKubeAccess>;
}

export interface EksBearerTokenOptions {
  clusterName: string;
  region: string;
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  signingDate?: Date;
}

const TOKEN_PREFIX = 'k8s-aws-v1.';
const CLUSTER_ID_HEADER = 'x-k8s-aws-id';
// EKS accepts a token for 15 minutes from its signing time, whatever X-Amz-Expires says;
// renewing at 10 leaves room for a request that starts just before.
const TOKEN_REFRESH_MS = 10 * 60 * 1000;
// What aws-iam-authenticator and `aws eks get-token` put in the URL.
const PRESIGN_EXPIRES_SECONDS = 60;

export async function eksBearerToken(options: EksBearerTokenOptions): Promise<string> {
  const hostname = `sts.${options.region}.${dnsSuffix(options.region)}`;
  const signer = new SignatureV4({
    service: 'sts',
    region: options.region,
    credentials: options.credentials,
    sha256: Sha256,
  });
  const presigned = await signer.presign(
    new HttpRequest({
      method: 'GET',
      protocol: 'https:',
      hostname,
      path: '/',
      query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
      // Signed, so a token for one cluster cannot be replayed against another.
      headers: { host: hostname, [CLUSTER_ID_HEADER]: options.clusterName },
    }),
    {
      expiresIn: PRESIGN_EXPIRES_SECONDS,
      ...(options.signingDate ? { signingDate: options.signingDate } : {}),
    },
  );
  const query = Object.entries(presigned.query ?? {})
    .flatMap(([key, value]) => (typeof value === 'string' ? [`${rfc3986(key)}=${rfc3986(value)}`] : []))
    .join('&');
  return TOKEN_PREFIX + Buffer.from(`https://${hostname}/?${query}`).toString('base64url');
}

export function createEksAccessProvider(options: EksAccessOptions = {}): EksAccessProvider {
  if (options.eksClient !== undefined && options.eksClientConfig !== undefined) {
    throw new TypeError('createEksAccessProvider: pass either eksClient or eksClientConfig, not both');
  }
  const credentials = options.credentials ?? defaultProvider();
  const now = options.now ?? (() => new Date());
  const eksClients = new Map<string, EKSClient>();
  // Promises, so that parallel readiness checks of one cluster share one DescribeCluster.
  const endpoints = new Map<string, Promise<ClusterEndpoint>>();
  const accesses = new Map<string, { access: ServerKubeAccess; issuedAt: number }>();

  const eksClientFor = async (region: string): Promise<EKSClient> => {
    if (options.eksClient) {
      const clientRegion = await options.eksClient.config.region();
      if (clientRegion !== region) {
        throw new BadInputError(
          `the EKS client is for ${clientRegion}, but the cluster is in ${region}: pass eksClientConfig instead`,
        );
      }
      return options.eksClient;
    }
    let client = eksClients.get(region);
    if (!client) {
      const config = options.eksClientConfig ?? {};
      client = new EKSClient({ ...config, region, credentials: config.credentials ?? credentials });
      eksClients.set(region, client);
    }
    return client;
  };

  const describe = async (cluster: EksCluster): Promise<ClusterEndpoint> => {
    const client = await eksClientFor(cluster.region);
    const what = `EKS DescribeCluster ${cluster.name} in ${cluster.region}`;
    const out = await awsCall(what, () =>
      client.send(new DescribeClusterCommand({ name: cluster.name })),
    ).catch((err: unknown) => {
      if (err instanceof Error && err.name === 'ResourceNotFoundException') {
        throw new BadInputError(`${what}: no such cluster (${err.message})`, awsErrorDetail(err));
      }
      throw err;
    });
    const server = out.cluster?.endpoint;
    const caData = out.cluster?.certificateAuthority?.data;
    if (!server || !caData) {
      // A cluster still being created has neither yet.
      throw new TransientError(
        `${what}: no endpoint or certificate authority yet (status ${out.cluster?.status ?? 'unknown'})`,
      );
    }
    return { server, caData };
  };

  return {
    async accessFor(cluster: EksCluster): Promise<ServerKubeAccess> {
      const key = `${cluster.region}/${cluster.name}`;
      const cached = accesses.get(key);
      const age = cached ? now().getTime() - cached.issuedAt : Infinity;
      if (cached && age >= 0 && age < TOKEN_REFRESH_MS) return cached.access;

      let endpoint = endpoints.get(key);
      if (!endpoint) {
        endpoint = describe(cluster);
        endpoints.set(key, endpoint);
        // A failed lookup is not cached: the next call asks EKS again.
        endpoint.catch(() => endpoints.delete(key));
      }
      const { server, caData } = await endpoint;
      const issuedAt = now();
      const token = await eksBearerToken({
        clusterName: cluster.name,
        region: cluster.region,
        credentials,
        signingDate: issuedAt,
      });
      const access = serverAccess({ name: cluster.name, server, caData, token });
      accesses.set(key, { access, issuedAt: issuedAt.getTime() });
      return access;
    },
  };
}

interface ClusterEndpoint {
  server: string;
  caData: string;
}

// The China regions' endpoints live under their own DNS suffix.
const dnsSuffix = (region: string) => (region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com');

// SigV4 canonical encoding: encodeURIComponent leaves !'()* alone.
const rfc3986 = (value: string) =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
