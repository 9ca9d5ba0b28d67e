// What starts one plan's failover: the alarms the plan defines (created here) or references
// (they exist), the composite that needs several of them to agree, and the EventBridge rule on
// exactly the triggering alarms' ARNs. The rule starts the workflow with the plan and the alarm
// event, and tells people at once that a failover has started.
import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
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
import { EventField, Rule, RuleTargetInput } from 'aws-cdk-lib/aws-events';
import { SfnStateMachine } from 'aws-cdk-lib/aws-events-targets';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { Plan } from '../lambdas/plan/schema.js';
import { planAlarmNames, triggerAlarmNames, type TriggerAlarm } from '../lambdas/plan/triggers.js';
import { FailoverTriggerInput } from './failover-trigger-input.js';
import { TopicTarget } from './rule-targets.js';

export interface PlanTriggerProps {
  readonly plan: Plan;
  readonly stateMachine: IStateMachine;
  /** Receives the "failover started" notification. */
  readonly topic: ITopic;
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
  readonly rule: Rule;
  /** ARNs of every alarm the plan names: what the workflow may re-read. */
  readonly alarmArns: string[];

  constructor(scope: Construct, id: string, props: PlanTriggerProps) {
    super(scope, id);
    const { plan } = props;
    const alarmArn = (name: string) =>
      Stack.of(this).formatArn({
        service: 'cloudwatch',
        resource: 'alarm',
        resourceName: name,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });

    const operands: IAlarm[] = [];
    this.definedAlarms = [];
    plan.triggers.alarms.forEach((alarm, i) => {
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

    const composite = plan.triggers.composite;
    if (composite) {
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

    this.alarmArns = planAlarmNames(plan).map(alarmArn);
    const input = new FailoverTriggerInput(plan);
    this.rule = new Rule(this, 'Rule', {
      description: `Starts the failover of ${plan.name} when ${composite ? `its composite alarm ${composite.name}` : 'one of its alarms'} enters ALARM`,
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        // The event's `resources` holds the alarm's ARN: account, region and name all must match.
        resources: triggerAlarmNames(plan).map(alarmArn),
        detail: { state: { value: ['ALARM'] } },
      },
      targets: [
        new SfnStateMachine(props.stateMachine, { input }),
        // Only this rule may publish: the topic policy names it and its account.
        new TopicTarget(
          props.topic,
          RuleTargetInput.fromText(
            `Failover of ${plan.name} triggered: alarm ${EventField.fromPath('$.detail.alarmName')} entered ALARM at ${EventField.fromPath('$.time')}. ` +
              `After the ${plan.thresholds.settleSeconds} s settle time the workflow re-reads the alarm, checks that the standby is ready` +
              `${plan.gate.approval === 'never' ? '' : ` and ${plan.gate.approval === 'always' ? 'asks for approval' : 'asks for approval if it is at risk'}`}` +
              ` before it changes anything. Follow it in Step Functions (${props.stateMachine.stateMachineArn}); its report follows when it ends.`,
          ),
        ),
      ],
    });
  }
}
