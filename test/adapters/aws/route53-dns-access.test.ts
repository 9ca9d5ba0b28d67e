// The Route 53 access check: a DELETE of the plan's own record naming a value the record does not
// hold. Route 53 authorizes first (AccessDenied: no permission) and then rejects the batch as not
// matching (InvalidChangeBatch: permission, nothing changed); anything else is an error.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import {
  ChangeResourceRecordSetsCommand,
  InvalidChangeBatch,
  ListResourceRecordSetsCommand,
  NoSuchHostedZone,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { createRoute53Dns } from '../../../lambdas/adapters/route53-dns.js';
import { DnsAccessDeniedError, DnsChangeFailedError, TransientError } from '../../../lambdas/errors.js';
import type { DnsRecordRef, DnsRecordValue } from '../../../lambdas/ports/dns.js';
import { startScriptedEndpoint, type ScriptedEndpoint } from './scripted-endpoint.js';

const ref: DnsRecordRef = { hostedZoneId: 'Z0123456789ABC', name: 'orders.example.com', type: 'CNAME' };
const current: DnsRecordValue = { values: ['orders.us-east-1.example.net'], ttl: 60 };
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
const metadata = { httpStatusCode: 400, requestId: 'req-1' };

const accessDenied = () =>
  Object.assign(
    new Error(
      'User: arn:aws:sts::111122223333:assumed-role/operator/dana is not authorized to perform: route53:ChangeResourceRecordSets on resource: arn:aws:route53:::hostedzone/Z0123456789ABC',
    ),
    {
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403, requestId: 'req-2' },
    },
  );
const notMatching = () =>
  new InvalidChangeBatch({
    message:
      "[Tried to delete resource record set [name='orders.example.com.', type='CNAME'] but the values provided do not match the current values]",
    $metadata: metadata,
  });

function mockedDns() {
  const client = new Route53Client({ region: 'us-east-1', credentials });
  const route53 = mockClient(client);
  return { dns: createRoute53Dns({ client }), route53 };
}

const sentChanges = (route53: ReturnType<typeof mockedDns>['route53']) =>
  route53
    .commandCalls(ChangeResourceRecordSetsCommand)
    .map((call) => call.args[0].input.ChangeBatch?.Changes);

describe('checkChangeAccess on Route 53', () => {
  it('reports allowed when Route 53 rejects the batch as not matching (InvalidChangeBatch), having sent one DELETE of a value the record does not hold', async () => {
    const { dns, route53 } = mockedDns();
    route53.on(ChangeResourceRecordSetsCommand).rejects(notMatching());

    const access = await dns.checkChangeAccess(ref, current);

    expect(access).toEqual({
      allowed: true,
      answer: expect.stringMatching(/^InvalidChangeBatch: .*do not match the current values/),
    });
    expect(sentChanges(route53)).toEqual([
      [
        {
          Action: 'DELETE',
          ResourceRecordSet: {
            Name: 'orders.example.com',
            Type: 'CNAME',
            TTL: 300,
            ResourceRecords: [{ Value: 'preflight-1.invalid.' }],
          },
        },
      ],
    ]);
  });

  it('reports denied when Route 53 answers AccessDenied, with its words', async () => {
    const { dns, route53 } = mockedDns();
    route53.on(ChangeResourceRecordSetsCommand).rejects(accessDenied());

    await expect(dns.checkChangeAccess(ref, current)).resolves.toEqual({
      allowed: false,
      answer: expect.stringMatching(
        /^AccessDenied: User: .* is not authorized to perform: route53:ChangeResourceRecordSets/,
      ),
    });
    expect(sentChanges(route53)).toHaveLength(1);
  });

  it.each<[string, DnsRecordRef['type'], string[], string]>([
    ['an absent record', 'CNAME', [], 'preflight-1.invalid.'],
    ['a CNAME holding the first reserved name', 'CNAME', ['PREFLIGHT-1.invalid'], 'preflight-2.invalid.'],
    [
      'a CNAME holding the first two',
      'CNAME',
      ['preflight-2.invalid.', 'preflight-1.invalid.'],
      'preflight-3.invalid.',
    ],
    ['an A record', 'A', ['203.0.113.7', '198.51.100.2'], '192.0.2.1'],
    ['an A record holding the first TEST-NET address', 'A', ['192.0.2.1'], '192.0.2.2'],
    [
      'an AAAA record holding the first documentation address, spelt differently',
      'AAAA',
      ['2001:0DB8:0000::0001'],
      '2001:db8::2',
    ],
    ['an alias A record', 'A', ['orders-1234.us-east-1.elb.amazonaws.com.'], '192.0.2.1'],
  ])('never names a value the record holds: %s', async (_case, type, values, expected) => {
    const { dns, route53 } = mockedDns();
    route53.on(ChangeResourceRecordSetsCommand).rejects(notMatching());

    await dns.checkChangeAccess({ ...ref, type }, values.length > 0 ? { values, ttl: 60 } : undefined);

    const [changes] = sentChanges(route53);
    expect(changes).toHaveLength(1);
    expect(changes![0]!.Action).toBe('DELETE');
    expect(changes![0]!.ResourceRecordSet).toMatchObject({ Name: ref.name, Type: type });
    expect(changes![0]!.ResourceRecordSet!.ResourceRecords).toEqual([{ Value: expected }]);
  });

  it('throws, saying what happened, for any other answer', async () => {
    const { dns, route53 } = mockedDns();
    route53
      .on(ChangeResourceRecordSetsCommand)
      .rejectsOnce(
        new NoSuchHostedZone({
          message: 'No hosted zone found with ID: Z0123456789ABC',
          $metadata: { httpStatusCode: 404 },
        }),
      )
      .rejectsOnce(
        Object.assign(new Error('Service unavailable'), {
          name: 'ServiceUnavailable',
          $metadata: { httpStatusCode: 503 },
        }),
      )
      .resolvesOnce({ ChangeInfo: { Id: '/change/C9', Status: 'PENDING', SubmittedAt: new Date() } });

    await expect(dns.checkChangeAccess(ref, current)).rejects.toThrow(
      new DnsChangeFailedError(
        'Route 53 ChangeResourceRecordSets orders.example.com CNAME (access check: DELETE of preflight-1.invalid., a value the record does not hold): NoSuchHostedZone: No hosted zone found with ID: Z0123456789ABC',
      ),
    );
    await expect(dns.checkChangeAccess(ref, current)).rejects.toThrow(TransientError);
    // Only a record that held the value after all can make Route 53 accept the DELETE.
    await expect(dns.checkChangeAccess(ref, current)).rejects.toThrow(
      /accepted it \(change \/change\/C9\), so the record held preflight-1\.invalid\. after all/,
    );
  });

  it('turns AccessDenied on a read into DnsAccessDenied, which the workflow does not retry', async () => {
    const { dns, route53 } = mockedDns();
    route53.on(ListResourceRecordSetsCommand).rejects(accessDenied());

    const read = dns.getRecord(ref);

    await expect(read).rejects.toThrow(DnsAccessDeniedError);
    await expect(read).rejects.toMatchObject({
      name: 'DnsAccessDenied',
      message: expect.stringMatching(
        /^Route 53 ListResourceRecordSets orders.example.com CNAME: AccessDenied: /,
      ),
    });
  });
});

