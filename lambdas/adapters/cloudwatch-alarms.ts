// AlarmPort on CloudWatch: the current state of the alarms named in a plan.
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  type CloudWatchClientConfig,
} from '@aws-sdk/client-cloudwatch';
import type { AlarmPort, AlarmState } from '../ports/alarms.js';
import { awsCall, clientFromOptions } from './aws-retry.js';

export interface CloudWatchAlarmsOptions {
  client?: CloudWatchClient;
  clientConfig?: CloudWatchClientConfig;
}

// DescribeAlarms accepts at most 100 AlarmNames and returns at most 100 alarms per page.
const MAX_NAMES_PER_REQUEST = 100;
const MAX_RECORDS = 100;

const ALARM_STATES: ReadonlySet<string> = new Set<AlarmState>(['OK', 'ALARM', 'INSUFFICIENT_DATA']);

export function createCloudWatchAlarms(options: CloudWatchAlarmsOptions = {}): AlarmPort {
  const client = clientFromOptions(
    'createCloudWatchAlarms',
    options,
    (config) => new CloudWatchClient(config),
  );
  // A client per other Region, made when an alarm there is first read: a forwarded alarm is
  // re-read where it lives.
  const regional = new Map<string, CloudWatchClient>();
  const clientIn = async (region: string | undefined) => {
    if (region === undefined || region === (await client.config.region())) return client;
    const other = regional.get(region) ?? new CloudWatchClient({ ...options.clientConfig, region });
    regional.set(region, other);
    return other;
  };
  return {
    async getStates(alarmNames: string[], region?: string): Promise<Map<string, AlarmState>> {
      const cloudWatch = await clientIn(region);
      const names = [...new Set(alarmNames)];
      const states = new Map<string, AlarmState>();
      for (let start = 0; start < names.length; start += MAX_NAMES_PER_REQUEST) {
        const batch = names.slice(start, start + MAX_NAMES_PER_REQUEST);
        let nextToken: string | undefined;
        do {
          const out = await awsCall(`CloudWatch DescribeAlarms ${batch.join(', ')}`, () =>
            cloudWatch.send(
              new DescribeAlarmsCommand({
                AlarmNames: batch,
                // Without AlarmTypes, DescribeAlarms returns metric alarms only.
                AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
                MaxRecords: MAX_RECORDS,
                ...(nextToken ? { NextToken: nextToken } : {}),
              }),
            ),
          );
          for (const alarm of [...(out.MetricAlarms ?? []), ...(out.CompositeAlarms ?? [])]) {
            if (alarm.AlarmName && isAlarmState(alarm.StateValue))
              states.set(alarm.AlarmName, alarm.StateValue);
          }
          nextToken = out.NextToken;
        } while (nextToken);
      }
      return states;
    },
  };
}

function isAlarmState(value: string | undefined): value is AlarmState {
  return value !== undefined && ALARM_STATES.has(value);
}
