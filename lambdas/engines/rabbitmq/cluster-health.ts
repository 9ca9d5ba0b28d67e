// Is a RabbitMQ cluster healthy enough to take (or keep) traffic? Seeds 001, 003 and 004, by
// server version: every member running, no resource alarms, no node whose loss would cost a
// quorum queue, stream or Raft component its quorum, every queue served (a quorum queue has an
// elected leader), and then what the version has: classic mirrors synchronised where mirroring
// exists (before 4.0); no partitions under Mnesia; under Khepri (4.0 on), where cluster_status
// reports no partitions whatever happens, the metadata store's leader and voters instead. Each
// server pod is asked for its own view: a node that left or was reset sees a different cluster.
import { errorMessage } from '../../errors.js';
import type { CheckResult, StepContext } from '../engine.js';
import { describeCluster, execIn, outputOf, type RabbitAccess } from './cluster-access.js';
import {
  healthCommands,
  parseMirrors,
  parseQuorumCritical,
  type CriticalItems,
  type MirroredQueue,
} from './health-commands.js';
import { observeMembership, type Membership } from './membership.js';
import { observeMetadataStore, type MetadataStoreView } from './metadata-store.js';
import { unavailableQueues, type UnavailableQueue } from './queue-availability.js';
import {
  oldest,
  parseServerVersion,
  rulesFor,
  serverVersionCommand,
  versionOf as parseVersion,
  type RabbitVersion,
} from './server-version.js';

export { observeMembership, type Membership } from './membership.js';

/** Running nodes whose shutdown would cost some quorum queue, stream or component its quorum, by pod. */
const quorumCritical = async (access: RabbitAccess, pods: string[]) => {
  const answers = await Promise.all(
    pods.map(async (pod) => {
      const result = await execIn(access, pod, healthCommands.quorumCritical);
      return { pod, answer: parseQuorumCritical(result), result };
    }),
  );
  return {
    critical: answers.flatMap((a) =>
      a.answer?.critical
        ? [
            {
              pod: a.pod,
              queues: a.answer.queues,
              streams: a.answer.streams,
              components: a.answer.components,
            },
          ]
        : [],
    ),
    unanswered: answers
      .filter((a) => a.answer === undefined)
      .map(
        (a) =>
          `${a.pod}: check_if_node_is_quorum_critical exited ${a.result.exitCode}: ${outputOf(a.result).slice(0, 160)}`,
      ),
  };
};

const criticalItems = (c: CriticalItems): string =>
  [...c.queues, ...c.streams.map((s) => `stream ${s}`), ...c.components.map((p) => `component ${p}`)].join(
    ', ',
  );

const mirrorsOf = async (
  access: RabbitAccess,
  pod: string,
  vhosts: string[],
): Promise<Array<MirroredQueue & { vhost: string }>> =>
  (
    await Promise.all(
      vhosts.map(async (vhost) => {
        const result = await execIn(access, pod, healthCommands.mirrors(vhost));
        if (result.exitCode !== 0)
          throw new Error(
            `list_queues -p ${vhost} in ${pod} exited ${result.exitCode}: ${outputOf(result).slice(0, 160)}`,
          );
        return parseMirrors(vhost, result.stdout).map((q) => ({ ...q, vhost }));
      }),
    )
  ).flat();

interface Settled<T> {
  value: T;
  error?: string;
}

/** A check that may fail outright: its error becomes a problem of the verdict, never a pass. */
const settle = <T>(work: Promise<T>, empty: T): Promise<Settled<T>> =>
  work.then(
    (value) => ({ value }),
    (err: unknown) => ({ value: empty, error: errorMessage(err) }),
  );

const versionOf = async (access: RabbitAccess, pod: string): Promise<RabbitVersion> => {
  const result = await execIn(access, pod, serverVersionCommand);
  if (result.exitCode !== 0)
    throw new Error(`server_version in ${pod} exited ${result.exitCode}: ${outputOf(result).slice(0, 160)}`);
  return parseServerVersion(result.stdout);
};

/**
 * The cluster's version, from the running nodes' own reports in cluster_status; when they differ
 * (a rolling upgrade), the oldest, and a problem naming each node's. With no report at all, one
 * node is asked (`server_version`). Undefined when no node answered at all.
 */
