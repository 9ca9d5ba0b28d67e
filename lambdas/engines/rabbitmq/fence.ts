// Fencing a RabbitMQ cluster that is about to stop being the primary: no client may write to it
// once the standby is promoted, or messages land on both sides. Per vhost: allow no new
// connections (`max-connections` 0), close the open ones on every node, and verify both.
// Shared by the RabbitMQ engines. Outputs as rabbitmqctl 3.10 prints them; output that is not
// one of them fails the verification (UnexpectedOutputError), never passes for "no connections".
import { TransientError, UnreachableError, errorMessage } from '../../errors.js';
import type { EffectEvent } from '../../ports/journal.js';
import { shellCommand } from '../../text/shell-quote.js';
import { jsonArray, UnexpectedOutputError } from '../command-output.js';
import type { FenceResult, StepContext } from '../engine.js';
import { parseTable } from '../table-output.js';
import { rabbitClusterPresence, serverPods, type RabbitAccess } from './cluster-access.js';

const verifyAttempts = 5;
const verifyPauseMs = 500;
/** A lost site fails every attempt; a struggling one answers again within these. */
const reachAttempts = 3;
const reachPauseMs = 1_000;

// Every fence command (and every command lifting a fence) is safe to repeat (it reads before it
// writes), so a failed one is retried by the workflow rather than halting it.
export const runFenceCommand = async (access: RabbitAccess, pod: string, command: string[]) => {
  const result = await access.kube.exec(access.namespace, pod, command, {
    container: access.container,
    timeoutMs: 30_000,
  });
  if (result.exitCode !== 0)
    throw new TransientError(
      `\`${shellCommand(command)}\` in ${pod} exited ${result.exitCode}: ${(result.stderr || result.stdout).trim().slice(0, 300)}`,
    );
  return result.stdout;
};

/** The fence's commands; lifting it, reprotect and the shovels' promotion read vhosts with the same. */
export const vhostAccessCommands = {
  limits: (vhost: string) => ['rabbitmqctl', 'list_vhost_limits', '-p', vhost],
  /** `set_vhost_limits` replaces the vhost's whole limit map. */
  setLimits: (vhost: string, limits: Record<string, number>) => [
    'rabbitmqctl',
    'set_vhost_limits',
    '-p',
    vhost,
    JSON.stringify(limits),
  ],
  clearLimits: (vhost: string) => ['rabbitmqctl', 'clear_vhost_limits', '-p', vhost],
  /** Every node lists the whole cluster's connections. */
  connections: ['rabbitmqctl', 'list_connections', 'vhost', 'name', 'user', '--formatter', 'json'],
  connectionPids: ['rabbitmqctl', 'list_connections', 'pid', 'vhost', 'user', '-q'],
};

/** The upstream's Ready server pods, or undefined when its API cannot be reached at all. */
const reachablePods = async (
  ctx: StepContext,
  access: RabbitAccess,
): Promise<{ pods?: string[]; error?: string }> => {
  let error = '';
  for (let attempt = 1; attempt <= reachAttempts; attempt++) {
    try {
      const all = await serverPods(access.kube, access.namespace, access.cluster);
      // The API answered: no pod at all is a wrong plan, not a lost site (throws Misconfigured).
      if (all.length === 0) await rabbitClusterPresence('upstream', access);
      const pods = all.filter((p) => p.ready).map((p) => p.name);
      if (pods.length > 0) return { pods };
      error = 'no Ready server pod';
    } catch (err) {
      // An API that answers with an error is reachable: the workflow retries the step.
      if (!(err instanceof UnreachableError)) throw err;
      error = errorMessage(err);
    }
    if (attempt < reachAttempts) await ctx.clock.sleep(reachPauseMs);
  }
  return { error };
};

/**
 * The fence records the `max-connections` it replaced (`... (was N)` or `(was unlimited)`); the
 * vhost's other limits it leaves as they were.
 */
const limitsBeforeFence = (
  vhost: string,
  now: Record<string, number>,
  earlier: EffectEvent[],
): Record<string, number> => {
  if (now['max-connections'] !== 0) return now;
  const done = earlier.findLast(
    (e) => e.phase === 'done' && e.action.startsWith(`fenced vhost ${vhost}: max-connections 0 (was `),
  );
  const was = done && /\(was ([^)]+)\)$/.exec(done.action)?.[1];
  if (was === undefined) return now;
  const { 'max-connections': _fenced, ...others } = now;
  return was === 'unlimited' ? others : { ...others, 'max-connections': Number(was) };
};

