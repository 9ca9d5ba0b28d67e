// `failover plan discover`: reads both clusters through their kubeconfig contexts and writes a
// starting plan — every field it could read from them, with where it read it, and a placeholder
// marked `fill in` for each it could not (the DNS names clients use, the alarms, the approvers).
// The draft is checked against the plan schema before it is written, so it validates and drills
// as written; it reads only and changes nothing.
import { writeFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { kubeConfigFromContext } from '../../lambdas/adapters/kube/kube-config.js';
import { BadInputError } from '../../lambdas/errors.js';
import { packageFile } from '../../lambdas/package-files.js';
import { planJsonSchemaFile } from '../../lambdas/plan/json-schema.js';
import { parsePlanYaml, PlanError } from '../../lambdas/plan/load-plan.js';
import type { Side } from '../../lambdas/plan/schema.js';
import { exitCodes, reportBadInput, terminalIo, type Io } from '../io.js';
import { clusterReader, type ClusterReader } from './cluster-reader.js';
import { fillIn, found, renderDraft, under, type Draft } from './draft.js';
import type { EngineDiscovery } from './engine-discovery.js';
import { discoverRabbitmqShovel } from './rabbitmq-shovel.js';
import { discoverRabbitmqStandby } from './rabbitmq-standby.js';

/** The engines discovery can recognise, tried in this order. */
export const discoverableEngines = {
  'rabbitmq-standby': discoverRabbitmqStandby,
  'rabbitmq-shovel': discoverRabbitmqShovel,
} as const satisfies Record<
  string,
  (readers: Record<Side, ClusterReader>) => Promise<EngineDiscovery | string>
>;

export type DiscoverableEngine = keyof typeof discoverableEngines;
export const discoverableEngineTypes = Object.keys(discoverableEngines) as DiscoverableEngine[];

export interface DiscoverOptions {
  upstreamContext: string;
  /** The downstream's context. */
  context: string;
  kubeconfig?: string;
  engine?: DiscoverableEngine;
  /** The plan's name; default: after what was found. */
  name?: string;
  /** Default: stdout. */
  outFile?: string;
}

// The schema ships with the package: found from it, from the sources and compiled alike.
const SCHEMA_FILE = packageFile(planJsonSchemaFile);

/** A plan name from a cluster's: lower case, letters, digits and dashes. */
const planNameFrom = (base: string) =>
  base
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40) || 'discovered';

/** `arn:aws:eks:REGION:ACCOUNT:cluster/NAME`, the context name `aws eks update-kubeconfig` writes. */
const eksOf = (context: string) => {
  const arn = /^arn:aws[a-z-]*:eks:([a-z0-9-]+):\d{12}:cluster\/([A-Za-z0-9][A-Za-z0-9_-]*)$/.exec(context);
  return arn ? { name: arn[2]!, region: arn[1]! } : undefined;
};

/** The parts every engine shares: the clusters as given, and what no cluster can tell. */
const commonDraft = (options: DiscoverOptions, found_: EngineDiscovery): Draft => {
  const name = options.name ?? planNameFrom(found_.name);
  const clusters = Object.fromEntries(
    (['upstream', 'downstream'] as const).map((side) => {
      const context = side === 'upstream' ? options.upstreamContext : options.context;
      const eks = eksOf(context);
      return [side, { ...(eks ? { eks } : {}), context }];
    }),
  );
  return {
    plan: {
      name,
      description: `Discovered from kubeconfig contexts ${options.upstreamContext} (upstream) and ${options.context} (downstream).`,
      engine: found_.engine,
      clusters,
      dns: {
        hostedZoneId: 'Z0000000000000000000',
        records: [
          {
            name: `${name}.example.com`,
            type: 'CNAME',
            ttl: 60,
            upstream: `${name}.upstream.example.com`,
            downstream: `${name}.downstream.example.com`,
          },
        ],
      },
      triggers: { alarms: [{ name: `${name}-upstream-unhealthy` }] },
      thresholds: { maxReplicationLagSeconds: 60, settleSeconds: 60 },
      gate: { approval: 'always', timeoutMinutes: 30, onTimeout: 'abort', approvers: [] },
    },
    notes: [
      ...under(['engine'], found_.notes),
      ...(['upstream', 'downstream'] as const).flatMap((side) =>
        eksOf(clusters[side]!.context)
          ? [found(['clusters', side, 'eks'], 'from the context, an EKS cluster ARN')]
          : [],
      ),
      ...(['upstream', 'downstream'] as const).flatMap((side) =>
        eksOf(clusters[side]!.context)
          ? []
          : [
              fillIn(
                ['clusters', side, 'eks'],
                '{ name, region } of the EKS cluster, for the deployed workflow',
              ),
            ],
      ),
      fillIn(['dns', 'hostedZoneId'], 'the Route 53 hosted zone of the name clients use'),
      fillIn(['dns', 'records', 0, 'name'], 'the name clients connect to'),
      fillIn(['dns', 'records', 0, 'upstream'], 'what it points at now (the upstream)'),
      fillIn(['dns', 'records', 0, 'downstream'], 'what it points at after a failover (the downstream)'),
      fillIn(
        ['triggers', 'alarms', 0, 'name'],
        'an existing CloudWatch alarm on the upstream, or define one (docs/plan.md)',
      ),
      fillIn(
        ['thresholds', 'maxReplicationLagSeconds'],
        'the RPO bound: past it, a failover promotes only with a recorded human decision',
      ),
      fillIn(['gate', 'approvers'], 'who may approve: group:NAME, user:NAME or an IAM role ARN'),
    ],
  };
};

