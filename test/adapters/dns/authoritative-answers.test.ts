// The adapter against the stand-in authoritative server over real UDP: the zone's servers found
// through DNS, the record's own type asked of them, node's errors mapped to what the step routes on.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createSocket, type Socket } from 'node:dgram';
import { createAuthoritativeAnswers } from '../../../lambdas/adapters/authoritative-answers.js';
import { BadInputError, DnsChangeFailedError, TransientError } from '../../../lambdas/errors.js';
import {
  startAuthoritativeDns,
  type AuthoritativeDns,
  type ServedType,
} from '../../../sim/authoritative-dns.js';

type Records = Map<string, { values: string[]; ttl: number }>;
const key = (name: string, type: ServedType) => `${name} ${type}`;

/** The zone as its servers hold it now; each test sets what it needs. */
const zoneRecords: Records = new Map();
/** What a caching resolver still holds for the same zone: old answers. */
const cachedRecords: Records = new Map();

const startZone = (records: Records, zone = 'orders.example.com') =>
  startAuthoritativeDns({ zone, answer: (name, type) => records.get(key(name, type)) });

/** A UDP socket that reads every query and answers none. */
const startSilent = async (): Promise<Socket> => {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  return socket;
};

const closedPort = async (): Promise<number> => {
  const socket = await startSilent();
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
};

let zoneServer: AuthoritativeDns;
let cachingResolver: AuthoritativeDns;

beforeAll(async () => {
  zoneServer = await startZone(zoneRecords);
  cachingResolver = await startZone(cachedRecords);
});
afterAll(async () => {
  await zoneServer.close();
  await cachingResolver.close();
});
afterEach(() => {
  zoneRecords.clear();
  cachedRecords.clear();
});

/** Discovery through the caching resolver; the zone's servers (127.0.0.1 by their NS names) on the zone server's port. */
const answers = (
  bootstrap: AuthoritativeDns = cachingResolver,
  serverPort = zoneServer.port,
  timeoutMs = 300,
) =>
  createAuthoritativeAnswers({
    bootstrapServers: [`${bootstrap.host}:${bootstrap.port}`],
    serverPort,
    timeoutMs,
  });

