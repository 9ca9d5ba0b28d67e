// Promotion in controller mode (seed 002). The controller promotes a slave by itself once the
// master's heartbeats stop (about 10 s), but (1) not while the controller itself is stuck on a lost
// node: its pod is deleted so the StatefulSet reschedules it on a live one; (2) it may not have
// elected yet: each group without a master in the target site after a bounded wait gets
// `electMaster` with a live SyncStateSet member there; (3) if the controller itself failed (no
// answer, no leader, an election that did not commit), it is restarted once (the seed's fix) and
// asked again. A controller that answers `CODE 2012` has refused: the designated broker is not
// alive or not in the SyncStateSet in its view, which no restart changes. A group whose old master
// still lives (a site that is reachable, or a planned switchover) is handed over with `electMaster`
// at once, but only when the fence made that master read-only: the admin's request elects the
// designated broker even while the old master lives, and the controller tells the old master to
// become a slave, so it must take no writes meanwhile. A master listed by the name servers whose
// pod is not Ready is lost with its site, not alive: the name servers keep a dark site's brokers
// until their channels expire. Groups already mastered in the target site are left alone, so a
// retried or re-run promotion changes nothing that is done.
import { PromotionFailedError, TransientError, VerificationFailedError } from '../../errors.js';
import type { EffectEvent } from '../../ports/journal.js';
import type { PodSummary } from '../../ports/kube.js';
import type { ActionResult, StepContext } from '../engine.js';
import {
  describePod,
  masterOf,
  memberAt,
  membersOf,
  mqadmin,
  setBrokerPermission,
  namespacePods,
  readClusterList,
  readBrokerPermission,
  readControllerMetaData,
  readSyncStateSet,
  replicaAlive,
  rocketAccess,
  toolsPod,
  type NameServerView,
  type RocketAccess,
} from './cluster.js';
import {
  CONTROLLER_BROKER_NEED_TO_BE_REGISTERED,
  CONTROLLER_ELECT_MASTER_FAILED,
  CONTROLLER_MASTER_STILL_EXIST,
  failureOf,
  parseElectMaster,
  responseCodeOf,
  type Replica,
} from './commands.js';
import type { BrokerGroup, RocketmqControllerPlan } from './plan.js';

const pollMs = 2_000;
/** After `electMaster` answers, the new master registers with the name servers within a heartbeat or two. */
const registerSeconds = 30;

interface GroupOutcome {
  brokerName: string;
  master?: string;
  how: 'already' | 'controller' | 'electMaster' | 'switched';
  /** `switched`: the read-only master that handed over (now a slave). */
  from?: string;
}

/**
 * What one invocation knows of the earlier ones. Every wait of this step is the workflow's, so an
 * invocation may run the step from the top again: the target's masters at the step's first look
 * (for `already`) travel in each wait's `about`, and the one-shot changes (the controller's
 * deletion, its single restart, each `electMaster`) are read back from the journal, never made twice.
 */
interface Earlier {
  /** The target site's masters at the step's first look. */
  before: Map<string, string>;
  /** Carried by each wait to the next invocation: `before`, as JSON. */
  about: string;
  effects: EffectEvent[];
}

const earlierOf = async (ctx: StepContext, access: RocketAccess, tools: string): Promise<Earlier> => {
  const carried = ctx.resumedWait()?.about;
  const before = carried
    ? new Map(Object.entries(JSON.parse(carried) as Record<string, string>))
    : await targetMasters(access, tools);
  return { before, about: JSON.stringify(Object.fromEntries(before)), effects: await ctx.earlierEffects() };
};

/**
 * The last change of an earlier invocation whose action `matches` that was made, or may have been:
 * it never reported back (the Lambda died mid-call). One that failed counts as not made, so a retry
 * makes it again: a delete or an election repeated costs a little time, one never made again
 * leaves the promotion waiting for nothing until it times out.
 */
const madeEarlier = (effects: EffectEvent[], matches: (action: string) => boolean): EffectEvent | undefined =>
  effects
    .filter((e) => e.phase === 'intended' && matches(e.action))
    .findLast((intent) => {
      const end = effects.find((e) => e.id === intent.id && e.phase !== 'intended');
      return end === undefined || end.phase === 'done';
    });

