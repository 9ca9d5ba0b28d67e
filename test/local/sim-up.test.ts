// `failover sim up` keeps a simulated environment running for the break-glass commands: the
// kubeconfig and environment file it writes let `failover check` and `failover run` reach the
// simulated clusters and Route 53 through the same clients as real ones (the AWS SDK reads
// AWS_ENDPOINT_URL_ROUTE_53), and a run moves the simulated traffic.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../local/cli.js';
import { simUp, startSimEnvironment, type SimEnvironment } from '../../local/sim-up.js';

const standbyPlan = 'examples/plans/rabbitmq-standby.yaml';
const rocketmqPlan = 'examples/plans/rocketmq-controller.yaml';

const lines = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
};

const cli = async (...argv: string[]) => {
  const { io, out, err } = lines();
  const code = await main(argv, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
};

let dir: string;
let environment: SimEnvironment | undefined;
const saved = { ...process.env };

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sim-up-test-'));
});
afterEach(async () => {
  await environment?.stop();
  environment = undefined;
  process.env = { ...saved };
  await rm(dir, { recursive: true, force: true });
});

/** As `source FILE` would, in this process. */
const source = async (file: string) => {
  const text = await readFile(file, 'utf8');
  for (const [, name, value] of text.matchAll(/^export (\w+)=(\S+)$/gm)) process.env[name!] = value!;
};

test('check, a dry run and a break-glass run against the simulated environment, through the written kubeconfig and environment', async () => {
  const { io } = lines();
  environment = await startSimEnvironment({ planFile: standbyPlan, dir }, io);
  expect(environment).toBeDefined();
  await source(environment!.envFile);
  expect(process.env.AWS_ENDPOINT_URL_ROUTE_53).toBe(environment!.route53.url);
  expect(process.env.KUBECONFIG).toBe(environment!.kubeconfig);
  // The plan names two contexts: they are the kubeconfig's, so no flag is needed.
  expect(environment!.contexts).toEqual({ upstream: 'site-a', downstream: 'site-b' });
  expect(environment!.contextFlags).toEqual([]);

  const check = await cli('check', standbyPlan);
  expect(check.code).toBe(0);
  expect(check.out).toMatch(/READY: \d+\/\d+ checks passed/);

  const dryRun = await cli('run', standbyPlan, '--dry-run');
  expect(dryRun.code).toBe(0);
  expect(dryRun.out).toMatch(/pass {2}dns-change:amqp\.orders\.example\.com .*may be changed/);
  expect(dryRun.out).toContain('Dry run: nothing was changed. The standby is ready.');
  const [record] = environment!.simulation.dns.records().values();
  expect(record!.values).toEqual(['upstream-cluster.site-a.orders.example.com']);

  const run = await cli('run', standbyPlan, '--reason', 'trying break-glass');
  expect([run.code, run.err]).toEqual([0, '']);
  expect(run.out).toContain('SUCCEEDED');
  expect([...environment!.simulation.dns.records().values()]).toEqual([
    { values: ['downstream-cluster.site-b.orders.example.com'], ttl: 60 },
  ]);
  expect(environment!.simulation.state().downstream.promoted).toBe(true);
}, 120_000);

test('a plan with one context for both sites gets a context per simulated site, and the commands say which flags to pass', async () => {
  const { io, out } = lines();
  let stop: () => void = () => undefined;
  const running = simUp(
    { planFile: rocketmqPlan, dir },
    io,
    new Promise<void>((resolve) => (stop = resolve)),
  );
  // simUp prints the way to use it once everything listens.
  while (!out.some((l) => l.startsWith('Ctrl-C'))) await new Promise((r) => setTimeout(r, 50));
  const flags = '--upstream-context sim-upstream --context sim-downstream';
  expect(out).toContain(`  failover check ${rocketmqPlan} ${flags}`);
  expect(out).toContain(`  failover run ${rocketmqPlan} --dry-run ${flags}`);
  expect(out).toContain(`  source ${join(dir, 'env')}`);
  await source(join(dir, 'env'));
  const check = await cli('check', rocketmqPlan, ...flags.split(' '));
  expect([check.code, check.out]).toEqual([0, expect.stringMatching(/READY/)]);
  stop();
  expect(await running).toBe(0);
  expect(out.join('\n')).toMatch(/Stopping\. The zone held:\n {2}Z\w+\/[\w.]+\/\w+ -> /);
}, 120_000);

test('a bad plan is bad input, and nothing is started', async () => {
  const result = await cli('sim', 'up', '--plan', 'examples/plans/missing.yaml', '--dir', dir);
  expect(result.code).toBe(2);
  expect(result.err).toMatch(/examples\/plans\/missing\.yaml/);
});
