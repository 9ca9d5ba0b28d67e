// The drill's stand-in for a Route 53 hosted zone: records changed by whole change batches (all
// or nothing, sim/route53-zone-records.ts), change ids, PENDING -> INSYNC after a delay like
// Route 53 propagating a change, the access check answered as Route 53 answers it, and the
// scenario's DNS faults with the errors the Route 53 adapter raises for them (5xx and timeouts
// are Transient; a conflicting change is PriorRequestNotComplete, also retried; 403 is
// AccessDenied, never retried; a 400 rejects the whole batch).
import { DnsAccessDeniedError, DnsChangeFailedError, TransientError } from '../lambdas/errors.js';
import type { Plan } from '../lambdas/plan/schema.js';
import type { DnsPort, DnsRecordRef, DnsRecordSet, DnsRecordValue } from '../lambdas/ports/dns.js';
import type { FaultInjector } from './faults.js';
import { createZoneRecords, fqdn } from './route53-zone-records.js';
import type { DnsFault } from './scenario.js';

export interface LocalDnsZone extends DnsPort {
  /** What the zone holds now, by `zone/name/type`, for tests and the drill summary. */
  records(): Map<string, DnsRecordValue>;
}

type FailingFault = DnsFault & { status: Exclude<DnsFault['status'], 'never-insync'> };
/** `never-insync` lets the call through; every other fault fails it. */
const fails = (fault: DnsFault): fault is FailingFault => fault.status !== 'never-insync';

/** How `records()` names a record: `zone/name/type`, the name lower case without its final dot. */
export const zoneKey = (ref: DnsRecordRef) =>
  `${ref.hostedZoneId}/${ref.name.replace(/\.$/, '').toLowerCase()}/${ref.type}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** How long a `timeout` fault holds the call: longer than any caller waits in a drill. */
const TIMEOUT_MS = 2_000;

/** As Route 53 words it, for a caller whose policy does not allow `action`. */
const accessDenied = (action: string) =>
  `AccessDenied: User: arn:aws:sts::111122223333:assumed-role/operator/local is not authorized to perform: route53:${action}`;

/** A rejected batch as the Route 53 adapter reports it: Route 53's messages in brackets. */
const invalidBatch = (what: string, messages: string[]) =>
  new DnsChangeFailedError(`Route 53 ${what}: InvalidChangeBatch: [${messages.join(', ')}]`);

const faultError = async (fault: FailingFault, action: string, target: string) => {
  const what = `${action} ${target}`;
  if (fault.status === 'timeout') {
    await sleep(TIMEOUT_MS);
    return new TransientError(`Route 53 ${what}: request timed out`);
  }
  // Only a change batch can be invalid; a read or GetChange that Route 53 refuses as malformed is InvalidInput.
  if (fault.status === 400)
    return fault.operation === 'upsert'
      ? invalidBatch(what, ['the change batch was rejected'])
      : new DnsChangeFailedError(`Route 53 ${what}: InvalidInput: the request was rejected`);
  if (fault.status === 403) return new DnsAccessDeniedError(`Route 53 ${what}: ${accessDenied(action)}`);
  if (fault.status === 'conflict')
    return new TransientError(
      `Route 53 ${what}: PriorRequestNotComplete: the request was rejected because Route 53 was still processing a prior request`,
    );
  return new TransientError(`Route 53 ${what}: ${fault.status} InternalFailure`);
};

/** A call to a control plane that does not answer: it times out, as a lost Region's endpoint does. */
const controlPlaneDown = async (action: string, target: string) => {
  await sleep(CONTROL_PLANE_TIMEOUT_MS);
  return new TransientError(
    `Route 53 ${action} ${target}: request timed out (route53.amazonaws.com, Route 53's control plane, does not answer)`,
  );
};
/** Short: the drill need not wait as long as the SDK would; the step sees a timeout all the same. */
const CONTROL_PLANE_TIMEOUT_MS = 50;