const clusterVersion = async (
  access: RabbitAccess,
  membership: Membership,
  pod: string | undefined,
): Promise<(Settled<RabbitVersion | undefined> & { mixed?: string }) | undefined> => {
  const reported = Object.entries(membership.versions);
  if (reported.length === 0) return pod === undefined ? undefined : settle(versionOf(access, pod), undefined);
  const parsed = reported.map(([node, text]) => ({ node, text, version: parseVersion(text) }));
  const unreadable = parsed.filter((p) => p.version === undefined);
  if (unreadable.length > 0)
    return {
      value: undefined,
      error: `cluster_status reports versions this orchestrator does not recognise: ${unreadable.map((u) => `${u.node}: ${JSON.stringify(u.text)}`).join(', ')}`,
    };
  const versions = parsed.map((p) => p.version!);
  const distinct = new Set(versions.map((v) => v.text));
  return {
    value: oldest(versions),
    ...(distinct.size > 1
      ? {
          mixed: `the nodes run different RabbitMQ versions (${parsed.map((p) => `${p.node}: ${p.text}`).join(', ')}): a rolling upgrade in progress; judged by the oldest's rules`,
        }
      : {}),
  };
};

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** The healthy summary: what was found, in the version's own terms. */
const healthySummary = (
  version: RabbitVersion,
  membership: Membership,
  store: MetadataStoreView | undefined,
  mirrored: number | undefined,
): string => {
  const khepri = store?.store === 'khepri';
  const leader = store?.leaders[0]?.leader;
  return [
    `RabbitMQ ${version.text}: ${membership.running.length}/${membership.members.length} nodes running`,
    khepri
      ? `metadata store Khepri led by ${leader}, every member a voter (partitions are not reported under Khepri)`
      : 'no partitions',
    'no alarms',
    'no quorum-critical node',
    'every queue served',
    ...(mirrored === undefined
      ? []
      : mirrored > 0
        ? [`${plural(mirrored, 'mirrored queue', 'mirrored queues')} synchronised`]
        : []),
  ].join(', ');
};

/**
 * The health check both RabbitMQ engines run on the cluster that is to take traffic.
 * `vhosts`: where to look for queues that are not served and for classic mirrored queues
 * (quorum queues and streams are covered by the quorum-criticality of every node).
 */
