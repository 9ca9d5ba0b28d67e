// The published form of a deployment's plans: every validated plan as JSON, by name, and which
// plan each triggering alarm starts. The stack writes it next to the workers' code; the workers
// read it (adapters/plan-catalogue-store.ts).
import type { Plan } from './schema.js';
import { triggerAlarmNames } from './triggers.js';

export interface PlanCatalogue {
  /** Each plan as validated, defaults written out. */
  plans: Record<string, unknown>;
  /** Triggering alarm name to the name of the plan it starts. */
  triggers: Record<string, string>;
}

/** The file the catalogue is published as, next to each worker's bundle. */
export const PLAN_CATALOGUE_FILE = 'plans.json';

/**
 * Throws when two plans share a name, or a triggering alarm: one alarm event starts one
 * execution, so it must name one plan.
 */
export const planCatalogue = (plans: readonly Plan[]): PlanCatalogue => {
  const catalogue: PlanCatalogue = { plans: {}, triggers: {} };
  const problems: string[] = [];
  for (const plan of plans) {
    if (plan.name in catalogue.plans)
      problems.push(
        `plan ${plan.name}: the name is used by another plan; plan names identify rules, locks and reports`,
      );
    catalogue.plans[plan.name] = plan;
    for (const alarm of triggerAlarmNames(plan)) {
      const other = catalogue.triggers[alarm];
      if (other !== undefined && other !== plan.name)
        problems.push(
          `plan ${plan.name}: alarm ${alarm} already starts plan ${other}; one alarm starts one plan's failover, so give each plan alarms of its own`,
        );
      else catalogue.triggers[alarm] = plan.name;
    }
  }
  if (problems.length > 0) throw new Error(problems.join('; '));
  return catalogue;
};
