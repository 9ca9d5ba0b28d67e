// The drill's hosted zone answers as Route 53 does: the access check changes nothing and is
// refused under a 403 fault, a read under a 403 fault is DnsAccessDenied, and a never-insync
// change is made but never INSYNC, so waiting for it ends in the Route 53 adapter's TransientError.
import { DnsAccessDeniedError, TransientError } from '../../lambdas/errors.js';
import type { DnsRecordRef } from '../../lambdas/ports/dns.js';
import { FaultInjector } from '../../sim/faults.js';
import { createLocalDnsZone } from '../../sim/local-dns-zone.js';
import { parseScenario } from '../../sim/scenario.js';

const ref: DnsRecordRef = { hostedZoneId: 'Z1', name: 'amqp.orders.example.com', type: 'CNAME' };
const upstream = { values: ['upstream.site-a.example.com'], ttl: 60 };

const zoneWith = (faults: unknown[] = []) =>
  createLocalDnsZone({
    hostedZoneId: 'Z1',
    initial: [{ ...ref, ...upstream }],
    syncMs: 20,
    faults: new FaultInjector(parseScenario({ faults }, 'local zone test').faults),
  });

it('answers the access check like Route 53 and changes nothing', async () => {
  const zone = zoneWith();

  await expect(zone.checkChangeAccess(ref, upstream)).resolves.toEqual({
    allowed: true,
    answer: "InvalidChangeBatch: [Tried to delete resource record set [name='amqp.orders.example.com.', type='CNAME'] but the values provided do not match the current values]",
  });
  await expect(zone.checkChangeAccess({ ...ref, name: 'other.orders.example.com' }, undefined)).resolves.toMatchObject({ allowed: true, answer: expect.stringMatching(/but it was not found/) });
  expect([...zone.records().values()]).toEqual([upstream]);
});

it('refuses under 403 faults: the access check counts as an upsert, a read throws DnsAccessDenied', async () => {
  const zone = zoneWith([
    { target: 'dns', operation: 'upsert', status: 403 },
    { target: 'dns', operation: 'get', status: 403 },
  ]);

  await expect(zone.checkChangeAccess(ref, upstream)).resolves.toEqual({ allowed: false, answer: expect.stringMatching(/^AccessDenied: .*not authorized to perform: route53:ChangeResourceRecordSets/) });
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

  const changeId = await zone.upsertRecord(ref, { values: ['downstream.site-b.example.com'], ttl: 60 }, 'failover');
  expect(await zone.getRecord(ref)).toEqual({ values: ['downstream.site-b.example.com'], ttl: 60 });

  const startedAt = Date.now();
  const wait = zone.waitForChange(changeId, 300);
  await expect(wait).rejects.toThrow(TransientError);
  await expect(wait).rejects.toThrow(`Route 53 change ${changeId} is not INSYNC after 300 ms (status PENDING)`);
  expect(Date.now() - startedAt).toBeGreaterThanOrEqual(290);

  // The fault is spent: the next change is INSYNC after the zone's sync time.
  await expect(zone.waitForChange(await zone.upsertRecord(ref, upstream, 'failback'), 300)).resolves.toBeUndefined();
});

it('refuses never-insync for anything but an upsert, and a 403 that would act', () => {
  expect(() => parseScenario({ faults: [{ target: 'dns', operation: 'wait', status: 'never-insync' }] }, 's.yaml')).toThrow(
    's.yaml: faults[0].status: never-insync applies to operation upsert only (the change is made, then never reported INSYNC)',
  );
  expect(() => parseScenario({ faults: [{ target: 'dns', operation: 'upsert', status: 403, afterEffect: true }] }, 's.yaml')).toThrow(
    's.yaml: faults[0].afterEffect: a refused call (403) changes nothing; expected afterEffect false',
  );
});
