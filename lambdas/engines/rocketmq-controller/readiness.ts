// Can the target site take over? Its name servers answer, a controller is Ready and answers (with
// a leader), every broker group has a live broker in the target site, a group still mastered from
// the other site has a master the fence can reach (it must be read-only before electMaster hands
// the group over) unless that master's pod is lost with its site, and the target broker is in the
// group's SyncStateSet (only SyncStateSet members are electable without losing messages), and what
// an election can still lose is within the plan's RPO bound.
import type { CheckResult, StepContext } from '../engine.js';
import { runChecks } from '../run-checks.js';
import {
  describePod,
  masterOf,
  memberAt,
  membersOf,
  namespacePods,
  readBrokerConfig,
  readBrokerPermission,
  readClusterList,
  readControllerMetaData,
  readSyncStateSet,
  replicaAlive,
  rocketAccess,
  toolsPod,
  type NameServerView,
  type RocketAccess,
} from './cluster.js';
import { lostSites, type BrokerGroup, type RocketmqControllerPlan } from './plan.js';

export const rocketmqReadiness = async (
  ctx: StepContext,
  engine: RocketmqControllerPlan,
): Promise<CheckResult[]> => {
  const access = rocketAccess(ctx, engine);
  const tools = toolsPod(access);
  const pods = namespacePods(access);
  const nameServers = tools.then((pod) => readClusterList(access, pod, true));
  // Each is awaited by the checks that need it; an early rejection must not go unhandled meanwhile.
  for (const pending of [tools, pods, nameServers]) pending.catch(() => undefined);
  return runChecks([
    ['name-servers', async () => nameServerCheck(await nameServers)],
    ['controller', async () => controllerCheck(access, await tools, await pods)],
    ['target-brokers', async () => targetBrokersCheck(engine, await pods, await nameServers)],
    [
      'lost-site-masters',
      async () => lostSiteMastersCheck(access, await tools, await pods, await nameServers),
    ],
    ['sync-state-set', async () => syncStateCheck(access, await tools, await pods, await nameServers)],
    ['rpo-bound', async () => rpoBoundCheck(ctx, access, await tools, await pods, await nameServers)],
  ]);
};

const nameServerCheck = (view: Awaited<ReturnType<typeof readClusterList>>) => {
  const down = view.answers.filter((a) => !a.reachable);
  const up = view.answers.filter((a) => a.reachable);
  const evidence = { nameServers: view.answers, brokers: view.rows };
  if (up.length === 0)
    return {
      passed: false,
      summary: `no name server answered: ${down.map((d) => `${d.nameServer} (${d.error})`).join('; ')}`,
      evidence,
    };
  return {
    passed: true,
    summary: `${up.map((u) => `${u.nameServer} lists ${u.brokers} brokers`).join('; ')}${down.length ? `; not answering: ${down.map((d) => d.nameServer).join(', ')}` : ''}`,
    evidence,
  };
};

const controllerCheck = async (
  access: RocketAccess,
  tools: string,
  pods: Awaited<ReturnType<typeof namespacePods>>,
) => {
  const name = access.engine.controller.pod;
  const pod = pods.get(name);
  const { metaData, error } = await readControllerMetaData(access, tools);
  const evidence = {
    pod: describePod(pod, name),
    address: access.engine.controller.address,
    metaData,
    error,
  };
  if (pod?.ready && !pod.terminating && metaData) {
    return {
      passed: true,
      summary: `${describePod(pod, name)} answers as leader ${metaData.leaderAddress}`,
      evidence,
    };
  }
  const stuck = pod === undefined || !pod.ready || pod.terminating;
  return {
    passed: false,
    summary: stuck
      ? `${describePod(pod, name)}: no controller can promote a slave until it is rescheduled (promotion deletes the stuck pod)`
      : `${describePod(pod, name)} does not answer at ${access.engine.controller.address}: ${error}`,
    evidence,
  };
};

/** A group's members in the target site, and those of them that are Ready and registered with the name servers. */
const targetMembers = (
  engine: RocketmqControllerPlan,
  pods: Awaited<ReturnType<typeof namespacePods>>,
  view: NameServerView,
  group: BrokerGroup,
) => {
  const registered = new Set(view.rows.map((r) => r.address));
  const targets = membersOf(engine, pods, group).filter((m) => m.site === engine.targetSite);
  return {
    targets,
    registered,
    live: targets.filter((m) => m.ready && m.address !== undefined && registered.has(m.address)),
  };
};

