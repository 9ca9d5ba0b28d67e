// `failover check PLAN`: the readiness checks from a laptop, against kubeconfig contexts that here
// point at the simulated clusters. It prints the evidence, exits 0 ready / 3 not ready / 2 bad
// input, and changes nothing.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../local/cli.js';
import type { Io } from '../../local/io.js';
import { examplePlanFile, startSim, type SimFixture } from '../sim/start-sim.js';

const kubeconfig = (fixture: SimFixture, dir: string) => {
  const file = join(dir, 'kubeconfig');
  const cluster = (name: string, server: string) =>
    `  - name: ${name}\n    cluster:\n      server: ${server}\n      insecure-skip-tls-verify: true\n`;
  const context = (name: string, clusterName: string) =>
    `  - name: ${name}\n    context:\n      cluster: ${clusterName}\n      user: operator\n`;
  writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      cluster('upstream', fixture.sim.urlOf('upstream')) +
        cluster('downstream', fixture.sim.urlOf('downstream')),
      'users:',
      '  - name: operator\n    user:\n      token: simulated\n',
      'contexts:',
      // The plan's own context names, and one more for --context.
      context('site-a', 'upstream') +
        context('site-b', 'downstream') +
        context('standby-via-vpn', 'downstream'),
      'current-context: site-b',
      '',
    ].join('\n'),
  );
  return file;
};

const check = async (...args: string[]) => {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l) };
  const code = await main(['check', ...args], io);
  return { code, out: out.join('\n'), err: err.join('\n') };
};

describe('failover check', () => {
  let fixture: SimFixture | undefined;
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'failover-check-'));
  });
  afterEach(async () => {
    await fixture?.sim.stop();
    fixture = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('exits 0 for a ready standby, printing every check with its evidence, and changes nothing', async () => {
    fixture = await startSim();
    const { code, out } = await check(examplePlanFile, '--kubeconfig', kubeconfig(fixture, dir));
    expect(code).toBe(0);
    expect(out).toContain('downstream tanzu-rabbitmq/downstream-cluster via kubeconfig context site-b');
    expect(out).toContain('upstream   vmware-rabbitmq/upstream-cluster via kubeconfig context site-a');
    for (const name of ['pods-ready', 'replication-lag']) expect(out).toMatch(new RegExp(`pass  ${name}`));
    expect(out).not.toMatch(/FAIL/);
    // The evidence, e.g. the pods and what the lag was measured against (the upstream answered).
    expect(out).toContain('name: downstream-cluster-server-0');
    expect(out).toMatch(/upstream: read from \d+ upstream pods/);
    expect(out.split('\n').at(-1)).toMatch(/^READY: (\d+)\/\1 checks passed$/);
    expect(fixture.sim.state().log.filter((e) => e.kind === 'api')).toEqual([]);
  });

  it('exits 3 when the standby would not be ready, naming what failed', async () => {
    fixture = await startSim({ clusters: { downstream: { notReadyPods: ['downstream-cluster-server-1'] } } });
    const { code, out } = await check(
      examplePlanFile,
      '--kubeconfig',
      kubeconfig(fixture, dir),
      '--context',
      'standby-via-vpn',
    );
    expect(code).toBe(3);
    expect(out).toContain(
      'downstream tanzu-rabbitmq/downstream-cluster via kubeconfig context standby-via-vpn',
    );
    expect(out).toMatch(/FAIL {2}pods-ready +not Ready: downstream-cluster-server-1/);
    expect(out.split('\n').at(-1)).toMatch(
      /^NOT READY: .*pods-ready: not Ready: downstream-cluster-server-1/,
    );
    expect(fixture.sim.state().log.filter((e) => e.kind === 'api')).toEqual([]);
  });

  it('exits 3 when the replication lag is beyond the RPO, even with the upstream out of reach', async () => {
    fixture = await startSim({ clusters: { downstream: { lagSeconds: 600 } } });
    fixture.sim.setReachable('upstream', false);
    const { code, out } = await check(examplePlanFile, '--kubeconfig', kubeconfig(fixture, dir));
    expect(code).toBe(3);
    expect(out).toMatch(/FAIL {2}replication-lag +lag \d+(\.\d)? s .* > RPO bound 60 s/);
    expect(out).toMatch(/upstream unreachable/);
  });

  it('exits 2 on bad input: an unknown context, a missing kubeconfig, a plan without a downstream context, no plan', async () => {
    fixture = await startSim();
    const file = kubeconfig(fixture, dir);
    expect(await check(examplePlanFile, '--kubeconfig', file, '--context', 'nope')).toMatchObject({
      code: 2,
      err: expect.stringContaining('kubeconfig context "nope" does not exist'),
    });
    expect(await check(examplePlanFile, '--kubeconfig', join(dir, 'missing'))).toMatchObject({
      code: 2,
      err: expect.stringContaining('cannot load'),
    });
    const noContext = join(dir, 'plan.yaml');
    writeFileSync(noContext, readFileSync(examplePlanFile, 'utf8').replace('    context: site-b\n', ''));
    expect(await check(noContext, '--kubeconfig', file)).toMatchObject({
      code: 2,
      err: `${noContext}: clusters.downstream names no kubeconfig context; pass --context C`,
    });
    expect(await check()).toMatchObject({
      code: 2,
      err: expect.stringContaining('usage: failover check PLAN'),
    });
  });
});
