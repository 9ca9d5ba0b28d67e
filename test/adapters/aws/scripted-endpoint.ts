// An HTTP endpoint on 127.0.0.1 that answers with scripted responses and records what it
// received, so a real SDK client (serializer, retry strategy, error parser) runs end to end.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedResponse {
  status: number;
  body: string;
  contentType?: string;
}

export interface ReceivedRequest {
  method: string;
  path: string;
  body: string;
}

export interface ScriptedEndpoint {
  url: string;
  received: ReceivedRequest[];
  /** Responses are used in order; the last one repeats. */
  script(responses: ScriptedResponse[]): void;
  close(): Promise<void>;
}

export async function startScriptedEndpoint(): Promise<ScriptedEndpoint> {
  let responses: ScriptedResponse[] = [];
  const received: ReceivedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        path: req.url ?? '',
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const response = responses.length > 1 ? responses.shift() : responses[0];
      if (!response) {
        res.writeHead(500).end('no scripted response');
        return;
      }
      res
        .writeHead(response.status, { 'content-type': response.contentType ?? 'text/xml' })
        .end(response.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    script(next) {
      responses = [...next];
      received.length = 0;
    },
    close: () =>
      new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}
