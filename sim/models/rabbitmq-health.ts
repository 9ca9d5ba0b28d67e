// A RabbitMQ cluster's health as the CLI reports it, for the RabbitMQ models: the server version
// (`server_version`), membership, alarms and partitions (`cluster_status`), quorum criticality
// (`rabbitmq-queues`), queue listings with leaders, mirrors and message counts (`list_queues`), the
// queues the metadata store holds (`list_bindings`) and, on 4.x, the metadata store
// (`metadata_store_status`). Formats as RabbitMQ 3.10.8 and 4.0.5 print them (checked against real
// nodes of both: conformance/rabbitmq/); a cluster is 3.10.8 unless its state says otherwise.
import type { ExecOutput } from './sim-model.js';
import { argumentError, render, type CommandSpec, type ParsedCommand } from './rabbitmq-cli.js';

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
  list_bindings: {
    tool: 'rabbitmqctl',
    valueOptions: ['-p', '--vhost', '--formatter'],
    variadic: true,
    usage: '[--vhost <vhost>] [--no-table-headers] [<column> ...] [--timeout <timeout>]',
  },
  server_version: {
    tool: 'rabbitmq-diagnostics',
    valueOptions: ['--formatter'],
    usage: '[--timeout <timeout>]',
  },
  metadata_store_status: {
    tool: 'rabbitmq-diagnostics',
    valueOptions: ['--formatter'],
    usage: '',
  },
};

/** What a cluster runs when its state does not say: the version the drills were written against. */
export const DEFAULT_VERSION = '3.10.8';
const ERLANG: Record<string, string> = { '3': '25.2.3', '4': '27.3.4.1' };

export interface SimQueue {
  vhost: string;
  name: string;
  type: 'classic' | 'quorum' | 'stream';
  /** Ready plus unacknowledged. */
  messages: number;
  unacknowledged?: number;
  /** Classic mirrored queues: the nodes holding a mirror, and those not yet synchronised. */
  mirrors?: string[];
  unsynchronised?: string[];
}

export interface ClusterHealthState {
  /** `3.10.8` (the default) or a 4.x such as `4.0.5`: 4.x has no classic mirroring and may run Khepri. */
  version?: string;
  /** 4.x only: Khepri (the `khepri_db` feature flag enabled) or Mnesia (the default). */
  metadataStore?: 'mnesia' | 'khepri';
  /** Every member; `running` false: the node is down or its app stopped. */
  nodes: Array<{ name: string; running: boolean }>;
  alarms: Array<{ node: string; resource: 'memory' | 'disk' }>;
  /** Each node that saw a partition, with the nodes it lost. */
  partitions: Record<string, string[]>;
  queues: SimQueue[];
}

const ok = (stdout: string): ExecOutput => ({ stdout, stderr: '', exitCode: 0 });

const versionOf = (state: ClusterHealthState): string => state.version ?? DEFAULT_VERSION;
const isV4 = (state: ClusterHealthState): boolean => !versionOf(state).startsWith('3.');
const khepri = (state: ClusterHealthState): boolean => isV4(state) && state.metadataStore === 'khepri';
const running = (state: ClusterHealthState): string[] =>
  state.nodes.filter((n) => n.running).map((n) => n.name);
/** Quorum queues and streams have a member on every node here: a majority of them must run. */
const hasQuorum = (state: ClusterHealthState): boolean =>
  running(state).length >= Math.floor(state.nodes.length / 2) + 1;
/**
 * Served: listed by `list_queues`. A replicated queue without a majority has no elected leader, and
 * the real list_queues (3.10 and 4.0) leaves it out; list_bindings still shows it.
 */
const served = (state: ClusterHealthState, queue: SimQueue): boolean =>
  queue.type === 'classic' || hasQuorum(state);

/** Erlang pids as the table formatter prints them: `<node.creation.id.serial>`. */
const pidOn = (node: string, seed: number): string => `<${node}.1795296100.${1000 + seed}.0>`;

