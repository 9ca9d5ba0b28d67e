// The EventBridge rule targets whose grants to EventBridge name the rule and its account
// (aws:SourceArn, aws:SourceAccount), so no other rule, of this account or another, can make
// EventBridge invoke a worker, put events on another Region's bus, or fill the dead-letter queue.
// Instead of aws-events-targets' own LambdaFunction and EventBus, which name the rule only.
import { Names, Stack } from 'aws-cdk-lib';
import {
  CfnRule,
  type IEventBus,
  type IRuleRef,
  type IRuleTarget,
  type RuleTargetConfig,
} from 'aws-cdk-lib/aws-events';
import { EventBus, LambdaFunction, type LambdaFunctionProps } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, ServicePrincipal, type IRole } from 'aws-cdk-lib/aws-iam';
import { CfnPermission, type IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';

export const EVENTS_PRINCIPAL = 'events.amazonaws.com';

/** The conditions that admit EventBridge only when this rule, in its own account, sends. */
const fromRule = (rule: IRuleRef) => ({
  ArnEquals: { 'aws:SourceArn': CfnRule.arnForRule(rule) },
  StringEquals: { 'aws:SourceAccount': Stack.of(rule).account },
});

/** Lets EventBridge put in `queue` what this rule could not deliver, and only this rule. */
const acceptDeadLetters = (rule: IRuleRef, queue: IQueue): { arn: string } => {
  queue.addToResourcePolicy(
    new PolicyStatement({
      sid: `SendFrom${Names.nodeUniqueId(rule.node)}`,
      principals: [new ServicePrincipal(EVENTS_PRINCIPAL)],
      actions: ['sqs:SendMessage'],
      resources: [queue.queueArn],
      conditions: fromRule(rule),
    }),
  );
  return { arn: queue.queueArn };
};

/**
 * Invokes a function of the same stack, as aws-events-targets' LambdaFunction does, with the
 * rule's account added to the invoke permission, and the dead-letter queue's policy (when there is
 * one) conditioned on both the rule and its account.
 */
export class FunctionTarget implements IRuleTarget {
  private readonly target: LambdaFunction;

  constructor(
    fn: IFunction,
    private readonly props: LambdaFunctionProps = {},
  ) {
    this.target = new LambdaFunction(fn, { ...props, deadLetterQueue: undefined });
  }

  bind(rule: IRuleRef, id?: string): RuleTargetConfig {
    const config = this.target.bind(rule, id);
    // LambdaFunction creates the invoke permission, with the rule's ARN, under the rule itself.
    for (const permission of rule.node.findAll()) {
      if (permission instanceof CfnPermission && permission.principal === EVENTS_PRINCIPAL)
        permission.sourceAccount = Stack.of(rule).account;
    }
    const queue = this.props.deadLetterQueue;
    return queue ? { ...config, deadLetterConfig: acceptDeadLetters(rule, queue) } : config;
  }
}

export interface EventBusTargetProps {
  /** What EventBridge puts the events with: events:PutEvents on the bus is added to it. */
  readonly role: IRole;
  /** Where EventBridge puts the events it could not deliver. */
  readonly deadLetterQueue: IQueue;
}

/**
 * Puts the events on a bus (of another Region), as aws-events-targets' EventBus does, with the
 * dead-letter queue's policy conditioned on both the rule and its account. EventBridge retries an
 * event bus target by its own policy (24 hours, 185 attempts), which a rule cannot set for one.
 */
export class EventBusTarget implements IRuleTarget {
  private readonly target: EventBus;

  constructor(
    bus: IEventBus,
    private readonly props: EventBusTargetProps,
  ) {
    this.target = new EventBus(bus, { role: props.role });
  }

  bind(rule: IRuleRef, id?: string): RuleTargetConfig {
    return {
      ...this.target.bind(rule, id),
      deadLetterConfig: acceptDeadLetters(rule, this.props.deadLetterQueue),
    };
  }
}
