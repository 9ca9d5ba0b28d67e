// The drill's hosted zone answers as Route 53 does: the access check changes nothing and is
// refused under a 403 fault, a read under a 403 fault is DnsAccessDenied, a never-insync
// change is made but never INSYNC, so waiting for it ends in the Route 53 adapter's TransientError,
// and a change batch is applied whole or not at all.
import { DnsAccessDeniedError, DnsChangeFailedError } from '../../lambdas/errors.js';
import type { DnsRecordRef } from '../../lambdas/ports/dns.js';
import { FaultInjector } from '../../sim/faults.js';
import { createLocalDnsZone } from '../../sim/local-dns-zone.js';
import { parseScenario } from '../../sim/scenario.js';

const ref: DnsRecordRef = { hostedZoneId: 'Z1', name: 'amqp.orders.example.com', type: 'CNAME' };
const upstream = { values: ['upstream.site-a.example.com'], ttl: 60 };

const v4 = {
  hostedZoneId: 'Z1',
  name: 'amqp-v4.orders.example.com',
  type: 'A',
  values: ['192.0.2.10'],
  ttl: 60,
} as const;

const zoneWith = (faults: unknown[] = []) =>
  createLocalDnsZone({
    hostedZoneId: 'Z1',
    initial: [
      { ...ref, ...upstream },
      { ...v4, values: [...v4.values] },
    ],
    syncMs: 20,
    faults: new FaultInjector(parseScenario({ faults }, 'local zone test').faults),
  });

it('answers the access check like Route 53 and changes nothing', async () => {
  const zone = zoneWith();

  await expect(zone.checkChangeAccess(ref, upstream)).resolves.toEqual({
    allowed: true,
    answer:
      "InvalidChangeBatch: [Tried to delete resource record set [name='amqp.orders.example.com.', type='CNAME'] but the values provided do not match the current values]",
  });
  await expect(
    zone.checkChangeAccess({ ...ref, name: 'other.orders.example.com' }, undefined),
  ).resolves.toMatchObject({ allowed: true, answer: expect.stringMatching(/but it was not found/) });
  expect(zone.records().get('Z1/amqp.orders.example.com/CNAME')).toEqual(upstream);
});

it('refuses under 403 faults: the access check counts as an upsert, a read throws DnsAccessDenied', async () => {
  const zone = zoneWith([
    { target: 'dns', operation: 'upsert', status: 403 },
    { target: 'dns', operation: 'get', status: 403 },
  ]);

  await expect(zone.checkChangeAccess(ref, upstream)).resolves.toEqual({
    allowed: false,
    answer: expect.stringMatching(
      /^AccessDenied: .*not authorized to perform: route53:ChangeResourceRecordSets/,
    ),
  });
  const read = zone.getRecord(ref);
  await expect(read).rejects.toThrow(DnsAccessDeniedError);
  await expect(read).rejects.toMatchObject({ name: 'DnsAccessDenied' });
  // Each fault fires once (times: 1); the calls after it behave normally.
  await expect(zone.checkChangeAccess(ref, upstream)).resolves.toMatchObject({ allowed: true });
  await expect(zone.getRecord(ref)).resolves.toEqual(upstream);
});

it('never-insync: the change is made, and waiting for it throws after its whole timeout, as Route 53 does', async () => {
  const zone = zoneWith([{ target: 'dns', operation: 'upsert', status: 'never-insync' }]);
  // The access check makes no change to keep PENDING: it leaves the fault for the change.
  await expect(zone.checkChangeAccess(ref, upstream)).resolves.toMatchObject({ allowed: true });

  const changeId = await zone.upsertRecords(
    'Z1',
    [{ name: ref.name, type: ref.type, values: ['downstream.site-b.example.com'], ttl: 60 }],
    'failover',
  );
  expect(await zone.getRecord(ref)).toEqual({ values: ['downstream.site-b.example.com'], ttl: 60 });

  await new Promise((resolve) => setTimeout(resolve, 300));
  await expect(zone.changeStatus(changeId)).resolves.toBe('PENDING');

  // The fault is spent: the next change is INSYNC after the zone's sync time.
  const next = await zone.upsertRecords('Z1', [{ name: ref.name, type: ref.type, ...upstream }], 'failback');
  await new Promise((resolve) => setTimeout(resolve, 300));
  await expect(zone.changeStatus(next)).resolves.toBe('INSYNC');
});

