// Who is in a RabbitMQ cluster and running, as each server pod's own node sees it
// (`cluster_status`): a node that left or was reset sees a different cluster. The membership half
// of the cluster's health, and what a rolling restart must restore (seed 004).
import type { PodSummary } from '../../ports/kube.js';
import { describeCluster, execIn, outputOf, serverPods, type RabbitAccess } from './cluster-access.js';
import {
  healthCommands,
  LOCAL_NODE,
  parseClusterStatus,
  type ClusterStatus,
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
  /** The RabbitMQ version of each running node, as the nodes that answered report it. */
  versions: Record<string, string>;
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
  const status = parseClusterStatus(result.stdout);
  // An alarm the CLI could not attribute is the asked node's own.
  const alarms = status.alarms.map((a) =>
    a.node === LOCAL_NODE ? { ...a, node: `the node of ${pod.name}` } : a,
  );
  return { pod: pod.name, status: { ...status, alarms } };
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
    versions: Object.assign({}, ...answered.map((v) => v.status.versions)) as Record<string, string>,
    problems,
  };
};
