import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { createRoute53Dns } from '../../../lambdas/adapters/route53-dns.js';
import { DnsChangeFailedError, TransientError } from '../../../lambdas/errors.js';
import type { DnsRecordRef } from '../../../lambdas/ports/dns.js';
import { route53StandIn } from './route53-stand-in.js';
import { startScriptedEndpoint, type ScriptedEndpoint } from './scripted-endpoint.js';

const ref: DnsRecordRef = { hostedZoneId: 'Z0123456789ABC', name: 'orders.example.com', type: 'CNAME' };
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

function mockedDns() {
  const client = new Route53Client({ region: 'us-east-1', credentials });
  const route53 = mockClient(client);
  const dns = createRoute53Dns({ client });
  return { dns, route53 };
}

describe('createRoute53Dns', () => {
  it('refuses both a client and a client config', () => {
    expect(() => createRoute53Dns({ client: new Route53Client({}), clientConfig: {} })).toThrow(
      /either client or clientConfig/,
    );
  });

  it('sends every record as one change batch with the comment and returns its change id', async () => {
    const { dns, route53 } = mockedDns();
    route53.on(ChangeResourceRecordSetsCommand).resolves({
      ChangeInfo: { Id: '/change/C2682N5HXP0BZ4', Status: 'PENDING', SubmittedAt: new Date() },
    });

    const changeId = await dns.upsertRecords(
      'Z0123456789ABC',
      [
        { name: 'orders.example.com', type: 'CNAME', values: ['orders.eu-west-1.example.net'], ttl: 60 },
        { name: 'orders-v4.example.com', type: 'A', values: ['198.51.100.7'], ttl: 30 },
      ],
      'failover orders exec-1',
    );

    expect(changeId).toBe('/change/C2682N5HXP0BZ4');
    expect(route53.commandCalls(ChangeResourceRecordSetsCommand).map((call) => call.args[0].input)).toEqual([
      {
        HostedZoneId: 'Z0123456789ABC',
        ChangeBatch: {
          Comment: 'failover orders exec-1',
          Changes: [
            {
              Action: 'UPSERT',
              ResourceRecordSet: {
                Name: 'orders.example.com',
                Type: 'CNAME',
                TTL: 60,
                ResourceRecords: [{ Value: 'orders.eu-west-1.example.net' }],
              },
            },
            {
              Action: 'UPSERT',
              ResourceRecordSet: {
                Name: 'orders-v4.example.com',
                Type: 'A',
                TTL: 30,
                ResourceRecords: [{ Value: '198.51.100.7' }],
              },
            },
          ],
        },
      },
    ]);
  });

  it('reads a record by listing from its name and type', async () => {
    const { dns, route53 } = mockedDns();
    route53.on(ListResourceRecordSetsCommand).resolves({
      ResourceRecordSets: [
        {
          Name: 'orders.example.com.',
          Type: 'CNAME',
          TTL: 300,
          ResourceRecords: [{ Value: 'orders.us-east-1.example.net' }],
        },
      ],
      IsTruncated: true,
      MaxItems: 1,
    });

    await expect(dns.getRecord(ref)).resolves.toEqual({ values: ['orders.us-east-1.example.net'], ttl: 300 });
    expect(route53.commandCalls(ListResourceRecordSetsCommand)[0]?.args[0].input).toEqual({
      HostedZoneId: 'Z0123456789ABC',
      StartRecordName: 'orders.example.com',
      StartRecordType: 'CNAME',
      MaxItems: 1,
    });
  });

  it('matches names the way Route 53 returns them: trailing dot, lower case, octal escapes', async () => {
    const { dns, route53 } = mockedDns();
    route53.on(ListResourceRecordSetsCommand).resolves({
      ResourceRecordSets: [
        {
          Name: '\\052.orders.example.com.',
          Type: 'A',
          TTL: 60,
          ResourceRecords: [{ Value: '192.0.2.10' }, { Value: '192.0.2.11' }],
        },
      ],
    });

    await expect(
      dns.getRecord({ hostedZoneId: 'Z0123456789ABC', name: '*.Orders.Example.com.', type: 'A' }),
    ).resolves.toEqual({
      values: ['192.0.2.10', '192.0.2.11'],
      ttl: 60,
    });
  });

  it('reports an absent record when the listing starts at another name or type', async () => {
    const { dns, route53 } = mockedDns();
    route53
      .on(ListResourceRecordSetsCommand)
      .resolvesOnce({
        ResourceRecordSets: [
          { Name: 'payments.example.com.', Type: 'CNAME', TTL: 60, ResourceRecords: [{ Value: 'x' }] },
        ],
      })
      .resolvesOnce({
        ResourceRecordSets: [
          { Name: 'orders.example.com.', Type: 'TXT', TTL: 60, ResourceRecords: [{ Value: '"v"' }] },
        ],
      })
      .resolvesOnce({ ResourceRecordSets: [] });

    await expect(dns.getRecord(ref)).resolves.toBeUndefined();
    await expect(dns.getRecord(ref)).resolves.toBeUndefined();
    await expect(dns.getRecord(ref)).resolves.toBeUndefined();
  });

  it('shows an alias record by its target name', async () => {
    const { dns, route53 } = mockedDns();
    route53.on(ListResourceRecordSetsCommand).resolves({
      ResourceRecordSets: [
        {
          Name: 'orders.example.com.',
          Type: 'A',
          AliasTarget: {
            HostedZoneId: 'Z35SXDOTRQ7X7K',
            DNSName: 'orders-1234.us-east-1.elb.amazonaws.com.',
            EvaluateTargetHealth: false,
          },
        },
      ],
    });

    await expect(dns.getRecord({ ...ref, type: 'A' })).resolves.toEqual({
      values: ['orders-1234.us-east-1.elb.amazonaws.com.'],
      ttl: 0,
    });
  });

  it('answers a change PENDING or INSYNC with one GetChange each', async () => {
    const { dns, route53 } = mockedDns();
    route53
      .on(GetChangeCommand)
      .resolvesOnce({ ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: new Date() } })
      .resolvesOnce({ ChangeInfo: { Id: '/change/C1', Status: 'INSYNC', SubmittedAt: new Date() } });

    await expect(dns.changeStatus('/change/C1')).resolves.toBe('PENDING');
    await expect(dns.changeStatus('/change/C1')).resolves.toBe('INSYNC');
    expect(route53.commandCalls(GetChangeCommand).map((call) => call.args[0].input)).toEqual([
      { Id: '/change/C1' },
      { Id: '/change/C1' },
    ]);
  });

  it('names the change when Route 53 does not know it', async () => {
    const { dns, route53 } = mockedDns();
    route53
      .on(GetChangeCommand)
      .rejects(Object.assign(new Error('change /change/C9 not found'), { name: 'NoSuchChange' }));
    await expect(dns.changeStatus('/change/C9')).rejects.toThrow(
      /^Route 53 GetChange \/change\/C9: NoSuchChange/,
    );
  });
});