const deleteIntent = (name: string, why: 'stuck' | 'restart') =>
  why === 'stuck'
    ? `force-delete the controller pod ${name} so that it is rescheduled on a live node`
    : `restart the controller pod ${name} (delete it)`;

const electIntentOf = (brokerName: string) => (action: string) =>
  action.startsWith('elect ') && action.includes(` master of ${brokerName} (mqadmin electMaster)`);

export const rocketmqPromote = async (
  ctx: StepContext,
  engine: RocketmqControllerPlan,
): Promise<ActionResult> => {
  const access = rocketAccess(ctx, engine);
  // Read first: a group mastered in the target site before anything was done is "already".
  const earlier = await earlierOf(ctx, access, await toolsPod(access));
  const restartIntent = deleteIntent(engine.controller.pod, 'restart');
  // The seed's fix is one restart: an earlier invocation that made it leaves nothing to restart.
  const restartedEarlier = madeEarlier(earlier.effects, (a) => a === restartIntent);
  let restarted = restartedEarlier !== undefined;
  const controller = await ensureControllerServing(ctx, access, earlier, restarted ? 'restart' : 'stuck');
  // electMaster before a restart does not count after it: the restarted controller is asked again.
  const sinceRestart = restartedEarlier
    ? earlier.effects.filter((e) => e.at >= restartedEarlier.at)
    : earlier.effects;
  let groups = await promoteGroups(ctx, access, earlier, sinceRestart, engine.brokerGroups, restarted);
  // Only a failure of the controller itself is what a restart fixes (seed 002): not a live old
  // master, not a broker the controller refuses to elect (2012), not an unknown broker set (2010).
  const controllerFailed = groups.failed.filter((f) => f.kind === 'controller');
  if (controllerFailed.length > 0 && engine.promotion.restartControllerOnFailure && !restarted) {
    ctx.progress(
      `the controller did not promote ${controllerFailed.map((f) => `${f.brokerName} (${f.why})`).join('; ')}: restarting it once (seed 002) and asking again`,
    );
    await ensureControllerServing(ctx, access, earlier, 'restart');
    restarted = true;
    const failed = new Set(controllerFailed.map((f) => f.brokerName));
    const again = await promoteGroups(
      ctx,
      access,
      earlier,
      [],
      engine.brokerGroups.filter((g) => failed.has(g.brokerName)),
      true,
    );
    groups = {
      done: [...groups.done, ...again.done],
      failed: [...groups.failed.filter((f) => f.kind !== 'controller'), ...again.failed],
    };
  }
  if (groups.failed.length > 0) {
    throw new PromotionFailedError(
      `no master in ${engine.targetSite} for ${groups.failed.map((f) => `${f.brokerName} (${f.why})`).join('; ')}${restarted ? ' after restarting the controller' : ''}`,
      { groups },
    );
  }
  const writable = await makeMastersWritable(ctx, access);
  // In the plan's order: which groups an invocation finds mastered depends on when it looked.
  const order = engine.brokerGroups.map((g) => g.brokerName);
  const done = groups.done.toSorted((a, b) => order.indexOf(a.brokerName) - order.indexOf(b.brokerName));
  const promoted = done.filter((g) => g.how !== 'already');
  return {
    summary: `${controller.summary}; ${done.map((g) => `${g.brokerName}: ${g.master} master${howSaid(g)}`).join('; ')}${restarted ? '; the controller was restarted once' : ''}${writable.length > 0 ? `; brokerPermission 6 restored on ${writable.join(', ')}` : ''}`,
    detail: {
      controller,
      groups: done,
      restartedController: restarted,
      writableAgain: writable,
      alreadyPromoted: promoted.length === 0 && !controller.changed && writable.length === 0,
    },
  };
};

/**
 * A broker keeps its brokerPermission through a change of role: one the fence of an earlier leg
 * made read-only as master, and that was not reprotected since, is now master and refuses every
 * producer. Promotion is what makes the target site serve, so it makes each such master writable
 * (`brokerPermission 6`, read back); the other site is fenced or gone by now.
 */
