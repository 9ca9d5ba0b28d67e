// A hosted zone's authoritative name server over UDP (RFC 1035 wire format), for tests and the
// drill: after a data-plane flip the orchestrator asks the zone's own servers what resolvers will
// get (lambdas/adapters/authoritative-answers.ts), and this is who answers locally. It serves
// the zone's A, AAAA and CNAME records from a callback, and the NS records of the apex itself
// (`ns1.<zone>`, `ns2.<zone>`, whose A records are 127.0.0.1), so the adapter can find the
// servers by asking DNS as it does in AWS. Answers are authoritative (AA) and follow RFC 1034
// §4.3.2: a CNAME answers every other type asked of its name and is chased within the zone.
// Not served: TCP (an answer too large for UDP is truncated, TC), SOA records in negative
// answers, wildcards, and empty non-terminals (a name exists only if the callback gives it a
// record, so a name with only deeper names below it is NXDOMAIN).
import { createSocket } from 'node:dgram';
import { isIPv4, isIPv6 } from 'node:net';

/** The record types the callback serves; NS at the apex and the name servers' A are the stand-in's own. */
export type ServedType = 'A' | 'AAAA' | 'CNAME';

export interface AuthoritativeDnsOptions {
  /** The zone's apex, e.g. `orders.example.com`. */
  zone: string;
  /**
   * What the zone holds now for a name (lower case, no final dot) and type, or undefined when it
   * holds none. Asked on every query, so a test changes an answer by changing what this returns;
   * a throw answers SERVFAIL.
   */
  answer: (name: string, type: ServedType) => { values: string[]; ttl: number } | undefined;
  /** Where it listens: 127.0.0.1 on any free port by default (another 127.x address may share a port). */
  host?: string;
  port?: number;
  /** The addresses `ns1.<zone>` and `ns2.<zone>` answer, in turn: 127.0.0.1 for both by default. */
  nameServerAddresses?: string[];
}

export interface AuthoritativeDns {
  host: string;
  port: number;
  close(): Promise<void>;
}

const TYPE = { A: 1, NS: 2, CNAME: 5, AAAA: 28 } as const;
const SERVED: Partial<Record<number, ServedType>> = {
  [TYPE.A]: 'A',
  [TYPE.AAAA]: 'AAAA',
  [TYPE.CNAME]: 'CNAME',
};
const CLASS_IN = 1;
const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
const HEADER_BYTES = 12;
/** The largest UDP answer a client without EDNS accepts (RFC 1035 §4.2.1). */
const MAX_UDP_BYTES = 512;
/** A CNAME chain longer than this within one zone is a loop. */
const MAX_CHAIN = 8;
const NS_TTL = 172_800;
const NAME_SERVER_NAMES = ['ns1', 'ns2'];

interface ResourceRecord {
  name: string;
  type: number;
  ttl: number;
  value: string;
}

const normalise = (name: string) => name.replace(/\.$/, '').toLowerCase();

/** A name as labels, each preceded by its length, ending with the root's empty label; letter case is kept, as DNS keeps it. */
const encodeName = (name: string): Buffer =>
  Buffer.concat([
    ...name
      .split('.')
      .filter(Boolean)
      .map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label, 'ascii')])),
    Buffer.from([0]),
  ]);

const ipv4Bytes = (address: string) => Buffer.from(address.split('.').map(Number));

/** The 16 bytes of an IPv6 address: `::` stands for the zero groups the text leaves out. */
const ipv6Bytes = (address: string): Buffer => {
  const groups = (part: string) =>
    part
      .split(':')
      .filter(Boolean)
      .flatMap((group) => {
        if (!isIPv4(group)) return [parseInt(group, 16)];
        const [a, b, c, d] = ipv4Bytes(group);
        return [(a! << 8) | b!, (c! << 8) | d!];
      });
  const [head = '', tail] = address.split('::');
  const before = groups(head);
  const after = tail === undefined ? [] : groups(tail);
  const all = [...before, ...Array<number>(8 - before.length - after.length).fill(0), ...after];
  const bytes = Buffer.alloc(16);
  all.forEach((group, i) => bytes.writeUInt16BE(group, i * 2));
  return bytes;
};

const rdata = (record: ResourceRecord): Buffer => {
  if (record.type === TYPE.A) {
    if (!isIPv4(record.value)) throw new Error(`${record.name} A ${record.value} is not an IPv4 address`);
    return ipv4Bytes(record.value);
  }
  if (record.type === TYPE.AAAA) {
    if (!isIPv6(record.value)) throw new Error(`${record.name} AAAA ${record.value} is not an IPv6 address`);
    return ipv6Bytes(record.value);
  }
  return encodeName(record.value);
};

const encodeRecord = (record: ResourceRecord): Buffer => {
  const data = rdata(record);
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(record.type, 0);
  fixed.writeUInt16BE(CLASS_IN, 2);
  fixed.writeUInt32BE(record.ttl, 4);
  fixed.writeUInt16BE(data.length, 8);
  return Buffer.concat([encodeName(record.name), fixed, data]);
};

