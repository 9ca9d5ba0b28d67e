// Reprotect in controller mode: nothing is created, the controller does the replication. The
// site that does not serve (this plan's target site, as the leg orients it) is protected once
// each group is mastered from the serving site and every broker of the protected site serves as
// its slave, takes writes once elected (a broker the last fence left read-only as master is now a
// slave with brokerPermission 4: elected later, it would refuse every producer) and is in the
// group's SyncStateSet (it has caught up, so electMaster may pick it). A returning old master
// registers with the controller, finds a newer master epoch and becomes a slave by itself; this
// waits for that, within the plan's `reprotect.syncTimeoutSeconds`. The permission is restored
// only on a broker that clusterList and the SyncStateSet both show as a slave, never on one still
// acting as master. Idempotent: it reads first and changes only what is not yet so.
import { TransientError, VerificationFailedError } from '../../errors.js';
import type { ActionResult, StepContext } from '../engine.js';
import {
  masterOf,
  memberAt,
  membersOf,
  setBrokerPermission,
  namespacePods,
  readBrokerPermission,
  readClusterList,
  readSyncStateSet,
  rocketAccess,
  toolsPod,
  type RocketAccess,
} from './cluster.js';
import type { RocketmqControllerPlan } from './plan.js';

const pollMs = 2_000;

interface StandbyBroker {
  brokerName: string;
  pod: string;
  address?: string;
  /** BID in clusterList: absent while it is not registered. */
  brokerId?: number;
  brokerPermission?: string;
  inSyncStateSet: boolean;
}

interface GroupProtection {
  brokerName: string;
  master?: string;
  masterSite?: string;
  masterAddress?: string;
  standbys: StandbyBroker[];
}

/** Each group's master and the protected site's brokers, as the name server, the brokers and the controller say. */
const readProtection = async (
  access: RocketAccess,
  tools: string,
): Promise<{ groups: GroupProtection[]; nameServer: string }> => {
  const { engine } = access;
  const [view, pods] = await Promise.all([readClusterList(access, tools), namespacePods(access)]);
  const nameServer = view.nameServer;
  if (nameServer === undefined)
    throw new TransientError(
      `no name server answered (${view.answers.map((a) => `${a.nameServer}: ${a.error}`).join('; ')})`,
    );
  const groups: GroupProtection[] = [];
  for (const group of engine.brokerGroups) {
    const members = membersOf(engine, pods, group);
    const row = masterOf(view.rows, group.brokerName);
    const master = memberAt(members, row?.address);
    const { set, error } = await readSyncStateSet(access, tools, group.brokerName);
    if (set === undefined)
      throw new TransientError(
        `cannot read ${group.brokerName}'s SyncStateSet from the controller: ${error}`,
      );
    const standbys: StandbyBroker[] = [];
    for (const m of members.filter((x) => x.site === engine.targetSite)) {
      const registered = view.rows.find(
        (r) => r.brokerName === group.brokerName && r.address === m.address && m.ready,
      );
      const permission = registered
        ? await readBrokerPermission(access, tools, nameServer, registered.address)
        : undefined;
      standbys.push({
        brokerName: group.brokerName,
        pod: m.pod,
        ...(m.address ? { address: m.address } : {}),
        ...(registered ? { brokerId: registered.brokerId } : {}),
        ...(permission?.permission ? { brokerPermission: permission.permission } : {}),
        inSyncStateSet: set.inSync.some((r) => r.alive && r.address === m.address),
      });
    }
    groups.push({
      brokerName: group.brokerName,
      ...(master ? { master: master.pod, masterSite: master.site } : {}),
      ...(row ? { masterAddress: row.address } : {}),
      standbys,
    });
  }
  return { groups, nameServer };
};

/** A registered slave: not BID 0 by the name server, and not the controller's master either. */
const isSlave = (g: GroupProtection, s: StandbyBroker) =>
  s.brokerId !== undefined && s.brokerId !== 0 && s.address !== g.masterAddress;

const missing = (g: GroupProtection, s: StandbyBroker): string | undefined => {
  if (s.brokerId === undefined)
    return `${s.pod} is not registered (a returning broker registers with the controller and becomes a slave)`;
  if (!isSlave(g, s)) return `${s.pod} is master`;
  if (s.brokerPermission !== '6')
    return `${s.pod} reports brokerPermission ${s.brokerPermission ?? 'unknown'}`;
  if (!s.inSyncStateSet) return `${s.pod} is not in the SyncStateSet yet (still catching up)`;
  return undefined;
};