const makeMastersWritable = async (ctx: StepContext, access: RocketAccess): Promise<string[]> => {
  const { engine } = access;
  const tools = await toolsPod(access);
  const { masters, nameServer } = await currentMasters(access, tools);
  const restored: string[] = [];
  for (const [brokerName, master] of masters) {
    if (master.site !== engine.targetSite) continue;
    const before = await readBrokerPermission(access, tools, nameServer, master.address);
    if (before.permission === undefined)
      throw new TransientError(
        `${brokerName}'s new master ${master.pod} at ${master.address} does not report its permission: ${before.error}`,
      );
    if (before.permission === '6') continue;
    const change = `made the new master ${master.pod} of ${brokerName} at ${master.address} writable (brokerPermission 6, was ${before.permission} from an earlier fence)`;
    await ctx.act(
      `make the new master ${master.pod} of ${brokerName} at ${master.address} writable (brokerPermission 6)`,
      `${engine.namespace}/${master.pod}`,
      () =>
        setBrokerPermission(
          access,
          tools,
          nameServer,
          master.address,
          6,
          `could not make ${master.address} writable`,
        ),
      () => change,
    );
    const after = await readBrokerPermission(access, tools, nameServer, master.address);
    if (after.permission !== '6')
      throw new TransientError(
        `${master.address} still reports brokerPermission ${after.permission ?? `unknown (${after.error})`} after the update`,
      );
    restored.push(`${brokerName} ${master.pod}`);
  }
  return restored;
};

const howSaid = (g: GroupOutcome): string =>
  g.how === 'already'
    ? ' (already)'
    : g.how === 'electMaster'
      ? ' (electMaster)'
      : g.how === 'switched'
        ? ` (electMaster; ${g.from} read-only, now its slave)`
        : ' (elected by the controller)';

const podNamed = async (access: RocketAccess): Promise<PodSummary | undefined> =>
  (await namespacePods(access)).get(access.engine.controller.pod);

/**
 * `stuck`: deletes the controller's pod only if it cannot serve (not Ready, or Terminating on a
 * lost node) - forcibly, because a lost node's kubelet never confirms a graceful delete - and not
 * again once an earlier invocation did, unless that pod is still listed Terminating: the pod a
 * re-entry finds not yet Ready is the rescheduled one. `restart`: deletes the serving pod to
 * restart it, once per step. Then waits, in the workflow, until it is Ready and answers.
 */
const ensureControllerServing = async (
  ctx: StepContext,
  access: RocketAccess,
  earlier: Earlier,
  why: 'stuck' | 'restart',
) => {
  const { engine } = access;
  const name = engine.controller.pod;
  const intent = deleteIntent(name, why);
  const deletedEarlier = madeEarlier(earlier.effects, (a) => a === intent) !== undefined;
  const before = await podNamed(access);
  const serving = before !== undefined && before.ready && !before.terminating;
  const mustDelete =
    why === 'restart'
      ? !deletedEarlier
      : before !== undefined && !serving && (!deletedEarlier || before.terminating);
  let deletedNow = false;
  if (mustDelete) {
    const change =
      why === 'stuck'
        ? `force-deleted the controller pod ${describePod(before, name)} so that its StatefulSet reschedules it on a live node`
        : `restarted the controller pod ${name} (deleted it) because it failed to promote`;
    const outcome = await ctx.act(
      intent,
      `${engine.namespace}/${name}`,
      () => access.kube.deletePod(engine.namespace, name, why === 'stuck' ? { gracePeriodSeconds: 0 } : {}),
      (o) => (o === 'deleted' ? change : undefined),
    );
    deletedNow = outcome === 'deleted';
  }
  const changed = deletedNow || deletedEarlier;
  return ctx.waitFor(
    async () => {
      const pod = await podNamed(access);
      // A deleted pod comes back under the same name; until then the old one may still be listed.
      const fresh = !deletedNow || pod?.ip !== before?.ip || pod?.node !== before?.node || why === 'restart';
      if (!pod?.ready || pod.terminating || !fresh)
        return { done: false, state: `the controller pod is ${describePod(pod, name)}` };
      const { metaData, error } = await readControllerMetaData(access, await toolsPod(access));
      if (!metaData)
        return {
          done: false,
          state: `the controller pod is Ready but ${engine.controller.address} does not answer: ${error}`,
        };
      return {
        done: true,
        value: {
          changed,
          pod: describePod(pod, name),
          leader: metaData.leaderAddress,
          summary: `${changed ? `controller ${why === 'stuck' ? 'rescheduled' : 'restarted'}: ` : 'controller '}${describePod(pod, name)} answers`,
        },
      };
    },
    {
      name: why === 'stuck' ? 'the controller to serve' : 'the restarted controller to serve',
      about: earlier.about,
      timeoutSeconds: engine.promotion.controllerReadySeconds,
      checkEveryMs: pollMs,
      timedOut: (state) =>
        new PromotionFailedError(
          `the controller is not serving after ${engine.promotion.controllerReadySeconds} s (${state}): no slave can be promoted`,
        ),
    },
  );
};

