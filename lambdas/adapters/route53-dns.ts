// DnsPort on Route 53: the traffic switch of a failover.
import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
  type Route53ClientConfig,
} from '@aws-sdk/client-route-53';
import { isIPv6 } from 'node:net';
import { DnsAccessDeniedError, DnsChangeFailedError } from '../errors.js';
import type {
  DnsChangeAccess,
  DnsChangeStatus,
  DnsPort,
  DnsRecordRef,
  DnsRecordSet,
  DnsRecordValue,
} from '../ports/dns.js';
import { awsCall, awsErrorDetail, clientFromOptions } from './aws-retry.js';

export interface Route53DnsOptions {
  client?: Route53Client;
  clientConfig?: Route53ClientConfig;
}

// Route 53 allows five API requests per second per account, shared by every caller: several
// failovers flipping at once get throttled, so the SDK gets more tries than its default 3.
const MAX_ATTEMPTS = 5;
const MAX_COMMENT_LENGTH = 256;

// No retry fixes these: the change batch, the zone or the change id is wrong.
const PERMANENT_ERRORS = new Set(['InvalidChangeBatch', 'NoSuchHostedZone', 'NoSuchChange', 'InvalidInput']);
// Route 53 answers AccessDenied; the SDK's generic name for a 403 is kept for other front ends.
const ACCESS_DENIED_ERRORS = new Set(['AccessDenied', 'AccessDeniedException']);

/**
 * Values no record of the plan holds: `.invalid` is reserved (RFC 2606), and so are these
 * documentation ranges (RFC 5737, RFC 3849). The n-th candidate is used when the record holds
 * the earlier ones, so one of the first (values + 1) always differs.
 */
const PROBE_VALUES: Record<DnsRecordRef['type'], (n: number) => string> = {
  CNAME: (n) => `preflight-${n}.invalid.`,
  A: (n) => `192.0.2.${n}`,
  AAAA: (n) => `2001:db8::${n.toString(16)}`,
};
const PROBE_TTL = 300;

