// DnsPort on Route 53: the traffic switch of a failover.
import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
  type Route53ClientConfig,
} from '@aws-sdk/client-route-53';
import { DnsChangeFailedError, TransientError } from '../errors.js';
import { systemClock } from '../ports/clock.js';
import type { DnsPort, DnsRecordRef, DnsRecordValue } from '../ports/dns.js';
import { awsCall, awsErrorDetail, clientFromOptions } from './aws-retry.js';

export interface Route53DnsOptions {
  client?: Route53Client;
  clientConfig?: Route53ClientConfig;
  /** First wait between GetChange polls; later waits double up to MAX_POLL_INTERVAL_MS. */
  pollIntervalMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

// Route 53 allows five API requests per second per account, shared by every caller: several
// failovers flipping at once get throttled, so the SDK gets more tries than its default 3.
const MAX_ATTEMPTS = 5;
const DEFAULT_POLL_INTERVAL_MS = 2_000;
const MAX_POLL_INTERVAL_MS = 10_000;
const MAX_COMMENT_LENGTH = 256;

// No retry fixes these: the change batch, the zone or the change id is wrong.
const PERMANENT_ERRORS = new Set(['InvalidChangeBatch', 'NoSuchHostedZone', 'NoSuchChange', 'InvalidInput']);

export function createRoute53Dns(options: Route53DnsOptions = {}): DnsPort {
  const client = clientFromOptions('createRoute53Dns', options, (config) => new Route53Client(config), {
    maxAttempts: MAX_ATTEMPTS,
  });
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const sleep = options.sleep ?? systemClock.sleep;

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
      if (!record || record.Type !== ref.type || normaliseDnsName(record.Name ?? '') !== normaliseDnsName(ref.name)) {
        return undefined;
      }
      if (record.AliasTarget) {
        // An alias has no TTL or values of its own; its target name is what an operator needs
        // to see, and it never equals a plain target, so the flip replaces it.
        return { values: record.AliasTarget.DNSName ? [record.AliasTarget.DNSName] : [], ttl: 0 };
      }
      return { values: (record.ResourceRecords ?? []).flatMap((rr) => (rr.Value === undefined ? [] : [rr.Value])), ttl: record.TTL ?? 0 };
    },

    async upsertRecord(ref: DnsRecordRef, value: DnsRecordValue, comment: string): Promise<string> {
      const out = await route53Call(`Route 53 ChangeResourceRecordSets ${ref.name} ${ref.type}`, () =>
        client.send(
          new ChangeResourceRecordSetsCommand({
            HostedZoneId: ref.hostedZoneId,
            ChangeBatch: {
              Comment: comment.slice(0, MAX_COMMENT_LENGTH),
              Changes: [
                {
                  Action: 'UPSERT',
                  ResourceRecordSet: {
                    Name: ref.name,
                    Type: ref.type,
                    TTL: value.ttl,
                    ResourceRecords: value.values.map((v) => ({ Value: v })),
                  },
                },
              ],
            },
          }),
        ),
      );
      const changeId = out.ChangeInfo?.Id;
      if (!changeId) throw new DnsChangeFailedError(`Route 53 accepted the change to ${ref.name} but returned no change id`);
      return changeId;
    },

    async waitForChange(changeId: string, timeoutMs: number): Promise<void> {
      const startedAt = Date.now();
      let slept = 0;
      // An injected sleep may return at once; counting the requested waits keeps the deadline
      // meaningful then, and wall time counts the GetChange round trips otherwise.
      const elapsed = () => Math.max(Date.now() - startedAt, slept);
      for (let poll = 0; ; poll++) {
        const out = await route53Call(`Route 53 GetChange ${changeId}`, () => client.send(new GetChangeCommand({ Id: changeId })));
        const status = out.ChangeInfo?.Status;
        if (status === 'INSYNC') return;
        const remaining = timeoutMs - elapsed();
        if (remaining <= 0) {
          throw new TransientError(`Route 53 change ${changeId} is not INSYNC after ${timeoutMs} ms (status ${status ?? 'unknown'})`);
        }
        const wait = Math.min(pollIntervalMs * 2 ** poll, MAX_POLL_INTERVAL_MS, remaining);
        await sleep(wait);
        slept += wait;
      }
    },
  };
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
    if (err instanceof Error && PERMANENT_ERRORS.has(err.name)) {
      throw new DnsChangeFailedError(`${what}: ${err.name}: ${err.message}`, awsErrorDetail(err));
    }
    throw err;
  }
}