interface GroupFailure {
  brokerName: string;
  /**
   * `controller`: it did not answer, had no leader, or its election did not commit (a restart may
   * help); `master-alive`: the old master still serves; `no-candidate`: nobody alive and in sync in
   * the target site (the controller's 2012 says the same); `unknown-group`: the controller has no
   * such broker set (2010).
   */
  kind: 'controller' | 'master-alive' | 'no-candidate' | 'unknown-group';
  why: string;
}

/**
 * `elected`: changes of earlier invocations an `electMaster` counts in (none before a restart);
 * `afterRestart`: the waits are the restarted controller's, with bounds of their own.
 */
const promoteGroups = async (
  ctx: StepContext,
  access: RocketAccess,
  earlier: Earlier,
  elected: EffectEvent[],
  groups: BrokerGroup[],
  afterRestart: boolean,
): Promise<{ done: GroupOutcome[]; failed: GroupFailure[] }> => {
  const { engine } = access;
  const tools = await toolsPod(access);
  const done: GroupOutcome[] = [];
  const waiting: BrokerGroup[] = [];
  const failed: GroupFailure[] = [];
  const { masters: now, nameServer, view } = await currentMasters(access, tools);
  const handOver: Array<{ group: BrokerGroup; from: string }> = [];
  const electedEarlier = (group: BrokerGroup) => madeEarlier(elected, electIntentOf(group.brokerName));
  for (const group of groups) {
    const master = now.get(group.brokerName);
    if (master?.site === engine.targetSite && alive(master)) {
      // Elected by an earlier invocation's electMaster, by the controller, or before the step.
      const elected = electedEarlier(group);
      const mine = elected?.action.match(/the controller makes the read-only master (\S+) its slave$/);
      done.push({
        brokerName: group.brokerName,
        master: master.pod,
        how: elected
          ? mine
            ? 'switched'
            : 'electMaster'
          : earlier.before.get(group.brokerName) === master.pod
            ? 'already'
            : 'controller',
        ...(mine ? { from: mine[1]! } : {}),
      });
    } else if (master !== undefined && alive(master)) {
      // The controller never replaces a live master by itself; electMaster does, and the old master
      // learns it is a slave only when the controller reaches it: it must take no writes until then.
      const { permission, error } = await readBrokerPermission(access, tools, nameServer, master.address);
      if (permission === '4') handOver.push({ group, from: master.pod });
      else {
        failed.push({
          brokerName: group.brokerName,
          kind: 'master-alive',
          why: `its master ${master.pod} in ${master.site} is alive and ${permission !== undefined ? `writable (brokerPermission ${permission})` : `its permission cannot be read (${error})`}: electing another master would leave it taking writes until it learns of the new epoch; fence it first (brokerPermission 4)`,
        });
      }
    } else {
      // No master listed, or one that is lost: the name servers still list a dark site's master
      // as BID 0 until its channel expires or the controller's new master replaces it.
      if (master)
        ctx.progress(
          `${group.brokerName}: the name servers still list ${master.pod} in ${master.site} as master, but its pod is not Ready and it does not answer: lost with its site`,
        );
      waiting.push(group);
    }
  }
  const elect = async (group: BrokerGroup, from?: string) => {
    const outcome = electedEarlier(group)
      ? await awaitRegistration(ctx, access, earlier, tools, group, afterRestart, from)
      : await electInTarget(ctx, access, earlier, tools, view, group, afterRestart, from);
    if ('why' in outcome) failed.push(outcome);
    else done.push(outcome);
  };
  for (const { group, from } of handOver) await elect(group, from);
  if (waiting.length > 0) {
    // The controller elects by itself when it notices a dead master: it gets the plan's time,
    // counted from this wait's first look, before electMaster.
    const masters = await ctx.waitFor(
      async (waitedMs) => {
        const listed = await targetMasters(access, tools);
        const left = waiting.filter((g) => !listed.has(g.brokerName));
        return left.length === 0 || waitedMs >= engine.promotion.electionWaitSeconds * 1000
          ? { done: true, value: listed }
          : {
              done: false,
              state: `no master in ${engine.targetSite} yet for ${left.map((g) => g.brokerName).join(', ')} (electMaster after ${engine.promotion.electionWaitSeconds} s)`,
            };
      },
      {
        name: `the controller to elect masters in ${engine.targetSite}${afterRestart ? ' after its restart' : ''}`,
        about: earlier.about,
        // The look at electionWaitSeconds ends the wait; the bound is past it only to let that look come.
        timeoutSeconds: engine.promotion.electionWaitSeconds + registerSeconds,
        checkEveryMs: pollMs,
        timedOut: (state) =>
          new PromotionFailedError(`the controller's election was not looked at in time: ${state}`),
      },
    );
    for (const group of waiting) {
      const master = masters.get(group.brokerName);
      if (master) done.push({ brokerName: group.brokerName, master, how: 'controller' });
      else await elect(group);
    }
  }
  return { done, failed };
};