export function createRoute53Dns(options: Route53DnsOptions = {}): DnsPort {
  const client = clientFromOptions('createRoute53Dns', options, (config) => new Route53Client(config), {
    maxAttempts: MAX_ATTEMPTS,
  });

  return {
    async getRecord(ref: DnsRecordRef): Promise<DnsRecordValue | undefined> {
      const out = await route53Call(`Route 53 ListResourceRecordSets ${ref.name} ${ref.type}`, () =>
        client.send(
          new ListResourceRecordSetsCommand({
            HostedZoneId: ref.hostedZoneId,
            StartRecordName: ref.name,
            StartRecordType: ref.type,
            MaxItems: 1,
          }),
        ),
      );
      // The listing starts at the requested name and type, so when the record is absent the
      // first entry is whatever record sorts next.
      const record = out.ResourceRecordSets?.[0];
      if (
        !record ||
        record.Type !== ref.type ||
        normaliseDnsName(record.Name ?? '') !== normaliseDnsName(ref.name)
      ) {
        return undefined;
      }
      if (record.AliasTarget) {
        // An alias has no TTL or values of its own; its target name is what an operator needs
        // to see, and it never equals a plain target, so the flip replaces it.
        return { values: record.AliasTarget.DNSName ? [record.AliasTarget.DNSName] : [], ttl: 0 };
      }
      return {
        values: (record.ResourceRecords ?? []).flatMap((rr) => (rr.Value === undefined ? [] : [rr.Value])),
        ttl: record.TTL ?? 0,
      };
    },

    async upsertRecords(hostedZoneId: string, records: DnsRecordSet[], comment: string): Promise<string> {
      const what = `Route 53 ChangeResourceRecordSets ${records.map((r) => `${r.name} ${r.type}`).join(', ')}`;
      const out = await route53Call(what, () =>
        client.send(
          new ChangeResourceRecordSetsCommand({
            HostedZoneId: hostedZoneId,
            ChangeBatch: {
              Comment: comment.slice(0, MAX_COMMENT_LENGTH),
              Changes: records.map((r) => ({
                Action: 'UPSERT',
                ResourceRecordSet: {
                  Name: r.name,
                  Type: r.type,
                  TTL: r.ttl,
                  ResourceRecords: r.values.map((v) => ({ Value: v })),
                },
              })),
            },
          }),
        ),
      );
      const changeId = out.ChangeInfo?.Id;
      if (!changeId)
        throw new DnsChangeFailedError(
          `${what}: Route 53 accepted the change batch but returned no change id`,
        );
      return changeId;
    },

    async changeStatus(changeId: string): Promise<DnsChangeStatus> {
      const out = await route53Call(`Route 53 GetChange ${changeId}`, () =>
        client.send(new GetChangeCommand({ Id: changeId })),
      );
      return out.ChangeInfo?.Status === 'INSYNC' ? 'INSYNC' : 'PENDING';
    },

    // The probe is a DELETE of the plan's own record naming a value it does not hold. Route 53
    // authorizes a ChangeResourceRecordSets request before it validates the batch: without the
    // permission it answers AccessDenied; with it, InvalidChangeBatch, because a DELETE must name
    // the record's current values exactly and a batch is applied all or nothing. Either way
    // nothing changes. A policy that limits `route53:ChangeResourceRecordSetsActions` to UPSERT
    // refuses the probe: reported as denied, the safe answer.
    async checkChangeAccess(
      ref: DnsRecordRef,
      current: DnsRecordValue | undefined,
    ): Promise<DnsChangeAccess> {
      const value = probeValue(ref.type, current?.values ?? []);
      const what = `Route 53 ChangeResourceRecordSets ${ref.name} ${ref.type} (access check: DELETE of ${value}, a value the record does not hold)`;
      let changeId: string | undefined;
      try {
        const out = await awsCall(what, () =>
          client.send(
            new ChangeResourceRecordSetsCommand({
              HostedZoneId: ref.hostedZoneId,
              ChangeBatch: {
                Comment: 'failover access check: a DELETE that cannot match, so nothing changes',
                Changes: [
                  {
                    Action: 'DELETE',
                    ResourceRecordSet: {
                      Name: ref.name,
                      Type: ref.type,
                      TTL: PROBE_TTL,
                      ResourceRecords: [{ Value: value }],
                    },
                  },
                ],
              },
            }),
          ),
        );
        changeId = out.ChangeInfo?.Id;
      } catch (err) {
        if (err instanceof Error && err.name === 'InvalidChangeBatch')
          return { allowed: true, answer: `InvalidChangeBatch: ${batchProblems(err)}` };
        if (err instanceof Error && ACCESS_DENIED_ERRORS.has(err.name))
          return { allowed: false, answer: `${err.name}: ${err.message}` };
        throw route53Error(what, err);
      }
      throw new DnsChangeFailedError(
        `${what}: Route 53 accepted it (change ${changeId ?? 'without an id'}), so the record held ${value} after all and no longer does: read ${ref.name} and restore that value`,
      );
    },
  };
}

function probeValue(type: DnsRecordRef['type'], current: string[]): string {
  const held = new Set(current.map((v) => canonicalValue(type, v)));
  for (let n = 1; ; n++) {
    const candidate = PROBE_VALUES[type](n);
    if (!held.has(canonicalValue(type, candidate))) return candidate;
  }
}

/** One spelling per value: `2001:DB8:0::1` and `2001:db8::1` are the same address. */
function canonicalValue(type: DnsRecordRef['type'], value: string): string {
  const v = value.toLowerCase().replace(/\.$/, '');
  return type === 'AAAA' && isIPv6(v) ? new URL(`http://[${v}]/`).hostname.slice(1, -1) : v;
}

/**
 * Route 53 returns names fully qualified, lower case, with characters outside [a-z0-9-_.]
 * escaped as three octal digits (`\052` for `*`); plans write them as people do.
 */
function normaliseDnsName(name: string): string {
  return name
    .replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)))
    .replace(/\.$/, '')
    .toLowerCase();
}

async function route53Call<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await awsCall(what, call);
  } catch (err) {
    throw route53Error(what, err);
  }
}

/** Route 53 words a rejected batch's problems in `messages` (its InvalidChangeBatch body) or `message` (an ErrorResponse). */
function batchProblems(err: Error): string {
  return [err.message, ...((err as { messages?: string[] }).messages ?? [])].filter(Boolean).join(' ');
}

function route53Error(what: string, err: unknown): unknown {
  if (err instanceof Error && ACCESS_DENIED_ERRORS.has(err.name))
    return new DnsAccessDeniedError(`${what}: ${err.name}: ${err.message}`, awsErrorDetail(err));
  if (err instanceof Error && PERMANENT_ERRORS.has(err.name)) {
    return new DnsChangeFailedError(
      `${what}: ${err.name}: ${err.name === 'InvalidChangeBatch' ? batchProblems(err) : err.message}`,
      awsErrorDetail(err),
    );
  }
  return err;
}