it('refuses never-insync for anything but an upsert, and a 403 that would act', () => {
  expect(() =>
    parseScenario({ faults: [{ target: 'dns', operation: 'wait', status: 'never-insync' }] }, 's.yaml'),
  ).toThrow(
    's.yaml: faults[0].status: never-insync applies to operation upsert only (the change is made, then never reported INSYNC)',
  );
  expect(() =>
    parseScenario(
      { faults: [{ target: 'dns', operation: 'upsert', status: 403, afterEffect: true }] },
      's.yaml',
    ),
  ).toThrow(
    's.yaml: faults[0].afterEffect: a refused call (403) changes nothing; expected afterEffect false',
  );
});

describe('a change batch, as Route 53 applies it: every record or none', () => {
  const flip = [
    { name: ref.name, type: ref.type, values: ['downstream.site-b.example.com'], ttl: 60 },
    { name: v4.name, type: v4.type, values: ['198.51.100.10'], ttl: 60 },
  ];
  const before = () => [
    ['Z1/amqp.orders.example.com/CNAME', upstream],
    ['Z1/amqp-v4.orders.example.com/A', { values: ['192.0.2.10'], ttl: 60 }],
  ];

  it('moves every record under one change id', async () => {
    const zone = zoneWith();

    await zone.upsertRecords('Z1', flip, 'failover');

    expect([...zone.records()]).toEqual([
      ['Z1/amqp.orders.example.com/CNAME', { values: ['downstream.site-b.example.com'], ttl: 60 }],
      ['Z1/amqp-v4.orders.example.com/A', { values: ['198.51.100.10'], ttl: 60 }],
    ]);
  });

  it("leaves every record as it was when one record of the batch is invalid, with Route 53's message", async () => {
    const zone = zoneWith();

    const rejected = zone.upsertRecords(
      'Z1',
      [flip[0]!, { ...flip[1]!, values: ['downstream.site-b.example.com'] }],
      'failover',
    );

    await expect(rejected).rejects.toThrow(DnsChangeFailedError);
    await expect(rejected).rejects.toThrow(
      "Route 53 ChangeResourceRecordSets amqp.orders.example.com CNAME, amqp-v4.orders.example.com A: InvalidChangeBatch: [Invalid Resource Record: 'FATAL problem: ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address) encountered with 'downstream.site-b.example.com'']",
    );
    expect([...zone.records()]).toEqual(before());
  });

  it('under a 400 fault rejects the whole batch, and refuses a 400 said to have changed something', async () => {
    const zone = zoneWith([{ target: 'dns', operation: 'upsert', status: 400 }]);

    await expect(zone.upsertRecords('Z1', flip, 'failover')).rejects.toThrow(
      'Route 53 ChangeResourceRecordSets amqp.orders.example.com CNAME, amqp-v4.orders.example.com A: InvalidChangeBatch: [the change batch was rejected]',
    );
    expect([...zone.records()]).toEqual(before());
    expect(() =>
      parseScenario(
        { faults: [{ target: 'dns', operation: 'upsert', status: 400, afterEffect: true }] },
        's.yaml',
      ),
    ).toThrow(
      's.yaml: faults[0].afterEffect: a rejected change batch (400) changes nothing; expected afterEffect false',
    );
  });

  it('answers a GetChange under a 400 fault as Route 53 does: InvalidInput, not a rejected batch', async () => {
    const zone = zoneWith([{ target: 'dns', operation: 'wait', status: 400 }]);
    const changeId = await zone.upsertRecords('Z1', flip, 'failover');

    await expect(zone.changeStatus(changeId)).rejects.toThrow(
      `Route 53 GetChange ${changeId}: InvalidInput: the request was rejected`,
    );
  });
});
