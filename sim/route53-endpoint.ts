// Route 53's HTTP API (REST XML, 2013-04-01) in front of the simulated hosted zone, so a real
// Route53Client — the break-glass path's `failover check` and `failover run` — can be pointed at
// the simulated environment (`AWS_ENDPOINT_URL_ROUTE_53`). It serves the three calls the
// orchestrator makes: ListResourceRecordSets, ChangeResourceRecordSets (UPSERT batches, and the
// access check's DELETE of a value the record does not hold) and GetChange. Every answer comes
// from the zone (sim/local-dns-zone.ts), so batches are judged whole as Route 53 judges them, a
// change is PENDING until the zone's sync delay has passed, and the scenario's DNS faults apply.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DnsAccessDeniedError, DnsChangeFailedError, TransientError } from '../lambdas/errors.js';
import type { DnsRecordRef, DnsRecordSet } from '../lambdas/ports/dns.js';
import type { LocalDnsZone } from './local-dns-zone.js';
import { fqdn } from './route53-zone-records.js';

const API = '/2013-04-01';
const XMLNS = 'https://route53.amazonaws.com/doc/2013-04-01/';
const TYPES = new Set<DnsRecordRef['type']>(['A', 'AAAA', 'CNAME']);
/** Route 53 refuses a ChangeBatch larger than this; the stand-in refuses bigger bodies outright. */
const MAX_BODY_BYTES = 32_000;

export interface Route53Endpoint {
  /** `http://127.0.0.1:PORT`: the value for AWS_ENDPOINT_URL_ROUTE_53. */
  url: string;
  close(): Promise<void>;
}

/** An answer Route 53 would give as an error: its HTTP status, code and message. */
class Route53Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly messages: string[] = [],
  ) {
    super(message);
  }
}

const escapeXml = (text: string) =>
  text.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!,
  );
const unescapeXml = (text: string) =>
  text.replace(
    /&(lt|gt|amp|apos|quot);/g,
    (_, e: string) => ({ lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' })[e]!,
  );

/** The text of every `<tag>` directly in `xml`, in order (the request's elements do not nest in themselves). */
const elements = (xml: string, tag: string): string[] =>
  [...xml.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => m[1]!);
const element = (xml: string, tag: string): string | undefined => {
  const found = elements(xml, tag);
  return found[0] === undefined ? undefined : unescapeXml(found[0]);
};

interface Change {
  action: string;
  record: DnsRecordSet;
}

/** A ChangeResourceRecordSetsRequest body, refused as Route 53 refuses a malformed one (InvalidInput). */
const parseChanges = (body: string): Change[] => {
  const invalid = (why: string) => new Route53Error(400, 'InvalidInput', why);
  const changes = elements(body, 'Change');
  if (changes.length === 0) throw invalid('The request contains no changes');
  return changes.map((change) => {
    if (change.includes('<AliasTarget>'))
      throw invalid('alias records are not served by the simulated Route 53 (the orchestrator writes none)');
    const action = element(change, 'Action') ?? '';
    const name = element(change, 'Name');
    const type = element(change, 'Type') as DnsRecordRef['type'] | undefined;
    const ttl = Number(element(change, 'TTL'));
    if (!['UPSERT', 'DELETE', 'CREATE'].includes(action)) throw invalid(`Invalid action: ${action}`);
    if (name === undefined || type === undefined || !TYPES.has(type) || !Number.isInteger(ttl))
      throw invalid('Each change needs a Name, an A, AAAA or CNAME Type and a TTL');
    const values = elements(change, 'Value').map(unescapeXml);
    return { action, record: { name, type, ttl, values } };
  });
};

/** The zone's errors as Route 53 sends them. */
const asRoute53Error = (err: unknown): Route53Error => {
  if (err instanceof Route53Error) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof DnsAccessDeniedError) return new Route53Error(403, 'AccessDenied', message);
  if (err instanceof TransientError)
    return /PriorRequestNotComplete/.test(message)
      ? new Route53Error(400, 'PriorRequestNotComplete', message)
      : new Route53Error(503, 'ServiceUnavailable', message);
  if (err instanceof DnsChangeFailedError) {
    const batch = /InvalidChangeBatch: \[(.*)\]$/.exec(message);
    if (batch) return new Route53Error(400, 'InvalidChangeBatch', batch[1]!, batch[1]!.split(', '));
    if (/NoSuchHostedZone/.test(message)) return new Route53Error(404, 'NoSuchHostedZone', message);
    if (/NoSuchChange/.test(message)) return new Route53Error(404, 'NoSuchChange', message);
    return new Route53Error(400, 'InvalidInput', message);
  }
  return new Route53Error(500, 'InternalFailure', message);
};

const changeInfo = (id: string, status: 'PENDING' | 'INSYNC') =>
  `<ChangeInfo><Id>${escapeXml(id)}</Id><Status>${status}</Status><SubmittedAt>${new Date().toISOString()}</SubmittedAt></ChangeInfo>`;

const recordXml = (r: DnsRecordSet) =>
  `<ResourceRecordSet><Name>${escapeXml(fqdn(r.name))}</Name><Type>${r.type}</Type><TTL>${r.ttl}</TTL><ResourceRecords>${r.values
    .map((v) => `<ResourceRecord><Value>${escapeXml(v)}</Value></ResourceRecord>`)
    .join('')}</ResourceRecords></ResourceRecordSet>`;

/** Route 53 lists a zone by name with its labels reversed (`com.example.orders`), then by type. */
const listOrder = (name: string, type: string) =>
  `${fqdn(name).slice(0, -1).split('.').reverse().join('.')} ${type}`;

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > MAX_BODY_BYTES) {
        reject(new Route53Error(400, 'InvalidInput', `the request body exceeds ${MAX_BODY_BYTES} bytes`));
        req.destroy();
      }
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });

