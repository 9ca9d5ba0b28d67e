// Reprotect: the side that does not serve becomes the standby of the side that does. With the
// plan oriented by the leg, the upstream serves and the shovels run on the downstream, pulling
// the upstream's queues: so they are defined on the downstream (`rabbitmqctl set_parameter
// shovel`, ack-mode on-confirm), logging in to the upstream as the plan's `shovelUser`, whose
// password reprotect sets itself (it has no other way to the credentials: the orchestrator's
// Kubernetes access creates no objects and reads no Secrets). The downstream's vhosts must
// accept the shovels' local connections, so a fence left there by the failover is lifted, as
// the DR cluster was before any failover. Reads first, changes only what is not yet right, and
// waits (bounded) until `shovel_status` shows every shovel running.
import { randomBytes } from 'node:crypto';
import { NotReadyError, TransientError, VerificationFailedError } from '../../errors.js';
import type { ActionResult, StepContext } from '../engine.js';
import {
  describeCluster,
  execIn,
  RabbitCommandError,
  runIn,
  temporaryExitCodes,
  type RabbitAccess,
} from '../rabbitmq/cluster-access.js';
import { liftRabbitFence } from '../rabbitmq/lift-fence.js';
import { parseUsers, shovelCommands, uriParts } from './commands.js';
import {
  describeDepths,
  destinationDepths,
  firstReadyPod,
  isPresent,
  readLinks,
  type Link,
} from './links.js';
import type { RabbitmqShovelPlan, ShovelSpec } from './plan.js';
import { amqpUriOf, reverseDirection, shovelledVhosts, shovelQueue, shovelResourceName } from './plan.js';
import { clusterAccess } from './resources.js';

/** A new dynamic shovel connects at once; one that cannot retries every 5 s (its reconnect-delay). */
const runningWaitMs = 120_000;
const pollMs = 1_000;

/** Where the shovels must read from: the serving side's AMQP endpoint, as the plan's shovel user. */
interface Source {
  endpoint: string;
  user: string;
}

/** What keeps a link from replicating as the plan says; empty when it does. */
const definitionProblems = (link: Link, source: Source): string[] => {
  const { spec, definition } = link;
  const queue = shovelQueue(spec);
  if (definition === undefined) return [`${spec.name} is not defined`];
  return [
    ...(definition.ackMode !== 'on-confirm'
      ? [`${spec.name} acknowledges with ${definition.ackMode}, not on-confirm`]
      : []),
    ...(definition.srcQueue !== queue
      ? [
          `${spec.name} reads ${definition.srcQueue ? `queue ${definition.srcQueue}` : definition.srcExchange ? `exchange ${definition.srcExchange}` : 'no queue'}, not ${queue}`,
        ]
      : []),
    ...((definition.destQueue ?? definition.srcQueue) !== queue
      ? [`${spec.name} writes queue ${definition.destQueue}, not ${queue}`]
      : []),
    // An operator-declared shovel takes its URI from the resource's Secret: not ours to judge.
    ...(spec.declaredBy === 'parameter' &&
    (definition.srcEndpoint !== source.endpoint || definition.srcUser !== source.user)
      ? [
          `${spec.name} reads ${definition.srcEndpoint ?? 'an unreadable URI'} as ${definition.srcUser ?? 'nobody'}, not ${source.endpoint} as ${source.user}`,
        ]
      : []),
  ];
};

const replicationProblems = (link: Link, source: Source): string[] => [
  ...(link.spec.declaredBy === 'topology-operator' && link.resource === undefined
    ? [`${link.spec.name} has no Shovel resource`]
    : []),
  ...definitionProblems(link, source),
  ...(link.status?.state === 'running'
    ? []
    : [
        `${link.spec.name} ${link.status?.state ?? 'not running'}${link.status?.terminationReason ? ` (${link.status.terminationReason})` : ''}`,
      ]),
];