// Against the stand-in, which applies a change batch as Route 53 does: whole or not at all.
describe('createRoute53Dns against a Route 53 stand-in', () => {
  const zoneId = 'Z0123456789ABC';
  const cname = {
    name: 'orders.example.com',
    type: 'CNAME',
    values: ['orders.us-east-1.example.net'],
    ttl: 60,
  } as const;
  const address = { name: 'orders-v4.example.com', type: 'A', values: ['192.0.2.10'], ttl: 60 } as const;
  const standIn = () => {
    const client = new Route53Client({ region: 'us-east-1', credentials });
    const zone = route53StandIn(client, {
      hostedZoneId: zoneId,
      initial: [
        { ...cname, values: [...cname.values] },
        { ...address, values: [...address.values] },
      ],
    });
    return { zone, dns: createRoute53Dns({ client }) };
  };
  const read = (dns: ReturnType<typeof standIn>['dns']) =>
    Promise.all(
      [cname, address].map((r) => dns.getRecord({ hostedZoneId: zoneId, name: r.name, type: r.type })),
    );

  it('flips every record of a batch under one change, INSYNC for all of them', async () => {
    const { dns } = standIn();

    const changeId = await dns.upsertRecords(
      zoneId,
      [
        { ...cname, values: ['orders.eu-west-1.example.net'] },
        { ...address, values: ['198.51.100.10'] },
      ],
      'failover',
    );
    // The stand-in keeps a change PENDING for one GetChange, as Route 53 does for a while.
    expect(await dns.changeStatus(changeId)).toBe('PENDING');
    expect(await dns.changeStatus(changeId)).toBe('INSYNC');

    await expect(read(dns)).resolves.toEqual([
      { values: ['orders.eu-west-1.example.net'], ttl: 60 },
      { values: ['198.51.100.10'], ttl: 60 },
    ]);
  });

  it('leaves every record as it was when Route 53 rejects one record of the batch', async () => {
    const { dns, zone } = standIn();

    const flip = dns.upsertRecords(
      zoneId,
      [
        { ...cname, values: ['orders.eu-west-1.example.net'] },
        { ...address, values: ['orders.eu-west-1.example.net'] },
      ],
      'failover',
    );

    await expect(flip).rejects.toThrow(DnsChangeFailedError);
    await expect(flip).rejects.toThrow(
      "Route 53 ChangeResourceRecordSets orders.example.com CNAME, orders-v4.example.com A: InvalidChangeBatch: [Invalid Resource Record: 'FATAL problem: ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address) encountered with 'orders.eu-west-1.example.net'']",
    );
    await expect(read(dns)).resolves.toEqual([
      { values: ['orders.us-east-1.example.net'], ttl: 60 },
      { values: ['192.0.2.10'], ttl: 60 },
    ]);
    expect(zone.records()).toHaveLength(2);
  });

  it('rejects a batch that names a record twice, changing nothing', async () => {
    const { dns } = standIn();

    const flip = dns.upsertRecords(
      zoneId,
      [
        { ...cname, values: ['a.example.net'] },
        { ...cname, name: 'ORDERS.example.com.', values: ['b.example.net'] },
      ],
      'failover',
    );

    await expect(flip).rejects.toThrow(
      "InvalidChangeBatch: [The request contains an invalid set of changes for a resource record set 'CNAME orders.example.com.']",
    );
    await expect(read(dns)).resolves.toEqual([
      { values: ['orders.us-east-1.example.net'], ttl: 60 },
      { values: ['192.0.2.10'], ttl: 60 },
    ]);
  });
});