export const createLocalDnsZone = (options: {
  hostedZoneId: string;
  initial: Array<DnsRecordRef & DnsRecordValue>;
  syncMs: number;
  faults?: FaultInjector;
  /** Route 53's control plane does not answer: every call times out (the scenario's `aws`). */
  controlPlaneUnavailable?: boolean;
}): LocalDnsZone => {
  const records = createZoneRecords(options.initial.map(({ hostedZoneId: _, ...r }) => r));
  /** When each change becomes INSYNC; Infinity for one under a `never-insync` fault. */
  const changes = new Map<string, number>();
  let nextChange = 1;

  /**
   * Runs `act` under the scenario's fault for `operation`: before it fails, or after it when
   * `afterEffect`. A `never-insync` fault lets the change through: `act` keeps it PENDING.
   */
  const withFault = async <T>(
    operation: DnsFault['operation'],
    action: string,
    target: string,
    act: (fault?: DnsFault) => Promise<T>,
  ): Promise<T> => {
    if (options.controlPlaneUnavailable) throw await controlPlaneDown(action, target);
    const fault = options.faults?.takeDns(operation);
    if (!fault || !fails(fault)) return act(fault);
    if (fault.afterEffect) await act(fault);
    throw await faultError(fault, action, target);
  };

  const checkZone = (hostedZoneId: string) => {
    if (hostedZoneId !== options.hostedZoneId)
      throw new DnsChangeFailedError(`NoSuchHostedZone: no hosted zone ${hostedZoneId} in the local zone`);
  };
  const named = (batch: DnsRecordSet[]) => batch.map((r) => `${r.name} ${r.type}`).join(', ');

  return {
    records: () =>
      new Map(
        records
          .all()
          .map((r) => [
            zoneKey({ hostedZoneId: options.hostedZoneId, ...r }),
            { values: r.values, ttl: r.ttl },
          ]),
      ),
    getRecord: (ref) =>
      withFault('get', 'ListResourceRecordSets', ref.name, async () => {
        const record = ref.hostedZoneId === options.hostedZoneId ? records.get(ref) : undefined;
        return record && { values: record.values, ttl: record.ttl };
      }),
    upsertRecords: (hostedZoneId, batch) =>
      withFault('upsert', 'ChangeResourceRecordSets', named(batch), async (fault) => {
        checkZone(hostedZoneId);
        const rejected = records.upsert(batch);
        if (rejected.length > 0) throw invalidBatch(`ChangeResourceRecordSets ${named(batch)}`, rejected);
        const id = `/change/LOCAL${String(nextChange++).padStart(6, '0')}`;
        changes.set(id, fault?.status === 'never-insync' ? Infinity : Date.now() + options.syncMs);
        return id;
      }),
    changeStatus: (changeId) =>
      withFault('wait', 'GetChange', changeId, async () => {
        const insyncAt = changes.get(changeId);
        if (insyncAt === undefined) throw new DnsChangeFailedError(`NoSuchChange: ${changeId}`);
        return insyncAt <= Date.now() ? 'INSYNC' : 'PENDING';
      }),
    // Route 53 authorizes before it validates, so the access check (a DELETE naming a value the
    // record does not hold) meets a refusal first and otherwise a rejected batch. Faults of the
    // change itself (400: this batch is rejected anyway; never-insync: nothing is submitted) are
    // left for the change.
    checkChangeAccess: async (ref) => {
      if (options.controlPlaneUnavailable) throw await controlPlaneDown('ChangeResourceRecordSets', ref.name);
      const fault = options.faults?.takeDns(
        'upsert',
        (f) => f.status !== 400 && f.status !== 'never-insync',
      ) as FailingFault | undefined;
      if (fault?.status === 403)
        return {
          allowed: false,
          answer: accessDenied(
            `ChangeResourceRecordSets on resource: arn:aws:route53:::hostedzone/${ref.hostedZoneId}`,
          ),
        };
      if (fault) throw await faultError(fault, 'ChangeResourceRecordSets', ref.name);
      checkZone(ref.hostedZoneId);
      const record = `[name='${fqdn(ref.name)}', type='${ref.type}']`;
      return {
        allowed: true,
        answer: `InvalidChangeBatch: [Tried to delete resource record set ${record} but ${records.get(ref) ? 'the values provided do not match the current values' : 'it was not found'}]`,
      };
    },
  };
};

/** The plan's zone as it stands before a failover: every record holding its upstream value. */
export const planDnsZone = (
  plan: Plan,
  syncMs: number,
  faults?: FaultInjector,
  controlPlaneUnavailable = false,
): LocalDnsZone =>
  createLocalDnsZone({
    hostedZoneId: plan.dns.hostedZoneId,
    initial: plan.dns.records.map((r) => ({
      hostedZoneId: plan.dns.hostedZoneId,
      name: r.name,
      type: r.type,
      values: [r.upstream],
      ttl: r.ttl,
    })),
    syncMs,
    controlPlaneUnavailable,
    ...(faults === undefined ? {} : { faults }),
  });
