import { readFile, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPlan, parsePlanYaml, PlanError } from '../../lambdas/plan/load-plan.js';
import { main } from '../../local/cli.js';
import type { Io } from '../../local/io.js';

const examplePlan = 'examples/plans/rabbitmq-standby.yaml';

const capture = () => {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l) };
  return { io, out, err };
};

const problemsOf = (yaml: string): string[] => {
  try {
    parsePlanYaml(yaml, 'p.yaml');
  } catch (err) {
    if (err instanceof PlanError) return err.problems;
    throw err;
  }
  return [];
};

describe('plan', () => {
  it('accepts the example plan modelled on the reference setup, with defaults filled in', async () => {
    const plan = await loadPlan(examplePlan);
    expect(plan.engine).toMatchObject({
      type: 'rabbitmq-standby',
      upstream: { namespace: 'vmware-rabbitmq', rabbitmqCluster: 'upstream-cluster' },
      downstream: {
        namespace: 'tanzu-rabbitmq',
        rabbitmqCluster: 'downstream-cluster',
        container: 'rabbitmq',
      },
      vhosts: ['test-vhost-1'],
    });
    expect(plan.dns.syncTimeoutSeconds).toBe(300);
  });

  it('names a misspelt field, a wrong type and a missing field, each with what is expected', async () => {
    const text = (await readFile(examplePlan, 'utf8'))
      .replace('maxReplicationLagSeconds: 60', 'maxReplicationLagSecs: 60')
      .replace('ttl: 60', 'ttl: sixty')
      .replace(/\ntriggers:\n( [^\n]*\n)+/, '\n');
    const problems = problemsOf(text);
    expect(problems).toEqual(
      expect.arrayContaining([
        'p.yaml: thresholds.maxReplicationLagSecs: unknown field; check its spelling and the plan reference in docs/plan.md',
        'p.yaml: thresholds.maxReplicationLagSeconds: missing; expected number',
        'p.yaml: dns.records[0].ttl: expected number, got "sixty"',
        'p.yaml: triggers: missing; expected a mapping',
      ]),
    );
    expect(problems).toHaveLength(4);
  });

  it('rejects an unknown engine and values that would make the flip a no-op', () => {
    expect(problemsOf('name: a\nengine: {type: mysql}\n')).toContain(
      'p.yaml: engine.type: unknown engine type; expected one of: rabbitmq-standby, rabbitmq-shovel, rocketmq-controller',
    );
    const text = `name: a
engine: {type: rabbitmq-standby, upstream: {namespace: a, rabbitmqCluster: b}, downstream: {namespace: c, rabbitmqCluster: d, standbyReplication: e, schemaReplication: f}, vhosts: [v]}
clusters: {upstream: {}, downstream: {context: x}}
dns: {hostedZoneId: Z1, records: [{name: amqp.example.com, upstream: same.example.com, downstream: same.example.com}]}
triggers: {alarms: [{name: x}]}
thresholds: {maxReplicationLagSeconds: 60}
`;
    expect(problemsOf(text)).toEqual([
      'p.yaml: clusters.upstream: expected `eks` (name and region) or a kubeconfig `context`, or both',
      'p.yaml: dns.records[0].downstream: upstream and downstream values are equal: the flip would change nothing',
    ]);
  });

  it('reports YAML syntax errors with line and column', () => {
    expect(problemsOf('name: a\nengine: [unclosed\n')[0]).toMatch(/^p\.yaml:\d+:\d+: not valid YAML: /);
  });
});

describe('failover validate', () => {
  it('exits 0 for a valid plan', async () => {
    const { io, out } = capture();
    expect(await main(['validate', examplePlan], io)).toBe(0);
    expect(out[0]).toContain('valid plan "orders-rabbitmq"');
  });

  it('exits 2 and lists every problem as file: path: message', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'plan-'));
    const file = join(dir, 'bad.yaml');
    await writeFile(
      file,
      (await readFile(examplePlan, 'utf8'))
        .replace('settleSeconds: 60', 'settleSeconds: -5')
        .replace('way: rolling-restart', 'way: reboot'),
    );
    const { io, err } = capture();
    expect(await main(['validate', file], io)).toBe(2);
    expect(err).toEqual([
      `${file}: engine.teardown.way: got "reboot"; expected one of: rolling-restart, live-switch`,
      `${file}: thresholds.settleSeconds: Too small: expected number to be >=0`,
    ]);
  });

  it('exits 2 naming a file that does not exist', async () => {
    const { io, err } = capture();
    expect(await main(['validate', 'nope.yaml'], io)).toBe(2);
    expect(err[0]).toBe('nope.yaml: cannot read the plan file (ENOENT); pass the path of a plan YAML file');
  });
});
