// The package's `failover-orchestrator/plan` entry: reading and validating plans, their types,
// how an execution names a deployed plan (name and hash), and what a plan asks of the clusters
// (RBAC). Needs neither aws-cdk-lib nor constructs.
export { loadPlan, parsePlan, parsePlanYaml, PlanError } from './load-plan.js';
export { planSchema, type EnginePlan, type Plan, type PlanInput, type Side } from './schema.js';
export { planJsonSchema } from './json-schema.js';
export { planHash, planRef, type PlanRef } from './plan-ref.js';
export {
  DEFAULT_KUBERNETES_GROUP,
  rbacFor,
  rbacYaml,
  type NamespaceRbac,
  type Role,
  type RoleBinding,
} from './rbac.js';
