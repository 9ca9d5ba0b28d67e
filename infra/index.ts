// The package's main entry (`failover-orchestrator`): the CDK construct, the stack that holds it,
// and the plan loader its `plans` come from (also alone, without aws-cdk-lib, as
// `failover-orchestrator/plan`).
export { FailoverOrchestrator, type FailoverOrchestratorProps } from './failover-orchestrator.js';
export { FailoverOrchestratorStack, type FailoverOrchestratorStackProps } from './failover-stack.js';
export * from '../lambdas/plan/index.js';