export const planDiscover = async (options: DiscoverOptions, stdout: Io): Promise<number> => {
  // With the plan on stdout, everything else goes to stderr.
  const io = options.outFile === undefined ? { out: stdout.err, err: stdout.err } : stdout;
  let readers: Record<Side, ClusterReader>;
  try {
    if (options.upstreamContext === options.context)
      throw new BadInputError(
        `--upstream-context and --context both name ${options.context}: discovery needs each site's own cluster`,
      );
    readers = {
      upstream: clusterReader(
        kubeConfigFromContext(options.upstreamContext, options.kubeconfig),
        `upstream (context ${options.upstreamContext})`,
      ),
      downstream: clusterReader(
        kubeConfigFromContext(options.context, options.kubeconfig),
        `downstream (context ${options.context})`,
      ),
    };
  } catch (err) {
    return reportBadInput(err, io);
  }
  const tty = terminalIo(io);
  const engines = options.engine
    ? [options.engine]
    : (Object.keys(discoverableEngines) as DiscoverableEngine[]);
  const notFound: string[] = [];
  let discovery: EngineDiscovery | undefined;
  for (const engine of engines) {
    tty.out(`Looking for ${engine} ...`);
    const result = await discoverableEngines[engine](readers);
    if (typeof result !== 'string') {
      discovery = result;
      break;
    }
    notFound.push(`${engine}: ${result}`);
  }
  if (!discovery) {
    tty.out('Found no pair this command can draft a plan for:');
    notFound.forEach((line) => tty.out(`  ${line}`));
    tty.out('A rocketmq-controller plan starts from examples/plans/rocketmq-controller.yaml.');
    return exitCodes.haltedSafely;
  }

  const draft = commonDraft(options, discovery);
  const target = options.outFile === undefined ? process.cwd() : dirname(resolve(options.outFile));
  const text = renderDraft(draft, [
    `yaml-language-server: $schema=${relative(target, SCHEMA_FILE)}`,
    `Drafted by failover plan discover on ${new Date().toISOString().slice(0, 10)}. Lines marked "fill in" hold`,
    'placeholders: replace them, then check with failover validate and failover drill.',
  ]);
  let valid = true;
  try {
    parsePlanYaml(text, options.outFile ?? 'the drafted plan');
  } catch (err) {
    if (!(err instanceof PlanError)) throw err;
    // What the clusters hold does not make a valid plan (a name too long, say): written anyway, with why.
    valid = false;
    tty.out('The draft does not validate yet:');
    err.problems.forEach((p) => tty.out(`  ${p}`));
  }
  if (options.outFile === undefined) stdout.out(text.trimEnd());
  else await writeFile(options.outFile, text);
  const fills = draft.notes.filter((n) => n.kind === 'fill-in').length;
  tty.out(
    `Drafted a ${discovery.engine.type} plan${options.outFile ? ` in ${options.outFile}` : ''}: ${fills} placeholders to fill in.`,
  );
  return valid ? 0 : exitCodes.haltedSafely;
};