/**
 * `list_vhost_limits` prints a banner, then the limits as one JSON object, or nothing more when
 * the vhost has none. Anything else throws UnexpectedOutputError: read as "no limits", it would
 * pass an open vhost for fenced, or let the fence replace limits the vhost has.
 */
export const parseVhostLimits = (vhost: string, output: string): Record<string, number> => {
  const lines = output
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const banner = lines.filter((l) => l.startsWith('Listing limits for vhost '));
  const body = lines.filter((l) => !banner.includes(l));
  if (body.length === 0 && banner.length === 1) return {};
  let limits: unknown;
  try {
    limits = body.length === 1 ? JSON.parse(body[0]!) : undefined;
  } catch {
    limits = undefined;
  }
  if (
    typeof limits !== 'object' ||
    limits === null ||
    Array.isArray(limits) ||
    !Object.values(limits).every((v) => typeof v === 'number')
  ) {
    throw new UnexpectedOutputError(vhostAccessCommands.limits(vhost), output);
  }
  return limits as Record<string, number>;
};

/** `list_connections vhost name user --formatter json`: a JSON array (`[` and `]` when none is open), or UnexpectedOutputError. */
export const parseConnections = (output: string): Array<{ vhost: string; name: string; user?: string }> =>
  jsonArray(vhostAccessCommands.connections, output).map((row) => {
    const { vhost, name, user } = row;
    if (typeof vhost !== 'string' || typeof name !== 'string')
      throw new UnexpectedOutputError(vhostAccessCommands.connections, output);
    return { vhost, name, ...(typeof user === 'string' ? { user } : {}) };
  });

/**
 * `list_connections pid vhost user -q`: `-q` drops the banner, not the header, so no open
 * connection is the header alone. Anything else (no header, a row missing a cell) throws
 * UnexpectedOutputError.
 */
export const parseConnectionPids = (output: string): Array<{ pid: string; vhost: string; user: string }> => {
  const rows = parseTable(output, ['pid', 'vhost', 'user']);
  if (rows === undefined || rows.some((r) => !r['pid'] || !r['vhost'] || !r['user']))
    throw new UnexpectedOutputError(vhostAccessCommands.connectionPids, output);
  return rows.map((r) => ({ pid: r['pid']!, vhost: r['vhost']!, user: r['user']! }));
};

export interface FenceOptions {
  /**
   * Users whose connections stay open: a shovel pulling the upstream's backlog to the downstream
   * must keep draining after clients are fenced out, or confirmed messages are stranded. New
   * connections stay refused for them too (the limit is per vhost), so one that drops is not back.
   */
  spareUsers?: string[];
}

