import { afterEach, describe, expect, it } from '@jest/globals';
import type { RequestOptions } from 'node:https';
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import { createEksAccessProvider, eksBearerToken } from '../../../lambdas/adapters/eks-access.js';
import { BadInputError, TransientError } from '../../../lambdas/errors.js';
import { checkEksToken, presignedSignature } from '../../../sim/eks-authenticator.js';

const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE/token+with=chars',
};
const signingDate = new Date('2025-03-04T05:06:07Z');

const decode = (token: string) =>
  new URL(Buffer.from(token.slice('k8s-aws-v1.'.length), 'base64url').toString('utf8'));

const expectedSignature = (url: URL, clusterName: string) =>
  presignedSignature(url, clusterName, credentials.secretAccessKey);

describe('eksBearerToken', () => {
  it('is a base64url presigned STS GetCallerIdentity URL bound to the cluster', async () => {
    const token = await eksBearerToken({
      clusterName: 'orders-eu',
      region: 'eu-west-1',
      credentials,
      signingDate,
    });

    expect(token.startsWith('k8s-aws-v1.')).toBe(true);
    expect(token).not.toMatch(/[=+/]/);
    const url = decode(token);
    expect(url.protocol).toBe('https:');
    expect(url.host).toBe('sts.eu-west-1.amazonaws.com');
    expect(url.pathname).toBe('/');
    const q = url.searchParams;
    expect(q.get('Action')).toBe('GetCallerIdentity');
    expect(q.get('Version')).toBe('2011-06-15');
    expect(q.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(q.get('X-Amz-Expires')).toBe('60');
    expect(q.get('X-Amz-Date')).toBe('20250304T050607Z');
    expect(q.get('X-Amz-Credential')).toBe('AKIDEXAMPLE/20250304/eu-west-1/sts/aws4_request');
    expect(q.get('X-Amz-SignedHeaders')).toBe('host;x-k8s-aws-id');
    expect(q.get('X-Amz-Security-Token')).toBe(credentials.sessionToken);
    expect(q.get('X-Amz-Signature')).toBe(expectedSignature(url, 'orders-eu'));
  });

  it('signs a different signature for another cluster with the same credentials and time', async () => {
    const one = decode(
      await eksBearerToken({ clusterName: 'orders-eu', region: 'eu-west-1', credentials, signingDate }),
    );
    const other = decode(
      await eksBearerToken({ clusterName: 'orders-us', region: 'eu-west-1', credentials, signingDate }),
    );

    expect(other.searchParams.get('X-Amz-Signature')).not.toBe(one.searchParams.get('X-Amz-Signature'));
    expect(other.searchParams.get('X-Amz-Signature')).toBe(expectedSignature(other, 'orders-us'));
  });

  it('has no padding whatever the URL length', async () => {
    for (const clusterName of ['a', 'ab', 'abc']) {
      const token = await eksBearerToken({
        clusterName,
        region: 'us-east-1',
        credentials: async () => credentials,
        signingDate,
      });
      expect(token).not.toContain('=');
    }
  });
});

describe("EKS's authenticator stand-in (sim/eks-authenticator.ts)", () => {
  const token = () =>
    eksBearerToken({ clusterName: 'orders-eu', region: 'eu-west-1', credentials, signingDate });
  const secretAccessKeyOf = (id: string) =>
    id === credentials.accessKeyId ? credentials.secretAccessKey : undefined;
  const inTime = new Date(signingDate.getTime() + 30_000);

  it('accepts a token signed for one of its clusters, naming the access key and the cluster', async () => {
    expect(
      checkEksToken(await token(), {
        clusterNames: ['orders-us', 'orders-eu'],
        secretAccessKeyOf,
        now: inTime,
      }),
    ).toEqual({ accessKeyId: credentials.accessKeyId, clusterName: 'orders-eu' });
  });

  it('refuses a token for another cluster, with another secret, expired, or altered', async () => {
    const good = await token();
    const check =
      (t: string, options: Partial<Parameters<typeof checkEksToken>[1]> = {}) =>
      () =>
        checkEksToken(t, { clusterNames: ['orders-eu'], secretAccessKeyOf, now: inTime, ...options });
    expect(check(good, { clusterNames: ['orders-us'] })).toThrow(/SignatureDoesNotMatch/);
    expect(check(good, { secretAccessKeyOf: () => 'another secret' })).toThrow(/SignatureDoesNotMatch/);
    expect(check(good, { secretAccessKeyOf: () => undefined })).toThrow(/InvalidClientTokenId/);
    expect(check(good, { now: new Date(signingDate.getTime() + 61_000) })).toThrow(/ExpiredToken/);
    const url = new URL(Buffer.from(good.slice('k8s-aws-v1.'.length), 'base64url').toString('utf8'));
    url.searchParams.set('X-Amz-Date', '20250304T050608Z');
    expect(check(`k8s-aws-v1.${Buffer.from(url.href).toString('base64url')}`)).toThrow(
      /SignatureDoesNotMatch/,
    );
  });
});

describe('createEksAccessProvider', () => {
  const cluster = { name: 'orders-eu', region: 'eu-west-1' };
  const described = {
    cluster: {
      name: 'orders-eu',
      status: 'ACTIVE' as const,
      endpoint: 'https://ABCDEF0123456789.gr7.eu-west-1.eks.amazonaws.com',
      certificateAuthority: { data: 'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==' },
    },
  };
  const eksMock = mockClient(EKSClient);
  afterEach(() => {
    eksMock.reset();
  });

  function provider(start = signingDate) {
    let now = start;
    const kube = createEksAccessProvider({ credentials: async () => credentials, now: () => now });
    return { kube, advance: (ms: number) => (now = new Date(now.getTime() + ms)) };
  }

  it('builds a kubeconfig from DescribeCluster and a token for that cluster', async () => {
    eksMock.on(DescribeClusterCommand).resolves(described);
    const { kube } = provider();

    const kubeConfig = await kube.accessFor(cluster);

    expect(eksMock.commandCalls(DescribeClusterCommand).map((call) => call.args[0].input)).toEqual([
      { name: 'orders-eu' },
    ]);
    // The request went to the cluster's own region.
    await expect(eksMock.commandCalls(DescribeClusterCommand)[0]!.thisValue.config.region()).resolves.toBe(
      'eu-west-1',
    );
    expect(kubeConfig.getCurrentCluster()).toMatchObject({
      name: 'orders-eu',
      server: 'https://ABCDEF0123456789.gr7.eu-west-1.eks.amazonaws.com',
      caData: 'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==',
      skipTLSVerify: false,
    });
    const token = kubeConfig.getCurrentUser()?.token ?? '';
    expect(token).toBe(
      await eksBearerToken({ clusterName: 'orders-eu', region: 'eu-west-1', credentials, signingDate }),
    );
    // What each request to the cluster carries: its CA and the token.
    const request: RequestOptions = {};
    await kubeConfig.applyToHTTPSOptions(request);
    expect(request.ca).toEqual(Buffer.from(described.cluster.certificateAuthority.data, 'base64'));
    expect(request.headers).toEqual({ Authorization: `Bearer ${token}` });
  });

  it('describes a cluster once per container and renews the token before it is 10 minutes old', async () => {
    eksMock.on(DescribeClusterCommand).resolves(described);
    const { kube, advance } = provider();

    const first = await kube.accessFor(cluster);
    advance(9 * 60 * 1000 + 59 * 1000);
    const second = await kube.accessFor(cluster);
    advance(1000);
    const third = await kube.accessFor(cluster);

    expect(eksMock.commandCalls(DescribeClusterCommand)).toHaveLength(1);
    expect(second.getCurrentUser()?.token).toBe(first.getCurrentUser()?.token);
    expect(third.getCurrentUser()?.token).not.toBe(first.getCurrentUser()?.token);
    expect(decode(third.getCurrentUser()?.token ?? '').searchParams.get('X-Amz-Date')).toBe(
      '20250304T051607Z',
    );
    expect(third.getCurrentCluster()?.server).toBe(described.cluster.endpoint);
  });

  it('shares one DescribeCluster between parallel callers', async () => {
    eksMock.on(DescribeClusterCommand).resolves(described);
    const { kube } = provider();

    await Promise.all([kube.accessFor(cluster), kube.accessFor(cluster), kube.accessFor(cluster)]);

    expect(eksMock.commandCalls(DescribeClusterCommand)).toHaveLength(1);
  });

  it('asks EKS again after a cluster without an endpoint yet', async () => {
    eksMock
      .on(DescribeClusterCommand)
      .resolvesOnce({ cluster: { name: 'orders-eu', status: 'CREATING' } })
      .resolves(described);
    const { kube } = provider();

    await expect(kube.accessFor(cluster)).rejects.toThrow(TransientError);
    await expect(kube.accessFor(cluster)).resolves.toBeDefined();
    expect(eksMock.commandCalls(DescribeClusterCommand)).toHaveLength(2);
  });

  it('names a cluster that does not exist as bad input', async () => {
    eksMock.on(DescribeClusterCommand).rejects(
      Object.assign(new Error('No cluster found for name: orders-eu.'), {
        name: 'ResourceNotFoundException',
        $metadata: { httpStatusCode: 404 },
      }),
    );
    const { kube } = provider();

    const result = kube.accessFor(cluster);

    await expect(result).rejects.toThrow(BadInputError);
    await expect(result).rejects.toThrow(/DescribeCluster orders-eu in eu-west-1: no such cluster/);
  });

  it('refuses a ready EKS client for another region than the cluster', async () => {
    const kube = createEksAccessProvider({
      eksClient: new EKSClient({ region: 'us-east-1' }),
      credentials: async () => credentials,
    });

    await expect(kube.accessFor(cluster)).rejects.toThrow(
      /EKS client is for us-east-1, but the cluster is in eu-west-1/,
    );
    expect(eksMock.commandCalls(DescribeClusterCommand)).toHaveLength(0);
  });

  it('refuses both an EKS client and a client config', () => {
    expect(() => createEksAccessProvider({ eksClient: new EKSClient({}), eksClientConfig: {} })).toThrow(
      /either eksClient or eksClientConfig/,
    );
  });
});