export const checkClusterHealth = async (
  access: RabbitAccess,
  vhosts: string[],
): Promise<Omit<CheckResult, 'name'>> => {
  const membership = await observeMembership(access);
  const answering = membership.pods.filter((p) => !membership.silent.some((s) => s.pod === p));
  const first = answering[0];
  const version = await clusterVersion(access, membership, first);
  const rules = version?.value === undefined ? undefined : rulesFor(version.value);
  const none: Promise<Settled<undefined>> = Promise.resolve({ value: undefined });
  const [quorum, unavailable, mirrors, store] = await Promise.all([
    quorumCritical(access, answering),
    first === undefined
      ? Promise.resolve<Settled<UnavailableQueue[]>>({ value: [] })
      : settle(unavailableQueues(access, first, vhosts), [] as UnavailableQueue[]),
    rules?.mirroring && first !== undefined
      ? settle(mirrorsOf(access, first, vhosts), [] as Array<MirroredQueue & { vhost: string }>)
      : none,
    rules?.metadataStoreStatus
      ? settle(observeMetadataStore(access, answering, membership.members), undefined)
      : none,
  ]);
  const unsynchronised = (mirrors.value ?? []).filter((q) => q.unsynchronised.length > 0);
  const problems = [
    ...membership.problems,
    ...(version?.error ? [version.error] : []),
    ...(version?.mixed ? [version.mixed] : []),
    ...(version?.value !== undefined && rules === undefined
      ? [
          `RabbitMQ ${version.value.text}: no health rules for this major version (3.x and 4.x are known); not judged`,
        ]
      : []),
    ...membership.alarms.map((a) => `${a.resource} alarm on ${a.node}`),
    ...quorum.critical.map((c) => `${c.pod} is quorum-critical (${criticalItems(c)})`),
    ...quorum.unanswered,
    ...unavailable.value.map((q) => `${q.vhost}/${q.name} is ${q.reason}`),
    ...(unavailable.error ? [unavailable.error] : []),
    ...unsynchronised.map(
      (q) => `${q.vhost}/${q.name} has unsynchronised mirrors on ${q.unsynchronised.join(', ')}`,
    ),
    ...(mirrors.error ? [mirrors.error] : []),
    ...(store.value?.problems ?? []),
    ...(store.error ? [store.error] : []),
  ];
  const storeName = store.value?.store;
  const versionRules = [
    ...(rules?.notes ?? []),
    ...(version?.value && storeName === 'khepri'
      ? [
          `RabbitMQ ${version.value.text}, Khepri: cluster_status reports no partitions under Khepri; checked instead: every member running and a voter of the metadata store, which has a leader`,
        ]
      : []),
    ...(version?.value && storeName === 'mnesia'
      ? [`RabbitMQ ${version.value.text}, Mnesia: partitions from cluster_status`]
      : []),
  ];
  const evidence = {
    cluster: describeCluster(access),
    version: version?.value?.text ?? null,
    versionRules,
    metadataStore: rules?.metadataStoreStatus ? (storeName ?? 'unknown') : rules ? 'mnesia' : 'unknown',
    ...(store.value?.leaders.length ? { metadataStoreLeaders: store.value.leaders } : {}),
    members: membership.members,
    running: membership.running,
    notRunning: membership.notRunning,
    partitions: membership.partitions,
    alarms: membership.alarms,
    silentPods: membership.silent,
    apart: membership.apart,
    quorumCritical: quorum.critical,
    unavailableQueues: unavailable.value,
    // Absent where classic mirroring does not exist (4.0 on): not asked, see versionRules.
    ...(rules?.mirroring ? { mirroredQueues: mirrors.value ?? [] } : {}),
  };
  if (problems.length > 0 || version?.value === undefined)
    return {
      passed: false,
      summary: problems.length > 0 ? problems.join('; ') : 'no node answered server_version',
      evidence,
    };
  return {
    passed: true,
    summary: healthySummary(
      version.value,
      membership,
      store.value,
      rules?.mirroring ? (mirrors.value ?? []).length : undefined,
    ),
    evidence,
  };
};

export interface RejoinResult {
  rejoined: boolean;
  attempts: number;
  waitedMs: number;
  membership: Membership;
}

/** Ends a rejoin wait at its bound; waitForRejoin answers `rejoined: false` for it. */
class RejoinTimedOut extends Error {}

/**
 * After a rolling restart, nodes retry their last-seen peers for a while (10 x 30 s by
 * default, seed 004); a node that was reset must be forgotten before it can rejoin. Looks at
 * every node's view until all are members and running, at most `timeoutSeconds` (a step hands
 * the wait to the workflow between looks: StepContext.waitFor).
 */
export const waitForRejoin = async (
  ctx: StepContext,
  access: RabbitAccess,
  options: { timeoutSeconds: number; pollMs: number; workflowCheckEverySeconds?: number },
): Promise<RejoinResult> => {
  const started = ctx.clock.now().getTime();
  let attempts = 0;
  let membership: Membership | undefined;
  const result = (rejoined: boolean, seen: Membership) => ({
    rejoined,
    attempts,
    waitedMs: ctx.clock.now().getTime() - started,
    membership: seen,
  });
  try {
    const rejoined = await ctx.waitFor<Membership>(
      async () => {
        attempts += 1;
        membership = await observeMembership(access);
        return membership.problems.length === 0
          ? { done: true, value: membership }
          : { done: false, state: membership.problems.join('; ') };
      },
      {
        name: `every node of ${describeCluster(access)} to rejoin`,
        timeoutSeconds: options.timeoutSeconds,
        checkEveryMs: options.pollMs,
        ...(options.workflowCheckEverySeconds === undefined
          ? {}
          : { workflowCheckEverySeconds: options.workflowCheckEverySeconds }),
        timedOut: () => new RejoinTimedOut(),
      },
    );
    return result(true, rejoined);
  } catch (err) {
    if (err instanceof RejoinTimedOut && membership) return result(false, membership);
    throw err;
  }
};

/** The nodes (or pods) a failed rejoin names. */
export const notRejoined = (membership: Membership): string[] => [
  ...membership.notRunning,
  ...membership.silent.map((s) => s.pod),
  ...membership.apart.map((a) => a.pod),
];