export const startRoute53Endpoint = async (options: {
  zone: LocalDnsZone;
  hostedZoneId: string;
  port?: number;
}): Promise<Route53Endpoint> => {
  const { zone, hostedZoneId } = options;
  const zonePath = `${API}/hostedzone/${hostedZoneId}/rrset`;

  const listRecords = async (url: URL) => {
    const name = url.searchParams.get('name');
    const type = url.searchParams.get('type') ?? '';
    const max = Number(url.searchParams.get('maxitems') ?? '300');
    // A read of one record goes through the zone's own read, so the scenario's `get` faults apply.
    if (name !== null && TYPES.has(type as DnsRecordRef['type']))
      await zone.getRecord({ hostedZoneId, name, type: type as DnsRecordRef['type'] });
    const all = [...zone.records()].map(([key, value]) => {
      const [, recordName, recordType] = key.split('/');
      return { name: recordName!, type: recordType as DnsRecordRef['type'], ...value };
    });
    const start = name === null ? '' : listOrder(name, type);
    const from = all
      .map((r) => ({ r, key: listOrder(r.name, r.type) }))
      .filter(({ key }) => key >= start)
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const page = from.slice(0, max);
    const next = from[max]?.r;
    return `<ListResourceRecordSetsResponse xmlns="${XMLNS}"><ResourceRecordSets>${page
      .map(({ r }) => recordXml(r))
      .join('')}</ResourceRecordSets><IsTruncated>${next !== undefined}</IsTruncated>${
      next
        ? `<NextRecordName>${escapeXml(fqdn(next.name))}</NextRecordName><NextRecordType>${next.type}</NextRecordType>`
        : ''
    }<MaxItems>${max}</MaxItems></ListResourceRecordSetsResponse>`;
  };

  const changeRecords = async (body: string) => {
    const changes = parseChanges(body);
    const upserts = changes.filter((c) => c.action === 'UPSERT');
    if (upserts.length === changes.length) {
      const id = await zone.upsertRecords(
        hostedZoneId,
        upserts.map((c) => c.record),
        'via the Route 53 API',
      );
      return `<ChangeResourceRecordSetsResponse xmlns="${XMLNS}">${changeInfo(id, 'PENDING')}</ChangeResourceRecordSetsResponse>`;
    }
    // The access check: one DELETE of a value the record does not hold, which Route 53 refuses
    // after authorizing it. The zone answers it (its faults decide AccessDenied) with the message
    // Route 53 gives. The orchestrator never deletes a record or mixes actions, so the stand-in
    // refuses anything else rather than model it.
    const [only] = changes;
    if (changes.length === 1 && only!.action === 'DELETE') {
      const current = await zone.getRecord({ hostedZoneId, ...only!.record });
      const matches =
        current !== undefined &&
        current.ttl === only!.record.ttl &&
        [...current.values].sort().join() === [...only!.record.values].sort().join();
      if (!matches) {
        const access = await zone.checkChangeAccess({ hostedZoneId, ...only!.record }, current);
        if (!access.allowed) throw new Route53Error(403, 'AccessDenied', access.answer);
        const message = /^InvalidChangeBatch: \[(.*)\]$/.exec(access.answer)?.[1] ?? access.answer;
        throw new Route53Error(400, 'InvalidChangeBatch', message, [message]);
      }
    }
    throw new Route53Error(
      400,
      'InvalidInput',
      'the simulated Route 53 applies UPSERT batches and answers the access check; it deletes and creates nothing',
    );
  };

  const getChange = async (id: string) =>
    `<GetChangeResponse xmlns="${XMLNS}">${changeInfo(id, await zone.changeStatus(id))}</GetChangeResponse>`;

  const route = async (req: IncomingMessage): Promise<string> => {
    const url = new URL(req.url ?? '/', 'http://route53.local');
    const path = url.pathname.replace(/\/$/, '');
    if (path === zonePath && req.method === 'GET') return listRecords(url);
    if (path === zonePath && req.method === 'POST') return changeRecords(await readBody(req));
    const change = /^\/2013-04-01\/change\/(.+)$/.exec(path);
    if (change && req.method === 'GET') return getChange(`/change/${decodeURIComponent(change[1]!)}`);
    if (/^\/2013-04-01\/hostedzone\/[^/]+\/rrset$/.test(path))
      throw new Route53Error(404, 'NoSuchHostedZone', `No hosted zone found with ID: ${path.split('/')[3]}`);
    throw new Route53Error(
      400,
      'InvalidAction',
      `${req.method} ${path} is not served by the simulated Route 53 (it serves ListResourceRecordSets, ChangeResourceRecordSets and GetChange)`,
    );
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    let status = 200;
    let xml: string;
    try {
      xml = await route(req);
    } catch (caught) {
      const err = asRoute53Error(caught);
      status = err.status;
      const messages = err.messages.map((m) => `<Message>${escapeXml(m)}</Message>`).join('');
      xml = `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${status < 500 ? 'Sender' : 'Receiver'}</Type><Code>${err.code}</Code><Message>${escapeXml(err.message)}</Message>${messages ? `<Messages>${messages}</Messages>` : ''}</Error><RequestId>simulated</RequestId></ErrorResponse>`;
    }
    res.writeHead(status, { 'content-type': 'text/xml' });
    res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${xml}`);
  };

  const server: Server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
