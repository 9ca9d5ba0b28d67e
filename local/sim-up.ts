// `failover sim up`: keeps a simulated environment running — an API server per site with the
// plan's engine model, and Route 53's API in front of the simulated hosted zone — and writes a
// kubeconfig and an environment file for it, so the break-glass commands (`failover check`,
// `failover run`) can be tried from another terminal exactly as they run against real clusters.
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { engineFor } from '../lambdas/engines/registry.js';
import type { Plan, Side } from '../lambdas/plan/schema.js';
import { shellCommand } from '../lambdas/text/shell-quote.js';
import { startRoute53Endpoint, type Route53Endpoint } from '../sim/route53-endpoint.js';
import { startSimulation, type Simulation } from '../sim/simulation.js';
import { exitCodes, terminalIo, type Io } from './io.js';
import { loadSimulatedInputs } from './simulated-inputs.js';

export interface SimUpOptions {
  planFile: string;
  scenarioFile?: string;
  /** Where the kubeconfig and the environment file go; default failover-sim-PLANNAME in the temp folder. */
  dir?: string;
  /** Route 53's port on 127.0.0.1; default any free port. */
  route53Port?: number;
}

export interface SimEnvironment {
  plan: Plan;
  simulation: Simulation;
  route53: Route53Endpoint;
  kubeconfig: string;
  envFile: string;
  /** The variables that point the AWS SDK at the simulated Route 53. */
  env: Record<string, string>;
  /** The kubeconfig contexts of each side. */
  contexts: Record<Side, string>;
  /** The flags `check` and `run` need besides the plan: the contexts when the plan's cannot be used. */
  contextFlags: string[];
  stop(): Promise<void>;
}

const SIDES: readonly Side[] = ['upstream', 'downstream'];

/**
 * The plan's own context names when it names two different ones, so `check PLAN` needs no flags;
 * a plan with one cluster for both sites (one context) gets a context per simulated site.
 */
const contextsFor = (plan: Plan): Record<Side, string> => {
  const { upstream, downstream } = plan.clusters;
  return upstream.context !== undefined &&
    downstream.context !== undefined &&
    upstream.context !== downstream.context
    ? { upstream: upstream.context, downstream: downstream.context }
    : { upstream: 'sim-upstream', downstream: 'sim-downstream' };
};

const kubeconfigYaml = (simulation: Simulation, contexts: Record<Side, string>) =>
  stringify({
    apiVersion: 'v1',
    kind: 'Config',
    // Plain HTTP on loopback: the client accepts http:// only with TLS verification off.
    clusters: SIDES.map((side) => ({
      name: contexts[side],
      cluster: { server: simulation.urlOf(side), 'insecure-skip-tls-verify': true },
    })),
    users: SIDES.map((side) => ({ name: contexts[side], user: { token: 'simulated' } })),
    contexts: SIDES.map((side) => ({
      name: contexts[side],
      context: { cluster: contexts[side], user: contexts[side] },
    })),
    'current-context': contexts.downstream,
  });

/** Starts the environment and writes its files; undefined on bad input (reported to `io.err`). */
export const startSimEnvironment = async (
  options: SimUpOptions,
  io: Io,
): Promise<SimEnvironment | undefined> => {
  const inputs = await loadSimulatedInputs(options.planFile, options.scenarioFile, io.err);
  if (!inputs) return undefined;
  const { plan, scenario } = inputs;
  const simulation = await startSimulation(plan, scenario);
  let route53: Route53Endpoint;
  try {
    route53 = await startRoute53Endpoint({
      zone: simulation.dns,
      hostedZoneId: plan.dns.hostedZoneId,
      ...(options.route53Port !== undefined ? { port: options.route53Port } : {}),
    });
  } catch (err) {
    await simulation.stop();
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    io.err(`--route53-port ${options.route53Port}: the port is in use; pick another or leave it out`);
    return undefined;
  }
  const contexts = contextsFor(plan);
  const dir = resolve(options.dir ?? join(tmpdir(), `failover-sim-${plan.name}`));
  const kubeconfig = resolve(dir, 'kubeconfig');
  const envFile = resolve(dir, 'env');
  const env = {
    KUBECONFIG: kubeconfig,
    AWS_ENDPOINT_URL_ROUTE_53: route53.url,
    AWS_REGION: 'us-east-1',
    // The SDK signs every request; the simulated Route 53 takes any credentials.
    AWS_ACCESS_KEY_ID: 'simulated',
    AWS_SECRET_ACCESS_KEY: 'simulated',
  };
  await mkdir(dir, { recursive: true });
  await writeFile(kubeconfig, kubeconfigYaml(simulation, contexts), { mode: 0o600 });
  await writeFile(
    envFile,
    Object.entries(env)
      .map(([k, v]) => `export ${k}=${shellCommand([v])}\n`)
      .join(''),
  );
  const named = contexts.upstream === plan.clusters.upstream.context;
  return {
    plan,
    simulation,
    route53,
    kubeconfig,
    envFile,
    env,
    contexts,
    contextFlags: named ? [] : ['--upstream-context', contexts.upstream, '--context', contexts.downstream],
    stop: async () => {
      await route53.close();
      await simulation.stop();
    },
  };
};

const printEnvironment = (plan: Plan, planFile: string, environment: SimEnvironment, io: Io) => {
  const sides = engineFor(plan).sides(plan);
  const plain = terminalIo(io);
  const failover = (...args: [string, ...string[]]) =>
    `  ${shellCommand(['failover', args[0]!, planFile, ...args.slice(1), ...environment.contextFlags])}`;
  plain.out(`Simulated environment for plan ${plan.name} (${plan.engine.type}):`);
  for (const side of SIDES)
    plain.out(
      `  ${side.padEnd(10)} ${sides[side]}: ${environment.simulation.urlOf(side)} (kubeconfig context ${environment.contexts[side]})`,
    );
  plain.out(`  Route 53   ${environment.route53.url} (hosted zone ${plan.dns.hostedZoneId})`);
  for (const r of plan.dns.records) plain.out(`             ${r.name} ${r.type} -> ${r.upstream}`);
  plain.out('');
  plain.out('In another terminal:');
  plain.out(`  source ${shellCommand([environment.envFile])}`);
  plain.out(failover('check'));
  plain.out(failover('run', '--dry-run'));
  plain.out(failover('run', '--reason', 'trying break-glass'));
  plain.out('');
  plain.out('Ctrl-C stops it.');
};

/** Runs until `until` settles (default: SIGINT or SIGTERM), then stops everything it started. */
export const simUp = async (options: SimUpOptions, io: Io, until?: Promise<unknown>): Promise<number> => {
  const environment = await startSimEnvironment(options, io);
  if (!environment) return exitCodes.badInput;
  printEnvironment(environment.plan, options.planFile, environment, io);
  await (until ??
    new Promise<void>((done) => {
      process.once('SIGINT', () => done());
      process.once('SIGTERM', () => done());
    }));
  const records = environment.simulation.dns.records();
  io.out('');
  io.out('Stopping. The zone held:');
  for (const [key, value] of records) terminalIo(io).out(`  ${key} -> ${value.values.join(', ')}`);
  await environment.stop();
  return 0;
};
