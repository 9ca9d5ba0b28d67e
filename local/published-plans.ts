// The plans of a run on this machine, published as the stack publishes them (the same catalogue,
// through JSON as the workers read plans.json): the workers load and verify each plan exactly as
// the deployed ones do.
import { createPlanCatalogueStore } from '../lambdas/adapters/plan-catalogue-store.js';
import { planCatalogue, type PlanCatalogue } from '../lambdas/plan/plan-catalogue.js';
import type { Plan } from '../lambdas/plan/schema.js';
import type { PlansPort } from '../lambdas/ports/plans.js';

export const publishedPlans = (plans: readonly Plan[]): PlansPort => {
  const catalogue = JSON.parse(JSON.stringify(planCatalogue(plans))) as PlanCatalogue;
  return createPlanCatalogueStore(() => catalogue);
};
