// A RabbitMQ cluster's health as the CLI reports it, for the RabbitMQ models: membership,
// alarms and partitions (`cluster_status`), quorum criticality (`rabbitmq-queues`) and queue
// listings with mirrors and message counts (`list_queues`). Formats as RabbitMQ 3.10 prints
// them (checked against real nodes: conformance/rabbitmq/).
import type { ExecOutput } from './sim-model.js';
import { render, type CommandSpec, type ParsedCommand } from './rabbitmq-cli.js';

export const HEALTH_COMMANDS: Record<string, CommandSpec> = {
  cluster_status: {
    tool: 'rabbitmqctl',
    valueOptions: ['--formatter'],
    usage: '[--formatter <json|erlang|table>]',
  },
  check_if_node_is_quorum_critical: {
    tool: 'rabbitmq-queues',
    valueOptions: ['--formatter'],
    usage: '[--formatter <json|erlang|table>]',
  },
  list_queues: {
    tool: 'rabbitmqctl',
    valueOptions: ['-p', '--vhost', '--formatter'],
    variadic: true,
    usage: '[-p <vhost>] [--formatter <format>] [<column> ...]',
  },
};

export interface SimQueue {
  vhost: string;
  name: string;
  type: 'classic' | 'quorum';
  /** Ready plus unacknowledged. */
  messages: number;
  unacknowledged?: number;
  /** Classic mirrored queues: the nodes holding a mirror, and those not yet synchronised. */
  mirrors?: string[];
  unsynchronised?: string[];
}

export interface ClusterHealthState {
  /** Every member; `running` false: the node is down or its app stopped. */
  nodes: Array<{ name: string; running: boolean }>;
  alarms: Array<{ node: string; resource: 'memory' | 'disk' }>;
  /** Each node that saw a partition, with the nodes it lost. */
  partitions: Record<string, string[]>;
  queues: SimQueue[];
}

const ok = (stdout: string): ExecOutput => ({ stdout, stderr: '', exitCode: 0 });

/** Erlang pids as the table formatter prints them: `<node.creation.id.serial>`. */
const pidOn = (node: string, seed: number): string => `<${node}.1795296100.${1000 + seed}.0>`;

const listColumn = (queue: SimQueue, column: string, seed: number): string | number | string[] => {
  switch (column) {
    case 'name':
      return queue.name;
    case 'messages':
      return queue.messages;
    case 'messages_ready':
      return queue.messages - (queue.unacknowledged ?? 0);
    case 'messages_unacknowledged':
      return queue.unacknowledged ?? 0;
    case 'type':
      return queue.type;
    case 'durable':
      return 'true';
    case 'slave_pids':
      return (queue.mirrors ?? []).map((n, i) => pidOn(n, seed + i));
    case 'synchronised_slave_pids':
      return (queue.mirrors ?? [])
        .filter((n) => !(queue.unsynchronised ?? []).includes(n))
        .map((n, i) => pidOn(n, seed + i));
    default:
      return '';
  }
};

const tableCell = (value: string | number | string[]): string =>
  Array.isArray(value) ? (value.length ? `[${value.join(', ')}]` : '') : String(value);
// The JSON formatter prints pids without their node, and empty pid lists as "".
const jsonCell = (value: string | number | string[]): unknown =>
  Array.isArray(value)
    ? value.length
      ? value.map((_, i) => `#PID<12798.${1935 + i}.0>`)
      : ''
    : typeof value === 'number'
      ? value
      : value === 'true'
        ? true
        : value;

const renderListQueues = (parsed: ParsedCommand, queues: SimQueue[]): ExecOutput => {
  const vhost = parsed.values.get('-p') ?? parsed.values.get('--vhost') ?? '/';
  const columns = parsed.positionals.length ? parsed.positionals : ['name', 'messages'];
  const rows = queues
    .filter((q) => q.vhost === vhost)
    .map((q, i) => columns.map((c) => listColumn(q, c, i * 7)));
  if (parsed.values.get('--formatter') === 'json') {
    const lines = rows.map(
      (row, i) =>
        `${i === 0 ? '' : ','}${JSON.stringify(Object.fromEntries(columns.map((c, j) => [c, jsonCell(row[j]!)])))}`,
    );
    return ok(`[\n${lines.map((l) => `${l}\n`).join('')}]\n`);
  }
  // Real 3.10 prints nothing below the banner for a vhost that does not exist.
  return ok(
    render(
      parsed,
      `Timeout: 60.0 seconds ...\nListing queues for vhost ${vhost} ...`,
      rows.map((r) => r.map(tableCell).join('\t')),
      rows.length || parsed.positionals.length ? columns : undefined,
    ),
  );
};

