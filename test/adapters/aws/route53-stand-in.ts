// Route 53 behind a real Route53Client, for the adapter's tests: one hosted zone whose records
// change only by whole UPSERT batches judged as Route 53 judges them (sim/route53-zone-records.ts:
// one invalid change rejects the batch, InvalidChangeBatch with Route 53's messages, nothing
// applied), listed in Route 53's order, each change PENDING for a few GetChange polls, then INSYNC.
import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  InvalidChangeBatch,
  ListResourceRecordSetsCommand,
  NoSuchChange,
  NoSuchHostedZone,
  type Route53Client,
} from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import type { DnsRecordSet } from '../../../lambdas/ports/dns.js';
import { createZoneRecords, fqdn } from '../../../sim/route53-zone-records.js';

const $metadata = { httpStatusCode: 400, requestId: 'stand-in' };

/** Route 53 lists a zone by name with its labels reversed (`com.example.orders`), then by type. */
const order = (name: string, type: string) =>
  `${fqdn(name).slice(0, -1).split('.').reverse().join('.')} ${type}`;

export const route53StandIn = (
  client: Route53Client,
  options: { hostedZoneId: string; initial: DnsRecordSet[]; pendingPolls?: number },
) => {
  const zone = createZoneRecords(options.initial);
  const polls = new Map<string, number>();
  const route53 = mockClient(client);
  const checkZone = (id: string | undefined) => {
    if (id !== options.hostedZoneId)
      throw new NoSuchHostedZone({
        message: `No hosted zone found with ID: ${id}`,
        $metadata: { ...$metadata, httpStatusCode: 404 },
      });
  };

  route53.on(ChangeResourceRecordSetsCommand).callsFake((input: ChangeResourceRecordSetsCommand['input']) => {
    checkZone(input.HostedZoneId);
    const changes = input.ChangeBatch?.Changes ?? [];
    const modelled = changes.every((c) => c.Action === 'UPSERT');
    if (!modelled)
      throw new Error(
        `the Route 53 stand-in models UPSERT batches only, got ${changes.map((c) => c.Action).join(', ')}`,
      );
    const rejected = zone.upsert(
      changes.map(({ ResourceRecordSet: r }) => ({
        name: r?.Name ?? '',
        type: r?.Type as DnsRecordSet['type'],
        ttl: r?.TTL ?? 0,
        values: (r?.ResourceRecords ?? []).map((v) => v.Value ?? ''),
      })),
    );
    if (rejected.length > 0) throw new InvalidChangeBatch({ message: `[${rejected.join(', ')}]`, $metadata });
    const id = `/change/C${String(polls.size + 1).padStart(12, '0')}`;
    polls.set(id, 0);
    return {
      ChangeInfo: { Id: id, Status: 'PENDING', SubmittedAt: new Date(), Comment: input.ChangeBatch?.Comment },
    };
  });

  route53.on(GetChangeCommand).callsFake((input: GetChangeCommand['input']) => {
    const seen = polls.get(input.Id ?? '');
    if (seen === undefined)
      throw new NoSuchChange({
        message: `A change with the specified change ID does not exist: ${input.Id}`,
        $metadata: { ...$metadata, httpStatusCode: 404 },
      });
    polls.set(input.Id!, seen + 1);
    return {
      ChangeInfo: {
        Id: input.Id,
        Status: seen >= (options.pendingPolls ?? 1) ? 'INSYNC' : 'PENDING',
        SubmittedAt: new Date(),
      },
    };
  });

  route53.on(ListResourceRecordSetsCommand).callsFake((input: ListResourceRecordSetsCommand['input']) => {
    checkZone(input.HostedZoneId);
    const start = order(input.StartRecordName ?? '', input.StartRecordType ?? '');
    const from = zone
      .all()
      .map((r) => ({ r, at: order(r.name, r.type) }))
      .filter(({ at }) => at >= start)
      .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    const max = input.MaxItems ?? 300;
    return {
      ResourceRecordSets: from.slice(0, max).map(({ r }) => ({
        Name: fqdn(r.name),
        Type: r.type,
        TTL: r.ttl,
        ResourceRecords: r.values.map((Value) => ({ Value })),
      })),
      IsTruncated: from.length > max,
      MaxItems: max,
    };
  });

  return { route53, records: () => zone.all() };
};
