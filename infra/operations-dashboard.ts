// What an operator looks at: an alarm on executions that failed or halted, and one dashboard with
// executions by outcome, the recovery time and the time per step (from each report's metrics), and
// each plan's standby readiness (from the scheduled evaluation). The plans' own alarms are in the
// CloudWatch alarms console; the dashboard shows the orchestrator's.
import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  SearchExpression,
  TreatMissingData,
  type IAlarm,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, metricNames } from '../lambdas/ports/metrics.js';

export interface OperationsDashboardProps {
  readonly stateMachine: StateMachine;
  readonly topic: ITopic;
  /** Shown in the alarm status row, after the failure alarm. */
  readonly alarms: IAlarm[];
}

const HOUR = Duration.hours(1);

/** Every series of one metric: one per plan, and per value of its other dimension (steps, checks, outcomes). */
const search = (metric: string, dimensions: string[], statistic: string, period: Duration) =>
  new SearchExpression({
    expression: `SEARCH('{${METRICS_NAMESPACE},${dimensions.join(',')}} MetricName="${metric}"', '${statistic}', ${period.toSeconds()})`,
    period,
  });

export class OperationsDashboard extends Construct {
  /** Any execution that ended Failed (halted, failed after a change), timed out or was aborted. */
  readonly failureAlarm: Alarm;
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: OperationsDashboardProps) {
    super(scope, id);
    const { stateMachine } = props;
    const period = Duration.minutes(5);

    // A halted workflow ends in the Fail state too: ExecutionsFailed counts HALTED and FAILED.
    this.failureAlarm = new MathExpression({
      expression: 'failed + timedOut + aborted',
      usingMetrics: {
        failed: stateMachine.metricFailed({ statistic: 'Sum', period }),
        timedOut: stateMachine.metricTimedOut({ statistic: 'Sum', period }),
        aborted: stateMachine.metricAborted({ statistic: 'Sum', period }),
      },
      period,
      label: 'Executions failed, halted, timed out or aborted',
    }).createAlarm(this, 'ExecutionsFailed', {
      alarmDescription:
        'A failover execution ended without failing over (halted before changing anything, or failed after a change), timed out or was aborted. ' +
        'Its report is in the SNS notification and the journal; a FAILED one needs an operator.',
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      threshold: 1,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.failureAlarm.addAlarmAction(new SnsAction(props.topic));

    this.dashboard = new Dashboard(this, 'Dashboard', { defaultInterval: Duration.days(7) });
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Executions by outcome (all plans)',
        width: 12,
        left: [
          stateMachine.metricStarted({ statistic: 'Sum', period: HOUR, label: 'started' }),
          stateMachine.metricSucceeded({ statistic: 'Sum', period: HOUR, label: 'failed over' }),
          stateMachine.metricFailed({ statistic: 'Sum', period: HOUR, label: 'halted or failed' }),
          stateMachine.metricTimedOut({ statistic: 'Sum', period: HOUR, label: 'timed out' }),
          stateMachine.metricAborted({ statistic: 'Sum', period: HOUR, label: 'aborted' }),
        ],
      }),
      new AlarmStatusWidget({ title: 'Alarms', width: 12, alarms: [this.failureAlarm, ...props.alarms] }),
    );
    // One widget per measure with a series per plan (SEARCH finds them), not widgets per plan:
    // the dashboard stays the same size for 1 plan or 500.
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Executions by outcome, per plan',
        width: 8,
        left: [search(metricNames.executions, ['outcome', 'plan'], 'Sum', HOUR)],
      }),
      new GraphWidget({
        title: 'Recovery time per plan (ms)',
        width: 8,
        left: [search(metricNames.recoveryTime, ['plan'], 'Maximum', HOUR)],
      }),
      new GraphWidget({
        title: 'Standby readiness per plan (1 ready, 0 not)',
        width: 8,
        leftYAxis: { min: 0, max: 1 },
        left: [search(metricNames.standbyReady, ['plan'], 'Minimum', HOUR)],
      }),
      new GraphWidget({
        title: 'Time per step, per plan (ms)',
        width: 12,
        left: [search(metricNames.stepDuration, ['plan', 'step'], 'Maximum', HOUR)],
      }),
      new GraphWidget({
        title: 'Readiness checks per plan (1 passed, 0 failed)',
        width: 12,
        leftYAxis: { min: 0, max: 1 },
        left: [search(metricNames.readinessCheck, ['check', 'plan'], 'Minimum', HOUR)],
      }),
    );
  }
}