// Through a real Route53Client against a local endpoint: the SDK's own retry strategy and
// error parser run, and the assertions are on the HTTP requests Route 53 would receive.
describe('createRoute53Dns against the Route 53 wire protocol', () => {
  let endpoint: ScriptedEndpoint;
  const xmlns = 'https://route53.amazonaws.com/doc/2013-04-01/';
  const changeAccepted = {
    status: 200,
    body: `<?xml version="1.0"?><ChangeResourceRecordSetsResponse xmlns="${xmlns}"><ChangeInfo><Id>/change/C3</Id><Status>PENDING</Status><SubmittedAt>2025-01-01T00:00:00.000Z</SubmittedAt></ChangeInfo></ChangeResourceRecordSetsResponse>`,
  };
  const senderError = (code: string, message: string) => ({
    status: 400,
    body: `<?xml version="1.0"?><ErrorResponse xmlns="${xmlns}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>req-1</RequestId></ErrorResponse>`,
  });
  const serviceUnavailable = {
    status: 503,
    body: `<?xml version="1.0"?><ErrorResponse xmlns="${xmlns}"><Error><Type>Receiver</Type><Code>ServiceUnavailable</Code><Message>Service unavailable</Message></Error><RequestId>req-2</RequestId></ErrorResponse>`,
  };

  const dnsOnEndpoint = () =>
    createRoute53Dns({ clientConfig: { region: 'us-east-1', endpoint: endpoint.url, credentials } });
  const upsert = () =>
    dnsOnEndpoint().upsertRecords(
      ref.hostedZoneId,
      [{ name: ref.name, type: ref.type, values: ['orders.eu-west-1.example.net'], ttl: 60 }],
      'failover',
    );

  beforeAll(async () => {
    endpoint = await startScriptedEndpoint();
    // The SDK's backoff is random jitter times a base; no jitter keeps the retries instant.
    jest.spyOn(Math, 'random').mockReturnValue(0);
  });
  afterEach(() => endpoint.script([]));
  afterAll(async () => {
    jest.restoreAllMocks();
    await endpoint.close();
  });

  it('sends the change batch as Route 53 expects it', async () => {
    endpoint.script([changeAccepted]);

    await expect(upsert()).resolves.toBe('/change/C3');

    expect(endpoint.received).toHaveLength(1);
    const request = endpoint.received[0]!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/2013-04-01/hostedzone/Z0123456789ABC/rrset');
    for (const element of [
      '<Comment>failover</Comment>',
      '<Action>UPSERT</Action>',
      '<Name>orders.example.com</Name>',
      '<Type>CNAME</Type>',
      '<TTL>60</TTL>',
      '<ResourceRecords><ResourceRecord><Value>orders.eu-west-1.example.net</Value></ResourceRecord></ResourceRecords>',
    ]) {
      expect(request.body).toContain(element);
    }
  });

  it('lets the SDK retry throttling until Route 53 accepts the change', async () => {
    endpoint.script([
      senderError('Throttling', 'Rate exceeded'),
      senderError(
        'PriorRequestNotComplete',
        'The request was rejected because Route 53 was still processing a prior request.',
      ),
      changeAccepted,
    ]);

    await expect(upsert()).resolves.toBe('/change/C3');

    expect(endpoint.received).toHaveLength(3);
    expect(new Set(endpoint.received.map((r) => r.body)).size).toBe(1);
  });

  it('surfaces a 5xx that outlasts the SDK retries as a TransientError', async () => {
    endpoint.script([serviceUnavailable]);

    const result = upsert();

    await expect(result).rejects.toThrow(TransientError);
    await expect(result).rejects.toThrow(/ChangeResourceRecordSets orders.example.com CNAME/);
    expect(endpoint.received).toHaveLength(5);
  });

  it('turns InvalidChangeBatch into DnsChangeFailedError with Route 53 reasons, without retrying', async () => {
    endpoint.script([
      senderError(
        'InvalidChangeBatch',
        '[RRSet of type CNAME with DNS name orders.example.com. is not permitted as it conflicts with other records with the same DNS name in zone example.com.]',
      ),
    ]);

    const result = upsert();

    await expect(result).rejects.toThrow(DnsChangeFailedError);
    await expect(result).rejects.toThrow(
      /InvalidChangeBatch: \[RRSet of type CNAME .* conflicts with other records/,
    );
    expect(endpoint.received).toHaveLength(1);
  });

  it('turns NoSuchHostedZone into DnsChangeFailedError', async () => {
    endpoint.script([
      {
        status: 404,
        body: senderError('NoSuchHostedZone', 'No hosted zone found with ID: Z0123456789ABC').body,
      },
    ]);

    const result = dnsOnEndpoint().getRecord(ref);

    await expect(result).rejects.toThrow(DnsChangeFailedError);
    await expect(result).rejects.toThrow(/NoSuchHostedZone: No hosted zone found with ID: Z0123456789ABC/);
  });
});
