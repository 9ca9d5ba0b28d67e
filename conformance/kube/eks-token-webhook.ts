// EKS's side of IAM authentication, for a real kube-apiserver (its --authentication-token-webhook):
// a TokenReview webhook that checks the bearer token the Kubernetes worker sends as STS would
// (sim/eks-authenticator.ts: signature, cluster, expiry), takes the principal STS would name for
// the signing key (moto's STS does not route a presigned GetCallerIdentity, so the test says whose
// key it is), and maps that principal to a Kubernetes user and groups through access entries, as
// EKS access entries do.
// A token it refuses is answered `authenticated: false`, which the API server turns into a 401.
import { createServer, type Server } from 'node:http';
import { checkEksToken } from '../../sim/eks-authenticator.js';

export interface AccessEntry {
  /** The IAM principal, as STS names the caller (GetCallerIdentity's Arn). */
  principalArn: string;
  username: string;
  groups: string[];
}

export interface EksTokenWebhook {
  url: string;
  /** Every review so far: the user it authenticated, or why it refused. */
  readonly reviews: Array<{ username: string; groups: string[] } | { refused: string }>;
  stop(): Promise<void>;
}

export const startEksTokenWebhook = async (options: {
  clusterNames: readonly string[];
  secretAccessKeyOf: (accessKeyId: string) => string | undefined;
  /** What STS's GetCallerIdentity answers for the key: the principal's ARN. */
  principalOf: (accessKeyId: string) => string;
  accessEntries: readonly AccessEntry[];
}): Promise<EksTokenWebhook> => {
  const reviews: EksTokenWebhook['reviews'] = [];
  const review = (token: string) => {
    const { accessKeyId, clusterName } = checkEksToken(token, options);
    const arn = options.principalOf(accessKeyId);
    const entry = options.accessEntries.find((e) => e.principalArn === arn);
    if (entry === undefined) throw new Error(`no access entry for ${arn} on cluster ${clusterName}`);
    return { username: entry.username, uid: arn, groups: entry.groups };
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        apiVersion: string;
        spec: { token: string };
      };
      const answer = (status: object) =>
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ apiVersion: body.apiVersion, kind: 'TokenReview', status }));
      try {
        const user = review(body.spec.token);
        reviews.push({ username: user.username, groups: user.groups });
        answer({ authenticated: true, user });
      } catch (err) {
        const refused = err instanceof Error ? err.message : String(err);
        reviews.push({ refused });
        answer({ authenticated: false, error: refused });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/authenticate`,
    reviews,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
};