export const shovelReprotect = async (
  ctx: StepContext,
  engine: RabbitmqShovelPlan,
): Promise<ActionResult> => {
  const primary = clusterAccess(ctx.kube('upstream'), engine, 'upstream');
  const standby = clusterAccess(ctx.kube('downstream'), engine, 'downstream');
  const uri = amqpUriOf(ctx.plan, engine, 'upstream');
  const endpoint = uriParts(`${uri}/`)?.endpoint;
  if (endpoint === undefined)
    throw new NotReadyError(
      `cannot read an AMQP endpoint from ${uri}: set the serving side's engine amqpUri`,
    );
  const source: Source = { endpoint, user: engine.shovelUser };

  // Shovels both ways would pass every message back and forth for ever.
  const backwards = (
    await readLinks(primary, { ...engine, shovels: reverseDirection(engine).shovels })
  ).filter(isPresent);
  if (backwards.length > 0) {
    throw new NotReadyError(
      `${describeCluster(primary)} serves but still runs the shovels of the other direction (${backwards.map((l) => l.spec.name).join(', ')}): with both directions every message would move back and forth; remove those first (a failover does, at promotion)`,
    );
  }
  const before = await readLinks(standby, engine);
  const judged = before.map((link) => ({ link, problems: replicationProblems(link, source) }));
  if (judged.every((j) => j.problems.length === 0)) {
    return {
      summary: `already replicating: ${describeRunning(before, engine, source)}; nothing changed`,
      detail: { shovels: before.map(linkDetail), changed: false },
    };
  }
  const undeclared = before.filter(
    (l) => l.spec.declaredBy === 'topology-operator' && l.resource === undefined,
  );
  if (undeclared.length > 0) {
    throw new NotReadyError(
      `${undeclared.map((l) => `Shovel ${shovelResourceName(l.spec)}`).join(', ')} must exist in ${standby.namespace} (the plan declares them by the topology operator, and this orchestrator creates no Kubernetes objects): ` +
        `apply each with spec.name, vhost, srcQueue and destQueue its queue, ackMode on-confirm, rabbitmqClusterReference ${standby.cluster} and a uriSecret whose srcUri is ${uri}/VHOST as ${engine.shovelUser}, then reprotect again; nothing was changed`,
    );
  }
  const toDefine = before.filter(
    (l) => l.spec.declaredBy === 'parameter' && definitionProblems(l, source).length > 0,
  );
  if (toDefine.length > 0 && before.some((l) => l.spec.declaredBy === 'topology-operator')) {
    throw new NotReadyError(
      `${toDefine.map((l) => l.spec.name).join(', ')} must be defined, which sets a new password for ${engine.shovelUser}, and the Shovel resources of this direction log in with the password in their uriSecret: ` +
        'declare these by Shovel resources too, or define them by hand; nothing was changed',
    );
  }
  const leftOver = await destinationDepths(standby, before);
  // Every parameter shovel logs in as the same user: a new password means defining them all again.
  const parameterLinks = before.filter((l) => l.spec.declaredBy === 'parameter');
  const credentials = toDefine.length > 0 ? await setCredentials(ctx, primary, engine) : undefined;
  const lifted = await liftRabbitFence(ctx, standby, shovelledVhosts(engine), 'downstream');
  if (credentials) {
    const pod = await firstReadyPod(standby);
    for (const link of parameterLinks)
      await defineShovel(ctx, standby, pod, link.spec, {
        uri,
        user: engine.shovelUser,
        password: credentials.password,
      });
  }
  const after = await waitReplicating(ctx, standby, engine, source);
  const unfenced = ((lifted.detail['vhosts'] ?? []) as Array<{ vhost: string; lifted: boolean }>)
    .filter((v) => v.lifted)
    .map((v) => v.vhost);
  const held = leftOver.filter((q) => q.messages > 0);
  return {
    summary:
      `${describeRunning(after, engine, source)}` +
      `${credentials ? `; ${credentials.created ? 'created' : 'set a new password for'} user ${engine.shovelUser} on ${describeCluster(primary)} (configure and read on the shovelled queues only), defined ${parameterLinks.map((l) => l.spec.name).join(', ')} with it` : ''}` +
      `${unfenced.length > 0 ? `; lifted the fence of ${unfenced.join(', ')} on ${describeCluster(standby)} (left by the failover): the shovels write there` : ''}` +
      `${held.length > 0 ? `; ${describeDepths(held)} were on ${standby.cluster} before (confirmed there and never moved): they are served again after a failback` : ''}`,
    detail: {
      shovels: after.map(linkDetail),
      before: judged.map((j) => ({ name: j.link.spec.name, problems: j.problems })),
      ...(credentials
        ? {
            shovelUser: {
              user: engine.shovelUser,
              created: credentials.created,
              permissions: credentials.permissions,
            },
          }
        : {}),
      standbyFence: lifted.detail,
      standbyQueuesBefore: leftOver,
      changed: true,
    },
  };
};

const linkDetail = (l: Link) => ({
  name: l.spec.name,
  vhost: l.spec.vhost,
  declaredBy: l.spec.declaredBy,
  state: l.status?.state ?? 'absent',
  source: l.status?.source,
  ackMode: l.definition?.ackMode,
  queue: l.definition?.srcQueue,
});

const describeRunning = (links: Link[], engine: RabbitmqShovelPlan, source: Source): string =>
  `${links.map((l) => l.spec.name).join(', ')} running on ${engine.downstream.namespace}/${engine.downstream.rabbitmqCluster} from ${engine.upstream.namespace}/${engine.upstream.rabbitmqCluster} (${source.endpoint} as ${source.user}), on-confirm`;

/** `^(a|b)$` for exactly these names. */
const exactly = (names: string[]): string =>
  `^(${[...new Set(names)].map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})$`;

interface Credentials {
  password: string;
  created: boolean;
  permissions: Array<{ vhost: string; configure: string; write: string; read: string }>;
}

