// A RabbitMQ cluster's internal users and their permissions, which decide whether a shovel may
// log in and use its source queue, with the commands that change them, printed as rabbitmqctl
// 3.10 prints them (checked against a real node).
import { render, type CommandSpec, type ParsedCommand } from './rabbitmq-cli.js';
import type { ExecOutput } from './sim-model.js';

export const USER_COMMANDS: Record<string, CommandSpec> = {
  list_users: { tool: 'rabbitmqctl', valueOptions: ['--formatter'], usage: '[--formatter <format>]' },
  add_user: { tool: 'rabbitmqctl', positionals: ['username', 'password'], usage: '<username> <password>' },
  change_password: {
    tool: 'rabbitmqctl',
    positionals: ['username', 'password'],
    usage: '<username> <password>',
  },
  set_permissions: {
    tool: 'rabbitmqctl',
    valueOptions: ['-p', '--vhost'],
    positionals: ['username', 'conf', 'write', 'read'],
    usage: '[-p <vhost>] <username> <conf> <write> <read>',
  },
};

interface Permissions {
  configure: string;
  write: string;
  read: string;
}

interface User {
  password: string;
  tags: string[];
  permissions: Map<string, Permissions>;
}

export interface UsersSnapshot {
  /** Per user: the vhosts it has permissions in (passwords are not shown). */
  [user: string]: { vhosts: Record<string, Permissions> };
}

const ok = (stdout: string): ExecOutput => ({ stdout, stderr: '', exitCode: 0 });

export const createUsers = (options: {
  vhosts: string[];
  initial: Array<{
    user: string;
    password: string;
    tags?: string[];
    permissions?: Record<string, Permissions>;
  }>;
}) => {
  const users = new Map<string, User>(
    options.initial.map((u) => [
      u.user,
      { password: u.password, tags: u.tags ?? [], permissions: new Map(Object.entries(u.permissions ?? {})) },
    ]),
  );
  const noUser = (banner: string, name: string, quoted: boolean): ExecOutput => ({
    stdout: banner,
    stderr: `Error:\nUser ${quoted ? `"${name}"` : name} does not exist\n`,
    exitCode: 67,
  });

  return {
    snapshot: (): UsersSnapshot =>
      Object.fromEntries(
        [...users].map(([name, u]) => [name, { vhosts: Object.fromEntries(u.permissions) }]),
      ),
    /** Whether `user` logs in with `password` and may declare and consume `queue` in `vhost`. */
    mayConsume: (user: string, password: string, vhost: string, queue: string): boolean => {
      const u = users.get(user);
      const p = u?.permissions.get(vhost);
      if (u === undefined || u.password !== password || p === undefined) return false;
      const matches = (pattern: string) => {
        try {
          return new RegExp(pattern).test(queue);
        } catch {
          return false;
        }
      };
      return matches(p.configure) && matches(p.read);
    },
    run: (parsed: ParsedCommand): ExecOutput => {
      const [name = '', second = ''] = parsed.positionals;
      switch (parsed.command) {
        case 'list_users': {
          const rows = [...users].reverse().map(([user, u]) => ({ user, tags: u.tags }));
          if (parsed.values.get('--formatter') === 'json')
            return ok(`[\n${rows.map((r, i) => `${i === 0 ? '' : ','}${JSON.stringify(r)}\n`).join('')}]\n`);
          return ok(
            render(
              parsed,
              'Listing users ...',
              rows.map((r) => `${r.user}\t[${r.tags.join(', ')}]`),
              ['user', 'tags'],
            ),
          );
        }
        case 'add_user': {
          const banner = `Adding user "${name}" ...\n`;
          if (users.has(name))
            return { stdout: banner, stderr: `Error:\nUser "${name}" already exists\n`, exitCode: 70 };
          users.set(name, { password: second, tags: [], permissions: new Map() });
          return ok(
            `${banner}Done. Don't forget to grant the user permissions to some virtual hosts! See 'rabbitmqctl help set_permissions' to learn more.\n`,
          );
        }
        case 'change_password': {
          const banner = `Changing password for user "${name}" ...\n`;
          const user = users.get(name);
          if (user === undefined) return noUser(banner, name, true);
          user.password = second;
          return ok(banner);
        }
        case 'set_permissions': {
          const vhost = parsed.values.get('-p') ?? parsed.values.get('--vhost') ?? '/';
          const banner = `Setting permissions for user "${name}" in vhost "${vhost}" ...\n`;
          if (!options.vhosts.includes(vhost) && vhost !== '/')
            return {
              stdout: banner,
              stderr: `Error:\nVirtual host '${vhost}' does not exist\n`,
              exitCode: 65,
            };
          const user = users.get(name);
          if (user === undefined) return noUser(banner, name, false);
          const [, configure = '', write = '', read = ''] = parsed.positionals;
          user.permissions.set(vhost, { configure, write, read });
          return ok(banner);
        }
        default:
          throw new Error(`not a user command: ${parsed.command}`);
      }
    },
  };
};

export type Users = ReturnType<typeof createUsers>;