export const fenceRabbitVhosts = async (
  ctx: StepContext,
  access: RabbitAccess,
  vhosts: string[],
  options: FenceOptions = {},
): Promise<FenceResult> => {
  const spare = options.spareUsers ?? [];
  const target = `${access.namespace}/${access.cluster}`;
  const { pods, error } = await reachablePods(ctx, access);
  if (!pods) {
    return {
      state: 'unreachable',
      summary: `${target} could not be reached after ${reachAttempts} attempts (${error}): clients there cannot be verified to be stopped`,
      detail: { error },
      lift: [],
    };
  }
  const first = pods[0]!;
  const perVhost = [];
  const earlier = await ctx.earlierEffects();
  for (const vhost of vhosts) {
    const now = parseVhostLimits(
      vhost,
      await runFenceCommand(access, first, vhostAccessCommands.limits(vhost)),
    );
    // A retry finds the vhost fenced by an earlier attempt: the limits to restore are the ones that attempt saw.
    const before = limitsBeforeFence(vhost, now, earlier);
    // set_vhost_limits replaces the vhost's whole limit map: keep the others as they were.
    if (before['max-connections'] !== 0) {
      await ctx.act(
        `fence vhost ${vhost}: max-connections 0`,
        target,
        () =>
          runFenceCommand(
            access,
            first,
            vhostAccessCommands.setLimits(vhost, { ...before, 'max-connections': 0 }),
          ),
        () => `fenced vhost ${vhost}: max-connections 0 (was ${before['max-connections'] ?? 'unlimited'})`,
      );
    }
    const closedCount = await ctx.act(
      `close the client connections of vhost ${vhost}`,
      target,
      () =>
        spare.length > 0 ? closeAllBut(ctx, access, first, vhost, spare) : closeAll(ctx, access, pods, vhost),
      (closed) => (closed > 0 ? `closed ${closed} client connections of vhost ${vhost}` : undefined),
    );
    const restore = { ...before };
    delete restore['max-connections'];
    perVhost.push({
      vhost,
      limitsBefore: before,
      closedConnections: closedCount,
      lift: shellCommand(
        Object.keys(restore).length === 0 && before['max-connections'] === undefined
          ? vhostAccessCommands.clearLimits(vhost)
          : vhostAccessCommands.setLimits(vhost, before),
      ),
    });
  }
  const remaining = await verifyFenced(ctx, access, pods, vhosts, spare);
  if (remaining.length > 0)
    throw new TransientError(`fence of ${target} not verified: ${remaining.join('; ')}`);
  return {
    state: 'fenced',
    summary: `${target} fenced: ${perVhost.map((v) => `${v.vhost} max-connections 0, ${v.closedConnections} connections closed`).join('; ')}; verified no client connection remains${spare.length > 0 ? ` (connections of ${spare.join(', ')} kept open to drain)` : ''}`,
    detail: { pods, vhosts: perVhost, ...(spare.length > 0 ? { spareUsers: spare } : {}) },
    lift: perVhost.map((v) => `in any ${access.cluster} pod: ${v.lift}`),
  };
};

const closeReason = (ctx: StepContext) => `failover ${ctx.plan.name}: this cluster is fenced`;

// Without --global, close_all_connections acts on the node it runs on: run it on every node.
const closeAll = async (
  ctx: StepContext,
  access: RabbitAccess,
  pods: string[],
  vhost: string,
): Promise<number> => {
  const closed = await Promise.all(
    pods.map(async (pod) =>
      Number(
        /Closed (\d+) connections/.exec(
          await runFenceCommand(access, pod, [
            'rabbitmqctl',
            'close_all_connections',
            '-p',
            vhost,
            closeReason(ctx),
          ]),
        )?.[1] ?? 0,
      ),
    ),
  );
  return closed.reduce((a, b) => a + b, 0);
};

/** `list_connections` lists the whole cluster's; `close_connection` takes any node's pid and is a no-op on a closed one. */
const closeAllBut = async (
  ctx: StepContext,
  access: RabbitAccess,
  pod: string,
  vhost: string,
  spare: string[],
): Promise<number> => {
  const rows = parseConnectionPids(await runFenceCommand(access, pod, vhostAccessCommands.connectionPids));
  const closing = rows.filter((r) => r.vhost === vhost && !spare.includes(r.user));
  for (const row of closing)
    await runFenceCommand(access, pod, ['rabbitmqctl', 'close_connection', row.pid, closeReason(ctx)]);
  return closing.length;
};

/** What still lets clients write: a vhost without the limit, or a connection still open. */
const verifyFenced = async (
  ctx: StepContext,
  access: RabbitAccess,
  pods: string[],
  vhosts: string[],
  spare: string[],
): Promise<string[]> => {
  let remaining: string[] = [];
  for (let attempt = 1; attempt <= verifyAttempts; attempt++) {
    const limits = await Promise.all(
      vhosts.map(
        async (v) =>
          [
            v,
            parseVhostLimits(v, await runFenceCommand(access, pods[0]!, vhostAccessCommands.limits(v))),
          ] as const,
      ),
    );
    const connections = (
      await Promise.all(
        pods.map(async (p) =>
          parseConnections(await runFenceCommand(access, p, vhostAccessCommands.connections)),
        ),
      )
    ).flat();
    remaining = [
      ...limits
        .filter(([, l]) => l['max-connections'] !== 0)
        .map(([v]) => `vhost ${v} still accepts connections`),
      ...connections
        .filter((c) => vhosts.includes(c.vhost) && !spare.includes(c.user ?? ''))
        .map((c) => `connection ${c.name} still open on ${c.vhost}`),
    ];
    if (remaining.length === 0) return [];
    await ctx.clock.sleep(verifyPauseMs);
  }
  return remaining;
};
