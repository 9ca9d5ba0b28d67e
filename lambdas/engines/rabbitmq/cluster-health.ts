// Is a RabbitMQ cluster healthy enough to take (or keep) traffic? Seeds 001, 003 and 004:
// every member running, no partitions, no resource alarms, no node whose loss would cost a
// quorum queue its quorum, and classic mirrors synchronised where they exist. Each server pod
// is asked for its own view: a node that left or was reset sees a different cluster.
import { errorMessage } from '../../errors.js';
import type { PodSummary } from '../../ports/kube.js';
import type { CheckResult, StepContext } from '../engine.js';
import { describeCluster, execIn, outputOf, serverPods, type RabbitAccess } from './cluster-access.js';
import {
  healthCommands,
  parseClusterStatus,
  parseMirrors,
  parseQuorumCritical,
  type ClusterStatus,
  type MirroredQueue,
  type ResourceAlarm,
} from './health-commands.js';

interface PodView {
  pod: string;
  status?: ClusterStatus;
  /** Why this pod gave no view: not Ready, or the command failed (its node is down). */
  problem?: string;
}

/** The membership half of the health: what a rolling restart must restore. */
export interface Membership {
  pods: string[];
  members: string[];
  running: string[];
  notRunning: string[];
  /** Pods whose node gave no answer. */
  silent: Array<{ pod: string; problem: string }>;
  /** Pods whose node sees a different member list than the others (reset, not rejoined). */
  apart: Array<{ pod: string; members: string[] }>;
  partitions: Record<string, string[]>;
  alarms: ResourceAlarm[];
  /** Sentences naming each membership problem; empty when every node is in and running. */
  problems: string[];
}

const viewOf = async (access: RabbitAccess, pod: PodSummary): Promise<PodView> => {
  if (!pod.ready) return { pod: pod.name, problem: 'pod not Ready' };
  const result = await execIn(access, pod.name, healthCommands.clusterStatus);
  if (result.exitCode !== 0)
    return {
      pod: pod.name,
      problem: `cluster_status exited ${result.exitCode}: ${outputOf(result).slice(0, 200)}`,
    };
  return { pod: pod.name, status: parseClusterStatus(result.stdout) };
};

export const observeMembership = async (access: RabbitAccess): Promise<Membership> => {
  const pods = await serverPods(access.kube, access.namespace, access.cluster);
  const views = await Promise.all(pods.map((p) => viewOf(access, p)));
  const answered = views.filter((v): v is PodView & { status: ClusterStatus } => v.status !== undefined);
  const members = [...new Set(answered.flatMap((v) => v.status.members))].sort();
  const running = members.filter((n) =>
    answered.every((v) => !v.status.members.includes(n) || v.status.running.includes(n)),
  );
  const notRunning = members.filter((n) => !running.includes(n));
  const silent = views
    .filter((v) => v.status === undefined)
    .map((v) => ({ pod: v.pod, problem: v.problem ?? 'no answer' }));
  const key = (nodes: string[]) => [...nodes].sort().join(',');
  const apart = answered
    .filter((v) => key(v.status.members) !== key(members))
    .map((v) => ({ pod: v.pod, members: v.status.members }));
  const partitions = Object.assign({}, ...answered.map((v) => v.status.partitions)) as Record<
    string,
    string[]
  >;
  const alarms = [
    ...new Map(answered.flatMap((v) => v.status.alarms).map((a) => [`${a.node}/${a.resource}`, a])).values(),
  ];
  const problems = [
    ...(pods.length === 0 ? [`no server pods of ${describeCluster(access)}`] : []),
    ...(answered.length === 0 && pods.length > 0 ? ['no node answered cluster_status'] : []),
    ...notRunning.map((n) => `${n} not running`),
    ...silent.map((s) => `${s.pod}: ${s.problem}`),
    ...apart.map(
      (a) =>
        `${a.pod} sees a different cluster (${a.members.join(', ')}): reset and not rejoined? (forget_cluster_node, then join)`,
    ),
    ...(answered.length > 0 && members.length < pods.length
      ? [`only ${members.length} of ${pods.length} pods' nodes are cluster members`]
      : []),
    ...Object.entries(partitions).map(([node, lost]) => `${node} partitioned from ${lost.join(', ')}`),
  ];
  return {
    pods: pods.map((p) => p.name),
    members,
    running,
    notRunning,
    silent,
    apart,
    partitions,
    alarms,
    problems,
  };
};

