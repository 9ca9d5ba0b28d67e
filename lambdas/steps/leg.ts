// Orientation: a step of a leg sees the plan with its `upstream` being the side the leg leaves
// (or, for reprotect, the side that serves) and its `downstream` the side the leg goes to (or
// protects). So each engine is written once, for upstream -> downstream, and serves both
// directions (plan/leg.ts defines the leg).
import { describeEngine } from '../engines/catalog.js';
import type { Leg } from '../plan/leg.js';
import type { Plan, Side } from '../plan/schema.js';

/**
 * Which side of the plan file a step's side is: a failback's `upstream` is the plan's downstream.
 * Local runs map it to their ports (the deployed worker reads the oriented plan's EKS cluster
 * itself). A plan whose sides share one cluster keeps the side as it is.
 */
export const planSideOf = (plan: Plan, oriented: Plan, side: Side): Side => {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  if (same(plan.clusters.upstream, plan.clusters.downstream)) return side;
  return same(oriented.clusters[side], plan.clusters.upstream) ? 'upstream' : 'downstream';
};

/** The plan as this leg's steps see it: sides swapped when the leg starts from the plan's downstream. */
export const orientPlan = (plan: Plan, leg: Leg): Plan => {
  if (leg.from === 'upstream') return plan;
  return {
    ...plan,
    engine: describeEngine(plan).reverse(plan.engine) as Plan['engine'],
    clusters: { upstream: plan.clusters.downstream, downstream: plan.clusters.upstream },
    dns: {
      ...plan.dns,
      records: plan.dns.records.map((r) => ({ ...r, upstream: r.downstream, downstream: r.upstream })),
      switch:
        plan.dns.switch.via === 'routing-controls'
          ? {
              ...plan.dns.switch,
              controls: {
                upstream: plan.dns.switch.controls.downstream,
                downstream: plan.dns.switch.controls.upstream,
              },
            }
          : plan.dns.switch,
    },
    ...(plan.regions
      ? { regions: { upstream: plan.regions.downstream, downstream: plan.regions.upstream } }
      : {}),
  };
};
