// Every valid plan deploys: the largest valid plan of each engine fits both EventBridge target
// inputs the stack inlines it in (the failover trigger's and the readiness schedule's), built as
// infra builds them.
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { FailoverTriggerInput } from '../../infra/failover-trigger-input.js';
import { ReadinessEvaluation } from '../../infra/readiness-evaluation.js';
import { parsePlan } from '../../lambdas/plan/load-plan.js';
import { MAX_INPUT_TEMPLATE_CHARS, maxPlanJsonChars } from '../../lambdas/plan/plan-size.js';
import type { EngineType } from '../../sim/models/engine-models.js';
import { largestValidPlan } from '../workflow/largest-plan.js';

const ENGINES: EngineType[] = ['rabbitmq-standby', 'rabbitmq-shovel', 'rocketmq-controller'];

/** The readiness schedule's target input, as the synthesized template holds it. */
const evaluationInputTemplate = (plan: ReturnType<typeof parsePlan>): string => {
  const stack = new Stack(new App(), 'Stack', { env: { account: '111122223333', region: 'eu-west-1' } });
  new ReadinessEvaluation(stack, 'Evaluation', {
    plan,
    worker: LambdaFunction.fromFunctionArn(
      stack,
      'Worker',
      'arn:aws:lambda:eu-west-1:111122223333:function:kube-worker',
    ),
    topic: Topic.fromTopicArn(stack, 'Topic', 'arn:aws:sns:eu-west-1:111122223333:failover'),
  });
  const [rule] = Object.values(Template.fromStack(stack).findResources('AWS::Events::Rule'));
  return (rule!.Properties.Targets as Array<{ InputTransformer: { InputTemplate: string } }>)[0]!
    .InputTransformer.InputTemplate;
};

describe('the largest valid plan', () => {
  it.each(ENGINES)('%s: fits the failover trigger input and the readiness schedule input', (engine) => {
    const plan = parsePlan(largestValidPlan(engine));
    expect(JSON.stringify(plan)).toHaveLength(maxPlanJsonChars);
    expect(new FailoverTriggerInput(plan).inputTemplate.length).toBeLessThanOrEqual(MAX_INPUT_TEMPLATE_CHARS);
    expect(evaluationInputTemplate(plan).length).toBeLessThanOrEqual(MAX_INPUT_TEMPLATE_CHARS);
  });
});
