import { describe, expect, it } from '@jest/globals';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { createCloudWatchAlarms } from '../../../lambdas/adapters/cloudwatch-alarms.js';
import { TransientError } from '../../../lambdas/errors.js';

function mockedAlarms() {
  const client = new CloudWatchClient({ region: 'eu-west-1' });
  const cloudwatch = mockClient(client);
  return { alarms: createCloudWatchAlarms({ client }), cloudwatch };
}

const bothTypes = ['MetricAlarm', 'CompositeAlarm'];

describe('createCloudWatchAlarms', () => {
  it('reads metric and composite alarms; an unknown alarm is absent', async () => {
    const { alarms, cloudwatch } = mockedAlarms();
    cloudwatch.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [{ AlarmName: 'orders-broker-down', StateValue: 'ALARM' }],
      CompositeAlarms: [{ AlarmName: 'orders-region-impaired', StateValue: 'INSUFFICIENT_DATA' }],
    });

    const states = await alarms.getStates(['orders-broker-down', 'orders-region-impaired', 'no-such-alarm']);

    expect(states).toEqual(
      new Map([
        ['orders-broker-down', 'ALARM'],
        ['orders-region-impaired', 'INSUFFICIENT_DATA'],
      ]),
    );
    expect(cloudwatch.commandCalls(DescribeAlarmsCommand).map((call) => call.args[0].input)).toEqual([
      {
        AlarmNames: ['orders-broker-down', 'orders-region-impaired', 'no-such-alarm'],
        AlarmTypes: bothTypes,
        MaxRecords: 100,
      },
    ]);
  });

  it("reads an alarm of another Region (a plan's other Region, its event forwarded) with a client of that Region", async () => {
    const cloudwatch = mockClient(CloudWatchClient);
    cloudwatch
      .on(DescribeAlarmsCommand)
      .resolves({ MetricAlarms: [{ AlarmName: 'canary', StateValue: 'ALARM' }] });
    const alarms = createCloudWatchAlarms({ clientConfig: { region: 'eu-central-1' } });

    expect(await alarms.getStates(['canary'])).toEqual(new Map([['canary', 'ALARM']]));
    expect(await alarms.getStates(['nodes-missing'], 'eu-west-1')).toEqual(new Map([['canary', 'ALARM']]));
    expect(await alarms.getStates(['canary'], 'eu-central-1')).toEqual(new Map([['canary', 'ALARM']]));

    const regions = await Promise.all(
      cloudwatch
        .commandCalls(DescribeAlarmsCommand)
        .map((call) => (call.thisValue as CloudWatchClient).config.region()),
    );
    expect(regions).toEqual(['eu-central-1', 'eu-west-1', 'eu-central-1']);
    cloudwatch.restore();
  });

  it('asks for at most 100 names at a time and follows NextToken', async () => {
    const { alarms, cloudwatch } = mockedAlarms();
    const names = Array.from({ length: 150 }, (_, i) => `alarm-${String(i).padStart(3, '0')}`);
    cloudwatch
      .on(DescribeAlarmsCommand)
      .resolvesOnce({ MetricAlarms: [{ AlarmName: 'alarm-000', StateValue: 'OK' }], NextToken: 'page-2' })
      .resolvesOnce({ CompositeAlarms: [{ AlarmName: 'alarm-099', StateValue: 'ALARM' }] })
      .resolvesOnce({ MetricAlarms: [{ AlarmName: 'alarm-149', StateValue: 'OK' }] });

    const states = await alarms.getStates([...names, 'alarm-000']);

    expect(cloudwatch.commandCalls(DescribeAlarmsCommand).map((call) => call.args[0].input)).toEqual([
      { AlarmNames: names.slice(0, 100), AlarmTypes: bothTypes, MaxRecords: 100 },
      { AlarmNames: names.slice(0, 100), AlarmTypes: bothTypes, MaxRecords: 100, NextToken: 'page-2' },
      { AlarmNames: names.slice(100), AlarmTypes: bothTypes, MaxRecords: 100 },
    ]);
    expect(states).toEqual(
      new Map([
        ['alarm-000', 'OK'],
        ['alarm-099', 'ALARM'],
        ['alarm-149', 'OK'],
      ]),
    );
  });

  it('makes no request for no alarms', async () => {
    const { alarms, cloudwatch } = mockedAlarms();

    await expect(alarms.getStates([])).resolves.toEqual(new Map());
    expect(cloudwatch.calls()).toHaveLength(0);
  });

  it('reports a CloudWatch 5xx as a TransientError', async () => {
    const { alarms, cloudwatch } = mockedAlarms();
    cloudwatch.on(DescribeAlarmsCommand).rejects(
      Object.assign(new Error('Internal failure'), {
        name: 'InternalServiceFault',
        $metadata: { httpStatusCode: 500 },
      }),
    );

    await expect(alarms.getStates(['orders-broker-down'])).rejects.toThrow(TransientError);
  });

  it('refuses both a client and a client config', () => {
    expect(() => createCloudWatchAlarms({ client: new CloudWatchClient({}), clientConfig: {} })).toThrow(
      /either client or clientConfig/,
    );
  });
});
