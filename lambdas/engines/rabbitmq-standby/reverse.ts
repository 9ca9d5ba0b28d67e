// The plan block with its sides swapped, for a leg that starts from the plan's downstream: the
// old upstream becomes the side to protect (or promote). Its replication resource names and
// Secret are written out when the plan is read (plan.ts), so swapping twice gives the plan back.
import type { Side } from '../../plan/schema.js';
import type { RabbitmqStandbyPlan } from './plan.js';

/** Everything the engine knows of one side, defaults applied. */
export interface SideNames {
  namespace: string;
  rabbitmqCluster: string;
  standbyReplication: string;
  schemaReplication: string;
  container: string;
  replicationEndpoints?: { schema: string; stream: string };
  upstreamSecret: string;
}

export const sideNames = (engine: RabbitmqStandbyPlan, side: Side): SideNames => {
  const { container, ...s } = engine[side];
  // The upstream's container defaults to the downstream's: one image on both sites.
  return { ...s, container: container ?? engine.downstream.container };
};

/**
 * Swaps the sides. Promotion flags, teardown way and vhosts describe the service and stay: a
 * failback promotes and tears down as the plan says a failover does. The new upstream states
 * its container only where it differs from the new downstream's, as the plan would.
 */
export const reverseStandbyPlan = (engine: RabbitmqStandbyPlan): RabbitmqStandbyPlan => {
  const up = sideNames(engine, 'upstream');
  const { container: downContainer, ...down } = engine.downstream;
  return {
    ...engine,
    upstream: { ...down, ...(downContainer === up.container ? {} : { container: downContainer }) },
    downstream: up,
  };
};
