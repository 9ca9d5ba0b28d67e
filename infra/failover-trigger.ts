// The one rule that starts failovers, whatever the number of plans: every CloudWatch alarm of
// this account and Region that enters ALARM goes to the AWS worker, which looks the alarm up in
// the published plans and starts the workflow with that plan's name and hash, or ignores an alarm
// no plan names (steps/start-failover.ts). A rule per plan, with the plan inlined in its input,
// took five resources and 13.5 KB of template per plan, and EventBridge's 4 KB event pattern
// cannot list the alarms of hundreds of plans; matching the account's alarms costs one short
// invocation per unrelated alarm instead. With an orchestrator in several Regions, the rule also
// matches the alarms the other Regions forward here (alarm-forwarding.ts).
import { Aws, Duration } from 'aws-cdk-lib';
import { Match, Rule, type EventPattern } from 'aws-cdk-lib/aws-events';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { FunctionTarget } from './rule-targets.js';

/**
 * A CloudWatch alarm of this account in one of `regions` entering ALARM. The event's `resources`
 * holds the alarm's ARN, which names its Region, also once the event is forwarded to another.
 */
export const alarmStateChange = (regions: readonly string[]): EventPattern => {
  const alarmsOf = (region: string) =>
    Match.prefix(`arn:${Aws.PARTITION}:cloudwatch:${region}:${Aws.ACCOUNT_ID}:alarm:`);
  return {
    source: ['aws.cloudwatch'],
    detailType: ['CloudWatch Alarm State Change'],
    resources: regions.length === 1 ? alarmsOf(regions[0]!) : Match.anyOf(...regions.map(alarmsOf)),
    detail: { state: { value: ['ALARM'] } },
  };
};

export interface FailoverTriggerProps {
  /** The AWS worker: it starts the workflow for an alarm of a plan. */
  readonly worker: IFunction;
  /** Where events go that EventBridge could not deliver. */
  readonly deadLetterQueue: IQueue;
  /**
   * The Regions whose alarms start failovers here: this one's, and those that forward theirs.
   * @default this stack's Region alone
   */
  readonly alarmRegions?: readonly string[];
}

export class FailoverTrigger extends Construct {
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: FailoverTriggerProps) {
    super(scope, id);
    const regions = props.alarmRegions ?? [Aws.REGION];
    this.rule = new Rule(this, 'Rule', {
      description:
        regions.length === 1
          ? 'A CloudWatch alarm of this account and Region entered ALARM: the AWS worker starts the failover of the plan it triggers, if any'
          : `A CloudWatch alarm of this account in ${regions.join(', ')} entered ALARM: the AWS worker starts the failover of the plan it triggers, if its leg acts here`,
      eventPattern: alarmStateChange(regions),
      // EventBridge's own retries (delivery failures, throttling) for as long as it allows: the
      // worker starts one execution per event however often it is delivered (its id names the
      // execution), and a late one still re-reads the alarm before it changes anything.
      targets: [
        new FunctionTarget(props.worker, {
          retryAttempts: 185,
          maxEventAge: Duration.hours(24),
          deadLetterQueue: props.deadLetterQueue,
        }),
      ],
    });
  }
}
