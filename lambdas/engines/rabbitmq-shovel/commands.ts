// Every command this engine runs besides the shared health checks and fence, with the parser
// for what it prints, for RabbitMQ 3.10 with the rabbitmq_shovel plugin (checked against real
// nodes: conformance/rabbitmq/shovel-failover.ts).
import { jsonArray, UnexpectedOutputError } from '../command-output.js';
import type { ShovelSpec } from './plan.js';

export const shovelCommands = {
  shovelStatus: ['rabbitmqctl', 'shovel_status', '--formatter', 'json'],
  parameters: (vhost: string) => ['rabbitmqctl', 'list_parameters', '-p', vhost, '--formatter', 'json'],
  clearParameter: (shovel: ShovelSpec) => [
    'rabbitmqctl',
    'clear_parameter',
    '-p',
    shovel.vhost,
    'shovel',
    shovel.name,
  ],
  /** Prints the whole value back, credentials included: its output is never kept. */
  setParameter: (shovel: ShovelSpec, value: string) => [
    'rabbitmqctl',
    'set_parameter',
    '-p',
    shovel.vhost,
    'shovel',
    shovel.name,
    value,
  ],
  queueDepths: (vhost: string) => [
    'rabbitmqctl',
    'list_queues',
    '-p',
    vhost,
    'name',
    'messages',
    '--formatter',
    'json',
  ],
  users: ['rabbitmqctl', 'list_users', '--formatter', 'json'],
  /** Exit 70 `User "X" already exists`. */
  addUser: (user: string, password: string) => ['rabbitmqctl', 'add_user', user, password],
  /** Exit 67 `User "X" does not exist`. */
  changePassword: (user: string, password: string) => ['rabbitmqctl', 'change_password', user, password],
  setPermissions: (
    vhost: string,
    user: string,
    permissions: { configure: string; write: string; read: string },
  ) => [
    'rabbitmqctl',
    'set_permissions',
    '-p',
    vhost,
    user,
    permissions.configure,
    permissions.write,
    permissions.read,
  ],
} as const;

export interface ShovelState {
  name: string;
  vhost: string;
  /** `running`, `starting` (cannot connect yet) or `terminated`. */
  state: string;
  type: string;
  /** Credential-free URIs (the status never prints the password). */
  source: string;
  destination: string;
  terminationReason: string;
}

export const parseShovelStatus = (output: string): ShovelState[] =>
  jsonArray(shovelCommands.shovelStatus, output).map((row) => ({
    name: String(row['name'] ?? ''),
    vhost: String(row['vhost'] ?? ''),
    state: String(row['state'] ?? ''),
    type: String(row['type'] ?? ''),
    source: String(row['source'] ?? ''),
    destination: String(row['destination'] ?? ''),
    terminationReason: String(row['termination_reason'] ?? ''),
  }));

export interface ShovelDefinition {
  name: string;
  vhost: string;
  /** RabbitMQ's default is `on-confirm`: acknowledged upstream only once the downstream confirmed. */
  ackMode: string;
  srcQueue?: string;
  srcExchange?: string;
  /** Default: the source queue's name. */
  destQueue?: string;
  /** The source's scheme, host and port (`amqp://host:5672`) and user: the URI without its password. */
  srcEndpoint?: string;
  srcUser?: string;
}

/** `amqp://user:password@host/vhost` -> endpoint `amqp://host:5672` and user; undefined for a local (`amqp://`) or unreadable URI. */
export const uriParts = (uri: string): { endpoint: string; user: string } | undefined => {
  try {
    const url = new URL(uri);
    if (url.host === '') return undefined;
    const port = url.port || (url.protocol === 'amqps:' ? '5671' : '5672');
    return { endpoint: `${url.protocol}//${url.hostname}:${port}`, user: decodeURIComponent(url.username) };
  } catch {
    return undefined;
  }
};

/**
 * The shovel parameters of a vhost. Their values hold the URIs with credentials: only the
 * fields the engine needs are kept, so no password reaches a report or a log.
 */
export const parseShovelParameters = (vhost: string, output: string): ShovelDefinition[] =>
  jsonArray(shovelCommands.parameters(vhost), output)
    .filter((row) => row['component'] === 'shovel')
    .map((row) => {
      let value: Record<string, unknown> = {};
      try {
        value = JSON.parse(String(row['value'] ?? '{}')) as Record<string, unknown>;
      } catch {
        throw new UnexpectedOutputError(shovelCommands.parameters(vhost), output.slice(0, 80));
      }
      const source = typeof value['src-uri'] === 'string' ? uriParts(value['src-uri']) : undefined;
      return {
        name: String(row['name'] ?? ''),
        vhost,
        ackMode: typeof value['ack-mode'] === 'string' ? value['ack-mode'] : 'on-confirm',
        ...(typeof value['src-queue'] === 'string' ? { srcQueue: value['src-queue'] } : {}),
        ...(typeof value['src-exchange'] === 'string' ? { srcExchange: value['src-exchange'] } : {}),
        ...(typeof value['dest-queue'] === 'string' ? { destQueue: value['dest-queue'] } : {}),
        ...(source ? { srcEndpoint: source.endpoint, srcUser: source.user } : {}),
      };
    });

/** `list_users --formatter json`: the user names. */
export const parseUsers = (output: string): string[] =>
  jsonArray(shovelCommands.users, output).map((row) => String(row['user'] ?? ''));

/** Messages (ready plus unacknowledged) per queue of a vhost. */
export const parseQueueDepths = (vhost: string, output: string): Map<string, number> =>
  new Map(
    jsonArray(shovelCommands.queueDepths(vhost), output).map((row) => [
      String(row['name'] ?? ''),
      Number(row['messages'] ?? 0),
    ]),
  );
