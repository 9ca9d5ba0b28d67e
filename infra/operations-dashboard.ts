// What an operator looks at: an alarm on executions that failed or halted, and one dashboard with
// executions by outcome, the recovery time and the time per step (from each report's metrics), and
// each plan's standby readiness (from the scheduled evaluation).
import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  SearchExpression,
  TextWidget,
  TreatMissingData,
  type IAlarm,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { Plan } from '../lambdas/plan/schema.js';
import { METRICS_NAMESPACE, metricNames } from '../lambdas/ports/metrics.js';

export interface OperationsDashboardProps {
  readonly plans: Plan[];
  readonly stateMachine: StateMachine;
  readonly topic: ITopic;
  /** Shown in the alarm status row: the trigger alarms and each plan's readiness alarm. */
  readonly alarms: IAlarm[];
}

const HOUR = Duration.hours(1);

/** Every series of one metric of one plan, whatever the values of its other dimension (steps, checks, outcomes). */
const search = (metric: string, dimensions: string[], plan: string, statistic: string, period: Duration) =>
  new SearchExpression({
    expression: `SEARCH('{${METRICS_NAMESPACE},${dimensions.join(',')}} MetricName="${metric}" plan="${plan}"', '${statistic}', ${period.toSeconds()})`,
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
    for (const plan of props.plans) {
      const readinessPeriod = Duration.minutes(plan.evaluation.everyMinutes);
      this.dashboard.addWidgets(
        new TextWidget({ markdown: `### ${plan.name}`, width: 24, height: 1 }),
        new GraphWidget({
          title: `${plan.name}: executions by outcome`,
          width: 8,
          left: [search(metricNames.executions, ['outcome', 'plan'], plan.name, 'Sum', HOUR)],
        }),
        new GraphWidget({
          title: `${plan.name}: recovery time and time per step (ms)`,
          width: 8,
          left: [
            new Metric({
              namespace: METRICS_NAMESPACE,
              metricName: metricNames.recoveryTime,
              dimensionsMap: { plan: plan.name },
              statistic: 'Maximum',
              period: HOUR,
              label: 'recovery time',
            }),
            search(metricNames.stepDuration, ['plan', 'step'], plan.name, 'Maximum', HOUR),
          ],
        }),
        new GraphWidget({
          title: `${plan.name}: standby readiness (1 ready, 0 not)`,
          width: 8,
          leftYAxis: { min: 0, max: 1 },
          left: [
            new Metric({
              namespace: METRICS_NAMESPACE,
              metricName: metricNames.standbyReady,
              dimensionsMap: { plan: plan.name },
              statistic: 'Minimum',
              period: readinessPeriod,
              label: 'standby ready',
            }),
            search(metricNames.readinessCheck, ['check', 'plan'], plan.name, 'Minimum', readinessPeriod),
          ],
        }),
      );
    }
  }
}
