// Reads the current state of the alarms that triggered a failover. Adapter: CloudWatch DescribeAlarms.

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export interface AlarmPort {
  /**
   * Current state of each named alarm; an alarm that does not exist is absent from the map.
   * `region`: where the alarms live when not in this orchestrator's Region (an alarm of a plan's
   * other Region, whose event was forwarded here).
   */
  getStates(alarmNames: string[], region?: string): Promise<Map<string, AlarmState>>;
}