const renderClusterStatus = (parsed: ParsedCommand, self: string, state: ClusterHealthState): ExecOutput => {
  const members = state.nodes.map((n) => n.name);
  const running = state.nodes.filter((n) => n.running).map((n) => n.name);
  if (parsed.values.get('--formatter') === 'json') {
    return ok(
      `${JSON.stringify({
        alarms: state.alarms.map((a) => ({ node: a.node, resource: a.resource, type: 'resource_limit' })),
        cluster_name: members[0] ?? self,
        disk_nodes: members,
        feature_flags: [],
        listeners: {},
        maintenance_status: Object.fromEntries(running.map((n) => [n, 'not under maintenance'])),
        partitions: state.partitions,
        ram_nodes: [],
        running_nodes: running,
        versions: Object.fromEntries(
          running.map((n) => [
            n,
            { erlang_version: '25.2.3', rabbitmq_name: 'RabbitMQ', rabbitmq_version: '3.10.8' },
          ]),
        ),
      })}\n`,
    );
  }
  const section = (title: string, lines: string[]) => [
    `\u001b[1m${title}\u001b[0m`,
    '',
    ...(lines.length ? lines : ['(none)']),
    '',
  ];
  return ok(
    render(parsed, `Cluster status of node ${self} ...`, [
      ...section('Basics', [`Cluster name: ${members[0] ?? self}`]),
      ...section('Disk Nodes', members),
      ...section('Running Nodes', running),
      ...section(
        'Network Partitions',
        Object.entries(state.partitions).map(
          ([n, lost]) => `Node ${n} cannot communicate with ${lost.join(', ')}`,
        ),
      ),
      ...section(
        'Alarms',
        state.alarms.map(
          (a) => `${a.resource === 'memory' ? 'Memory' : 'Free disk space'} alarm on node ${a.node}`,
        ),
      ),
    ]),
  );
};

/**
 * Quorum queues have a member on every node here; stopping `self` would lose a queue's quorum
 * when the running members would drop below a majority.
 */
const renderQuorumCritical = (parsed: ParsedCommand, self: string, state: ClusterHealthState): ExecOutput => {
  const json = parsed.values.get('--formatter') === 'json';
  const banner = `Checking if node ${self} is critical for quorum of any quorum queues ...`;
  if (state.nodes.length === 1) {
    const message = 'Target node seems to be the only one in a single node cluster, the check does not apply';
    return ok(
      json
        ? `${JSON.stringify({ message, result: 'ok' })}\n`
        : render(parsed, banner, [
            `Node ${self} seems to be the only one in a single node cluster, the check does not apply`,
          ]),
    );
  }
  const running = state.nodes.filter((n) => n.running).length;
  const majority = Math.floor(state.nodes.length / 2) + 1;
  const critical = running - 1 < majority ? state.queues.filter((q) => q.type === 'quorum') : [];
  if (critical.length === 0) {
    return ok(
      json
        ? `${JSON.stringify({ result: 'ok' })}\n`
        : render(parsed, banner, [`Node ${self} reported no quorum queues with minimum quorum`]),
    );
  }
  const readable = (q: SimQueue) => `queue '${q.name}' in vhost '${q.vhost}'`;
  return {
    stdout: json ? '' : render(parsed, banner, []),
    stderr: json
      ? `${JSON.stringify({ message: `Node ${self} reported local queues with minimum online quorum`, queues: critical.map((q) => ({ name: q.name, readable_name: readable(q), type: 'quorum', virtual_host: q.vhost })), result: 'error' })}\n`
      : `${critical.map((q) => `${readable(q)} would lose quorum if node ${self} is stopped`).join('\n')}\n`,
    exitCode: 69,
  };
};

export const runHealthCommand = (
  parsed: ParsedCommand,
  self: string,
  state: ClusterHealthState,
): ExecOutput => {
  switch (parsed.command) {
    case 'cluster_status':
      return renderClusterStatus(parsed, self, state);
    case 'check_if_node_is_quorum_critical':
      return renderQuorumCritical(parsed, self, state);
    case 'list_queues':
      return renderListQueues(parsed, state.queues);
    default:
      throw new Error(`not a health command: ${parsed.command}`);
  }
};