interface ListedMaster {
  pod: string;
  site: string;
  address: string;
  /** Its pod is Ready: false for a broker of a lost site that the name servers still list. */
  ready: boolean;
  /** It answered clusterList's request for its runtime stats (a version printed). */
  answered: boolean;
}

/**
 * Alive as far as anyone can tell: its pod is Ready, or it answers though its pod is not (a failing
 * probe, a kubelet cut off): such a master may still take writes. A master that is neither is lost.
 */
const alive = (master: ListedMaster): boolean => master.ready || master.answered;

/** Each group's master (BID 0 in `clusterList`) as the plan's member it is: pod, site and address; and the name server that said so. */
const currentMasters = async (
  access: RocketAccess,
  tools: string,
): Promise<{ masters: Map<string, ListedMaster>; nameServer: string; view: NameServerView }> => {
  const { engine } = access;
  const [view, pods] = await Promise.all([readClusterList(access, tools), namespacePods(access)]);
  if (view.nameServer === undefined)
    throw new PromotionFailedError(
      `no name server answered: ${view.answers.map((a) => `${a.nameServer}: ${a.error}`).join('; ')}`,
    );
  const masters = new Map<string, ListedMaster>();
  for (const group of engine.brokerGroups) {
    const row = masterOf(view.rows, group.brokerName);
    const member = memberAt(membersOf(engine, pods, group), row?.address);
    if (member && row)
      masters.set(group.brokerName, {
        pod: member.pod,
        site: member.site,
        address: row.address,
        ready: member.ready,
        answered: row.version !== '',
      });
  }
  return { masters, nameServer: view.nameServer, view };
};

/** Groups whose master is a live member in the target site, with its pod. */
const targetMasters = async (access: RocketAccess, tools: string): Promise<Map<string, string>> =>
  new Map(
    [...(await currentMasters(access, tools)).masters].flatMap(([group, m]) =>
      m.site === access.engine.targetSite && alive(m) ? [[group, m.pod] as const] : [],
    ),
  );

/** The SyncStateSet as the controller reports it, said in one line for a failure's reason. */
const setSaid = (set: { inSync: Replica[]; notInSync: Replica[] }): string =>
  `in sync: ${set.inSync.map((r) => `${r.brokerId} ${r.address}${r.alive === false ? ' (offline)' : ''}`).join(', ') || 'none'}; NotInSyncReplica: ${set.notInSync.map((r) => `${r.brokerId} ${r.address}${r.alive === false ? ' (offline)' : ''}`).join(', ') || 'none'}`;

