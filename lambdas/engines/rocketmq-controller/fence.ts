// Fencing the lost site's brokers. A master there that can still be reached is made read-only
// (`brokerPermission` 4: producers are refused, consumers may drain it) and read back. In the
// seed's case the site is gone: its pods are not Ready and cannot be reached (the name servers may
// still list them, for up to 120 s after their last registration), so nothing can be verified and
// the result says `unreachable`. Controller
// mode limits the harm of a returning old master: it registers with the controller, finds a
// newer master epoch and rejoins as a slave; until it does, clients that still reach it could
// write to it, which is why this is reported and not hidden.
import { MisconfiguredError, TransientError } from '../../errors.js';
import type { FenceResult, StepContext } from '../engine.js';
import { shellCommand } from '../../text/shell-quote.js';
import {
  describePod,
  membersOf,
  setBrokerPermission,
  namespacePods,
  readBrokerPermission,
  readClusterList,
  rocketAccess,
  toolsPod,
  type Member,
} from './cluster.js';
import { lostSites, type RocketmqControllerPlan } from './plan.js';

export const rocketmqFence = async (
  ctx: StepContext,
  engine: RocketmqControllerPlan,
): Promise<FenceResult> => {
  const access = rocketAccess(ctx, engine);
  const pods = await namespacePods(access);
  // A lost node's pods stay listed: none of the lost site's brokers listed is a wrong plan, not a lost site.
  const lostPods = engine.brokerGroups.flatMap((g) =>
    g.members.filter((m) => m.site !== engine.targetSite).map((m) => m.pod),
  );
  if (!lostPods.some((p) => pods.has(p))) {
    throw new MisconfiguredError(
      `none of the upstream brokers ${lostPods.join(', ')} is listed in namespace ${engine.namespace}: the plan names brokers that are not there (a wrong namespace or pod name?); nothing was fenced or promoted`,
    );
  }
  const tools = await toolsPod(access);
  const view = await readClusterList(access, tools);
  if (view.nameServer === undefined) {
    return {
      state: 'unreachable',
      summary: `no name server answered (${view.answers.map((a) => a.error).join('; ')}): the lost site's brokers cannot be found, let alone fenced`,
      detail: { nameServers: view.answers },
      lift: [],
    };
  }
  const nameServer = view.nameServer;
  const lost = engine.brokerGroups
    .flatMap((g) => membersOf(engine, pods, g))
    .filter((m) => m.site !== engine.targetSite);
  const registeredAs = (m: Member) => view.rows.find((r) => r.address === m.address);

  const outcomes = [];
  for (const member of lost) {
    const row = registeredAs(member);
    if (row === undefined || !member.ready) {
      outcomes.push({
        member: member.pod,
        brokerName: member.brokerName,
        outcome: 'unreachable' as const,
        why: `${describePod(member.summary, member.pod)}, ${row ? 'still registered' : 'not registered with the name server'}`,
      });
      continue;
    }
    if (row.brokerId !== 0) {
      outcomes.push({
        member: member.pod,
        brokerName: member.brokerName,
        outcome: 'slave' as const,
        why: `registered as slave (BID ${row.brokerId}): takes no writes`,
      });
      continue;
    }
    const address = row.address;
    const before = await readBrokerPermission(access, tools, nameServer, address);
    if (before.permission !== '4') {
      const change = `made master ${member.brokerName} at ${address} read-only (brokerPermission 4, was ${before.permission ?? 'unknown'})`;
      await ctx.act(
        `make master ${member.brokerName} at ${address} read-only (brokerPermission 4)`,
        `${engine.namespace}/${member.pod}`,
        () =>
          setBrokerPermission(access, tools, nameServer, address, 4, `could not make ${address} read-only`),
        () => change,
      );
    }
    const after = await readBrokerPermission(access, tools, nameServer, address);
    if (after.permission !== '4')
      throw new TransientError(
        `${address} still reports brokerPermission ${after.permission ?? `unknown (${after.error})`} after the update`,
      );
    outcomes.push({
      member: member.pod,
      brokerName: member.brokerName,
      outcome: 'fenced' as const,
      why: `master at ${address} read-only (brokerPermission 4)`,
      address,
    });
  }

  const unreachable = outcomes.filter((o) => o.outcome === 'unreachable');
  const fenced = outcomes.filter((o) => o.outcome === 'fenced');
  const lift = fenced.map((o) => shellCommand(access.commands.setBrokerPermission(nameServer, o.address, 6)));
  const describe = outcomes.map((o) => `${o.member} (${o.brokerName}): ${o.why}`).join('; ');
  if (unreachable.length > 0) {
    return {
      state: 'unreachable',
      summary: `the lost site's brokers cannot be reached to fence them: ${describe}. When they return, controller mode makes them slaves of the new masters`,
      detail: { outcomes },
      lift,
    };
  }
  return {
    state: 'fenced',
    summary: `${lostSites(engine).join(', ')} fenced: ${describe}`,
    detail: { outcomes },
    lift,
  };
};
