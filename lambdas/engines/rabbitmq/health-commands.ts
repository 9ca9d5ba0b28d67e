// The commands that judge a RabbitMQ cluster's health and the parsers for what they print, for
// RabbitMQ 3.x and 4.x (checked against real 3.10.8 and 4.0.5 nodes: conformance/rabbitmq/).
// Where the two print differently, the parser takes both forms; what it does not recognise it
// does not read as healthy.
import type { ExecResult } from '../../ports/kube.js';
import { jsonArray, UnexpectedOutputError } from '../command-output.js';
import { parseTable } from '../table-output.js';

export const healthCommands = {
  clusterStatus: ['rabbitmqctl', 'cluster_status', '--formatter', 'json'],
  quorumCritical: ['rabbitmq-queues', 'check_if_node_is_quorum_critical', '--formatter', 'json'],
  /** 4.0 on: `mnesia`, or the Khepri Raft members this node can reach (a stopped one is not listed). */
  metadataStore: ['rabbitmq-diagnostics', 'metadata_store_status', '--formatter', 'json'],
  /** Queues some running node serves: a quorum queue without an elected leader is not listed. */
  queues: (vhost: string) => [
    'rabbitmqctl',
    'list_queues',
    '-p',
    vhost,
    'name',
    'type',
    'leader',
    'members',
    'online',
    '--formatter',
    'json',
  ],
  /**
   * Every queue the metadata store holds, served or not: each has a binding from the default
   * exchange (4.0 derives it from the queue records; 3.10 stores it).
   */
  queueBindings: (vhost: string) => [
    'rabbitmqctl',
    'list_bindings',
    '-p',
    vhost,
    'source_name',
    'destination_name',
    'destination_kind',
    '--formatter',
    'json',
  ],
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
  /**
   * `memory` or `disk`; `file_descriptors` for the file descriptor alarm (the CLI's JSON name for
   * the server's `file_descriptor_limit`, in 3.10 and 4.0 alike).
   */
  resource: string;
}

export interface ClusterStatus {
  /** Disc and RAM nodes: every member of the cluster. */
  members: string[];
  running: string[];
  /** Each node that saw a partition, with the nodes it lost. */
  partitions: Record<string, string[]>;
  alarms: ResourceAlarm[];
  /** `versions[node].rabbitmq_version` of each running node (3.10 and 4.0 print it). */
  versions: Record<string, string>;
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

/** Stands for "the node that was asked" in an alarm the CLI could not attribute. */
export const LOCAL_NODE = '(the node asked)';

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

const versionsOf = (value: unknown): Record<string, string> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? Object.fromEntries(
        Object.entries(value).flatMap(([node, v]) => {
          const version = (v as { rabbitmq_version?: unknown } | null)?.rabbitmq_version;
          return typeof version === 'string' ? [[node, version] as const] : [];
        }),
      )
    : {};

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
    const resource = String(alarm.resource ?? alarm.type ?? 'unknown');
    // The file descriptor alarm is local to the node asked, but the CLI names its own node
    // (`rabbitmqcli-...`) in it: the caller, who knows which node it asked, names it.
    const node =
      resource === 'file_descriptors' && /^rabbitmqcli-/.test(String(alarm.node ?? ''))
        ? LOCAL_NODE
        : String(alarm.node ?? 'unknown node');
    return { node, resource };
  });
  return {
    members: [...new Set([...strings(status['disk_nodes']), ...strings(status['ram_nodes'])])],
    running: strings(status['running_nodes']),
    partitions,
    alarms,
    versions: versionsOf(status['versions']),
  };
};

/** What losing the node would cost: quorum queues, streams, and (4.0) Raft-based components. */
export interface CriticalItems {
  queues: string[];
  streams: string[];
  /** `rabbit_stream_coordinator`; under Khepri `rabbitmq_metadata` (the metadata store itself). */
  components: string[];
}

export type QuorumCriticality = { critical: false } | ({ critical: true } & CriticalItems);