// Through a real Route53Client: the SDK parses Route 53's error bodies and decides on retries.
describe('checkChangeAccess against the Route 53 wire protocol', () => {
  let endpoint: ScriptedEndpoint;
  const xmlns = 'https://route53.amazonaws.com/doc/2013-04-01/';
  const dnsOnEndpoint = () =>
    createRoute53Dns({ clientConfig: { region: 'us-east-1', endpoint: endpoint.url, credentials } });

  beforeAll(async () => {
    endpoint = await startScriptedEndpoint();
    jest.spyOn(Math, 'random').mockReturnValue(0);
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await endpoint.close();
  });

  it('reads AccessDenied (403) as denied, without retrying', async () => {
    endpoint.script([
      {
        status: 403,
        body: `<?xml version="1.0"?><ErrorResponse xmlns="${xmlns}"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::111122223333:user/dana is not authorized to perform: route53:ChangeResourceRecordSets on resource: arn:aws:route53:::hostedzone/Z0123456789ABC because no identity-based policy allows the route53:ChangeResourceRecordSets action</Message></Error><RequestId>req-3</RequestId></ErrorResponse>`,
      },
    ]);

    await expect(dnsOnEndpoint().checkChangeAccess(ref, current)).resolves.toEqual({
      allowed: false,
      answer: expect.stringMatching(/^AccessDenied: User: .*no identity-based policy allows/),
    });
    expect(endpoint.received).toHaveLength(1);
    expect(endpoint.received[0]!.body).toContain('<Action>DELETE</Action>');
    expect(endpoint.received[0]!.body).toContain('<Value>preflight-1.invalid.</Value>');
    expect(endpoint.received[0]!.body).not.toContain(current.values[0]);
  });

  it('reads InvalidChangeBatch (400) as allowed, with Route 53 reasons', async () => {
    endpoint.script([
      {
        status: 400,
        body: `<?xml version="1.0"?><ErrorResponse xmlns="${xmlns}"><Error><Type>Sender</Type><Code>InvalidChangeBatch</Code><Message>[Tried to delete resource record set [name='orders.example.com.', type='CNAME'] but the values provided do not match the current values]</Message></Error><RequestId>req-4</RequestId></ErrorResponse>`,
      },
    ]);

    await expect(dnsOnEndpoint().checkChangeAccess(ref, current)).resolves.toEqual({
      allowed: true,
      answer: expect.stringMatching(/^InvalidChangeBatch: .*do not match the current values/),
    });
    expect(endpoint.received).toHaveLength(1);
  });
});