/** A new random password for the shovel user on the serving side (created if absent), and its permissions. */
const setCredentials = async (
  ctx: StepContext,
  primary: RabbitAccess,
  engine: RabbitmqShovelPlan,
): Promise<Credentials> => {
  const user = engine.shovelUser;
  const target = describeCluster(primary);
  const pod = await firstReadyPod(primary);
  // Hex: nothing a URI must escape, and never a leading `-` the CLI would take for an option.
  const password = randomBytes(24).toString('hex');
  const exists = parseUsers(await runIn(primary, pod, shovelCommands.users)).includes(user);
  const created = await ctx.act(
    exists
      ? `set a new password for user ${user} (the shovels are defined again with it)`
      : `create user ${user} for the shovels`,
    target,
    async () => {
      if (!exists) {
        const result = await execIn(primary, pod, shovelCommands.addUser(user, password));
        // Created since it was listed (an earlier attempt): a new password does the same.
        if (result.exitCode === 0) return true;
        if (result.exitCode !== 70 || !/already exists/.test(result.stderr))
          throw commandError(pod, shovelCommands.addUser(user, password), result, password);
      }
      await secretExec(primary, pod, shovelCommands.changePassword(user, password), password);
      return false;
    },
    (made) =>
      made ? `created user ${user} on ${target}` : `set a new password for user ${user} on ${target}`,
  );
  const permissions = shovelledVhosts(engine).map((vhost) => {
    const queues = exactly(engine.shovels.filter((s) => s.vhost === vhost).map(shovelQueue));
    // A shovel declares its source queue (configure) and consumes it (read); it publishes nothing there.
    return { vhost, configure: queues, write: '^$', read: queues };
  });
  for (const p of permissions) {
    const command = shovelCommands.setPermissions(p.vhost, user, p);
    await ctx.act(
      `grant ${user} configure and read on ${p.read} in vhost ${p.vhost}`,
      target,
      () => runIn(primary, pod, command),
      () =>
        `set the permissions of ${user} in vhost ${p.vhost} on ${target}: configure ${p.configure}, write ${p.write}, read ${p.read}`,
    );
  }
  return { password, created, permissions };
};

/** `set_parameter` replaces a definition that differs (the shovel restarts; on-confirm loses nothing) and leaves an equal one running. */
const defineShovel = async (
  ctx: StepContext,
  standby: RabbitAccess,
  pod: string,
  spec: ShovelSpec,
  from: { uri: string; user: string; password: string },
): Promise<void> => {
  const queue = shovelQueue(spec);
  const vhost = encodeURIComponent(spec.vhost);
  const [scheme, hostPort] = from.uri.split('://') as [string, string];
  const value = JSON.stringify({
    'src-protocol': 'amqp091',
    'src-uri': `${scheme}://${encodeURIComponent(from.user)}:${encodeURIComponent(from.password)}@${hostPort}/${vhost}`,
    'src-queue': queue,
    'dest-protocol': 'amqp091',
    'dest-uri': `amqp:///${vhost}`,
    'dest-queue': queue,
    'ack-mode': 'on-confirm',
  });
  const what = `shovel ${spec.name} in vhost ${spec.vhost} (rabbitmqctl set_parameter shovel: queue ${queue} from ${from.uri} as ${from.user}, ack-mode on-confirm)`;
  await ctx.act(
    `define ${what}`,
    describeCluster(standby),
    () => secretExec(standby, pod, shovelCommands.setParameter(spec, value), from.password),
    () => `defined ${what}`,
  );
};

/** Runs a command that carries a password; a failure says what failed without it. Nothing it prints is kept. */
const secretExec = async (
  access: RabbitAccess,
  pod: string,
  command: readonly string[],
  secret: string,
): Promise<void> => {
  const result = await execIn(access, pod, command);
  if (result.exitCode !== 0) throw commandError(pod, command, result, secret);
};

const commandError = (
  pod: string,
  command: readonly string[],
  result: { exitCode: number; stdout: string; stderr: string },
  secret: string,
): Error => {
  const hide = (text: string) => text.split(secret).join('<password>');
  const error = new RabbitCommandError(pod, command.map(hide), {
    exitCode: result.exitCode,
    stdout: hide(result.stdout),
    stderr: hide(result.stderr),
  });
  if (/component shovel not found/.test(result.stderr))
    return new NotReadyError(
      `the rabbitmq_shovel plugin is not enabled where ${pod} runs (add it to the RabbitmqCluster's spec.rabbitmq.additionalPlugins): ${error.message}`,
    );
  return temporaryExitCodes.has(result.exitCode) ? new TransientError(error.message) : error;
};

const waitReplicating = async (
  ctx: StepContext,
  standby: RabbitAccess,
  engine: RabbitmqShovelPlan,
  source: Source,
): Promise<Link[]> => {
  let links: Link[] = [];
  return ctx.waitFor(
    async () => {
      links = await readLinks(standby, engine);
      const problems = links.flatMap((l) => replicationProblems(l, source));
      return problems.length === 0
        ? { done: true, value: links }
        : { done: false, state: problems.join('; ') };
    },
    {
      name: 'the shovels to run',
      timeoutSeconds: runningWaitMs / 1000,
      checkEveryMs: pollMs,
      timedOut: (state, waitedMs) =>
        new VerificationFailedError(
          `not replicating ${Math.round(waitedMs / 1000)} s after reprotect: ${state}. A shovel stays starting while it cannot log in to ${source.endpoint} as ${source.user} or its vhost on ${standby.cluster} refuses connections`,
          { shovels: links.map(linkDetail) },
        ),
    },
  );
};
