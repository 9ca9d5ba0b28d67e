// The commands that judge a RabbitMQ cluster's health and the parsers for what they print,
// for RabbitMQ 3.10 (checked against real nodes of the Debian package; see
// conformance/rabbitmq/). A release that changes an output gets its own parser here.
import type { ExecResult } from '../../ports/kube.js';
import { UnexpectedOutputError } from '../command-output.js';
import { parseTable } from '../table-output.js';

export const healthCommands = {
  clusterStatus: ['rabbitmqctl', 'cluster_status', '--formatter', 'json'],
  quorumCritical: ['rabbitmq-queues', 'check_if_node_is_quorum_critical', '--formatter', 'json'],
  // The JSON formatter prints mirror pids without their node (`#PID<12798.1935.0>`); the table names it.
  mirrors: (vhost: string) => [
    'rabbitmqctl',
    'list_queues',
    '-p',
    vhost,
    'name',
    'slave_pids',
    'synchronised_slave_pids',
    '-q',
  ],
} as const;

export interface ResourceAlarm {
  node: string;
  /** `memory`, `disk` or `file_descriptor_limit`. */
  resource: string;
}

export interface ClusterStatus {
  /** Disc and RAM nodes: every member of the cluster. */
  members: string[];
  running: string[];
  /** Each node that saw a partition, with the nodes it lost. */
  partitions: Record<string, string[]>;
  alarms: ResourceAlarm[];
}

const jsonIn = (text: string): unknown => {
  const start = text.search(/[[{]/);
  if (start < 0) return undefined;
  try {
    return JSON.parse(text.slice(start));
  } catch {
    return undefined;
  }
};

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

export const parseClusterStatus = (output: string): ClusterStatus => {
  const status = jsonIn(output) as Record<string, unknown> | undefined;
  if (typeof status !== 'object' || status === null || !Array.isArray(status['running_nodes'])) {
    throw new UnexpectedOutputError(healthCommands.clusterStatus, output);
  }
  const rawPartitions = status['partitions'];
  const partitions: Record<string, string[]> =
    typeof rawPartitions === 'object' && rawPartitions !== null && !Array.isArray(rawPartitions)
      ? Object.fromEntries(
          Object.entries(rawPartitions).flatMap(([node, lost]) =>
            strings(lost).length > 0 ? [[node, strings(lost)] as const] : [],
          ),
        )
      : {};
  const alarms = (Array.isArray(status['alarms']) ? status['alarms'] : []).map((a) => {
    const alarm = a as { node?: unknown; resource?: unknown; type?: unknown };
    return {
      node: String(alarm.node ?? 'unknown node'),
      resource: String(alarm.resource ?? alarm.type ?? 'unknown'),
    };
  });
  return {
    members: [...new Set([...strings(status['disk_nodes']), ...strings(status['ram_nodes'])])],
    running: strings(status['running_nodes']),
    partitions,
    alarms,
  };
};

export type QuorumCriticality = { critical: false } | { critical: true; queues: string[] };

/**
 * Exit 0 with `"result":"ok"`: not critical (also on a single-node cluster, where the check
 * does not apply). Exit 69 with `"result":"error"` on stderr: stopping this node would lose
 * the quorum of the listed queues. Anything else (69 without that JSON: the node is down) is
 * not an answer, so undefined.
 */
export const parseQuorumCritical = (result: ExecResult): QuorumCriticality | undefined => {
  const answer = (jsonIn(result.stdout) ?? jsonIn(result.stderr)) as
    { result?: unknown; queues?: Array<{ readable_name?: unknown; name?: unknown }> } | undefined;
  if (answer?.result === 'ok' && result.exitCode === 0) return { critical: false };
  if (answer?.result === 'error' && Array.isArray(answer.queues)) {
    return { critical: true, queues: answer.queues.map((q) => String(q.readable_name ?? q.name)) };
  }
  return undefined;
};

export interface MirroredQueue {
  name: string;
  /** Nodes holding a mirror. */
  mirrors: string[];
  /** Mirrors not yet synchronised: unsafe to promote (seed 003). */
  unsynchronised: string[];
}

/** `<rabbit@host.1795296100.1935.0>`: the node, then three numbers. Node names may hold dots. */
const nodesOfPids = (cell: string): string[] =>
  [...cell.matchAll(/<([^<>]+?)\.\d+\.\d+\.\d+>/g)].map((m) => m[1]!);

/** Classic queues with mirrors; quorum queues and unmirrored queues have none and are left out. */
export const parseMirrors = (vhost: string, output: string): MirroredQueue[] => {
  const command = healthCommands.mirrors(vhost);
  const rows = parseTable(output, ['name', 'slave_pids', 'synchronised_slave_pids']);
  if (rows === undefined) {
    // An empty vhost prints only the header, or (with -q on some releases) nothing at all.
    if (output.trim() === '') return [];
    throw new UnexpectedOutputError(command, output);
  }
  return rows
    .map((row) => {
      const mirrors = nodesOfPids(row['slave_pids'] ?? '');
      const synchronised = new Set(nodesOfPids(row['synchronised_slave_pids'] ?? ''));
      return {
        name: row['name'] ?? '',
        mirrors,
        unsynchronised: mirrors.filter((m) => !synchronised.has(m)),
      };
    })
    .filter((q) => q.mirrors.length > 0);
};
