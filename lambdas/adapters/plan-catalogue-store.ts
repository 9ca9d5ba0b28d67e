// Plans from a catalogue (plan/plan-catalogue.ts): each is validated and hashed the first time an
// execution names it, and kept for the container's life.
import { BadInputError } from '../errors.js';
import { parsePlan } from '../plan/parse-plan.js';
import { planHash } from '../plan/plan-ref.js';
import type { PlanCatalogue } from '../plan/plan-catalogue.js';
import type { Plan } from '../plan/schema.js';
import type { PlansPort } from '../ports/plans.js';

export const createPlanCatalogueStore = (catalogue: () => PlanCatalogue): PlansPort => {
  const loaded = new Map<string, { plan: Plan; sha256: string }>();
  const published = (name: string) => {
    const known = loaded.get(name);
    if (known) return known;
    const document = Object.hasOwn(catalogue().plans, name) ? catalogue().plans[name] : undefined;
    if (document === undefined) return undefined;
    let plan: Plan;
    try {
      plan = parsePlan(document, `published plan ${name}`);
    } catch (err) {
      throw new BadInputError((err as Error).message);
    }
    const entry = { plan, sha256: planHash(document) };
    loaded.set(name, entry);
    return entry;
  };
  const deployed = (name: string) => {
    const entry = published(name);
    if (!entry)
      throw new BadInputError(
        `plan ${name} is not deployed: this deployment runs only the plans its stack published (${Object.keys(catalogue().plans).length} of them); deploy the plan first`,
      );
    return entry;
  };
  return {
    async load(ref) {
      const entry = deployed(ref.name);
      if (entry.sha256 !== ref.sha256)
        throw new BadInputError(
          `plan ${ref.name}: the execution names content ${ref.sha256}, but the deployed plan is ${entry.sha256}; ` +
            'the plan was redeployed since the execution started, or the input was not made from the deployed plan. Start a new execution from the deployed plan',
        );
      return entry.plan;
    },
    async deployed(name) {
      return deployed(name).plan;
    },
    async triggeredBy(alarmName) {
      const name = Object.hasOwn(catalogue().triggers, alarmName)
        ? catalogue().triggers[alarmName]
        : undefined;
      const entry = name === undefined ? undefined : published(name);
      return entry && { name: entry.plan.name, sha256: entry.sha256 };
    },
  };
};
