// Graceful switchover, after the fence: does each target-site broker hold everything its group's
// fenced master took? Replication is asynchronous (a master acknowledges a message before its
// slaves have it), so SyncStateSet membership alone proves nothing about the last messages. For
// every group still mastered from the other site, in this order: the master reports
// brokerPermission 4 (the fence holds, so its commit log no longer grows); a target broker is a
// live SyncStateSet member (electMaster takes nobody else); and the master's HA table (`haStatus`)
// shows that broker's connection has acknowledged the master's whole commit log (Diff 0). Reading
// the permission first makes the end the slave is compared with final. Read-only.
import type { CatchUpResult, StepContext } from '../engine.js';
import {
  ipOf,
  masterOf,
  memberAt,
  membersOf,
  namespacePods,
  readBrokerPermission,
  readClusterList,
  readHaStatus,
  readSyncStateSet,
  rocketAccess,
  toolsPod,
  type Member,
  type RocketAccess,
} from './cluster.js';
import type { HaConnection } from './commands.js';
import type { BrokerGroup, RocketmqControllerPlan } from './plan.js';

interface TargetView {
  pod: string;
  address?: string;
  inSyncStateSet: boolean;
  /** From the master's HA table: absent when it has no connection from this broker. */
  ackOffset?: number;
  diff?: number;
  status?: string;
}

interface GroupCatchUp {
  brokerName: string;
  caughtUp: boolean;
  /** Why, in words, e.g. `broker-0-1-0 acknowledged 122880000 of 122880000 bytes (Diff 0)`. */
  why: string;
  master?: string;
  masterSite?: string;
  brokerPermission?: string;
  commitLogMaxOffset?: number;
  targets?: TargetView[];
}

export const rocketmqCatchUp = async (
  ctx: StepContext,
  engine: RocketmqControllerPlan,
  fencedAt: Date,
): Promise<CatchUpResult> => {
  const access = rocketAccess(ctx, engine);
  const tools = await toolsPod(access);
  const [view, pods] = await Promise.all([readClusterList(access, tools), namespacePods(access)]);
  const sinceFenceSeconds = Math.round((ctx.clock.now().getTime() - fencedAt.getTime()) / 100) / 10;
  const nameServer = view.nameServer;
  if (nameServer === undefined) {
    return {
      caughtUp: false,
      summary: `no name server answered (${view.answers.map((a) => `${a.nameServer}: ${a.error}`).join('; ')}): the masters cannot be found`,
      evidence: { nameServers: view.answers, sinceFenceSeconds },
    };
  }
  const groups: GroupCatchUp[] = [];
  for (const group of engine.brokerGroups)
    groups.push(
      await groupCatchUp(access, tools, nameServer, membersOf(engine, pods, group), view.rows, group),
    );
  const behind = groups.filter((g) => !g.caughtUp);
  const evidence = { groups, nameServer, sinceFenceSeconds };
  if (behind.length > 0)
    return { caughtUp: false, summary: behind.map((g) => `${g.brokerName}: ${g.why}`).join('; '), evidence };
  return {
    caughtUp: true,
    summary: `every ${engine.targetSite} broker holds its fenced master's whole commit log: ${groups.map((g) => `${g.brokerName}: ${g.why}`).join('; ')}`,
    evidence,
  };
};

const groupCatchUp = async (
  access: RocketAccess,
  tools: string,
  nameServer: string,
  members: Member[],
  rows: Awaited<ReturnType<typeof readClusterList>>['rows'],
  group: BrokerGroup,
): Promise<GroupCatchUp> => {
  const { engine } = access;
  const brokerName = group.brokerName;
  const row = masterOf(rows, brokerName);
  const master = memberAt(members, row?.address);
  if (row === undefined || master === undefined) {
    return {
      brokerName,
      caughtUp: false,
      why: `no master registered (${row ? `BID 0 at ${row.address} is none of the plan's brokers` : 'no BID 0 in clusterList'}): what it took cannot be compared`,
    };
  }
  const base = { brokerName, master: master.pod, masterSite: master.site };
  if (master.site === engine.targetSite)
    return { ...base, caughtUp: true, why: `already mastered in ${engine.targetSite} by ${master.pod}` };

  const { permission, error } = await readBrokerPermission(access, tools, nameServer, row.address);
  if (permission !== '4') {
    return {
      ...base,
      ...(permission ? { brokerPermission: permission } : {}),
      caughtUp: false,
      why: `its master ${master.pod} is ${permission ? `not read-only (brokerPermission ${permission})` : `not answering (${error})`}: its commit log may still grow`,
    };
  }
  const [sync, ha] = await Promise.all([
    readSyncStateSet(access, tools, brokerName),
    readHaStatus(access, tools, nameServer, row.address),
  ]);
  if (sync.set === undefined)
    return {
      ...base,
      brokerPermission: permission,
      caughtUp: false,
      why: `cannot read its SyncStateSet: ${sync.error}`,
    };
  if (ha.status === undefined)
    return {
      ...base,
      brokerPermission: permission,
      caughtUp: false,
      why: `cannot read ${master.pod}'s HA status: ${ha.error}`,
    };
  if (ha.status.role !== 'master')
    return {
      ...base,
      brokerPermission: permission,
      caughtUp: false,
      why: `${master.pod} answers haStatus as a slave of ${ha.status.masterAddress}: the group changed master`,
    };
  const end = ha.status.commitLogMaxOffset;
  const connections = ha.status.connections;
  const targets: TargetView[] = members
    .filter((m) => m.site === engine.targetSite)
    .map((m) => {
      const ip = ipOf(m);
      const connection: HaConnection | undefined =
        ip === undefined ? undefined : connections.find((c) => c.ip === ip);
      const inSyncStateSet = sync.set!.inSync.some((r) => r.alive && r.address === m.address);
      return {
        pod: m.pod,
        ...(m.address ? { address: m.address } : {}),
        inSyncStateSet,
        ...(connection
          ? { ackOffset: connection.ackOffset, diff: connection.diff, status: connection.status }
          : {}),
      };
    });
  const detail = { ...base, brokerPermission: permission, commitLogMaxOffset: end, targets };
  const holder = targets.find(
    (t) => t.inSyncStateSet && t.diff === 0 && t.ackOffset !== undefined && t.ackOffset >= end,
  );
  if (holder)
    return {
      ...detail,
      caughtUp: true,
      why: `${holder.pod} acknowledged ${holder.ackOffset} of ${end} bytes (Diff 0, in the SyncStateSet)`,
    };
  const describe = (t: TargetView) =>
    `${t.pod} ${t.inSyncStateSet ? 'in the SyncStateSet' : 'NotInSyncReplica'}, ${t.diff === undefined ? `no HA connection to ${master.pod}` : `${t.diff} bytes behind ${end} (${t.status})`}`;
  return {
    ...detail,
    caughtUp: false,
    why: targets.map(describe).join('; ') || `no member in ${engine.targetSite}`,
  };
};
