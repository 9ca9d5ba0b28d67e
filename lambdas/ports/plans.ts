// Where a worker finds the plan an execution names. Deployed: the plans the stack published with
// the function's code (adapters/bundled-plans.ts); on this machine: the plans of the run.
import type { PlanRef } from '../plan/plan-ref.js';
import type { Plan } from '../plan/schema.js';

export interface PlansPort {
  /**
   * The published plan `ref` names, whose content hashes to `ref.sha256`. Throws BadInput when no
   * plan of that name is published, or its content differs from what the execution started with.
   */
  load(ref: PlanRef): Promise<Plan>;
  /** The published plan of this name, whatever its hash; BadInput when none is published. */
  deployed(name: string): Promise<Plan>;
  /** The plan whose failover this alarm's ALARM state starts, or undefined when it starts none. */
  triggeredBy(alarmName: string): Promise<PlanRef | undefined>;
}
