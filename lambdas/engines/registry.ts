// The engines this build knows (engines/catalog.ts), by the plan's `engine.type`.
import type { Plan } from '../plan/schema.js';
import { engineCatalog } from './catalog.js';
import type { Engine } from './engine.js';

const engines = new Map<string, Engine>(engineCatalog.map((e) => [e.planSchema.shape.type.value, e.engine]));

/** A plan is only ever parsed with the catalog's schemas, so its type always has an engine. */
export const engineFor = (plan: Plan): Engine => engines.get(plan.engine.type)!;
