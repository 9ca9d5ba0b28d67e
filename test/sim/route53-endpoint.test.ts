// The simulated Route 53 HTTP API driven by the real Route53Client through the orchestrator's own
// Route 53 adapter: what `failover check` and `failover run` meet when pointed at `failover sim up`.
import { GetChangeCommand, Route53Client } from '@aws-sdk/client-route-53';
import { createRoute53Dns } from '../../lambdas/adapters/route53-dns.js';
import { DnsAccessDeniedError, DnsChangeFailedError } from '../../lambdas/errors.js';
import { FaultInjector } from '../../sim/faults.js';
import { createLocalDnsZone } from '../../sim/local-dns-zone.js';
import { startRoute53Endpoint, type Route53Endpoint } from '../../sim/route53-endpoint.js';
import type { DnsFault } from '../../sim/scenario.js';

const ZONE = 'ZSIMULATED123';
const record = { hostedZoneId: ZONE, name: 'orders.example.com', type: 'CNAME' as const };

let endpoint: Route53Endpoint | undefined;
afterEach(async () => {
  await endpoint?.close();
  endpoint = undefined;
});

const start = async (faults: DnsFault[] = [], syncMs = 300) => {
  const zone = createLocalDnsZone({
    hostedZoneId: ZONE,
    initial: [{ ...record, values: ['site-a.example.com'], ttl: 60 }],
    syncMs,
    faults: new FaultInjector(faults),
  });
  endpoint = await startRoute53Endpoint({ zone, hostedZoneId: ZONE });
  const client = new Route53Client({
    endpoint: endpoint.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'simulated', secretAccessKey: 'simulated' },
    maxAttempts: 1,
  });
  return { zone, client, dns: createRoute53Dns({ client }) };
};

const fault = (f: Pick<DnsFault, 'target' | 'operation' | 'status'>): DnsFault => ({
  times: 1,
  afterEffect: false,
  ...f,
});

test('reads a record as Route 53 lists it, and an absent one as absent', async () => {
  const { dns } = await start();
  expect(await dns.getRecord(record)).toEqual({ values: ['site-a.example.com'], ttl: 60 });
  expect(await dns.getRecord({ ...record, name: 'payments.example.com' })).toBeUndefined();
  expect(await dns.getRecord({ ...record, type: 'A' })).toBeUndefined();
});

test('a change is PENDING until the zone has synced, then INSYNC, and the record holds the new value', async () => {
  const { dns, client, zone } = await start([], 400);
  const id = await dns.upsertRecords(ZONE, [{ ...record, values: ['site-b.example.com'], ttl: 60 }], 'drill');
  const first = await client.send(new GetChangeCommand({ Id: id }));
  expect(first.ChangeInfo?.Status).toBe('PENDING');
  await new Promise((resolve) => setTimeout(resolve, 450));
  expect(await dns.changeStatus(id)).toBe('INSYNC');
  expect((await client.send(new GetChangeCommand({ Id: id }))).ChangeInfo?.Status).toBe('INSYNC');
  expect(await dns.getRecord(record)).toEqual({ values: ['site-b.example.com'], ttl: 60 });
  expect([...zone.records().values()]).toEqual([{ values: ['site-b.example.com'], ttl: 60 }]);
});

test('an invalid batch is refused whole with Route 53 messages, and nothing changes', async () => {
  const { dns } = await start();
  const batch = [
    { ...record, values: ['site-b.example.com'], ttl: 60 },
    { hostedZoneId: ZONE, name: 'api.example.com', type: 'A' as const, values: ['not-an-address'], ttl: 60 },
  ];
  const refused = dns.upsertRecords(ZONE, batch, 'drill');
  await expect(refused).rejects.toThrow(DnsChangeFailedError);
  await expect(refused).rejects.toThrow(/InvalidChangeBatch: .*ARRDATAIllegalIPv4Address/);
  expect(await dns.getRecord(record)).toEqual({ values: ['site-a.example.com'], ttl: 60 });
});

test('a change that never syncs is reported as not INSYNC, never as done', async () => {
  const { dns } = await start([fault({ target: 'dns', operation: 'upsert', status: 'never-insync' })]);
  const id = await dns.upsertRecords(ZONE, [{ ...record, values: ['site-b.example.com'], ttl: 60 }], 'drill');
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(await dns.changeStatus(id)).toBe('PENDING');
});

test('the access check is answered as Route 53 answers it: allowed, then denied under a 403 fault', async () => {
  const allowed = await start();
  const current = await allowed.dns.getRecord(record);
  expect(await allowed.dns.checkChangeAccess(record, current)).toEqual({
    allowed: true,
    answer: expect.stringMatching(/^InvalidChangeBatch: .*values provided do not match the current values/),
  });
  await endpoint!.close();
  endpoint = undefined;
  const denied = await start([fault({ target: 'dns', operation: 'upsert', status: 403 })]);
  expect(await denied.dns.checkChangeAccess(record, current)).toEqual({
    allowed: false,
    answer: expect.stringMatching(
      /^AccessDenied: .*not authorized to perform: route53:ChangeResourceRecordSets/,
    ),
  });
  await expect(denied.dns.getRecord(record)).resolves.toEqual(current);
});

test('another hosted zone is not found, and a denied read is AccessDenied', async () => {
  const { dns } = await start([fault({ target: 'dns', operation: 'get', status: 403 })]);
  await expect(dns.getRecord(record)).rejects.toThrow(DnsAccessDeniedError);
  await expect(
    dns.upsertRecords('ZOTHER', [{ ...record, values: ['site-b.example.com'], ttl: 60 }], 'drill'),
  ).rejects.toThrow(/NoSuchHostedZone/);
});
