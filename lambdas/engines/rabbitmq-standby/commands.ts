// Every command this engine runs, with the parser for what it prints, for VMware RabbitMQ for
// Kubernetes 1.4 (Warm Standby Replication; outputs as shown in its documentation). A release
// that renames a command or changes a table gets its own table here, not edits in the steps.
import { UnexpectedOutputError } from '../command-output.js';
import { parseKeyValues, parseTable } from '../table-output.js';

export const standbyCommands = {
  schemaReplicationStatus: ['rabbitmqctl', 'schema_replication_status'],
  vhostsAvailableForRecovery: ['rabbitmqctl', 'list_vhosts_available_for_standby_replication_recovery'],
  downstreamMetrics: ['rabbitmq-diagnostics', 'inspect_standby_downstream_metrics'],
  upstreamMetrics: ['rabbitmq-diagnostics', 'inspect_standby_upstream_metrics'],
  diskSpaceUsed: ['rabbitmqctl', 'display_disk_space_used_by_standby_replication_data'],
  promotionSummary: ['rabbitmqctl', 'display_standby_promotion_summary'],
  disconnectDownstream: ['rabbitmqctl', 'disconnect_standby_replication_downstream'],
  setSchemaModeUpstream: ['rabbitmqctl', 'set_schema_replication_mode', 'upstream'],
  deleteReplicatedData: ['rabbitmqctl', 'delete_all_data_on_standby_replication_cluster'],
} as const;

export interface PromoteFlags {
  startFromScratch: boolean;
  allAvailable: boolean;
  excludeVirtualHosts: string[];
}

/**
 * The commands that differ between releases, selected by the plan's `engine.release`. `1.x`: VMware
 * RabbitMQ for Kubernetes 1.x, as its documentation gives them. `4.x-unverified`: the name newer
 * Tanzu RabbitMQ material gives promotion (`promote_warm_standby`), not checked against a release;
 * its flags and output are assumed to be 1.x's. Every other command is assumed unchanged.
 */
export const standbyReleases = {
  '1.x': { promote: 'promote_standby_replication_downstream_cluster' },
  '4.x-unverified': { promote: 'promote_warm_standby' },
} as const;
export type StandbyRelease = keyof typeof standbyReleases;

/** `--exclude-virtual-hosts` takes the vhosts as the arguments after it: `--exclude-virtual-hosts a b`. */
export const promoteCommand = (release: StandbyRelease, flags: PromoteFlags): string[] => [
  'rabbitmqctl',
  standbyReleases[release].promote,
  ...(flags.startFromScratch ? ['--start-from-scratch'] : []),
  ...(flags.allAvailable ? ['--all-available'] : []),
  ...(flags.excludeVirtualHosts.length > 0 ? ['--exclude-virtual-hosts', ...flags.excludeVirtualHosts] : []),
];

const table = (command: readonly string[], output: string, columns: readonly string[]) => {
  const rows = parseTable(output, columns);
  if (rows === undefined) throw new UnexpectedOutputError(command, output);
  return rows;
};

export interface SchemaReplicationStatus {
  node?: string;
  mode: string;
  state: string;
  endpoints: string;
}

export const parseSchemaReplicationStatus = (output: string): SchemaReplicationStatus => {
  const values = parseKeyValues(output);
  const mode = values['Operating mode'];
  if (mode === undefined) throw new UnexpectedOutputError(standbyCommands.schemaReplicationStatus, output);
  return {
    node: /on node (\S+)/.exec(output)?.[1],
    mode,
    state: values['State'] ?? '',
    endpoints: values['Upstream endpoint(s)'] ?? '',
  };
};

/** The vhosts listed after the banner (one per line). */
export const parseVhostsAvailable = (output: string): string[] =>
  output
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('Listing virtual hosts'));

export interface QueueReplicationPoint {
  queue: string;
  vhost: string;
  /** Epoch milliseconds of the last replicated message. */
  timestamp: number;
}

export const parseReplicationMetrics = (
  command: readonly string[],
  output: string,
): QueueReplicationPoint[] =>
  table(command, output, ['queue', 'timestamp', 'vhost']).map((row) => {
    const timestamp = Number(row['timestamp']);
    if (!Number.isFinite(timestamp)) throw new UnexpectedOutputError(command, output);
    return { queue: row['queue']!, vhost: row['vhost']!, timestamp };
  });

export interface PromotedVhost {
  virtualHost: string;
  messageCount: number;
  firstTimestamp: string;
  lastTimestamp: string;
}

const promotionColumns = ['first_timestamp', 'last_timestamp', 'message_count', 'virtual_host'] as const;

/** Parses both `promote_...` and `display_standby_promotion_summary` (same table). */
export const parsePromotionSummary = (command: readonly string[], output: string): PromotedVhost[] =>
  table(command, output, promotionColumns).map((row) => ({
    virtualHost: row['virtual_host']!,
    messageCount: Number(row['message_count']),
    firstTimestamp: row['first_timestamp']!,
    lastTimestamp: row['last_timestamp']!,
  }));

export interface ReplicationDiskUse {
  node: string;
  vhost: string;
  sizeGb: number;
}

export const parseDiskSpaceUsed = (output: string): ReplicationDiskUse[] =>
  table(standbyCommands.diskSpaceUsed, output, ['node', 'size', 'unit', 'vhost']).map((row) => ({
    node: row['node']!,
    vhost: row['vhost']!,
    sizeGb: Number(row['size']),
  }));

/** `rabbit@downstream-cluster-server-0.downstream-cluster-nodes.tanzu-rabbitmq` → `downstream-cluster-server-0`. */
export const podOfNode = (node: string): string => node.replace(/^[^@]*@/, '').split('.')[0] ?? node;