const targetBrokersCheck = (
  engine: RocketmqControllerPlan,
  pods: Awaited<ReturnType<typeof namespacePods>>,
  view: Awaited<ReturnType<typeof readClusterList>>,
) => {
  const groups = engine.brokerGroups.map((group) => {
    const { targets, registered, live } = targetMembers(engine, pods, view, group);
    return {
      brokerName: group.brokerName,
      targets: targets.map((m) => ({
        pod: describePod(m.summary, m.pod),
        address: m.address,
        registered: m.address !== undefined && registered.has(m.address),
      })),
      live: live.map((m) => m.pod),
    };
  });
  const missing = groups.filter((g) => g.live.length === 0);
  if (missing.length > 0) {
    return {
      passed: false,
      summary: `no live broker in ${engine.targetSite} for ${missing.map((g) => `${g.brokerName} (${g.targets.map((t) => `${t.pod}${t.registered ? '' : ', not registered'}`).join(', ')})`).join('; ')}`,
      evidence: { groups },
    };
  }
  return {
    passed: true,
    summary: `${groups.map((g) => `${g.brokerName}: ${g.live.join(', ')}`).join('; ')} live in ${engine.targetSite}`,
    evidence: { groups },
  };
};

/**
 * A group still mastered from the other site is handed over by electMaster after the fence, which
 * must reach its master to make it read-only: a master that does not answer could keep taking
 * writes until it learns of the new epoch. A master whose pod is not Ready (its node lost with its
 * site) and that does not answer is not one: the name servers keep listing a broker whose site went
 * dark, as BID 0, until its channel expires (120 s after its last registration), and the controller
 * replaces it.
 */
const lostSiteMastersCheck = async (
  access: RocketAccess,
  tools: string,
  pods: Awaited<ReturnType<typeof namespacePods>>,
  view: NameServerView,
) => {
  const { engine } = access;
  const listed = engine.brokerGroups.flatMap((group) => {
    const row = masterOf(view.rows, group.brokerName);
    const master = memberAt(membersOf(engine, pods, group), row?.address);
    return master && row && master.site !== engine.targetSite
      ? [
          {
            brokerName: group.brokerName,
            pod: master.pod,
            site: master.site,
            address: row.address,
            // Not Ready and silent to clusterList: lost. One that answers may still take writes.
            lost: !master.ready && row.version === '',
            said: describePod(master.summary, master.pod),
          },
        ]
      : [];
  });
  const lost = listed.filter((m) => m.lost);
  const live = listed.filter((m) => !m.lost);
  const lostSaid = lost.length
    ? `; ${lost.map((m) => `${m.brokerName}'s master ${m.said} in ${m.site} is lost with its site (the name servers list it until its channel expires; the controller elects another)`).join('; ')}`
    : '';
  const nameServer = view.nameServer;
  const masters = await Promise.all(
    live.map(async (m) => ({
      ...m,
      ...(nameServer
        ? await readBrokerPermission(access, tools, nameServer, m.address)
        : { error: 'no name server answered' }),
    })),
  );
  const unreachable = masters.filter((m) => m.permission === undefined);
  const others = lostSites(engine).join(', ');
  const evidence = { masters, lost };
  if (unreachable.length > 0) {
    return {
      passed: false,
      summary: `${unreachable.map((m) => `${m.brokerName}'s master ${m.pod} in ${m.site} is Ready and registered but does not answer (${m.error})`).join('; ')}: it cannot be made read-only before ${engine.targetSite} takes the group over${lostSaid}`,
      evidence,
    };
  }
  if (masters.length === 0)
    return {
      passed: true,
      summary: lost.length ? lostSaid.slice(2) : `no group is mastered from ${others}`,
      evidence,
    };
  return {
    passed: true,
    summary: `${masters.map((m) => `${m.brokerName}'s master ${m.pod} in ${m.site} is live (brokerPermission ${m.permission})`).join(', ')}: the fence makes ${masters.length === 1 ? 'it' : 'them'} read-only, then electMaster hands ${masters.length === 1 ? 'the group' : 'each group'} to ${engine.targetSite} and the controller makes ${masters.length === 1 ? 'it a slave' : 'them slaves'}${lostSaid}`,
    evidence,
  };
};

