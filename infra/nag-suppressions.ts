// cdk-nag (AwsSolutions) findings that are answered rather than fixed. Each acknowledgement names
// one finding (rule and the exact wildcard) on one policy, with the reason a reviewer needs.
// test/infra runs the pack on the synthesized app and allows no other finding.
import { Stack, Validations } from 'aws-cdk-lib';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';

// Actions without resource-level permissions, which IAM therefore only grants on "*".
const XRAY =
  'xray:PutTraceSegments and xray:PutTelemetryRecords (active tracing) have no resource-level permissions in IAM';
const LOG_DELIVERY =
  'logs:CreateLogDelivery, GetLogDelivery, UpdateLogDelivery, DeleteLogDelivery, ListLogDeliveries, PutResourcePolicy, ' +
  'DescribeResourcePolicies and DescribeLogGroups (Step Functions logging to CloudWatch Logs) support only "*"';
const VPC_ENI =
  'ec2:DescribeNetworkInterfaces has no resource-level permissions, and the network interfaces that Lambda creates and deletes ' +
  'for the function (ec2:CreateNetworkInterface, DeleteNetworkInterface, Assign/UnassignPrivateIpAddresses) are not known in advance';

const defaultPolicyOf = (role: IRole | undefined): IConstruct => {
  const policy = role?.node.tryFindChild('DefaultPolicy');
  if (!policy)
    throw new Error(`${role?.node.path ?? 'a worker'} has no default policy to acknowledge findings on`);
  return policy;
};

/**
 * The id cdk-nag gives a wildcard resource: the ARN as synthesized, with references written
 * `<LogicalId>` and `<LogicalId.Attribute>`, so the acknowledgement holds in any environment.
 */
export const wildcardFinding = (scope: IConstruct, arn: string): string => {
  const flat = (node: unknown): string => {
    if (typeof node === 'string') return node;
    const n = node as { 'Fn::Join'?: [string, unknown[]]; 'Fn::GetAtt'?: [string, string]; Ref?: string };
    if (n['Fn::Join']) return n['Fn::Join'][1].map(flat).join(n['Fn::Join'][0]);
    if (n['Fn::GetAtt']) return `<${n['Fn::GetAtt'].join('.')}>`;
    if (n.Ref) return `<${n.Ref}>`;
    throw new Error(`cannot name the cdk-nag finding of ${JSON.stringify(node)}`);
  };
  return `AwsSolutions-IAM5[Resource::${flat(Stack.of(scope).resolve(arn))}]`;
};

export interface ExplainedFindings {
  kubeWorkerRole: IRole | undefined;
  awsWorkerRole: IRole | undefined;
  workflowRole: IRole;
  /** The Kubernetes worker is placed in a VPC. */
  inVpc: boolean;
  /** What the AWS worker polls with route53:GetChange; undefined when no plan switches by record changes. */
  route53ChangesArn: string | undefined;
  /** The alarms the AWS worker may read with cloudwatch:DescribeAlarms: per deployed Region, all of them. */
  alarmsArns: readonly string[];
  /** The control panels whose routing controls the AWS worker may read and set, each as `…/routingcontrol/*`. */
  routingControlPanels: readonly string[];
  /** The policy that lets the AWS worker describe this workflow's executions, and their ARN pattern. */
  executionsPolicy: IConstruct;
  executionsArn: string;
  /** The queue of status-change events the AWS worker could not record. */
  executionEndedDeadLetters: IConstruct;
}

export const acknowledgeExplainedFindings = (f: ExplainedFindings): void => {
  Validations.of(defaultPolicyOf(f.kubeWorkerRole)).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: `Only for actions IAM cannot scope: ${XRAY}${f.inVpc ? `; ${VPC_ENI}` : ''}. Every other statement names its resources.`,
  });
  const awsWorker = defaultPolicyOf(f.awsWorkerRole);
  Validations.of(awsWorker).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: `Only for actions IAM cannot scope: ${XRAY}. Every other statement names its resources.`,
  });
  if (f.route53ChangesArn !== undefined)
    Validations.of(awsWorker).acknowledge({
      id: wildcardFinding(awsWorker, f.route53ChangesArn),
      reason:
        'route53:GetChange only, to poll the change the DNS flip just made until INSYNC: Route 53 assigns change ids when the change is submitted, so none is known in advance. GetChange reveals only a change status.',
    });
  for (const alarmsArn of f.alarmsArns)
    Validations.of(awsWorker).acknowledge({
      id: wildcardFinding(awsWorker, alarmsArn),
      reason:
        "cloudwatch:DescribeAlarms only, on this account's alarms of one Region the orchestrator is deployed to: ConfirmAlarm re-reads the alarm that started a plan's failover, in the alarm's Region. Naming every plan's alarms would grow the role's policy past IAM's limit at a few dozen plans, and an alarm's state is what the trigger rule already hands the worker.",
    });
  for (const panel of f.routingControlPanels)
    Validations.of(awsWorker).acknowledge({
      id: wildcardFinding(awsWorker, panel),
      reason:
        "route53-recovery-cluster:GetRoutingControlState and UpdateRoutingControlStates only, on the routing controls of a control panel that holds a plan's controls: IAM names a routing control by its ARN, and two per plan filled the role's managed policies at about 180 plans. The flip only ever sets its plan's two controls; docs/deploy.md asks for panels of the orchestrator's own.",
    });
  Validations.of(defaultPolicyOf(f.workflowRole)).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: `Only for actions IAM cannot scope: ${LOG_DELIVERY}; ${XRAY}, plus xray:GetSamplingRules and GetSamplingTargets. Invoking the workers is granted on their two ARNs.`,
  });
  Validations.of(f.executionsPolicy).acknowledge({
    id: wildcardFinding(f.executionsPolicy, f.executionsArn),
    reason:
      "states:DescribeExecution only, on this workflow's own executions: Admit checks whether the execution holding a plan's lock still runs, and execution names follow the events and requests that start them.",
  });
  Validations.of(f.executionEndedDeadLetters).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason:
      "This queue is itself a dead-letter queue: of the trigger and execution-ended rules' Lambda targets and of the AWS worker's asynchronous invocations (on-failure destination), " +
      'which cdk-nag does not recognise as DLQ uses. A queue behind it would only hold the same unrecorded events; its alarm tells people instead.',
  });
};
