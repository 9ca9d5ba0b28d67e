// The EventBridge rule target whose grants to EventBridge name the rule and its account
// (aws:SourceArn, aws:SourceAccount), so no other rule, of this account or another, can make
// EventBridge invoke a worker or fill the dead-letter queue. Instead of aws-events-targets' own
// LambdaFunction, which names the rule only.
import { Names, Stack } from 'aws-cdk-lib';
import { CfnRule, type IRuleRef, type IRuleTarget, type RuleTargetConfig } from 'aws-cdk-lib/aws-events';
import { LambdaFunction, type LambdaFunctionProps } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnPermission, type IFunction } from 'aws-cdk-lib/aws-lambda';

export const EVENTS_PRINCIPAL = 'events.amazonaws.com';

/** The conditions that admit EventBridge only when this rule, in its own account, sends. */
const fromRule = (rule: IRuleRef) => ({
  ArnEquals: { 'aws:SourceArn': CfnRule.arnForRule(rule) },
  StringEquals: { 'aws:SourceAccount': Stack.of(rule).account },
});

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
    if (!queue) return config;
    queue.addToResourcePolicy(
      new PolicyStatement({
        sid: `SendFrom${Names.nodeUniqueId(rule.node)}`,
        principals: [new ServicePrincipal(EVENTS_PRINCIPAL)],
        actions: ['sqs:SendMessage'],
        resources: [queue.queueArn],
        conditions: fromRule(rule),
      }),
    );
    return { ...config, deadLetterConfig: { arn: queue.queueArn } };
  }
}
