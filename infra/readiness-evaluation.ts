// Plan evaluation before any incident: a schedule per plan invokes the Kubernetes worker's
// read-only `evaluate` step, which publishes one metric per readiness check and the plan's
// overall answer; an alarm raises when the standby would not be ready, or when no evaluation ran.
import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import {
  Rule,
  RuleTargetInput,
  Schedule,
  type IRuleRef,
  type RuleTargetInputProperties,
} from 'aws-cdk-lib/aws-events';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { Plan } from '../lambdas/plan/schema.js';
import { METRICS_NAMESPACE, metricNames } from '../lambdas/ports/metrics.js';
import { MAX_INPUT_TEMPLATE_CHARS } from '../lambdas/plan/plan-size.js';
import { FunctionTarget } from './rule-targets.js';

/** The worker's input for one scheduled run: the plan, and the event's id and time as its execution. */
class EvaluationInput extends RuleTargetInput {
  readonly inputTemplate: string;

  constructor(readonly plan: Plan) {
    super();
    this.inputTemplate = `{"step":"evaluate","execution":{"id":"evaluation-<id>","startedAt":"<time>"},"plan":${JSON.stringify(plan)}}`;
    if (this.inputTemplate.length > MAX_INPUT_TEMPLATE_CHARS) {
      throw new Error(
        `plan ${plan.name}: its readiness schedule's input template would be ${this.inputTemplate.length} characters, over EventBridge's limit of ${MAX_INPUT_TEMPLATE_CHARS}; shorten the plan`,
      );
    }
  }

  override bind(_rule: IRuleRef): RuleTargetInputProperties {
    return { inputTemplate: this.inputTemplate, inputPathsMap: { id: '$.id', time: '$.time' } };
  }
}

export interface ReadinessEvaluationProps {
  readonly plan: Plan;
  /** The Kubernetes worker: it runs the `evaluate` step. */
  readonly worker: IFunction;
  /** Receives the alarm's ALARM and OK notifications. */
  readonly topic: ITopic;
}

export class ReadinessEvaluation extends Construct {
  readonly schedule: Rule;
  /** ALARM: an evaluation within the last two intervals found the standby not ready, or none ran. */
  readonly alarm: Alarm;
  /** The plan's overall answer per evaluation (1 ready, 0 not), as the alarm reads it. */
  readonly standbyReady: Metric;

  constructor(scope: Construct, id: string, props: ReadinessEvaluationProps) {
    super(scope, id);
    const { plan } = props;
    const every = Duration.minutes(plan.evaluation.everyMinutes);

    this.schedule = new Rule(this, 'Schedule', {
      description: `Readiness checks of ${plan.name}'s standby every ${plan.evaluation.everyMinutes} min (reads only)`,
      schedule: Schedule.rate(every),
      // The next run comes soon and a missed one raises the alarm: retrying a stale run adds nothing.
      targets: [new FunctionTarget(props.worker, { event: new EvaluationInput(plan), retryAttempts: 0 })],
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
