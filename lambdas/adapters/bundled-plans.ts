// The plans the stack published with this function's code: plans.json next to the bundle
// (infra/plan-catalogue-asset.ts), read once per container, when a step first needs it.
import { readFileSync } from 'node:fs';
import { PLAN_CATALOGUE_FILE, type PlanCatalogue } from '../plan/plan-catalogue.js';
import type { PlansPort } from '../ports/plans.js';
import { createPlanCatalogueStore } from './plan-catalogue-store.js';

export const createBundledPlans = (
  file = new URL(`./${PLAN_CATALOGUE_FILE}`, import.meta.url),
): PlansPort => {
  let catalogue: PlanCatalogue | undefined;
  return createPlanCatalogueStore(
    () => (catalogue ??= JSON.parse(readFileSync(file, 'utf8')) as PlanCatalogue),
  );
};
