// The deployable unit: one orchestrator for every plan of an account and region.
import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { Plan } from '../lambdas/plan/schema.js';
import { FailoverOrchestrator } from './failover-orchestrator.js';

export interface FailoverOrchestratorStackProps extends StackProps {
  readonly plans: Plan[];
}

export class FailoverOrchestratorStack extends Stack {
  readonly orchestrator: FailoverOrchestrator;

  constructor(scope: Construct, id: string, props: FailoverOrchestratorStackProps) {
    super(scope, id, props);
    this.orchestrator = new FailoverOrchestrator(this, 'Orchestrator', { plans: props.plans });
  }
}