describe('createAuthoritativeAnswers', () => {
  it('answers a CNAME with its target, lower case without the final dot, though the target lies outside the zone', async () => {
    zoneRecords.set(key('amqp.orders.example.com', 'CNAME'), {
      values: ['Rabbit.EU-West-1.Example.NET.'],
      ttl: 60,
    });

    await expect(answers().answer({ name: 'amqp.orders.example.com', type: 'CNAME' })).resolves.toEqual([
      'rabbit.eu-west-1.example.net',
    ]);
  });

  it("asks a CNAME record for its CNAME: asked A, the zone would answer the chain, down to the target's address", async () => {
    zoneRecords.set(key('amqp.orders.example.com', 'CNAME'), {
      values: ['node-1.orders.example.com'],
      ttl: 60,
    });
    zoneRecords.set(key('node-1.orders.example.com', 'A'), { values: ['192.0.2.11'], ttl: 60 });

    await expect(answers().answer({ name: 'amqp.orders.example.com', type: 'CNAME' })).resolves.toEqual([
      'node-1.orders.example.com',
    ]);
  });

  it('answers A and AAAA records with their addresses, sorted', async () => {
    zoneRecords.set(key('orders.example.com', 'A'), { values: ['198.51.100.7', '192.0.2.1'], ttl: 60 });
    zoneRecords.set(key('v6.orders.example.com', 'AAAA'), { values: ['2001:DB8:0::1'], ttl: 60 });
    const dns = answers();

    await expect(dns.answer({ name: 'orders.example.com', type: 'A' })).resolves.toEqual([
      '192.0.2.1',
      '198.51.100.7',
    ]);
    await expect(dns.answer({ name: 'v6.orders.example.com', type: 'AAAA' })).resolves.toEqual([
      '2001:db8::1',
    ]);
  });

  it('answers [] for a name without a record of the type (NODATA) and for a name that does not exist (NXDOMAIN)', async () => {
    zoneRecords.set(key('v6.orders.example.com', 'AAAA'), { values: ['2001:db8::1'], ttl: 60 });
    const dns = answers();

    await expect(dns.answer({ name: 'v6.orders.example.com', type: 'A' })).resolves.toEqual([]);
    await expect(dns.answer({ name: 'gone.orders.example.com', type: 'CNAME' })).resolves.toEqual([]);
  });

  it("finds the zone's servers by walking up from a deeper name, past names that do not exist", async () => {
    zoneRecords.set(key('node-1.amqp.orders.example.com', 'A'), { values: ['192.0.2.11'], ttl: 60 });
    cachedRecords.set(key('node-1.amqp.orders.example.com', 'A'), { values: ['192.0.2.11'], ttl: 60 });

    // NS asked of node-1.amqp (NODATA), amqp (NXDOMAIN: nothing there), then the apex.
    await expect(answers().answer({ name: 'node-1.amqp.orders.example.com', type: 'A' })).resolves.toEqual([
      '192.0.2.11',
    ]);
  });

  it("asks the zone's own servers, not the resolver that found them, whose answer may be cached", async () => {
    zoneRecords.set(key('amqp.orders.example.com', 'CNAME'), {
      values: ['rabbit.us-east-1.example.net'],
      ttl: 60,
    });
    cachedRecords.set(key('amqp.orders.example.com', 'CNAME'), {
      values: ['rabbit.eu-west-1.example.net'],
      ttl: 60,
    });

    await expect(answers().answer({ name: 'amqp.orders.example.com', type: 'CNAME' })).resolves.toEqual([
      'rabbit.us-east-1.example.net',
    ]);
  });

  it("sees an answer change between two calls: the zone's servers are kept, its answers are not", async () => {
    const resolver = await startZone(new Map());
    const dns = answers(resolver);
    zoneRecords.set(key('amqp.orders.example.com', 'CNAME'), {
      values: ['rabbit.eu-west-1.example.net'],
      ttl: 60,
    });
    await expect(dns.answer({ name: 'amqp.orders.example.com', type: 'CNAME' })).resolves.toEqual([
      'rabbit.eu-west-1.example.net',
    ]);

    // Without its resolver the adapter can only ask the servers it found before.
    await resolver.close();
    zoneRecords.set(key('amqp.orders.example.com', 'CNAME'), {
      values: ['rabbit.us-east-1.example.net'],
      ttl: 60,
    });
    await expect(dns.answer({ name: 'amqp.orders.example.com', type: 'CNAME' })).resolves.toEqual([
      'rabbit.us-east-1.example.net',
    ]);
  });

  it("asks every server of the zone on its own: while they disagree, the answer holds each one's value", async () => {
    const second: Records = new Map();
    const other = await startAuthoritativeDns({
      zone: 'orders.example.com',
      answer: (name, type) => second.get(key(name, type)),
      host: '127.0.0.2',
      port: zoneServer.port,
    });
    const finder = await startAuthoritativeDns({
      zone: 'orders.example.com',
      answer: () => undefined,
      nameServerAddresses: ['127.0.0.1', '127.0.0.2'],
    });
    try {
      const dns = answers(finder);
      zoneRecords.set(key('amqp.orders.example.com', 'CNAME'), { values: ['new.example.net'], ttl: 60 });
      second.set(key('amqp.orders.example.com', 'CNAME'), { values: ['old.example.net'], ttl: 60 });
      await expect(dns.answer({ name: 'amqp.orders.example.com', type: 'CNAME' })).resolves.toEqual([
        'new.example.net',
        'old.example.net',
      ]);
      second.set(key('amqp.orders.example.com', 'CNAME'), { values: ['new.example.net'], ttl: 60 });
      await expect(dns.answer({ name: 'amqp.orders.example.com', type: 'CNAME' })).resolves.toEqual([
        'new.example.net',
      ]);
    } finally {
      await other.close();
      await finder.close();
    }
  });

  describe('is Transient when no server answers, naming the servers asked', () => {
    it('a zone server that reads queries and answers none: ETIMEOUT within the timeout', async () => {
      const silent = await startSilent();
      try {
        const dns = answers(cachingResolver, silent.address().port, 100);
        const started = Date.now();

        const failed = await dns
          .answer({ name: 'amqp.orders.example.com', type: 'CNAME' })
          .catch((err) => err);

        expect(failed).toBeInstanceOf(TransientError);
        expect(failed.message).toBe(
          `DNS CNAME amqp.orders.example.com asked of the servers of orders.example.com: ETIMEOUT (asked 127.0.0.1:${silent.address().port})`,
        );
        // One server, asked once. c-ares 1.34 waits at least about 300 ms, and up to twice a short
        // timeout; well under the adapter's default timeout (1 s), which would not pass.
        expect(Date.now() - started).toBeLessThan(900);
      } finally {
        silent.close();
      }
    });

    it('a zone server port nobody listens on: ECONNREFUSED', async () => {
      const port = await closedPort();

      const failed = await answers(cachingResolver, port)
        .answer({ name: 'orders.example.com', type: 'A' })
        .catch((err) => err);

      expect(failed).toBeInstanceOf(TransientError);
      expect(failed.message).toMatch(new RegExp(`: ECONNREFUSED \\(asked 127\\.0\\.0\\.1:${port}\\)$`));
    });

    it('a zone server that fails the query: ESERVFAIL', async () => {
      const failing = await startAuthoritativeDns({
        zone: 'orders.example.com',
        answer: () => {
          throw new Error('the zone cannot be read');
        },
      });
      try {
        const failed = await answers(cachingResolver, failing.port)
          .answer({ name: 'orders.example.com', type: 'A' })
          .catch((err) => err);

        expect(failed).toBeInstanceOf(TransientError);
        expect(failed.message).toMatch(/: ESERVFAIL \(asked 127\.0\.0\.1:\d+\)$/);
      } finally {
        await failing.close();
      }
    });

    it("a resolver that does not answer while the zone's servers are sought", async () => {
      const silent = await startSilent();
      try {
        const failed = await createAuthoritativeAnswers({
          bootstrapServers: [`127.0.0.1:${silent.address().port}`],
          timeoutMs: 300,
        })
          .answer({ name: 'amqp.orders.example.com', type: 'CNAME' })
          .catch((err) => err);

        expect(failed).toBeInstanceOf(TransientError);
        // The walk starts at a CNAME's parent: asked NS, a resolver would chase the CNAME.
        expect(failed.message).toBe(
          `DNS NS orders.example.com: ETIMEOUT (asked 127.0.0.1:${silent.address().port})`,
        );
      } finally {
        silent.close();
      }
    });
  });

  it('is DnsChangeFailed when no name above the record but its top-level domain has name servers', async () => {
    const tld = await startZone(new Map(), 'net');
    try {
      const failed = await answers(tld)
        .answer({ name: 'orders.example.net', type: 'A' })
        .catch((err) => err);

      expect(failed).toBeInstanceOf(DnsChangeFailedError);
      expect(failed.message).toMatch(/^DNS NS: no zone above orders\.example\.net has name servers/);
    } finally {
      await tld.close();
    }
  });

  it('is BadInput for a name DNS cannot carry', async () => {
    await expect(
      answers().answer({ name: 'amqp..orders.example.com', type: 'CNAME' }),
    ).rejects.toBeInstanceOf(BadInputError);
  });
});
