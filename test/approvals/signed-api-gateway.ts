// API Gateway's IAM authorization in front of the console's handler, on 127.0.0.1: it verifies a
// request's SigV4 signature with the signer's secret the way AWS does (the same canonical request,
// recomputed; a wrong key, a changed body or a stale date is refused with API Gateway's 403), asks
// an IAM policy whether the signer may invoke the route, and only then hands the handler a payload
// 2.0 event whose authorizer context names the signer's ARN.
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConsoleHandler } from '../../local/console-server.js';

export interface Signer {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** What STS would say the credentials are, e.g. an assumed-role session. */
  arn: string;
}

export interface SignedApiGateway {
  url: string;
  /** Every request that reached the handler, with the ARN API Gateway verified. */
  invoked: Array<{ method: string; path: string; arn: string }>;
  close(): Promise<void>;
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([\w-]+)\/execute-api\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;
const MAX_SKEW_MS = 5 * 60_000;

const amzDate = (text: string) =>
  new Date(
    `${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6, 8)}T${text.slice(9, 11)}:${text.slice(11, 13)}:${text.slice(13, 15)}Z`,
  );

export const startSignedApiGateway = async (options: {
  handler: ConsoleHandler;
  region: string;
  signers: Signer[];
  /** The IAM decision: may this principal invoke `METHOD /path` (execute-api:Invoke)? */
  mayInvoke(arn: string, method: string, path: string): boolean;
}): Promise<SignedApiGateway> => {
  const invoked: SignedApiGateway['invoked'] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const refuse = (status: number, message: string) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ message }));
      const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
      const auth = AUTHORIZATION.exec(String(req.headers.authorization ?? ''));
      if (!auth) return refuse(403, 'Missing Authentication Token');
      const [, keyId, , region, signedHeaders, signature] = auth;
      const signer = options.signers.find((s) => s.accessKeyId === keyId);
      if (!signer) return refuse(403, 'The security token included in the request is invalid.');
      const date = amzDate(String(req.headers['x-amz-date'] ?? ''));
      if (Number.isNaN(date.getTime()) || Math.abs(Date.now() - date.getTime()) > MAX_SKEW_MS)
        return refuse(403, 'Signature expired');
      if (signer.sessionToken !== undefined && req.headers['x-amz-security-token'] !== signer.sessionToken)
        return refuse(403, 'The security token included in the request is invalid.');
      const headers = Object.fromEntries(
        signedHeaders!.split(';').map((name) => [name, String(req.headers[name] ?? '')]),
      );
      const expected = await new SignatureV4({
        service: 'execute-api',
        region: region!,
        credentials: signer,
        sha256: Sha256,
      }).sign(
        new HttpRequest({
          method: req.method!,
          protocol: 'http:',
          hostname: url.hostname,
          port: Number(url.port),
          path: url.pathname,
          headers,
          ...(body ? { body } : {}),
        }),
        { signingDate: date },
      );
      const recomputed = /Signature=([0-9a-f]{64})$/.exec(String(expected.headers['authorization']))?.[1];
      if (region !== options.region || recomputed !== signature) {
        return refuse(
          403,
          'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
        );
      }
      if (!options.mayInvoke(signer.arn, req.method!, url.pathname)) {
        return refuse(
          403,
          `User: ${signer.arn} is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:${options.region}:111122223333:local/$default/${req.method}${url.pathname}`,
        );
      }
      invoked.push({ method: req.method!, path: url.pathname, arn: signer.arn });
      const event = {
        version: '2.0',
        routeKey: `${req.method} ${url.pathname}`,
        rawPath: url.pathname,
        rawQueryString: url.search.slice(1),
        headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
        ...(body ? { body } : {}),
        isBase64Encoded: false,
        requestContext: {
          http: {
            method: req.method!,
            path: url.pathname,
            protocol: 'HTTP/1.1',
            sourceIp: '127.0.0.1',
            userAgent: String(req.headers['user-agent'] ?? ''),
          },
          authorizer: {
            iam: {
              accessKey: signer.accessKeyId,
              accountId: signer.arn.split(':')[4],
              callerId: 'AROAEXAMPLE:session',
              cognitoIdentity: null,
              principalOrgId: null,
              userArn: signer.arn,
              userId: 'AROAEXAMPLE',
            },
          },
        },
      } as unknown as APIGatewayProxyEventV2;
      const result = await options.handler(event, {
        getRemainingTimeInMillis: () => 20_000,
        awsRequestId: 'local',
      } as never);
      res
        .writeHead(result.statusCode ?? 200, result.headers as Record<string, string>)
        .end(result.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    invoked,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};
