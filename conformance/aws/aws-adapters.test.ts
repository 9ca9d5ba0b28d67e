// The AWS adapters against moto's server (conformance/aws/moto-server.ts), a real HTTP server
// speaking each service's wire protocol: the coordination contract (the same one dynalite runs in
// the unit tier), the journal, Route 53 (one change batch, GetChange, the access check that must
// change nothing), SNS (a Publish delivered to a subscriber), CloudWatch alarms and EKS
// DescribeCluster. Where moto answers differently from AWS the test says so.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DescribeAlarmsCommand, CloudWatchClient, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import {
  CreateHostedZoneCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { createCloudWatchAlarms } from '../../lambdas/adapters/cloudwatch-alarms.js';
import { createDynamoDbJournal } from '../../lambdas/adapters/dynamodb-journal.js';
import { createEksAccessProvider } from '../../lambdas/adapters/eks-access.js';
import { createRoute53Dns } from '../../lambdas/adapters/route53-dns.js';
import { createSnsNotifier } from '../../lambdas/adapters/sns-notifier.js';
import { createJournalTable, type JournalTable } from '../../sim/local-dynamodb.js';
import { coordinationContract } from '../../test/safety/coordination-contract.js';
import { putAlarm, startMotoServer, type MotoServer } from './moto-server.js';
import { ranAgainst } from '../record.js';

let moto: MotoServer;
let table: JournalTable;

beforeAll(async () => {
  moto = await startMotoServer();
  ranAgainst('moto', moto.version);
  const client = new DynamoDBClient(moto.clientConfig);
  await createJournalTable(client, 'failover-journal');
  table = { client, tableName: 'failover-journal' };
}, 120_000);

afterAll(async () => {
  table?.client.destroy();
  await moto?.stop();
});

coordinationContract('moto', () => table);

