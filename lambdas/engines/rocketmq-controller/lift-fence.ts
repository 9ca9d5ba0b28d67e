// Lifting the fence of a graceful switchover that could not catch up: nothing was promoted, so
// the fenced site's masters still master their groups, read-only. Each that reports
// brokerPermission 4 is made writable again (`updateBrokerConfig ... brokerPermission 6`) and
// read back. The brokers are read rather than the fence's own record trusted: a retried lift, or
// a fence cut short, leaves some already writable and others not.
import { TransientError } from '../../errors.js';
import type { ActionResult, StepContext } from '../engine.js';
import {
  masterOf,
  memberAt,
  membersOf,
  setBrokerPermission,
  namespacePods,
  readBrokerPermission,
  readClusterList,
  rocketAccess,
  toolsPod,
} from './cluster.js';
import type { RocketmqControllerPlan } from './plan.js';

export const rocketmqLiftFence = async (
  ctx: StepContext,
  engine: RocketmqControllerPlan,
): Promise<ActionResult> => {
  const access = rocketAccess(ctx, engine);
  const tools = await toolsPod(access);
  const [view, pods] = await Promise.all([readClusterList(access, tools), namespacePods(access)]);
  const nameServer = view.nameServer;
  if (nameServer === undefined)
    throw new TransientError(
      `no name server answered (${view.answers.map((a) => `${a.nameServer}: ${a.error}`).join('; ')}): the fenced masters cannot be found`,
    );

  const outcomes = [];
  for (const group of engine.brokerGroups) {
    const row = masterOf(view.rows, group.brokerName);
    const master = memberAt(membersOf(engine, pods, group), row?.address);
    if (row === undefined || master === undefined) {
      throw new TransientError(
        `${group.brokerName} has no master registered: the fenced master cannot be made writable again`,
      );
    }
    if (master.site === engine.targetSite) {
      // Not the fenced side's master (mastered there before this switchover): the fence never touched it.
      outcomes.push({
        brokerName: group.brokerName,
        master: master.pod,
        address: row.address,
        outcome: 'not fenced' as const,
      });
      continue;
    }
    const before = await readBrokerPermission(access, tools, nameServer, row.address);
    if (before.permission === undefined)
      throw new TransientError(
        `${group.brokerName}'s master ${master.pod} at ${row.address} does not report its permission: ${before.error}`,
      );
    if (before.permission !== '6') {
      const change = `made master ${group.brokerName} at ${row.address} writable again (brokerPermission 6, was ${before.permission})`;
      await ctx.act(
        `make master ${group.brokerName} at ${row.address} writable again (brokerPermission 6)`,
        `${engine.namespace}/${master.pod}`,
        () =>
          setBrokerPermission(
            access,
            tools,
            nameServer,
            row.address,
            6,
            `could not make ${row.address} writable`,
          ),
        () => change,
      );
    }
    const after = await readBrokerPermission(access, tools, nameServer, row.address);
    if (after.permission !== '6')
      throw new TransientError(
        `${row.address} still reports brokerPermission ${after.permission ?? `unknown (${after.error})`} after the update`,
      );
    outcomes.push({
      brokerName: group.brokerName,
      master: master.pod,
      address: row.address,
      outcome: before.permission === '6' ? ('already writable' as const) : ('lifted' as const),
    });
  }
  const lifted = outcomes.filter((o) => o.outcome === 'lifted');
  return {
    summary: `${lifted.length > 0 ? 'fence lifted' : 'nothing to lift'}: ${outcomes.map((o) => `${o.brokerName} ${o.master} ${o.outcome === 'not fenced' ? `(master in ${engine.targetSite}, never fenced)` : `takes writes (brokerPermission 6${o.outcome === 'already writable' ? ', already' : ''})`}`).join('; ')}`,
    detail: { outcomes, nameServer },
  };
};
