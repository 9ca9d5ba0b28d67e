// The drill's stand-in for a Route 53 hosted zone: records, change ids, PENDING -> INSYNC after
// a delay like Route 53 propagating a change, and the scenario's DNS faults with the errors the
// Route 53 adapter raises for them (5xx and timeouts are Transient; a conflicting change is
// PriorRequestNotComplete, also retried).
import { DnsChangeFailedError, TransientError } from '../lambdas/errors.js';
import type { DnsPort, DnsRecordRef, DnsRecordValue } from '../lambdas/ports/dns.js';
import type { FaultInjector } from './faults.js';
import type { DnsFault } from './scenario.js';

export interface LocalDnsZone extends DnsPort {
  /** What the zone holds now, by `zone/name/type`, for tests and the drill summary. */
  records(): Map<string, DnsRecordValue>;
}

const keyOf = (ref: DnsRecordRef) => `${ref.hostedZoneId}/${ref.name.replace(/\.$/, '').toLowerCase()}/${ref.type}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** How long a `timeout` fault holds the call: longer than any caller waits in a drill. */
const TIMEOUT_MS = 2_000;

const faultError = async (fault: DnsFault, what: string) => {
  if (fault.status === 'timeout') {
    await sleep(TIMEOUT_MS);
    return new TransientError(`Route 53 ${what}: request timed out`);
  }
  if (fault.status === 400) return new DnsChangeFailedError(`Route 53 ${what}: InvalidChangeBatch: the change was rejected`);
  if (fault.status === 'conflict') return new TransientError(`Route 53 ${what}: PriorRequestNotComplete: the request was rejected because Route 53 was still processing a prior request`);
  return new TransientError(`Route 53 ${what}: ${fault.status} InternalFailure`);
};

export const createLocalDnsZone = (options: {
  hostedZoneId: string;
  initial: Array<DnsRecordRef & DnsRecordValue>;
  syncMs: number;
  faults?: FaultInjector;
}): LocalDnsZone => {
  const records = new Map<string, DnsRecordValue>(options.initial.map((r) => [keyOf(r), { values: [...r.values], ttl: r.ttl }]));
  const changes = new Map<string, number>();
  let nextChange = 1;

  /** Runs `act` under the scenario's fault for `operation`: before it fails, or after it when `afterEffect`. */
  const withFault = async <T>(operation: DnsFault['operation'], what: string, act: () => Promise<T>): Promise<T> => {
    const fault = options.faults?.takeDns(operation);
    if (!fault) return act();
    if (fault.afterEffect) await act();
    throw await faultError(fault, what);
  };

  return {
    records: () => new Map(records),
    getRecord: (ref) =>
      withFault('get', `ListResourceRecordSets ${ref.name}`, async () => {
        const value = records.get(keyOf(ref));
        return value && { values: [...value.values], ttl: value.ttl };
      }),
    upsertRecord: (ref, value) =>
      withFault('upsert', `ChangeResourceRecordSets ${ref.name}`, async () => {
        if (ref.hostedZoneId !== options.hostedZoneId) throw new DnsChangeFailedError(`NoSuchHostedZone: no hosted zone ${ref.hostedZoneId} in the local zone`);
        records.set(keyOf(ref), { values: [...value.values], ttl: value.ttl });
        const id = `/change/LOCAL${String(nextChange++).padStart(6, '0')}`;
        changes.set(id, Date.now() + options.syncMs);
        return id;
      }),
    waitForChange: (changeId, timeoutMs) =>
      withFault('wait', `GetChange ${changeId}`, async () => {
        const insyncAt = changes.get(changeId);
        if (insyncAt === undefined) throw new DnsChangeFailedError(`NoSuchChange: ${changeId}`);
        const wait = insyncAt - Date.now();
        if (wait > timeoutMs) {
          await sleep(timeoutMs);
          throw new TransientError(`change ${changeId} not INSYNC after ${timeoutMs} ms`);
        }
        if (wait > 0) await sleep(wait);
      }),
  };
};
