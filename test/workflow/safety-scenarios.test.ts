// Single flight, anti-flap and fencing, through the ASL file against the simulated clusters.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  downstreamTarget,
  dnsRecord,
  examplePlan,
  mutating,
  runDrill,
  scenario,
  upstreamTarget,
} from './run-drill.js';

describe('single flight and anti-flap', () => {
  it('cooldown: an alarm soon after a failover is blocked, recorded and notified; nothing changes', async () => {
    const run = await runDrill({ scenarioFile: scenario('cooldown') });
    expect([run.exitCode, run.report?.status]).toEqual([3, 'BLOCKED']);
    expect(run.report?.reason).toMatch(
      /^Blocked: blocked by cooldown: .* `failover ack orders-rabbitmq` re-arms early$/,
    );
    expect(run.out).toContain('  notification sent: [failover] orders-rabbitmq: BLOCKED');
    expect(run.state.log).toEqual([]);
    expect(run.dns?.get(dnsRecord)?.values).toEqual([upstreamTarget]);
  });

  it('already failed over: an alarm on the old upstream never starts a failback', async () => {
    const run = await runDrill({ scenarioFile: scenario('already-failed-over') });
    expect(run.report?.status).toBe('BLOCKED');
    expect(run.report?.reason).toContain('never starts a failback');
    expect(run.state.log).toEqual([]);
  });

  it('a running failover holds the lock: a second trigger is blocked without notifying, the lock stays with its owner', async () => {
    const run = await runDrill({ scenarioFile: scenario('lock-held') });
    expect(run.report?.status).toBe('BLOCKED');
    expect(run.out.filter((l) => l.includes('notification sent'))).toEqual([]);
    expect(run.lock?.owner).toBe('arn:aws:states:eu-west-1:123456789012:execution:failover:running-run');
    expect(run.state.log).toEqual([]);
  });

  it('a lock left by an execution that no longer runs is taken over, and released at the end', async () => {
    const run = await runDrill({ scenarioFile: scenario('stale-lock') });
    expect(run.report?.status).toBe('SUCCEEDED');
    expect(run.report!.steps[0]!.summary).toMatch(
      /^ungraceful failover upstream -> downstream; took over the lock of orders-rabbitmq from .*crashed-run/,
    );
    expect(run.lock).toBeUndefined();
  });

  it('every terminal path releases the lock: success, halt at readiness, halt after a change', async () => {
    for (const file of ['healthy', 'lagging', 'pod-not-ready']) {
      expect((await runDrill({ scenarioFile: scenario(file) })).lock).toBeUndefined();
    }
  });
});

describe('fencing the old upstream', () => {
  it('reachable: closes the vhost to clients, verifies it, records how to lift it, then promotes', async () => {
    const run = await runDrill({ scenarioFile: scenario('fence-upstream') });
    expect(run.report?.status).toBe('SUCCEEDED');
    expect(run.state.upstream.access.limits).toEqual({ 'test-vhost-1': { 'max-connections': 0 } });
    expect(run.state.upstream.access.connections).toEqual([]);
    const fence = run.report!.steps.find((s) => s.name === 'fence')!;
    expect(fence.summary).toContain('5 connections closed');
    expect(fence.detail).toMatchObject({
      lift: ['in any upstream-cluster pod: rabbitmqctl clear_vhost_limits -p test-vhost-1'],
    });
    // The fence comes before the promotion: never two writable primaries.
    const names = run.report!.steps.map((s) => s.name);
    expect(names.indexOf('fence')).toBeLessThan(names.indexOf('promote'));
  });

  it('unreachable with whenUnreachable halt: halts before any change', async () => {
    const run = await runDrill({ scenarioFile: scenario('upstream-unreachable') });
    expect([run.exitCode, run.report?.status]).toEqual([3, 'HALTED']);
    expect(run.report?.reason).toMatch(/^FenceUnverified: .*could not be reached.*nothing was promoted$/);
    expect(run.state.downstream.promoted).toBe(false);
    expect(mutating(run.state)).toEqual([]);
  });

  it('unreachable with whenUnreachable proceed: fails over and the report marks it ungraceful', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fence-'));
    const planFile = join(dir, 'plan.yaml');
    await writeFile(
      planFile,
      `${await readFile(examplePlan, 'utf8')}\nfencing:\n  whenUnreachable: proceed\n`,
    );
    const run = await runDrill({ planFile, scenarioFile: scenario('upstream-unreachable') });
    expect(run.report?.status).toBe('SUCCEEDED');
    expect(run.report!.steps.find((s) => s.name === 'fence')!.summary).toMatch(
      /^UNGRACEFUL: .* proceeding as allowed by the plan/,
    );
    expect(run.dns?.get(dnsRecord)?.values).toEqual([downstreamTarget]);
  });
});
