// An orchestrator in several Regions: this Region's alarms entering ALARM go to the default event
// bus of every other deployed Region, whose trigger rule (failover-trigger.ts) hands them to its
// AWS worker. So an alarm in the upstream's Region reaches the Region that acts, and each Region's
// trigger depends on no other Region's orchestrator. The worker ignores an alarm of a plan whose
// leg acts elsewhere (steps/start-failover.ts).
//
// No loop: a forwarding rule matches only alarm ARNs of its own Region, and an event forwarded to
// another Region keeps its ARN, so no Region's forwarding rule matches it again.
import { Names, Stack } from 'aws-cdk-lib';
import { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { alarmStateChange } from './failover-trigger.js';
import { EVENTS_PRINCIPAL, EventBusTarget } from './rule-targets.js';

export interface AlarmForwardingProps {
  /** The other Regions with an orchestrator: each receives this Region's alarms. */
  readonly toRegions: readonly string[];
  /** Where EventBridge puts the events it could not deliver (in this Region). */
  readonly deadLetterQueue: IQueue;
}

export class AlarmForwarding extends Construct {
  /** Per Region, the rule that forwards this Region's alarms to its default bus. */
  readonly rules: ReadonlyMap<string, Rule>;
  /** What EventBridge puts the events on the other Regions' buses with. */
  readonly role: Role;

  constructor(scope: Construct, id: string, props: AlarmForwardingProps) {
    super(scope, id);
    const stack = Stack.of(this);
    // A name fixed at synth, so that the role's trust can name the rules: with the rules' ARNs
    // as attributes, the role would need the rules, which need the role.
    const ruleName = (region: string) =>
      `${Names.uniqueResourceName(this, { maxLength: 64 - region.length - 1, separator: '-' })}-${region}`;
    const ruleArn = (name: string) =>
      stack.formatArn({ service: 'events', resource: 'rule', resourceName: name });
    this.role = new Role(this, 'Role', {
      description: `Puts this Region's CloudWatch alarm events on the default event bus of ${props.toRegions.join(', ')}`,
      assumedBy: new ServicePrincipal(EVENTS_PRINCIPAL, {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnEquals: { 'aws:SourceArn': props.toRegions.map((region) => ruleArn(ruleName(region))) },
        },
      }),
    });
    this.rules = new Map(
      props.toRegions.map((region) => {
        const bus = EventBus.fromEventBusArn(
          this,
          `Bus-${region}`,
          stack.formatArn({ service: 'events', region, resource: 'event-bus', resourceName: 'default' }),
        );
        const rule = new Rule(this, `To-${region}`, {
          ruleName: ruleName(region),
          description: `A CloudWatch alarm of this Region entered ALARM: the orchestrator in ${region} receives it`,
          eventPattern: alarmStateChange([stack.region]),
          targets: [new EventBusTarget(bus, { role: this.role, deadLetterQueue: props.deadLetterQueue })],
        });
        return [region, rule] as const;
      }),
    );
  }
}
