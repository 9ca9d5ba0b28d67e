// What starts one plan's failover: the alarms the plan defines (created here) or references
// (they exist), and the composite that needs several of them to agree. The one trigger rule of
// the deployment (failover-trigger.ts) hands their ALARM events to the AWS worker, which finds
// the plan by the alarm's name in the published plans. With an orchestrator in several Regions,
// each creates the alarms that live in its own Region (plan/regions.ts, alarmRegion): CloudWatch
// alarms and composites watch and combine within one Region.
import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmRule,
  AlarmState,
  AtLeastThreshold,
  ComparisonOperator,
  CompositeAlarm,
  Metric,
  TreatMissingData,
  type IAlarm,
} from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { alarmRegion } from '../lambdas/plan/regions.js';
import type { Plan } from '../lambdas/plan/schema.js';
import type { TriggerAlarm } from '../lambdas/plan/triggers.js';

export interface PlanTriggerProps {
  readonly plan: Plan;
  /**
   * The Region whose alarms of the plan are created here.
   * @default every alarm of the plan: an orchestrator of one Region
   */
  readonly region?: string;
}

const comparisons: Record<NonNullable<TriggerAlarm['define']>['comparison'], ComparisonOperator> = {
  GreaterThanOrEqualToThreshold: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  GreaterThanThreshold: ComparisonOperator.GREATER_THAN_THRESHOLD,
  LessThanThreshold: ComparisonOperator.LESS_THAN_THRESHOLD,
  LessThanOrEqualToThreshold: ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD,
};

const missingData: Record<NonNullable<TriggerAlarm['define']>['treatMissingData'], TreatMissingData> = {
  breaching: TreatMissingData.BREACHING,
  notBreaching: TreatMissingData.NOT_BREACHING,
  ignore: TreatMissingData.IGNORE,
  missing: TreatMissingData.MISSING,
};

export class PlanTrigger extends Construct {
  /** The metric alarms this plan defines (referenced alarms are not created). */
  readonly definedAlarms: Alarm[];
  readonly composite?: CompositeAlarm;

  constructor(scope: Construct, id: string, props: PlanTriggerProps) {
    super(scope, id);
    const { plan } = props;

    const here = plan.triggers.alarms.map(
      (alarm) => props.region === undefined || alarmRegion(plan, alarm) === props.region,
    );
    const operands: IAlarm[] = [];
    this.definedAlarms = [];
    plan.triggers.alarms.forEach((alarm, i) => {
      if (!here[i]) return;
      if (!alarm.define) {
        operands.push(Alarm.fromAlarmName(this, `Referenced${i}`, alarm.name));
        return;
      }
      const d = alarm.define;
      const created = new Alarm(this, `Alarm${i}`, {
        alarmName: alarm.name,
        alarmDescription: alarm.description ?? `Starts the failover of ${plan.name}`,
        metric: new Metric({
          namespace: d.metric.namespace,
          metricName: d.metric.name,
          dimensionsMap: d.metric.dimensions,
          statistic: d.metric.statistic,
          period: Duration.seconds(d.metric.periodSeconds),
        }),
        comparisonOperator: comparisons[d.comparison],
        threshold: d.threshold,
        evaluationPeriods: d.evaluationPeriods,
        datapointsToAlarm: d.datapointsToAlarm ?? d.evaluationPeriods,
        treatMissingData: missingData[d.treatMissingData],
      });
      this.definedAlarms.push(created);
      operands.push(created);
    });

    // The plan schema keeps a composite's alarms in one Region: the composite lives there too.
    const composite = plan.triggers.composite;
    if (composite && here.every(Boolean)) {
      const atLeast = composite.atLeast ?? operands.length;
      this.composite = new CompositeAlarm(this, 'Composite', {
        compositeAlarmName: composite.name,
        alarmDescription:
          composite.description ??
          `Starts the failover of ${plan.name} when ${atLeast} of ${operands.length} alarms (${plan.triggers.alarms.map((a) => a.name).join(', ')}) are in ALARM`,
        alarmRule:
          atLeast === operands.length
            ? AlarmRule.allOf(...operands.map((a) => AlarmRule.fromAlarm(a, AlarmState.ALARM)))
            : AlarmRule.atLeast(AlarmState.ALARM, { operands, threshold: AtLeastThreshold.count(atLeast) }),
      });
    }
  }
}
