// Plan evaluation before any incident: an EventBridge Scheduler schedule per plan invokes the
// Kubernetes worker's read-only `evaluate` step, which publishes one metric per readiness check
// and the plan's overall answer; an alarm raises when the standby would not be ready, or when no
// evaluation ran. The schedules invoke the worker with one role of the orchestrator's, so the
// worker's resource policy does not grow with the plans (a rule per plan added one Lambda
// permission each, and the policy's 20 KB filled at about 40 plans).
import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { CfnSchedule } from 'aws-cdk-lib/aws-scheduler';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { planRef } from '../lambdas/plan/plan-ref.js';
import type { Plan } from '../lambdas/plan/schema.js';
import { METRICS_NAMESPACE, metricNames } from '../lambdas/ports/metrics.js';

/**
 * The worker's input for one scheduled run: the plan by name and hash, and the scheduler's
 * execution id and time as its execution.
 */
export const evaluationInput = (plan: Plan): string =>
  JSON.stringify({
    step: 'evaluate',
    execution: {
      id: 'evaluation-<aws.scheduler.execution-id>',
      startedAt: '<aws.scheduler.scheduled-time>',
    },
    plan: planRef(plan),
  });

export interface ReadinessEvaluationProps {
  readonly plan: Plan;
  /** The Kubernetes worker: it runs the `evaluate` step. */
  readonly worker: IFunction;
  /** What the schedules invoke the worker as. */
  readonly schedulerRole: IRole;
  /** The orchestrator's schedule group. */
  readonly scheduleGroupName: string;
  /** Receives the alarm's ALARM and OK notifications. */
  readonly topic: ITopic;
}

export class ReadinessEvaluation extends Construct {
  readonly schedule: CfnSchedule;
  /** ALARM: an evaluation within the last two intervals found the standby not ready, or none ran. */
  readonly alarm: Alarm;
  /** The plan's overall answer per evaluation (1 ready, 0 not), as the alarm reads it. */
  readonly standbyReady: Metric;

  constructor(scope: Construct, id: string, props: ReadinessEvaluationProps) {
    super(scope, id);
    const { plan } = props;

    this.schedule = new CfnSchedule(this, 'Schedule', {
      groupName: props.scheduleGroupName,
      description: `Readiness checks of ${plan.name}'s standby every ${plan.evaluation.everyMinutes} min (reads only)`,
      scheduleExpression: `rate(${plan.evaluation.everyMinutes} ${plan.evaluation.everyMinutes === 1 ? 'minute' : 'minutes'})`,
      flexibleTimeWindow: { mode: 'OFF' },
      target: {
        arn: props.worker.functionArn,
        roleArn: props.schedulerRole.roleArn,
        input: evaluationInput(plan),
        // The next run comes soon and a missed one raises the alarm: retrying a stale run adds nothing.
        retryPolicy: { maximumRetryAttempts: 0 },
      },
    });

    // Two intervals: a late run (the schedule is not exact) never leaves an empty period alone.
    const lookBack = Duration.minutes(plan.evaluation.everyMinutes * 2);
    this.standbyReady = new Metric({
      namespace: METRICS_NAMESPACE,
      metricName: metricNames.standbyReady,
      dimensionsMap: { plan: plan.name },
      statistic: 'Minimum',
      period: lookBack,
    });
    this.alarm = new Alarm(this, 'NotReady', {
      alarmDescription:
        `The standby of ${plan.name} would not be ready for a failover: a scheduled readiness check failed, or no evaluation ran, ` +
        `in the last ${lookBack.toMinutes()} min. Run \`failover check\` on the plan for the evidence.`,
      metric: this.standbyReady,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      threshold: 1,
      evaluationPeriods: 1,
      // No evidence is not "ready": a schedule that stopped, or a worker that cannot start, alarms too.
      treatMissingData: TreatMissingData.BREACHING,
    });
    this.alarm.addAlarmAction(new SnsAction(props.topic));
    this.alarm.addOkAction(new SnsAction(props.topic));
  }
}