/** `from`: the read-only live master this election takes the group from (a hand-over). */
const electInTarget = async (
  ctx: StepContext,
  access: RocketAccess,
  earlier: Earlier,
  tools: string,
  view: NameServerView,
  group: BrokerGroup,
  afterRestart: boolean,
  from?: string,
): Promise<GroupOutcome | GroupFailure> => {
  const { engine } = access;
  const members = membersOf(engine, await namespacePods(access), group);
  const { set, error } = await readSyncStateSet(access, tools, group.brokerName);
  if (!set)
    return {
      brokerName: group.brokerName,
      kind: 'controller',
      why: `cannot read its SyncStateSet: ${error}`,
    };
  const targets = members.filter((m) => m.site === engine.targetSite);
  // A target-site member of the SyncStateSet that is alive: nobody else is worth electing here.
  const candidate = set.inSync.find((r) => {
    const target = targets.find((t) => t.address === r.address);
    return target !== undefined && replicaAlive(r, target, view);
  });
  if (!candidate) {
    return {
      brokerName: group.brokerName,
      kind: 'no-candidate',
      why: `no live SyncStateSet member in ${engine.targetSite} (${setSaid(set)})`,
    };
  }
  const pod = targets.find((t) => t.address === candidate.address)?.pod ?? candidate.address;
  const handOver = from ? `; the controller makes the read-only master ${from} its slave` : '';
  const result = await ctx.act(
    `elect ${pod} (broker id ${candidate.brokerId}, ${candidate.address}) master of ${group.brokerName} (mqadmin electMaster)${handOver}`,
    `${engine.namespace}/${engine.brokerCluster}/${group.brokerName}`,
    () =>
      mqadmin(
        access,
        tools,
        access.commands.electMaster(
          engine.controller.address,
          engine.brokerCluster,
          group.brokerName,
          candidate.brokerId,
        ),
      ),
    (r) =>
      parseElectMaster(r.stdout)?.masterAddress === candidate.address
        ? `elected ${pod} (broker id ${candidate.brokerId}, ${candidate.address}) master of ${group.brokerName} (mqadmin electMaster)${handOver}`
        : undefined,
  );
  const elected = parseElectMaster(result.stdout);
  let how: GroupOutcome['how'] = from ? 'switched' : 'electMaster';
  if (!elected || elected.masterAddress !== candidate.address) {
    const code = responseCodeOf(`${result.stderr}\n${result.stdout}`);
    if (code?.code === CONTROLLER_MASTER_STILL_EXIST) {
      // 2011 comes back only when the designated broker already is the master: the controller
      // elected it by itself meanwhile. The name servers list it at its next registration.
      how = 'controller';
    } else if (code?.code === CONTROLLER_ELECT_MASTER_FAILED) {
      // The controller answered: in its view the broker is not alive or not in the SyncStateSet.
      const now = await readSyncStateSet(access, tools, group.brokerName);
      return {
        brokerName: group.brokerName,
        kind: 'no-candidate',
        why: `the controller refuses to elect ${pod} (broker id ${candidate.brokerId}): CODE ${code.code}: ${code.desc}, the broker is not alive or not in the SyncStateSet in its view (${now.set ? setSaid(now.set) : `SyncStateSet unreadable: ${now.error}`})`,
      };
    } else if (code?.code === CONTROLLER_BROKER_NEED_TO_BE_REGISTERED) {
      return {
        brokerName: group.brokerName,
        kind: 'unknown-group',
        why: `the controller has no broker set ${group.brokerName}: CODE ${code.code}: ${code.desc}`,
      };
    } else {
      return {
        brokerName: group.brokerName,
        kind: 'controller',
        why: `electMaster ${candidate.brokerId} (${pod}) failed: ${code ? `CODE ${code.code}: ${code.desc}` : failureOf(result.stdout, result.stderr)}`,
      };
    }
  }
  return awaitRegistration(ctx, access, earlier, tools, group, afterRestart, from, how);
};

/**
 * The controller answered electMaster; the name servers learn of it at the new master's next
 * registration, looked for in the workflow. A master in the target site is what counts: the
 * controller may have elected another target member by itself meanwhile.
 */