export const rocketmqReprotect = async (
  ctx: StepContext,
  engine: RocketmqControllerPlan,
): Promise<ActionResult> => {
  const access = rocketAccess(ctx, engine);
  const tools = await toolsPod(access);
  const restored: string[] = [];
  let groups: GroupProtection[] = [];
  // The rest is the brokers' and the controller's to do: registering, catching up; looked at
  // again (by the workflow, between invocations) until every slave protects.
  const protecting = await ctx.waitFor(
    async () => {
      for (;;) {
        const read = await readProtection(access, tools);
        groups = read.groups;
        // A group mastered in the site to protect replicates the other way: only a switchover moves it.
        const wrongWay = groups.filter((g) => g.masterSite === engine.targetSite);
        if (wrongWay.length > 0) {
          throw new VerificationFailedError(
            `${wrongWay.map((g) => `${g.brokerName} is mastered by ${g.master} in ${engine.targetSite}`).join(', ')}: that is the site to protect, so replication runs the other way; a switchover moves the group, reprotect only makes brokers slaves`,
            { groups },
          );
        }
        // A permission just restored is read back at once.
        if (await restorePermissions(ctx, access, tools, read.nameServer, groups, restored)) continue;
        const pending = groups.flatMap((g) =>
          g.master === undefined
            ? [`${g.brokerName} has no master registered`]
            : g.standbys.flatMap((s) => missing(g, s) ?? []),
        );
        return pending.length === 0
          ? { done: true as const, value: groups }
          : { done: false as const, state: pending.join('; ') };
      }
    },
    {
      name: `${engine.targetSite} to replicate`,
      timeoutSeconds: engine.reprotect.syncTimeoutSeconds,
      checkEveryMs: pollMs,
      timedOut: (state) =>
        new VerificationFailedError(
          `${engine.targetSite} is not protecting yet after ${engine.reprotect.syncTimeoutSeconds} s: ${state}`,
          { groups, restored },
        ),
    },
  );
  const slaves = protecting.flatMap((g) =>
    g.standbys.map((s) => `${s.pod} (${g.brokerName}, id ${s.brokerId}) slave of ${g.master}`),
  );
  return {
    summary: `${engine.targetSite} protects ${[...new Set(protecting.map((g) => g.masterSite))].join(', ')}: ${slaves.join('; ')}, each in its SyncStateSet and writable once elected${restored.length > 0 ? `; brokerPermission 6 restored on ${restored.join(', ')}` : ' (nothing needed changing)'}`,
    detail: { groups: protecting, restored, alreadyProtected: restored.length === 0 },
  };
};

/**
 * Makes every registered slave that reports another brokerPermission writable once elected (6);
 * says whether it changed anything. `restored` lists what this invocation restored: a slave
 * restored and still reporting otherwise is a failed update, not one to repeat.
 */
const restorePermissions = async (
  ctx: StepContext,
  access: RocketAccess,
  tools: string,
  nameServer: string,
  groups: GroupProtection[],
  restored: string[],
): Promise<boolean> => {
  const { engine } = access;
  let acted = false;
  for (const g of groups) {
    for (const s of g.standbys.filter(
      (x) =>
        isSlave(g, x) &&
        x.brokerPermission !== undefined &&
        x.brokerPermission !== '6' &&
        x.address !== undefined,
    )) {
      const address = s.address!;
      if (restored.includes(`${g.brokerName} ${s.pod}`))
        throw new TransientError(
          `${address} still reports brokerPermission ${s.brokerPermission} after the update`,
        );
      const change = `made slave ${s.pod} of ${g.brokerName} at ${address} writable once elected (brokerPermission 6, was ${s.brokerPermission})`;
      await ctx.act(
        `make slave ${s.pod} of ${g.brokerName} at ${address} writable once elected (brokerPermission 6)`,
        `${engine.namespace}/${s.pod}`,
        () =>
          setBrokerPermission(
            access,
            tools,
            nameServer,
            address,
            6,
            `could not restore brokerPermission 6 on ${address}`,
          ),
        () => change,
      );
      restored.push(`${g.brokerName} ${s.pod}`);
      acted = true;
    }
  }
  return acted;
};
