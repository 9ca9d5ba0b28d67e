// `failover plan discover` against the simulated environment, through kubeconfig contexts as
// against real clusters: the draft holds what the clusters tell (compared with the plan the
// simulation was built from), marks every placeholder, validates and drills as written.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../local/cli.js';
import { drill } from '../../local/drill.js';
import { startSimEnvironment, type SimEnvironment } from '../../local/sim-up.js';
import { loadPlan } from '../../lambdas/plan/load-plan.js';

let dir: string;
let environment: SimEnvironment | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'plan-discover-test-'));
});
afterEach(async () => {
  await environment?.stop();
  environment = undefined;
  await rm(dir, { recursive: true, force: true });
});

const quiet = () => {
  const lines: string[] = [];
  return { io: { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) }, lines };
};

const simulate = async (planFile: string) => {
  environment = await startSimEnvironment({ planFile, dir: join(dir, 'sim') }, quiet().io);
  return environment!;
};

const discover = async (env: SimEnvironment, ...more: string[]) => {
  const { io, lines } = quiet();
  const out = join(dir, 'discovered.yaml');
  const code = await main(
    [
      'plan',
      'discover',
      '--upstream-context',
      env.contexts.upstream,
      '--context',
      env.contexts.downstream,
      '--kubeconfig',
      env.kubeconfig,
      '--out',
      out,
      ...more,
    ],
    io,
  );
  return { code, out, output: lines.join('\n') };
};

const drillsAsWritten = async (planFile: string) => {
  const { io, lines } = quiet();
  const result = await drill({ planFile, gate: 'approve' }, io);
  expect([result.exitCode, lines.find((l) => l.startsWith('Outcome'))]).toEqual([
    0,
    expect.stringContaining('SUCCEEDED'),
  ]);
};

test('a Warm Standby pair: the replication resources, vhosts and endpoints as the clusters hold them; a plan that drills', async () => {
  const env = await simulate('examples/plans/rabbitmq-standby.yaml');
  const { code, out, output } = await discover(env);
  expect([code, output]).toEqual([
    0,
    expect.stringMatching(/Drafted a rabbitmq-standby plan .*: \d+ placeholders to fill in/),
  ]);
  const drafted = await loadPlan(out);
  const example = env.plan;
  const engine = (p: typeof example) =>
    p.engine as Extract<typeof example.engine, { type: 'rabbitmq-standby' }>;
  expect(drafted.name).toBe('upstream-cluster');
  expect(drafted.engine.type).toBe('rabbitmq-standby');
  expect(engine(drafted).downstream).toMatchObject({
    namespace: engine(example).downstream.namespace,
    rabbitmqCluster: engine(example).downstream.rabbitmqCluster,
    standbyReplication: engine(example).downstream.standbyReplication,
    schemaReplication: engine(example).downstream.schemaReplication,
    upstreamSecret: engine(example).downstream.upstreamSecret,
  });
  expect(engine(drafted).upstream).toMatchObject({
    namespace: engine(example).upstream.namespace,
    rabbitmqCluster: engine(example).upstream.rabbitmqCluster,
    replicationEndpoints: engine(example).upstream.replicationEndpoints,
  });
  expect(engine(drafted).vhosts).toEqual(engine(example).vhosts);
  expect(drafted.clusters).toEqual({ upstream: { context: 'site-a' }, downstream: { context: 'site-b' } });

  const text = await readFile(out, 'utf8');
  expect(text).toMatch(/^# yaml-language-server: \$schema=.*schema\/plan\.schema\.json$/m);
  for (const field of [
    'hostedZoneId',
    'name',
    'upstream',
    'downstream',
    'approvers',
    'maxReplicationLagSeconds',
  ])
    expect(text).toMatch(new RegExp(`${field}:.*# fill in: |# fill in: .*\\n\\s*${field}:`));
  // Nothing the clusters told is marked as a placeholder.
  expect(text).toMatch(/standbyReplication: downstream-cluster-standby-replication\n/);
  await drillsAsWritten(out);
}, 120_000);

test('a shovel pair: every shovel with how it is declared, the user and the source, read through the pods', async () => {
  const env = await simulate('examples/plans/rabbitmq-shovel.yaml');
  const { code, out } = await discover(env);
  expect(code).toBe(0);
  const drafted = await loadPlan(out);
  const example = env.plan.engine as Extract<typeof env.plan.engine, { type: 'rabbitmq-shovel' }>;
  const engine = drafted.engine as typeof example;
  expect(drafted.name).toBe('payments');
  expect(engine.shovels.map(({ name, vhost, declaredBy }) => ({ name, vhost, declaredBy }))).toEqual(
    example.shovels.map(({ name, vhost, declaredBy }) => ({ name, vhost, declaredBy })),
  );
  expect(engine.shovelUser).toBe(example.shovelUser);
  expect(engine.upstream).toMatchObject({
    namespace: example.upstream.namespace,
    rabbitmqCluster: example.upstream.rabbitmqCluster,
  });
  expect(engine.upstream.amqpUri).toBe('amqp://payments.prod-a.payments.example.com:5672');
  expect(engine.downstream).toEqual(example.downstream);
  await drillsAsWritten(out);
}, 120_000);

test('clusters without a pair it knows: nothing is written, and it says what it looked for (exit 3)', async () => {
  const env = await simulate('examples/plans/rabbitmq-standby.yaml');
  const { code, out, output } = await discover(env, '--engine', 'rabbitmq-shovel');
  expect(code).toBe(3);
  expect(output).toContain('rabbitmq-shovel: no RabbitmqCluster on downstream (context site-b) runs shovels');
  await expect(readFile(out)).rejects.toThrow(/ENOENT/);
});

test('bad input: one context for both sites, or a context the kubeconfig does not have (exit 2)', async () => {
  const env = await simulate('examples/plans/rabbitmq-standby.yaml');
  const { io, lines } = quiet();
  expect(
    await main(
      [
        'plan',
        'discover',
        '--upstream-context',
        'site-a',
        '--context',
        'site-a',
        '--kubeconfig',
        env.kubeconfig,
      ],
      io,
    ),
  ).toBe(2);
  expect(lines.join('\n')).toContain("discovery needs each site's own cluster");
  lines.length = 0;
  expect(
    await main(
      [
        'plan',
        'discover',
        '--upstream-context',
        'site-a',
        '--context',
        'nowhere',
        '--kubeconfig',
        env.kubeconfig,
      ],
      io,
    ),
  ).toBe(2);
  expect(lines.join('\n')).toMatch(/nowhere/);
});
