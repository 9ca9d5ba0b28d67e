// After traffic moved there is no replication link to remove in controller mode: when the lost
// site returns, its brokers register with the controller and rejoin as slaves of the new
// masters, catching up before they re-enter the SyncStateSet. Teardown reads the SyncStateSet
// and reports who is not yet in sync, so an operator knows the new masters have no in-sync
// replica until then.
import type { ActionResult, StepContext } from '../engine.js';
import { readSyncStateSet, rocketAccess, toolsPod } from './cluster.js';
import type { RocketmqControllerPlan } from './plan.js';

export const rocketmqTeardown = async (
  ctx: StepContext,
  engine: RocketmqControllerPlan,
): Promise<ActionResult> => {
  const access = rocketAccess(ctx, engine);
  const tools = await toolsPod(access);
  const groups = await Promise.all(
    engine.brokerGroups.map(async (g) => {
      const { set, error } = await readSyncStateSet(access, tools, g.brokerName);
      return { brokerName: g.brokerName, inSync: set?.inSync ?? [], notInSync: set?.notInSync ?? [], error };
    }),
  );
  const alone = groups.filter((g) => g.inSync.length <= 1);
  const pending = groups.flatMap((g) =>
    g.notInSync.map(
      (r) => `${g.brokerName} id ${r.brokerId} ${r.address}${r.alive === false ? ' (offline)' : ''}`,
    ),
  );
  return {
    summary: `no replication link to remove (controller mode); ${pending.length ? `NotInSyncReplica: ${pending.join(', ')} - they rejoin as slaves when their site returns` : 'every replica in sync'}${alone.length ? `; until then ${alone.map((g) => g.brokerName).join(', ')} run without an in-sync slave` : ''}`,
    detail: { groups },
  };
};
