// What a failover of this plan will change, in order, for approvers and reports.
import { engineFor } from '../engines/registry.js';
import type { Plan } from '../plan/schema.js';

export const intendedChanges = (plan: Plan): string[] => {
  const engine = engineFor(plan).plannedChanges(plan);
  return [
    engine.promote,
    ...plan.dns.records.map((r) => `point ${r.type} ${r.name} from ${r.upstream} to ${r.downstream} (TTL ${r.ttl} s)`),
    engine.teardown,
  ];
};