describe('the AWS adapters on moto', () => {
  it('journal: the steps of two attempts, written out of order, read back in start order', async () => {
    const journal = createDynamoDbJournal({ ...table, now: () => new Date('2026-11-27T10:00:00Z') });
    const record = (step: string, attempt: number, startedAt: string) => ({
      step,
      attempt,
      startedAt,
      endedAt: startedAt,
      outcome: 'succeeded' as const,
      summary: `${step} ${attempt}`,
      detail: { attempt },
      sideEffects: [],
    });
    await journal.appendStep('exec-1', record('promote', 2, '2026-11-27T10:00:02.000Z'));
    await journal.appendStep('exec-1', record('promote', 1, '2026-11-27T10:00:01.000Z'));
    await journal.appendStep('exec-2', record('fence', 1, '2026-11-27T10:00:00.000Z'));
    expect((await journal.listSteps('exec-1')).map((s) => `${s.step} ${s.attempt}`)).toEqual([
      'promote 1',
      'promote 2',
    ]);
  });

  it('Route 53: one batch flips every record, GetChange reports it INSYNC, the records read back; the access check changes nothing (and fails closed on moto)', async () => {
    const client = new Route53Client(moto.clientConfig);
    const zone = await client.send(
      new CreateHostedZoneCommand({ Name: 'payments.example.com', CallerReference: `ref-${Date.now()}` }),
    );
    const hostedZoneId = zone.HostedZone!.Id!.replace('/hostedzone/', '');
    const dns = createRoute53Dns({ clientConfig: moto.clientConfig });
    const ref = { hostedZoneId, name: 'amqp.payments.example.com', type: 'CNAME' as const };
    const changeId = await dns.upsertRecords(
      hostedZoneId,
      [
        { name: ref.name, type: ref.type, values: ['prod.payments.example.com'], ttl: 60 },
        { name: 'mgmt.payments.example.com', type: 'A', values: ['192.0.2.10'], ttl: 30 },
      ],
      'failover test',
    );
    expect(await dns.changeStatus(changeId)).toBe('INSYNC');
    expect(await dns.getRecord(ref)).toEqual({ values: ['prod.payments.example.com'], ttl: 60 });

    // The access check is a DELETE naming a value the record does not hold. Route 53 refuses it
    // with InvalidChangeBatch ("... but the values provided do not match the current values"),
    // which the adapter reads as permission (authorization comes first); moto answers InvalidInput
    // instead, which the adapter does not take for permission: it fails closed. Route 53's own
    // answer is held by sim/route53-endpoint.ts (test/adapters/aws/route53-dns-access.test.ts).
    await expect(dns.checkChangeAccess(ref, await dns.getRecord(ref))).rejects.toThrow(
      /^Route 53 ChangeResourceRecordSets amqp\.payments\.example\.com CNAME \(access check: DELETE of preflight-1\.invalid\., a value the record does not hold\): InvalidInput: /,
    );
    // Nothing changed either way.
    expect(await dns.getRecord(ref)).toEqual({ values: ['prod.payments.example.com'], ttl: 60 });
    const listed = await client.send(new ListResourceRecordSetsCommand({ HostedZoneId: hostedZoneId }));
    expect(listed.ResourceRecordSets?.map((r) => `${r.Type} ${r.Name}`)).toEqual(
      expect.arrayContaining(['CNAME amqp.payments.example.com.', 'A mgmt.payments.example.com.']),
    );
    client.destroy();
  });

  it("SNS: a notification reaches the topic's subscribers whose filter policy its attributes match, and no others", async () => {
    // Two HTTP subscribers, one filtering on this plan's attribute, one on another plan's: the
    // attributes are what subscription filters read. (moto leaves MessageAttributes out of the
    // HTTP delivery's body, which SNS includes; the filter is applied on them either way.)
    const received = new Map<string, string[]>();
    const subscribers: Server[] = [];
    const subscriber = async (name: string) => {
      received.set(name, []);
      const server = createServer((req, res) => {
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk.toString()));
        req.on('end', () => {
          received.get(name)!.push(body);
          res.end();
        });
      });
      subscribers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    };
    try {
      const client = new SNSClient(moto.clientConfig);
      const topic = await client.send(new CreateTopicCommand({ Name: 'failover-events' }));
      for (const plan of ['payments-rabbitmq', 'orders-rocketmq'])
        await client.send(
          new SubscribeCommand({
            TopicArn: topic.TopicArn,
            Protocol: 'http',
            Endpoint: await subscriber(plan),
            Attributes: { FilterPolicy: JSON.stringify({ plan: [plan] }) },
          }),
        );
      const notifier = createSnsNotifier({ topicArn: topic.TopicArn!, clientConfig: moto.clientConfig });
      await notifier.notify({
        subject: '[failover] payments-rabbitmq: SUCCEEDED',
        message: 'Recovery time: 42 s',
        attributes: { plan: 'payments-rabbitmq', status: 'SUCCEEDED' },
      });
      const notifications = (name: string) =>
        received
          .get(name)!
          .map((b) => JSON.parse(b) as { Type: string; Subject: string; Message: string })
          .filter((n) => n.Type === 'Notification');
      const deadline = Date.now() + 10_000;
      while (notifications('payments-rabbitmq').length === 0 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 100));
      expect(notifications('payments-rabbitmq').map((n) => [n.Subject, n.Message])).toEqual([
        ['[failover] payments-rabbitmq: SUCCEEDED', 'Recovery time: 42 s'],
      ]);
      expect(notifications('orders-rocketmq')).toEqual([]);
      client.destroy();
    } finally {
      for (const server of subscribers) server.close();
    }
  });

  it('CloudWatch: the alarm port reads each alarm as set, and leaves out one that does not exist', async () => {
    const client = new CloudWatchClient(moto.clientConfig);
    for (const name of ['payments-upstream-down', 'payments-queue-depth']) await putAlarm(client, name);
    await client.send(
      new SetAlarmStateCommand({
        AlarmName: 'payments-upstream-down',
        StateValue: 'ALARM',
        StateReason: 'upstream unreachable from the probe',
      }),
    );
    const described = await client.send(new DescribeAlarmsCommand({ AlarmNames: ['payments-queue-depth'] }));
    const alarms = createCloudWatchAlarms({ clientConfig: moto.clientConfig });
    const states = await alarms.getStates([
      'payments-upstream-down',
      'payments-queue-depth',
      'no-such-alarm',
    ]);
    expect(Object.fromEntries(states)).toEqual({
      'payments-upstream-down': 'ALARM',
      'payments-queue-depth': described.MetricAlarms![0]!.StateValue,
    });
    client.destroy();
  });

  it("EKS: the cluster's endpoint and CA come from DescribeCluster, with a bearer token for the IAM authenticator", async () => {
    const client = new EKSClient(moto.clientConfig);
    const created = await client.send(
      new CreateClusterCommand({
        name: 'payments-dr',
        roleArn: 'arn:aws:iam::123456789012:role/eks',
        resourcesVpcConfig: { subnetIds: ['subnet-1', 'subnet-2'] },
      }),
    );
    const provider = createEksAccessProvider({
      eksClientConfig: { endpoint: moto.endpoint, credentials: moto.clientConfig.credentials },
      credentials: async () => moto.clientConfig.credentials,
    });
    const config = await provider.accessFor({ name: 'payments-dr', region: moto.clientConfig.region });
    const cluster = config.getCurrentCluster();
    expect(cluster?.server).toBe(created.cluster!.endpoint);
    expect(cluster?.caData).toBe(created.cluster!.certificateAuthority!.data);
    expect(config.getCurrentUser()?.token).toMatch(/^k8s-aws-v1\.[A-Za-z0-9_-]+$/);
    client.destroy();
  });
});
