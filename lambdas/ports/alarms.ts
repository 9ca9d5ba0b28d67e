// Reads the current state of the alarms that triggered a failover. Adapter: CloudWatch DescribeAlarms.

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export interface AlarmPort {
  /** Current state of each named alarm; an alarm that does not exist is absent from the map. */
  getStates(alarmNames: string[]): Promise<Map<string, AlarmState>>;
}