// 3.10 names the queue types `quorum`/`stream`; 4.0 names the modules, and lists components as processes.
const KIND_OF_TYPE: Record<string, keyof CriticalItems> = {
  quorum: 'queues',
  rabbit_quorum_queue: 'queues',
  stream: 'streams',
  rabbit_stream_queue: 'streams',
  process: 'components',
};

/**
 * Exit 0 with `"result":"ok"`: not critical (also on a single-node cluster, where the check
 * does not apply). Exit 69 with `"result":"error"` on stderr: stopping this node would lose
 * the quorum of the listed queues, streams and components. Anything else (69 without that JSON:
 * the node is down; an item of a type not known here) is not an answer, so undefined.
 */
export const parseQuorumCritical = (result: ExecResult): QuorumCriticality | undefined => {
  const answer = (jsonIn(result.stdout) ?? jsonIn(result.stderr)) as
    | { result?: unknown; queues?: Array<{ readable_name?: unknown; name?: unknown; type?: unknown }> }
    | undefined;
  if (answer?.result === 'ok' && result.exitCode === 0) return { critical: false };
  if (answer?.result !== 'error' || !Array.isArray(answer.queues) || answer.queues.length === 0)
    return undefined;
  const items: CriticalItems = { queues: [], streams: [], components: [] };
  for (const q of answer.queues) {
    const kind = KIND_OF_TYPE[String(q.type)];
    const name = q.readable_name ?? q.name;
    if (kind === undefined || typeof name !== 'string') return undefined;
    items[kind].push(name);
  }
  return { critical: true, ...items };
};

export type MetadataStore =
  | { store: 'mnesia' }
  | { store: 'khepri'; members: Array<{ node: string; raftState: string; membership: string }> };

/**
 * `[{"Metadata Store":"mnesia"}]`, or one row per Khepri member the node reaches (`Node Name`,
 * `Raft State` leader|follower|..., `Membership` voter|...). Anything else: UnexpectedOutputError.
 */
export const parseMetadataStore = (output: string): MetadataStore => {
  const rows = jsonArray(healthCommands.metadataStore, output);
  const only = rows.length === 1 ? rows[0]!['Metadata Store'] : undefined;
  if (only === 'mnesia') return { store: 'mnesia' };
  const members = rows.map((r) => ({
    node: r['Node Name'],
    raftState: r['Raft State'],
    membership: r['Membership'],
  }));
  if (
    members.length === 0 ||
    !members.every(
      (m) =>
        typeof m.node === 'string' && typeof m.raftState === 'string' && typeof m.membership === 'string',
    )
  )
    throw new UnexpectedOutputError(healthCommands.metadataStore, output);
  return {
    store: 'khepri',
    members: members as Array<{ node: string; raftState: string; membership: string }>,
  };
};

export interface ServedQueue {
  name: string;
  type: string;
  /** The node serving it: a quorum queue's elected leader ('' for a 3.10 classic queue). */
  leader: string;
  /** Quorum queues and streams: the members that are up. */
  online: string[];
}

/** `list_queues name type leader members online --formatter json` (`[` and `]` when none). */
export const parseServedQueues = (vhost: string, output: string): ServedQueue[] =>
  jsonArray(healthCommands.queues(vhost), output).map((row) => {
    if (typeof row['name'] !== 'string' || typeof row['type'] !== 'string')
      throw new UnexpectedOutputError(healthCommands.queues(vhost), output);
    return {
      name: row['name'],
      type: row['type'],
      leader: typeof row['leader'] === 'string' ? row['leader'] : '',
      online: strings(row['online']),
    };
  });

/** Names of the queues bound to the default exchange: every queue of the vhost. */
export const parseQueueBindings = (vhost: string, output: string): string[] =>
  jsonArray(healthCommands.queueBindings(vhost), output).flatMap((row) => {
    if (typeof row['destination_name'] !== 'string' || typeof row['source_name'] !== 'string')
      throw new UnexpectedOutputError(healthCommands.queueBindings(vhost), output);
    return row['source_name'] === '' && row['destination_kind'] === 'queue' ? [row['destination_name']] : [];
  });

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
