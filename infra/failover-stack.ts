// The deployable unit: one orchestrator for every plan of an account and region (plus, created
// by the orchestrator, one small stack of EKS access entries per cluster region); one per Region
// of a deployment in several (orchestrator-stacks.ts).
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { Plan } from '../lambdas/plan/schema.js';
import type { MultiRegionProps } from './deployment-regions.js';
import { FailoverOrchestrator } from './failover-orchestrator.js';

export interface FailoverOrchestratorStackProps extends StackProps {
  readonly plans: Plan[];
  /** An existing KMS key for the journal, the topic, the dead-letter queue and the logs (FailoverOrchestratorProps.encryptionKeyArn). */
  readonly encryptionKeyArn?: string;
  /** One of the orchestrators of several Regions (FailoverOrchestratorProps.multiRegion). */
  readonly multiRegion?: MultiRegionProps;
}

export class FailoverOrchestratorStack extends Stack {
  readonly orchestrator: FailoverOrchestrator;

  constructor(scope: Construct, id: string, props: FailoverOrchestratorStackProps) {
    super(scope, id, props);
    this.orchestrator = new FailoverOrchestrator(this, 'Orchestrator', {
      plans: props.plans,
      encryptionKeyArn: props.encryptionKeyArn,
      multiRegion: props.multiRegion,
    });
    // What an operator needs after `cdk deploy`: where notifications go, what to watch, what runs.
    new CfnOutput(this, 'NotificationsTopicArn', {
      value: this.orchestrator.topic.topicArn,
      description: 'Subscribe people here (aws sns subscribe)',
    });
    new CfnOutput(this, 'WorkflowArn', {
      value: this.orchestrator.stateMachine.stateMachineArn,
      description: 'The failover state machine',
    });
    new CfnOutput(this, 'DashboardName', {
      value: this.orchestrator.operations.dashboard.dashboardName,
      description: 'Executions, recovery time per step, standby readiness',
    });
    new CfnOutput(this, 'KubeWorkerRoleArn', {
      value: this.orchestrator.kubeWorker.role!.roleArn,
      description: 'Mapped to the Kubernetes group by the EKS access entries',
    });
  }
}
