// The drill's stand-in for a Route 53 hosted zone: records, change ids, and PENDING -> INSYNC
// after a delay, like Route 53 propagating a change to its name servers.
import { DnsChangeFailedError, TransientError } from '../lambdas/errors.js';
import type { DnsPort, DnsRecordRef, DnsRecordValue } from '../lambdas/ports/dns.js';

export interface LocalDnsZone extends DnsPort {
  /** What the zone holds now, for tests and the drill summary. */
  records(): Map<string, DnsRecordValue>;
}

const keyOf = (ref: DnsRecordRef) => `${ref.hostedZoneId}/${ref.name.replace(/\.$/, '').toLowerCase()}/${ref.type}`;

export const createLocalDnsZone = (options: { hostedZoneId: string; initial: Array<DnsRecordRef & DnsRecordValue>; syncMs: number }): LocalDnsZone => {
  const records = new Map<string, DnsRecordValue>(options.initial.map((r) => [keyOf(r), { values: [...r.values], ttl: r.ttl }]));
  const changes = new Map<string, number>();
  let nextChange = 1;
  return {
    records: () => new Map(records),
    getRecord: async (ref) => {
      const value = records.get(keyOf(ref));
      return value && { values: [...value.values], ttl: value.ttl };
    },
    upsertRecord: async (ref, value) => {
      if (ref.hostedZoneId !== options.hostedZoneId) throw new DnsChangeFailedError(`NoSuchHostedZone: no hosted zone ${ref.hostedZoneId} in the local zone`);
      records.set(keyOf(ref), { values: [...value.values], ttl: value.ttl });
      const id = `/change/LOCAL${String(nextChange++).padStart(6, '0')}`;
      changes.set(id, Date.now() + options.syncMs);
      return id;
    },
    waitForChange: async (changeId, timeoutMs) => {
      const insyncAt = changes.get(changeId);
      if (insyncAt === undefined) throw new DnsChangeFailedError(`NoSuchChange: ${changeId}`);
      const wait = insyncAt - Date.now();
      if (wait > timeoutMs) {
        await new Promise((r) => setTimeout(r, timeoutMs));
        throw new TransientError(`change ${changeId} not INSYNC after ${timeoutMs} ms`);
      }
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    },
  };
};