const listColumn = (
  state: ClusterHealthState,
  queue: SimQueue,
  column: string,
  seed: number,
): string | number | string[] => {
  const members = state.nodes.map((n) => n.name);
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
    // 3.10 leaves a classic queue's leader and members empty; 4.0 names its node.
    case 'leader':
      return queue.type !== 'classic' ? (running(state)[0] ?? '') : isV4(state) ? (members[0] ?? '') : '';
    case 'members':
      return queue.type !== 'classic' ? members : isV4(state) ? members.slice(0, 1) : [];
    case 'online':
      return queue.type !== 'classic' ? running(state) : [];
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
// The JSON formatter prints pids without their node, and empty lists as "".
const jsonCell = (column: string, value: string | number | string[]): unknown =>
  Array.isArray(value)
    ? value.length
      ? column.endsWith('_pids')
        ? value.map((_, i) => `#PID<12798.${1935 + i}.0>`)
        : value
      : ''
    : typeof value === 'number'
      ? value
      : value === 'true'
        ? true
        : value;

const jsonRows = (rows: Array<Record<string, unknown>>): string =>
  `[\n${rows.map((r, i) => `${i === 0 ? '' : ','}${JSON.stringify(r)}\n`).join('')}]\n`;

const vhostOf = (parsed: ParsedCommand): string =>
  parsed.values.get('-p') ?? parsed.values.get('--vhost') ?? '/';

// 4.0 removed classic mirroring: asking for mirrors is an argument error, as the real 4.0.5 prints it.
const MIRROR_KEYS = ['slave_pids', 'synchronised_slave_pids'];
const LIST_QUEUES_USAGE_4 =
  'rabbitmqctl [--node <node>] [--longnames] [--quiet] list_queues [--vhost <vhost>] [--online] [--offline] [--local] [--no-table-headers] [<column>, ...] [--timeout <timeout>]';

const renderListQueues = (parsed: ParsedCommand, state: ClusterHealthState): ExecOutput => {
  const vhost = vhostOf(parsed);
  const columns = parsed.positionals.length ? parsed.positionals : ['name', 'messages'];
  const unsupported = columns.filter((c) => MIRROR_KEYS.includes(c));
  if (isV4(state) && unsupported.length > 0)
    return {
      stdout: '',
      stderr: argumentError(
        `Info key(s) ${unsupported.join(',')} are not supported`,
        parsed.given,
        LIST_QUEUES_USAGE_4,
      ),
      exitCode: 64,
    };
  const rows = state.queues
    .filter((q) => q.vhost === vhost && served(state, q))
    .map((q, i) => columns.map((c) => listColumn(state, q, c, i * 7)));
  if (parsed.values.get('--formatter') === 'json')
    return ok(
      jsonRows(rows.map((row) => Object.fromEntries(columns.map((c, j) => [c, jsonCell(c, row[j]!)])))),
    );
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

/** Every queue the metadata store holds has its binding from the default exchange, served or not. */
const renderListBindings = (parsed: ParsedCommand, state: ClusterHealthState): ExecOutput => {
  const vhost = vhostOf(parsed);
  const columns = parsed.positionals.length
    ? parsed.positionals
    : ['source_name', 'source_kind', 'destination_name', 'destination_kind', 'routing_key', 'arguments'];
  const cell = (q: SimQueue, column: string): unknown => {
    switch (column) {
      case 'source_name':
        return '';
      case 'source_kind':
        return 'exchange';
      case 'destination_name':
      case 'routing_key':
        return q.name;
      case 'destination_kind':
        return 'queue';
      default:
        return '';
    }
  };
  const rows = state.queues.filter((q) => q.vhost === vhost);
  if (parsed.values.get('--formatter') === 'json')
    return ok(jsonRows(rows.map((q) => Object.fromEntries(columns.map((c) => [c, cell(q, c)])))));
  return ok(
    render(
      parsed,
      `Listing bindings for vhost ${vhost}...`,
      rows.map((q) => columns.map((c) => String(cell(q, c))).join('\t')),
      columns,
    ),
  );
};

const renderServerVersion = (parsed: ParsedCommand, self: string, state: ClusterHealthState): ExecOutput =>
  parsed.values.get('--formatter') === 'json'
    ? ok(`${JSON.stringify({ result: 'ok', value: versionOf(state) })}\n`)
    : ok(render(parsed, `Asking node ${self} for its RabbitMQ version...`, [versionOf(state)]));

/** 4.x: Mnesia says so; Khepri lists the members this node reaches, the first running one leading. */
const renderMetadataStore = (parsed: ParsedCommand, state: ClusterHealthState): ExecOutput => {
  if (!isV4(state))
    return {
      stdout: '',
      stderr: `\nCommand '${parsed.command}' not found. \n`,
      exitCode: 64,
    };
  const rows = khepri(state)
    ? running(state).map((node, i) => ({
        'Node Name': node,
        'Raft State': hasQuorum(state) && i === 0 ? 'leader' : 'follower',
        Membership: 'voter',
        'Last Log Index': 84,
        'Last Written': 84,
        'Last Applied': 84,
        'Commit Index': 84,
        'Snapshot Index': -1,
        Term: 1,
        'Machine Version': 1,
      }))
    : [{ 'Metadata Store': 'mnesia' }];
  if (parsed.values.get('--formatter') === 'json') return ok(jsonRows(rows));
  return ok(
    render(
      parsed,
      `Status of metadata store on node ${running(state)[0] ?? ''} ...`,
      rows.map((r) => Object.values(r).join('\t')),
      Object.keys(rows[0]!),
    ),
  );
};

const renderClusterStatus = (parsed: ParsedCommand, self: string, state: ClusterHealthState): ExecOutput => {
  const members = state.nodes.map((n) => n.name);
  const up = running(state);
  // Under Khepri, cluster_status reports no partitions whatever happens.
  const partitions = khepri(state) ? {} : state.partitions;
  const version = versionOf(state);
  if (parsed.values.get('--formatter') === 'json') {
    return ok(
      `${JSON.stringify({
        alarms: state.alarms.map((a) => ({ node: a.node, resource: a.resource, type: 'resource_limit' })),
        cluster_name: members[0] ?? self,
        disk_nodes: members,
        feature_flags: isV4(state)
          ? [{ name: 'khepri_db', state: khepri(state) ? 'enabled' : 'disabled', stability: 'experimental' }]
          : [],
        listeners: {},
        maintenance_status: Object.fromEntries(up.map((n) => [n, 'not under maintenance'])),
        partitions,
        ram_nodes: [],
        running_nodes: up,
        versions: Object.fromEntries(
          up.map((n) => [
            n,
            {
              erlang_version: ERLANG[version.split('.')[0]!] ?? 'unknown',
              rabbitmq_name: 'RabbitMQ',
              rabbitmq_version: version,
            },
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
      ...section('Running Nodes', up),
      ...section(
        'Network Partitions',
        Object.entries(partitions).map(([n, lost]) => `Node ${n} cannot communicate with ${lost.join(', ')}`),
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
 * Quorum queues and streams have a member on every node here; stopping `self` would lose their
 * quorum when the running members would drop below a majority. 3.10 lists quorum queues only;
 * 4.0 also streams, the stream coordinator (once a stream exists) and, under Khepri, the metadata
 * store, with the types named by module.
 */
const renderQuorumCritical = (parsed: ParsedCommand, self: string, state: ClusterHealthState): ExecOutput => {
  const json = parsed.values.get('--formatter') === 'json';
  const v4 = isV4(state);
  const banner = v4
    ? `Checking if node ${self} is critical for quorum of any queues/streams ...`
    : `Checking if node ${self} is critical for quorum of any quorum queues ...`;
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
  const majority = Math.floor(state.nodes.length / 2) + 1;
  const atMinimum = running(state).length - 1 < majority;
  const readable = (q: SimQueue) => `queue '${q.name}' in vhost '${q.vhost}'`;
  const queues = (type: SimQueue['type']) => (atMinimum ? state.queues.filter((q) => q.type === type) : []);
  const streams = v4 ? queues('stream') : [];
  const items = [
    ...queues('quorum').map((q) => ({
      name: q.name,
      readable_name: readable(q),
      type: v4 ? 'rabbit_quorum_queue' : 'quorum',
      virtual_host: q.vhost,
    })),
    ...streams.map((q) => ({
      name: q.name,
      readable_name: readable(q),
      type: 'rabbit_stream_queue',
      virtual_host: q.vhost,
    })),
    ...[
      ...(streams.length > 0 ? ['rabbit_stream_coordinator'] : []),
      ...(atMinimum && khepri(state) ? ['rabbitmq_metadata'] : []),
    ].map((name) => ({ name, readable_name: name, type: 'process', virtual_host: '(not applicable)' })),
  ];
  if (items.length === 0) {
    return ok(
      json
        ? `${JSON.stringify({ result: 'ok' })}\n`
        : render(parsed, banner, [`Node ${self} reported no quorum queues with minimum quorum`]),
    );
  }
  return {
    stdout: json ? '' : render(parsed, banner, []),
    stderr: json
      ? `${JSON.stringify({ message: `Node ${self} reported local queues with minimum online quorum`, queues: items, result: 'error' })}\n`
      : `${items.map((q) => `${q.readable_name} ${v4 ? 'will become unavailable' : 'would lose quorum'} if node ${self} ${v4 ? 'stops' : 'is stopped'}`).join('\n')}\n`,
    exitCode: 69,
  };
};

/** What the real CLI prints (3.10 and 4.0) when the node runs but its app was stopped (`stop_app`). */
const appStopped = (parsed: ParsedCommand): ExecOutput => ({
  stdout: '',
  stderr: `Error: this command requires the 'rabbit' app to be running on the target node. Start it with 'rabbitmqctl start_app'.\nArguments given:\n\t${parsed.given}\n\n\u001b[1mUsage\u001b[0m\n\n${parsed.usage}\n`,
  exitCode: 64,
});

export const runHealthCommand = (
  parsed: ParsedCommand,
  self: string,
  state: ClusterHealthState,
): ExecOutput => {
  // A node whose container runs but whose app is stopped still says its version, and nothing else.
  const own = state.nodes.find((n) => n.name === self);
  if (own !== undefined && !own.running && parsed.command !== 'server_version') return appStopped(parsed);
  switch (parsed.command) {
    case 'server_version':
      return renderServerVersion(parsed, self, state);
    case 'cluster_status':
      return renderClusterStatus(parsed, self, state);
    case 'check_if_node_is_quorum_critical':
      return renderQuorumCritical(parsed, self, state);
    case 'list_queues':
      return renderListQueues(parsed, state);
    case 'list_bindings':
      return renderListBindings(parsed, state);
    case 'metadata_store_status':
      return renderMetadataStore(parsed, state);
    default:
      throw new Error(`not a health command: ${parsed.command}`);
  }
};
