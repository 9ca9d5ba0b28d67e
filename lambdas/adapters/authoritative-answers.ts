// DnsAnswersPort over DNS itself: what a hosted zone's authoritative name servers answer, asked
// with node:dns (c-ares). After a data-plane flip Route 53's API may be down, so the zone's
// servers are found through DNS too: the record name's labels are walked up, asking NS, until
// a name has some (the zone's apex); those names are resolved to addresses; then every server is
// asked for the record's own type, each on its own: while a change propagates, servers answer
// differently, and the answer is what any of them says (so a flip shows only once all agree).
// The servers are kept per zone, the answers never.
import { BADNAME, NODATA, NOTFOUND, promises as dns } from 'node:dns';
import { BadInputError, DnsChangeFailedError, TransientError } from '../errors.js';
import type { DnsAnswersPort } from '../ports/dns-answers.js';
import type { DnsRecordRef } from '../ports/dns.js';

export interface AuthoritativeAnswersOptions {
  /**
   * The resolvers asked for the zone's name servers and their addresses (`ip` or `ip:port`):
   * the system's by default.
   */
  bootstrapServers?: string[];
  /**
   * How long c-ares gives one server to answer, in milliseconds. Each server is asked once, the
   * next when it does not answer, so a call that no server answers takes about this times the
   * number of servers. c-ares 1.34 waits at least about 300 ms, and up to twice a timeout shorter
   * than half a second.
   */
  timeoutMs?: number;
  /** The port the zone's servers are asked on: 53, except for a stand-in on an ephemeral port. */
  serverPort?: number;
}

type RecordRef = Omit<DnsRecordRef, 'hostedZoneId'>;

// Route 53's servers answer in milliseconds; the step asks again about every half second.
const DEFAULT_TIMEOUT_MS = 1_000;
const DNS_PORT = 53;

/** The query that asks for the record's own type: for a CNAME, not A, whose answer would chase it. */
const QUERIES: Record<RecordRef['type'], (resolver: dns.Resolver, name: string) => Promise<string[]>> = {
  CNAME: (resolver, name) => resolver.resolveCname(name),
  A: (resolver, name) => resolver.resolve4(name),
  AAAA: (resolver, name) => resolver.resolve6(name),
};

interface Zone {
  apex: string;
  /** One resolver per server address: c-ares would ask the next only when one fails. */
  servers: dns.Resolver[];
}

const normalise = (name: string) => name.replace(/\.$/, '').toLowerCase();

export function createAuthoritativeAnswers(options: AuthoritativeAnswersOptions = {}): DnsAnswersPort {
  // tries 1: another server, then the step's next call, is the retry.
  const resolverOptions = { timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, tries: 1 };
  const bootstrap = new dns.Resolver(resolverOptions);
  if (options.bootstrapServers) bootstrap.setServers(options.bootstrapServers);
  const port = options.serverPort ?? DNS_PORT;
  const zonesByApex = new Map<string, Zone>();
  const zonesByName = new Map<string, Zone>();

  /** The deepest name at or above the record's that has NS records, and those records. */
  const findApex = async (ref: RecordRef): Promise<{ apex: string; nameServers: string[] }> => {
    const labels = normalise(ref.name).split('.');
    // A CNAME is never a zone's apex (RFC 1034 §3.6.2: no other data beside it, and an apex
    // holds SOA and NS), and asked NS there, a resolver chases the CNAME and node returns the
    // NS of the target's zone, which would be the wrong zone's servers: start at its parent.
    // The walk stops above the top-level domain, whose registry's servers refer, never answer.
    for (let i = ref.type === 'CNAME' ? 1 : 0; i < labels.length - 1; i++) {
      const name = labels.slice(i).join('.');
      const nameServers = await answered(`DNS NS ${name}`, bootstrap.getServers(), () =>
        bootstrap.resolveNs(name),
      );
      if (nameServers.length > 0) return { apex: name, nameServers };
    }
    throw new DnsChangeFailedError(
      `DNS NS: no zone above ${ref.name} has name servers (asked ${bootstrap.getServers().join(', ')})`,
    );
  };

  /** A resolver on the zone's servers' IPv4 addresses (Lambda functions have no IPv6 route by default). */
  const zoneServers = async (apex: string, nameServers: string[]): Promise<Zone> => {
    const addresses = await Promise.allSettled(
      nameServers.map((ns) => answered(`DNS A ${ns}`, bootstrap.getServers(), () => bootstrap.resolve4(ns))),
    );
    const found = [...new Set(addresses.flatMap((a) => (a.status === 'fulfilled' ? a.value : [])))];
    if (found.length === 0) {
      const why = addresses.map((a, i) =>
        a.status === 'rejected' ? (a.reason as Error).message : `${nameServers[i]}: no address`,
      );
      throw new TransientError(`the name servers of ${apex} have no address: ${why.join('; ')}`);
    }
    const servers = found.map((address) => {
      const server = new dns.Resolver(resolverOptions);
      server.setServers([`${address}:${port}`]);
      return server;
    });
    return { apex, servers };
  };

  const zoneOf = async (ref: RecordRef): Promise<Zone> => {
    const name = normalise(ref.name);
    const known = zonesByName.get(name);
    if (known) return known;
    const { apex, nameServers } = await findApex(ref);
    const zone = zonesByApex.get(apex) ?? (await zoneServers(apex, nameServers));
    zonesByApex.set(apex, zone);
    zonesByName.set(name, zone);
    return zone;
  };

  return {
    async answer(ref: RecordRef): Promise<string[]> {
      const { apex, servers } = await zoneOf(ref);
      const asked = await Promise.allSettled(
        servers.map((server) =>
          answered(`DNS ${ref.type} ${ref.name} asked of the servers of ${apex}`, server.getServers(), () =>
            QUERIES[ref.type](server, ref.name),
          ),
        ),
      );
      const answers = asked.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : []));
      // A server that does not answer serves no resolver either; none answering is Transient.
      if (answers.length === 0) {
        const failures = asked.map((a) => (a as PromiseRejectedResult).reason as Error);
        if (failures.length === 1) throw failures[0]!;
        throw new TransientError(
          `DNS ${ref.type} ${ref.name}: no server of ${apex} answered: ${failures.map((f) => f.message).join('; ')}`,
        );
      }
      // Servers may rotate a record's values between answers; sorted, equal sets compare equal.
      return [...new Set(answers.flat().map(normalise))].sort();
    },
  };
}

/**
 * What the servers answered: [] when they say there is none (NODATA: the name has no record of
 * the type; NXDOMAIN, which node codes ENOTFOUND: no such name). Anything else, a timeout or
 * the refusal or failure of every server asked (c-ares asks the next server when one fails),
 * is Transient.
 */
async function answered(what: string, servers: string[], query: () => Promise<string[]>): Promise<string[]> {
  try {
    return await query();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === NODATA || code === NOTFOUND) return [];
    if (code === BADNAME) throw new BadInputError(`${what}: not a valid DNS name`);
    throw new TransientError(`${what}: ${code} (asked ${servers.join(', ')})`, { code, servers });
  }
}
