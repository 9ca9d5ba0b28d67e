// The drill's stand-in for a Route 53 hosted zone: records, change ids, PENDING -> INSYNC after
// a delay like Route 53 propagating a change, the access check answered as Route 53 answers it,
// and the scenario's DNS faults with the errors the Route 53 adapter raises for them (5xx and
// timeouts are Transient; a conflicting change is PriorRequestNotComplete, also retried; 403 is
// AccessDenied, never retried).
import { DnsAccessDeniedError, DnsChangeFailedError, TransientError } from '../lambdas/errors.js';
import type { DnsPort, DnsRecordRef, DnsRecordValue } from '../lambdas/ports/dns.js';
import type { FaultInjector } from './faults.js';
import type { DnsFault } from './scenario.js';

export interface LocalDnsZone extends DnsPort {
  /** What the zone holds now, by `zone/name/type`, for tests and the drill summary. */
  records(): Map<string, DnsRecordValue>;
}

type FailingFault = DnsFault & { status: Exclude<DnsFault['status'], 'never-insync'> };
/** `never-insync` lets the call through; every other fault fails it. */
const fails = (fault: DnsFault): fault is FailingFault => fault.status !== 'never-insync';

const keyOf = (ref: DnsRecordRef) => `${ref.hostedZoneId}/${ref.name.replace(/\.$/, '').toLowerCase()}/${ref.type}`;
const fqdn = (name: string) => `${name.replace(/\.$/, '').toLowerCase()}.`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** How long a `timeout` fault holds the call: longer than any caller waits in a drill. */
const TIMEOUT_MS = 2_000;

/** As Route 53 words it, for a caller whose policy does not allow `action`. */
const accessDenied = (action: string) => `AccessDenied: User: arn:aws:sts::111122223333:assumed-role/operator/local is not authorized to perform: route53:${action}`;

const faultError = async (fault: FailingFault, action: string, target: string) => {
  const what = `${action} ${target}`;
  if (fault.status === 'timeout') {
    await sleep(TIMEOUT_MS);
    return new TransientError(`Route 53 ${what}: request timed out`);
  }
  if (fault.status === 400) return new DnsChangeFailedError(`Route 53 ${what}: InvalidChangeBatch: the change was rejected`);
  if (fault.status === 403) return new DnsAccessDeniedError(`Route 53 ${what}: ${accessDenied(action)}`);
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
  /** When each change becomes INSYNC; Infinity for one under a `never-insync` fault. */
  const changes = new Map<string, number>();
  let nextChange = 1;

  /**
   * Runs `act` under the scenario's fault for `operation`: before it fails, or after it when
   * `afterEffect`. A `never-insync` fault lets the change through: `act` keeps it PENDING.
   */
  const withFault = async <T>(operation: DnsFault['operation'], action: string, target: string, act: (fault?: DnsFault) => Promise<T>): Promise<T> => {
    const fault = options.faults?.takeDns(operation);
    if (!fault || !fails(fault)) return act(fault);
    if (fault.afterEffect) await act(fault);
    throw await faultError(fault, action, target);
  };

  const checkZone = (ref: DnsRecordRef) => {
    if (ref.hostedZoneId !== options.hostedZoneId) throw new DnsChangeFailedError(`NoSuchHostedZone: no hosted zone ${ref.hostedZoneId} in the local zone`);
  };

  return {
    records: () => new Map(records),
    getRecord: (ref) =>
      withFault('get', 'ListResourceRecordSets', ref.name, async () => {
        const value = records.get(keyOf(ref));
        return value && { values: [...value.values], ttl: value.ttl };
      }),
    upsertRecord: (ref, value) =>
      withFault('upsert', 'ChangeResourceRecordSets', ref.name, async (fault) => {
        checkZone(ref);
        records.set(keyOf(ref), { values: [...value.values], ttl: value.ttl });
        const id = `/change/LOCAL${String(nextChange++).padStart(6, '0')}`;
        changes.set(id, fault?.status === 'never-insync' ? Infinity : Date.now() + options.syncMs);
        return id;
      }),
    waitForChange: (changeId, timeoutMs) =>
      withFault('wait', 'GetChange', changeId, async () => {
        const insyncAt = changes.get(changeId);
        if (insyncAt === undefined) throw new DnsChangeFailedError(`NoSuchChange: ${changeId}`);
        const wait = insyncAt - Date.now();
        if (wait > timeoutMs) {
          await sleep(timeoutMs);
          throw new TransientError(`Route 53 change ${changeId} is not INSYNC after ${timeoutMs} ms (status PENDING)`);
        }
        if (wait > 0) await sleep(wait);
      }),
    // Route 53 authorizes before it validates, so the access check (a DELETE naming a value the
    // record does not hold) meets a refusal first and otherwise a rejected batch. Faults of the
    // change itself (400: this batch is rejected anyway; never-insync: nothing is submitted) are
    // left for the change.
    checkChangeAccess: async (ref) => {
      const fault = options.faults?.takeDns('upsert', (f) => f.status !== 400 && f.status !== 'never-insync') as FailingFault | undefined;
      if (fault?.status === 403) return { allowed: false, answer: accessDenied(`ChangeResourceRecordSets on resource: arn:aws:route53:::hostedzone/${ref.hostedZoneId}`) };
      if (fault) throw await faultError(fault, 'ChangeResourceRecordSets', ref.name);
      checkZone(ref);
      const record = `[name='${fqdn(ref.name)}', type='${ref.type}']`;
      return {
        allowed: true,
        answer: `InvalidChangeBatch: [Tried to delete resource record set ${record} but ${records.has(keyOf(ref)) ? 'the values provided do not match the current values' : 'it was not found'}]`,
      };
    },
  };
};