const syncStateCheck = async (
  access: RocketAccess,
  tools: string,
  pods: Awaited<ReturnType<typeof namespacePods>>,
  view: NameServerView,
) => {
  const { engine } = access;
  const groups = await Promise.all(
    engine.brokerGroups.map(async (group) => {
      const members = membersOf(engine, pods, group);
      const { set, error } = await readSyncStateSet(access, tools, group.brokerName);
      const targets = members.filter((m) => m.site === engine.targetSite);
      const candidates = (set?.inSync ?? []).filter((r) => {
        const target = targets.find((t) => t.address === r.address);
        return target !== undefined && replicaAlive(r, target, view);
      });
      return { brokerName: group.brokerName, error, set, candidates };
    }),
  );
  const evidence = {
    groups: groups.map((g) => ({
      brokerName: g.brokerName,
      inSync: g.set?.inSync,
      notInSync: g.set?.notInSync,
      masterAddress: g.set?.masterAddress,
      error: g.error,
    })),
  };
  const unknown = groups.filter((g) => g.set === undefined);
  if (unknown.length > 0) {
    return {
      passed: false,
      summary: `cannot read the SyncStateSet from the controller at ${engine.controller.address}: ${unknown[0]!.error}`,
      evidence,
    };
  }
  const without = groups.filter((g) => g.candidates.length === 0);
  const notInSync = groups.flatMap((g) =>
    (g.set?.notInSync ?? []).map(
      (r) => `${g.brokerName} id ${r.brokerId} ${r.address}${r.alive === false ? ' (offline)' : ''}`,
    ),
  );
  // 5.0 prints the SyncStateSet alone: who is out of it cannot be reported from its answer.
  const unlisted = groups.filter((g) => g.set?.format === '5.0').map((g) => g.brokerName);
  const note = `${notInSync.length ? `; NotInSyncReplica: ${notInSync.join(', ')}` : ''}${unlisted.length ? `; ${unlisted.join(', ')}: RocketMQ 5.0 does not list NotInSyncReplica` : ''}`;
  if (without.length > 0) {
    return {
      passed: false,
      summary: `no in-sync live broker in ${engine.targetSite} for ${without.map((g) => g.brokerName).join(', ')}: electing one there would lose messages${note}`,
      evidence,
    };
  }
  return {
    passed: true,
    summary: `${groups.map((g) => `${g.brokerName}: id ${g.candidates[0]!.brokerId} (${g.candidates[0]!.address}) in sync`).join('; ')}${note}`,
    evidence,
  };
};

/**
 * What an election can lose of acknowledged messages, against the plan's RPO bound. A broker with
 * allAckInSyncStateSet acknowledges a message once every SyncStateSet member has it, and only
 * members are elected: nothing acknowledged is lost. Without it the master acknowledges first and
 * replicates after, and a slave stays in the SyncStateSet while it is less than
 * haMaxTimeSlaveNotCatchup behind: an election can lose up to that much of the newest writes (a
 * real cluster lost two messages acknowledged 9 and 36 ms before its site froze). The target
 * site's broker is asked — the master may be lost with its site, and a group's members share one
 * configuration. What cannot be read cannot be bounded: the check fails, and a person decides.
 */
const rpoBoundCheck = async (
  ctx: StepContext,
  access: RocketAccess,
  tools: string,
  pods: Awaited<ReturnType<typeof namespacePods>>,
  view: NameServerView,
) => {
  const { engine } = access;
  const boundSeconds = ctx.plan.thresholds.maxReplicationLagSeconds;
  const groups = await Promise.all(
    engine.brokerGroups.map(async (group) => {
      const [target] = targetMembers(engine, pods, view, group).live;
      const read =
        target === undefined || view.nameServer === undefined
          ? { error: `no live broker in ${engine.targetSite} to ask` }
          : await readBrokerConfig(access, tools, view.nameServer, target.address!);
      const allAck = read.value?.['allAckInSyncStateSet'];
      const catchUpMs = Number(read.value?.['haMaxTimeSlaveNotCatchup']);
      const lossSeconds =
        allAck === 'true'
          ? 0
          : allAck === 'false' && Number.isFinite(catchUpMs)
            ? catchUpMs / 1000
            : undefined;
      return {
        brokerName: group.brokerName,
        broker: target?.pod,
        allAckInSyncStateSet: allAck,
        haMaxTimeSlaveNotCatchupMs: Number.isFinite(catchUpMs) ? catchUpMs : undefined,
        lossSeconds,
        error:
          lossSeconds === undefined
            ? (read.error ?? 'getBrokerConfig lists no allAckInSyncStateSet or haMaxTimeSlaveNotCatchup')
            : undefined,
      };
    }),
  );
  const said = (g: (typeof groups)[number]) =>
    g.lossSeconds === undefined
      ? `${g.brokerName}: the possible loss cannot be bounded (${g.error})`
      : g.lossSeconds === 0
        ? `${g.brokerName}: nothing acknowledged can be lost (allAckInSyncStateSet)`
        : `${g.brokerName}: up to ${g.lossSeconds} s of acknowledged messages (acknowledged before replicated; a slave stays in sync up to haMaxTimeSlaveNotCatchup ${g.haMaxTimeSlaveNotCatchupMs} ms behind)`;
  const worst = Math.max(...groups.map((g) => g.lossSeconds ?? Infinity));
  const passed = worst <= boundSeconds;
  return {
    passed,
    summary: `${groups.map(said).join('; ')}${Number.isFinite(worst) ? ` ${passed ? '<=' : '>'} RPO bound ${boundSeconds} s` : ''}`,
    evidence: {
      // Read as replication lag by whoever weighs the risk: the newest writes an election can lose.
      lagSeconds: Number.isFinite(worst) ? worst : undefined,
      maxReplicationLagSeconds: boundSeconds,
      groups,
    },
  };
};