interface Question {
  name: string;
  type: number;
  klass: number;
  /** The question as the client sent it, echoed byte for byte (its letter case included). */
  raw: Buffer;
}

/** The one question of a query, or undefined when it is malformed (queries are not compressed). */
const parseQuestion = (query: Buffer): Question | undefined => {
  const labels: string[] = [];
  let at = HEADER_BYTES;
  for (;;) {
    const length = query[at];
    if (length === undefined || length > 63) return undefined;
    at += 1;
    if (length === 0) break;
    if (at + length > query.length) return undefined;
    labels.push(query.toString('ascii', at, at + length));
    at += length;
  }
  if (at + 4 > query.length) return undefined;
  return {
    name: normalise(labels.join('.')),
    type: query.readUInt16BE(at),
    klass: query.readUInt16BE(at + 2),
    raw: query.subarray(HEADER_BYTES, at + 4),
  };
};

const response = (query: Buffer, rcode: number, question?: Question, answers: Buffer[] = []): Buffer => {
  const asked = question?.raw ?? Buffer.alloc(0);
  // Too large for UDP: the client is told to ask again over TCP (RFC 2181 §9), which this does not serve.
  const truncated = HEADER_BYTES + asked.length + Buffer.concat(answers).length > MAX_UDP_BYTES;
  const flags = query.readUInt16BE(2);
  const header = Buffer.alloc(HEADER_BYTES);
  query.copy(header, 0, 0, 2); // the query's id
  header.writeUInt16BE(
    0x8000 | // a response
      (flags & 0x7800) | // the query's opcode
      (rcode === RCODE.NOERROR || rcode === RCODE.NXDOMAIN ? 0x0400 : 0) | // authoritative
      (truncated ? 0x0200 : 0) |
      (flags & 0x0100) | // recursion desired, as asked (recursion available stays 0)
      rcode,
    2,
  );
  header.writeUInt16BE(question ? 1 : 0, 4);
  header.writeUInt16BE(truncated ? 0 : answers.length, 6);
  return Buffer.concat([header, asked, ...(truncated ? [] : answers)]);
};

export const startAuthoritativeDns = async (options: AuthoritativeDnsOptions): Promise<AuthoritativeDns> => {
  const zone = normalise(options.zone);
  const nameServers = NAME_SERVER_NAMES.map((ns) => `${ns}.${zone}`);
  const inZone = (name: string) => name === zone || name.endsWith(`.${zone}`);

  const records = (name: string, type: number): ResourceRecord[] => {
    if (type === TYPE.NS)
      return name === zone ? nameServers.map((value) => ({ name, type, ttl: NS_TTL, value })) : [];
    if (nameServers.includes(name)) {
      const addresses = options.nameServerAddresses ?? ['127.0.0.1'];
      const value = addresses[nameServers.indexOf(name) % addresses.length]!;
      return type === TYPE.A ? [{ name, type, ttl: NS_TTL, value }] : [];
    }
    const served = SERVED[type];
    const found = served === undefined ? undefined : options.answer(name, served);
    return found ? found.values.map((value) => ({ name, type, ttl: found.ttl, value })) : [];
  };
  const exists = (name: string) =>
    name === zone || [TYPE.A, TYPE.AAAA, TYPE.CNAME].some((type) => records(name, type).length > 0);

  /** The answer section and response code for a question about a name in the zone. */
  const lookup = (question: Question): { rcode: number; answers: ResourceRecord[] } => {
    const answers: ResourceRecord[] = [];
    let name = question.name;
    for (let hop = 0; hop < MAX_CHAIN; hop++) {
      const alias = question.type === TYPE.CNAME ? undefined : records(name, TYPE.CNAME)[0];
      if (alias === undefined) {
        const own = records(name, question.type);
        answers.push(...own);
        // After a CNAME the response code is the chain's last name's (RFC 6604).
        return { rcode: own.length === 0 && !exists(name) ? RCODE.NXDOMAIN : RCODE.NOERROR, answers };
      }
      answers.push(alias);
      name = normalise(alias.value);
      if (!inZone(name)) break; // a resolver chases it elsewhere
    }
    return { rcode: RCODE.NOERROR, answers };
  };

  const answer = (query: Buffer): Buffer | undefined => {
    if (query.length < HEADER_BYTES || query.readUInt16BE(2) & 0x8000) return undefined; // not a query
    if ((query.readUInt16BE(2) & 0x7800) !== 0) return response(query, RCODE.NOTIMP);
    const question = query.readUInt16BE(4) === 1 ? parseQuestion(query) : undefined;
    if (question === undefined) return response(query, RCODE.FORMERR);
    if (question.klass !== CLASS_IN || !inZone(question.name))
      return response(query, RCODE.REFUSED, question);
    try {
      const { rcode, answers } = lookup(question);
      return response(query, rcode, question, answers.map(encodeRecord));
    } catch {
      return response(query, RCODE.SERVFAIL, question);
    }
  };

  const socket = createSocket('udp4');
  socket.on('message', (query, from) => {
    const reply = answer(query);
    if (reply) socket.send(reply, from.port, from.address);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = socket.address();
  return {
    host: address,
    port,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
};
