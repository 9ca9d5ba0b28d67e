// `failover rbac PLAN`: the Roles and RoleBindings the orchestrator needs for a plan, as YAML to
// pipe into `kubectl apply -f -` on each side's cluster.
import { loadPlan, PlanError } from '../lambdas/plan/load-plan.js';
import { checkKubernetesGroup, DEFAULT_KUBERNETES_GROUP, rbacFor, rbacYaml } from '../lambdas/plan/rbac.js';
import type { Side } from '../lambdas/plan/schema.js';
import { exitCodes, type Io } from './io.js';

export interface RbacOptions {
  planFile: string;
  /** Only this side's objects, for `kubectl --context <that cluster> apply -f -`. */
  side?: string;
  group?: string;
}

const sides: readonly string[] = ['upstream', 'downstream'] satisfies Side[];

export const printRbac = async (options: RbacOptions, io: Io): Promise<number> => {
  if (options.side !== undefined && !sides.includes(options.side)) {
    io.err(`--side ${options.side}: expected upstream or downstream`);
    return exitCodes.badInput;
  }
  const group = options.group ?? DEFAULT_KUBERNETES_GROUP;
  const groupProblem = checkKubernetesGroup(group);
  if (groupProblem) {
    io.err(`--group: ${groupProblem}`);
    return exitCodes.badInput;
  }
  let plan;
  try {
    plan = await loadPlan(options.planFile);
  } catch (err) {
    if (!(err instanceof PlanError)) throw err;
    err.problems.forEach((p) => io.err(p));
    return exitCodes.badInput;
  }
  const manifests = rbacFor(plan, group).filter((m) => options.side === undefined || m.side === options.side);
  io.out(rbacYaml(plan, manifests).trimEnd());
  return 0;
};
