// Serves the approval console's handler (the very one API Gateway invokes) on 127.0.0.1 for a
// drill: each request becomes an API Gateway HTTP API (payload 2.0) event. There is no sign-in
// locally, so the server only answers requests that come from this machine's own page or CLI:
// the Host must be the loopback address (no DNS rebinding), and a decision must be a JSON POST
// from no other origin (no cross-site form can make one).
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';

export type ConsoleHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

export interface ConsoleServer {
  /** `http://127.0.0.1:PORT`, without a trailing slash. */
  url: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 64 * 1024;

const context = (): Context => ({
  callbackWaitsForEmptyEventLoop: false,
  functionName: 'approval-console',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:local:000000000000:function:approval-console',
  memoryLimitInMB: '256',
  awsRequestId: randomUUID(),
  logGroupName: '/local/approval-console',
  logStreamName: 'local',
  getRemainingTimeInMillis: () => 30_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});

const readBody = (req: IncomingMessage): Promise<string | undefined> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request body too large'));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length ? Buffer.concat(chunks).toString('utf8') : undefined));
    req.on('error', reject);
  });

const toEvent = (req: IncomingMessage, url: URL, body: string | undefined): APIGatewayProxyEventV2 => {
  const now = new Date();
  const headers = Object.fromEntries(
    Object.entries(req.headers).map(([name, value]) => [
      name,
      Array.isArray(value) ? value.join(',') : (value ?? ''),
    ]),
  );
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(body !== undefined ? { body } : {}),
    isBase64Encoded: false,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: url.host,
      domainPrefix: 'local',
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
  };
};

export const startConsoleServer = async (handler: ConsoleHandler, port = 0): Promise<ConsoleServer> => {
  let origin = '';
  const refuse = (res: ServerResponse, status: number, message: string) =>
    res
      .writeHead(status, { 'content-type': 'application/json; charset=utf-8' })
      .end(JSON.stringify({ error: 'Refused', message }));

  const server = createServer(async (req, res) => {
    try {
      const host = req.headers.host ?? '';
      const { port: ownPort } = server.address() as AddressInfo;
      if (host !== `127.0.0.1:${ownPort}` && host !== `localhost:${ownPort}`)
        return refuse(res, 421, 'this console answers only on its loopback address');
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        if (req.headers.origin !== undefined && req.headers.origin !== `http://${host}`)
          return refuse(res, 403, 'decisions are accepted only from the console itself or the CLI');
        if (!(req.headers['content-type'] ?? '').startsWith('application/json'))
          return refuse(res, 415, 'send the decision as JSON');
      }
      const url = new URL(req.url ?? '/', origin);
      const result = await handler(toEvent(req, url, await readBody(req)), context());
      res
        .writeHead(result.statusCode ?? 200, result.headers as Record<string, string>)
        .end(result.body ?? '');
    } catch (err) {
      if (!res.headersSent) refuse(res, 400, (err as Error).message);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: origin,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // A browser keeps connections open; the drill must still end.
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
};
