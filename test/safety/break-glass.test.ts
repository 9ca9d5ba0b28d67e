// `failover run`: the workflow from an operator's machine, through kubeconfig contexts, here
// pointed at the simulated clusters (and the simulator's zone standing in for Route 53).
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadPlan } from '../../lambdas/plan/load-plan.js';
import { breakGlass } from '../../local/break-glass.js';
import { main } from '../../local/cli.js';
import { contextsOf, kubePortsFor } from '../../local/kube-contexts.js';
import { parseScenario } from '../../sim/scenario.js';
import { startSimulation, type Simulation } from '../../sim/simulation.js';
import { mutating } from '../workflow/run-drill.js';

const planFile = 'examples/plans/rabbitmq-standby.yaml';
let simulation: Simulation;
let kubeconfig: string;

beforeEach(async () => {
  const plan = await loadPlan(planFile);
  simulation = await startSimulation(plan, parseScenario({}, 'healthy', plan));
  // The plan's contexts (site-a, site-b) in a kubeconfig of their own, pointing at the simulator.
  const entry = (name: string, side: 'upstream' | 'downstream') => ({ name, server: simulation.urlOf(side) });
  const clusters = [entry('site-a', 'upstream'), entry('site-b', 'downstream')];
  kubeconfig = join(await mkdtemp(join(tmpdir(), 'kube-')), 'config');
  await writeFile(
    kubeconfig,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: clusters.map((c) => ({ name: c.name, cluster: { server: c.server, 'insecure-skip-tls-verify': true } })),
      users: [{ name: 'operator', user: { token: 'operator-token' } }],
      contexts: clusters.map((c) => ({ name: c.name, context: { cluster: c.name, user: 'operator' } })),
      'current-context': 'site-b',
    }),
  );
});
afterEach(async () => {
  await simulation.stop();
});

const capture = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
};

const portsFor = async () => {
  const plan = await loadPlan(planFile);
  return { kube: kubePortsFor(plan, contextsOf(plan, {}), kubeconfig), dns: simulation.dns };
};

it('--dry-run runs every check, lists every change, and changes nothing', async () => {
  const { io, out } = capture();
  expect(await breakGlass({ planFile, dryRun: true, kubeconfig }, io, await portsFor())).toBe(0);
  expect(out).toEqual(expect.arrayContaining([
    expect.stringMatching(/^ {2}pass {2}replication-lag/),
    expect.stringMatching(/^ {2}- promote tanzu-rabbitmq\/downstream-cluster/),
    expect.stringMatching(/^ {2}- point CNAME amqp\.orders\.example\.com from .* to downstream-cluster\.site-b/),
    'Dry run: nothing was changed. The standby is ready.',
  ]));
  expect(mutating(simulation.state())).toEqual([]);
  expect([...simulation.dns.records().values()][0]!.values).toEqual(['upstream-cluster.site-a.orders.example.com']);
});

it('a run fails over through the same workflow and records the operator and reason', async () => {
  const { io, out } = capture();
  expect(await breakGlass({ planFile, dryRun: false, kubeconfig, reason: 'eu-west-1 control plane down, INC-42' }, io, await portsFor())).toBe(0);
  expect(out).toContain('Outcome: SUCCEEDED');
  expect(out.some((l) => /^ {2}ok {3}approval .*approved by .* \(failover run\): eu-west-1 control plane down, INC-42/.test(l))).toBe(true);
  const state = simulation.state();
  expect(state.downstream.promoted).toBe(true);
  expect(state.upstream.access.limits['test-vhost-1']).toEqual({ 'max-connections': 0 });
  expect([...simulation.dns.records().values()][0]!.values).toEqual(['downstream-cluster.site-b.orders.example.com']);
});

it('refuses a real run without a reason, and a context the kubeconfig lacks, changing nothing', async () => {
  const { io, err } = capture();
  expect(await main(['run', planFile, '--kubeconfig', kubeconfig], io)).toBe(2);
  expect(err[0]).toMatch(/^a break-glass run changes production: say why with --reason/);
  expect(await main(['run', planFile, '--kubeconfig', kubeconfig, '--context', 'site-z', '--dry-run'], io)).toBe(2);
  expect(err[1]).toMatch(/site-z/);
  expect(simulation.state().log).toEqual([]);
});
