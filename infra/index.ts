// The package's main entry (`failover-orchestrator`): the CDK construct, the stack that holds it,
// the stacks of a deployment in one Region or several, and the plan loader its `plans` come from
// (also alone, without aws-cdk-lib, as `failover-orchestrator/plan`).
export type { MultiRegionProps } from './deployment-regions.js';
export { FailoverOrchestrator, type FailoverOrchestratorProps } from './failover-orchestrator.js';
export { FailoverOrchestratorStack, type FailoverOrchestratorStackProps } from './failover-stack.js';
export { orchestratorStacks, type OrchestratorStacksProps } from './orchestrator-stacks.js';
export * from '../lambdas/plan/index.js';