/** Running nodes whose shutdown would cost some quorum queue its quorum, by pod. */
const quorumCritical = async (access: RabbitAccess, pods: string[]) => {
  const answers = await Promise.all(
    pods.map(async (pod) => {
      const result = await execIn(access, pod, healthCommands.quorumCritical);
      return { pod, answer: parseQuorumCritical(result), result };
    }),
  );
  return {
    critical: answers.flatMap((a) => (a.answer?.critical ? [{ pod: a.pod, queues: a.answer.queues }] : [])),
    unanswered: answers
      .filter((a) => a.answer === undefined)
      .map(
        (a) =>
          `${a.pod}: check_if_node_is_quorum_critical exited ${a.result.exitCode}: ${outputOf(a.result).slice(0, 160)}`,
      ),
  };
};

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

/**
 * The health check both RabbitMQ engines run on the cluster that is to take traffic.
 * `vhosts`: where to look for classic mirrored queues (quorum queues are covered by the
 * quorum-criticality of every node).
 */
export const checkClusterHealth = async (
  access: RabbitAccess,
  vhosts: string[],
): Promise<Omit<CheckResult, 'name'>> => {
  const membership = await observeMembership(access);
  const answering = membership.pods.filter((p) => !membership.silent.some((s) => s.pod === p));
  const [quorum, mirrors] = await Promise.all([
    quorumCritical(access, answering),
    answering[0] === undefined
      ? Promise.resolve({ queues: [] as Array<MirroredQueue & { vhost: string }>, error: undefined })
      : mirrorsOf(access, answering[0], vhosts).then(
          (queues) => ({ queues, error: undefined }),
          (err: unknown) => ({
            queues: [] as Array<MirroredQueue & { vhost: string }>,
            error: errorMessage(err),
          }),
        ),
  ]);
  const unsynchronised = mirrors.queues.filter((q) => q.unsynchronised.length > 0);
  const problems = [
    ...membership.problems,
    ...membership.alarms.map((a) => `${a.resource} alarm on ${a.node}`),
    ...quorum.critical.map((c) => `${c.pod} is quorum-critical (${c.queues.join(', ')})`),
    ...quorum.unanswered,
    ...unsynchronised.map(
      (q) => `${q.vhost}/${q.name} has unsynchronised mirrors on ${q.unsynchronised.join(', ')}`,
    ),
    ...(mirrors.error ? [mirrors.error] : []),
  ];
  const evidence = {
    cluster: describeCluster(access),
    members: membership.members,
    running: membership.running,
    notRunning: membership.notRunning,
    partitions: membership.partitions,
    alarms: membership.alarms,
    silentPods: membership.silent,
    apart: membership.apart,
    quorumCritical: quorum.critical,
    mirroredQueues: mirrors.queues,
  };
  if (problems.length > 0) return { passed: false, summary: problems.join('; '), evidence };
  const mirrored = mirrors.queues.length;
  return {
    passed: true,
    summary: `${membership.running.length}/${membership.members.length} nodes running, no partitions, no alarms, no quorum-critical node${mirrored > 0 ? `, ${mirrored} mirrored ${mirrored === 1 ? 'queue' : 'queues'} synchronised` : ''}`,
    evidence,
  };
};

export interface RejoinResult {
  rejoined: boolean;
  attempts: number;
  waitedMs: number;
  membership: Membership;
}

/**
 * After a rolling restart, nodes retry their last-seen peers for a while (10 x 30 s by
 * default, seed 004); a node that was reset must be forgotten before it can rejoin. Polls
 * every node's view until all are members and running, at most `timeoutSeconds`.
 */
export const waitForRejoin = async (
  ctx: StepContext,
  access: RabbitAccess,
  options: { timeoutSeconds: number; pollMs: number },
): Promise<RejoinResult> => {
  const started = ctx.clock.now().getTime();
  let attempts = 0;
  let last = '';
  for (;;) {
    attempts += 1;
    const membership = await observeMembership(access);
    const waitedMs = ctx.clock.now().getTime() - started;
    if (membership.problems.length === 0) return { rejoined: true, attempts, waitedMs, membership };
    const state = membership.problems.join('; ');
    if (state !== last)
      ctx.progress(`waiting for every node of ${describeCluster(access)} to rejoin: ${state}`);
    last = state;
    if (waitedMs + options.pollMs > options.timeoutSeconds * 1000)
      return { rejoined: false, attempts, waitedMs, membership };
    await ctx.clock.sleep(options.pollMs);
  }
};

/** The nodes (or pods) a failed rejoin names. */
export const notRejoined = (membership: Membership): string[] => [
  ...membership.notRunning,
  ...membership.silent.map((s) => s.pod),
  ...membership.apart.map((a) => a.pod),
];