const awaitRegistration = async (
  ctx: StepContext,
  access: RocketAccess,
  earlier: Earlier,
  tools: string,
  group: BrokerGroup,
  afterRestart: boolean,
  from?: string,
  how: GroupOutcome['how'] = from ? 'switched' : 'electMaster',
): Promise<GroupOutcome | GroupFailure> => {
  const { engine } = access;
  const master = await ctx.waitFor(
    async (waitedMs) => {
      const listed = (await targetMasters(access, tools)).get(group.brokerName);
      return listed !== undefined || waitedMs >= registerSeconds * 1000
        ? { done: true, value: listed }
        : {
            done: false,
            state: `the name servers list no master of ${group.brokerName} in ${engine.targetSite} yet`,
          };
    },
    {
      name: `the new master of ${group.brokerName} to register${afterRestart ? ' after the controller restart' : ''}`,
      about: earlier.about,
      timeoutSeconds: registerSeconds * 2,
      checkEveryMs: pollMs,
      timedOut: (state) => new PromotionFailedError(`the registration was not looked at in time: ${state}`),
    },
  );
  if (master === undefined)
    return {
      brokerName: group.brokerName,
      kind: 'controller',
      why: `the controller elected a master in ${engine.targetSite} (electMaster), but the name servers do not list it as master after ${registerSeconds} s`,
    };
  return { brokerName: group.brokerName, master, how, ...(from && how === 'switched' ? { from } : {}) };
};

export const rocketmqVerifyPromotion = async (
  ctx: StepContext,
  engine: RocketmqControllerPlan,
): Promise<ActionResult> => {
  const access = rocketAccess(ctx, engine);
  const tools = await toolsPod(access);
  const [view, pods] = await Promise.all([readClusterList(access, tools), namespacePods(access)]);
  const groups = await Promise.all(
    engine.brokerGroups.map(async (group) => {
      const members = membersOf(engine, pods, group);
      const row = masterOf(view.rows, group.brokerName);
      const master = memberAt(members, row?.address);
      const { set, error } = await readSyncStateSet(access, tools, group.brokerName);
      // A master that an earlier fence left read-only would be promoted and still refuse every producer.
      const permission =
        row && view.nameServer
          ? await readBrokerPermission(access, tools, view.nameServer, row.address)
          : undefined;
      return {
        brokerName: group.brokerName,
        masterAddress: row?.address,
        masterPod: master?.pod,
        masterSite: master?.site,
        brokerPermission: permission?.permission,
        inSync: set?.inSync ?? [],
        notInSync: set?.notInSync ?? [],
        error: error ?? permission?.error,
      };
    }),
  );
  const wrong = groups.filter((g) => g.masterSite !== engine.targetSite);
  if (wrong.length > 0) {
    throw new VerificationFailedError(
      `clusterList shows no BID 0 in ${engine.targetSite} for ${wrong.map((g) => `${g.brokerName} (master ${g.masterAddress ?? 'none'}${g.masterSite ? ` in ${g.masterSite}` : ''})`).join(', ')}`,
      { groups, nameServers: view.answers },
    );
  }
  const readOnly = groups.filter((g) => g.brokerPermission !== '6');
  if (readOnly.length > 0) {
    throw new VerificationFailedError(
      `the new masters must take writes: ${readOnly.map((g) => `${g.brokerName}'s ${g.masterPod} (${g.masterAddress}) reports brokerPermission ${g.brokerPermission ?? `unknown: ${g.error}`}`).join(', ')}`,
      { groups, nameServers: view.answers },
    );
  }
  const notInSync = groups.flatMap((g) =>
    g.notInSync.map(
      (r) => `${g.brokerName} id ${r.brokerId} ${r.address}${r.alive === false ? ' (offline)' : ''}`,
    ),
  );
  return {
    summary: `BID 0 in ${engine.targetSite} for every group: ${groups.map((g) => `${g.brokerName} ${g.masterPod} (${g.masterAddress})`).join(', ')}; ${notInSync.length ? `NotInSyncReplica: ${notInSync.join(', ')}` : 'every replica in sync'}`,
    detail: { groups, nameServer: view.nameServer },
  };
};
