// Who may connect to a RabbitMQ cluster's vhosts: vhost limits and open client connections,
// with the commands that fence a cluster, printed as rabbitmqctl 3.10 prints them (checked
// against a real node). Shared by the RabbitMQ models.
import type { ExecOutput } from './sim-model.js';
import { render, type CommandSpec, type ParsedCommand } from './rabbitmq-cli.js';

export const VHOST_ACCESS_COMMANDS: Record<string, CommandSpec> = {
  list_vhost_limits: {
    tool: 'rabbitmqctl',
    valueOptions: ['-p', '--vhost'],
    usage: '[-p <vhost>] [--global]',
  },
  set_vhost_limits: {
    tool: 'rabbitmqctl',
    valueOptions: ['-p', '--vhost'],
    positionals: ['definition'],
    usage: '[-p <vhost>] <definition>',
  },
  clear_vhost_limits: { tool: 'rabbitmqctl', valueOptions: ['-p', '--vhost'], usage: '[-p <vhost>]' },
  close_all_connections: {
    tool: 'rabbitmqctl',
    valueOptions: ['-p', '--vhost', '--limit', '--per-connection-delay'],
    flags: ['--global'],
    positionals: ['explanation'],
    usage: '[-p <vhost> --limit <limit>] [-n <node> --global] [--per-connection-delay <delay>] <explanation>',
  },
  list_connections: {
    tool: 'rabbitmqctl',
    valueOptions: ['--formatter'],
    variadic: true,
    usage: '[--formatter <format>] [<column> ...]',
  },
  close_connection: {
    tool: 'rabbitmqctl',
    positionals: ['connection pid', 'explanation'],
    usage: '<connection pid> <explanation>',
  },
};

export interface ClientConnection {
  name: string;
  vhost: string;
  /** The node (pod) the client is connected to. */
  pod: string;
  /** Clients connect as `app`; a shovel as its own user. */
  user: string;
  /** As the table formatter prints it: `<node.creation.id.serial>`. */
  pid: string;
}

export interface VhostAccessSnapshot {
  limits: Record<string, Record<string, number>>;
  connections: ClientConnection[];
}

/** Erlang pids as the table formatter prints them. */
const pidOf = (pod: string, serial: number): string => `<rabbit@${pod}.1795296100.${2300 + serial}.0>`;

export const createVhostAccess = (options: {
  vhosts: string[];
  pods: string[];
  connectionsPerVhost: number;
}) => {
  const limits = new Map<string, Record<string, number>>();
  let connections: ClientConnection[] = options.vhosts.flatMap((vhost) =>
    Array.from({ length: options.connectionsPerVhost }, (_, i) => {
      const pod = options.pods[i % options.pods.length] ?? 'unknown';
      return {
        vhost,
        pod,
        user: 'app',
        pid: pidOf(pod, i),
        name: `10.0.${i + 1}.17:${40000 + i} -> 10.0.0.${(i % options.pods.length) + 10}:5672`,
      };
    }),
  );
  const ok = (stdout: string): ExecOutput => ({ stdout, stderr: '', exitCode: 0 });
  const noVhost = (vhost: string): ExecOutput => ({
    stdout: '',
    stderr: `Virtual host '${vhost}' does not exist`,
    exitCode: 65,
  });
  const known = (vhost: string) => options.vhosts.includes(vhost);

  return {
    snapshot: (): VhostAccessSnapshot => ({
      limits: Object.fromEntries(limits),
      connections: connections.map((c) => ({ ...c })),
    }),
    /** Clients reconnect to a vhost that allows it: a new connection when not fenced. */
    allowsConnections: (vhost: string) => limits.get(vhost)?.['max-connections'] !== 0,
    /** A connection another model opens (a shovel's); false when the vhost refuses it. */
    connect: (connection: Omit<ClientConnection, 'pid'>): boolean => {
      if (limits.get(connection.vhost)?.['max-connections'] === 0) return false;
      connections.push({ ...connection, pid: pidOf(connection.pod, 100 + connections.length) });
      return true;
    },
    isOpen: (name: string) => connections.some((c) => c.name === name),
    disconnect: (name: string) => {
      connections = connections.filter((c) => c.name !== name);
    },
    run: (parsed: ParsedCommand, pod: string): ExecOutput => {
      const vhost = parsed.values.get('-p') ?? parsed.values.get('--vhost') ?? '/';
      switch (parsed.command) {
        case 'list_vhost_limits': {
          if (!known(vhost))
            return { ...noVhost(vhost), stdout: `Listing limits for vhost "${vhost}" ...\n` };
          const current = limits.get(vhost);
          return ok(
            render(
              parsed,
              `Listing limits for vhost "${vhost}" ...`,
              current && Object.keys(current).length ? [JSON.stringify(current)] : [''],
            ),
          );
        }
        case 'set_vhost_limits': {
          if (!known(vhost)) return noVhost(vhost);
          const definition = parsed.positionals[0] ?? '';
          let parsedLimits: Record<string, number>;
          try {
            parsedLimits = JSON.parse(definition) as Record<string, number>;
          } catch {
            return {
              stdout: '',
              stderr: `Error:\n{:error, {:invalid_json, ${JSON.stringify(definition)}}}`,
              exitCode: 65,
            };
          }
          limits.set(vhost, parsedLimits);
          return ok(render(parsed, `Setting vhost limits to "${definition}" for vhost "${vhost}" ...`, []));
        }
        case 'clear_vhost_limits':
          limits.delete(vhost);
          return ok(render(parsed, `Clearing vhost "${vhost}" limits ...`, []));
        case 'close_all_connections': {
          // Without --global only the connections on the node the command runs on are closed.
          const global = parsed.flags.has('--global');
          const closing = connections.filter((c) => c.vhost === vhost && (global || c.pod === pod));
          connections = connections.filter((c) => !closing.includes(c));
          return ok(
            render(
              parsed,
              `Closing all connections in vhost ${vhost}, reason: ${parsed.positionals[0] ?? ''}...`,
              [`Closed ${closing.length} connections`],
            ),
          );
        }
        case 'list_connections': {
          const columns = parsed.positionals.length
            ? parsed.positionals
            : ['user', 'peer_host', 'peer_port', 'state'];
          // Every node lists the whole cluster's connections (checked on a real 3-node 3.10 cluster).
          const mine = connections;
          const cell = (c: ClientConnection, col: string) =>
            col === 'vhost'
              ? c.vhost
              : col === 'name'
                ? c.name
                : col === 'user'
                  ? c.user
                  : col === 'pid'
                    ? c.pid
                    : '';
          if (parsed.values.get('--formatter') === 'json') {
            const rows = mine.map((c) => Object.fromEntries(columns.map((col) => [col, cell(c, col)])));
            return ok(`[\n${rows.map((r) => JSON.stringify(r)).join(',\n')}\n]\n`);
          }
          return ok(
            render(
              parsed,
              'Listing connections ...',
              mine.map((c) => columns.map((col) => cell(c, col)).join('\t')),
              columns,
            ),
          );
        }
        case 'close_connection': {
          // Any node closes any connection by pid; a pid already gone is not an error.
          const pid = parsed.positionals[0] ?? '';
          connections = connections.filter((c) => c.pid !== pid);
          return ok(
            render(parsed, `Closing connection ${pid}, reason: ${parsed.positionals[1] ?? ''}...`, []),
          );
        }
        default:
          throw new Error(`not a vhost access command: ${parsed.command}`);
      }
    },
  };
};

export type VhostAccess = ReturnType<typeof createVhostAccess>;
