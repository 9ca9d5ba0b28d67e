// The ASL file run through aws-local-stepfunctions with the real handlers against the
// simulated clusters, for every shipped scenario. Assertions read the end state of the
// simulated clusters and the DNS zone, not mocks.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  downstreamTarget,
  dnsRecord as record,
  examplePlan as plan,
  mutating,
  runDrill,
  scenario,
  upstreamTarget,
} from './run-drill.js';

describe('failover workflow (ASL file, local runner, simulated clusters)', () => {
  it('healthy: promotes once, flips DNS, tears down the links with a rolling restart, and reports the recovery time', async () => {
    const run = await runDrill({ scenarioFile: scenario('healthy') });
    expect(run.exitCode).toBe(0);
    expect(run.report?.status).toBe('SUCCEEDED');
    expect(run.state.downstream.promoted).toBe(true);
    expect(run.state.duplicatePromotions).toBe(0);
    expect(run.state.downstream.queues).toEqual([
      expect.objectContaining({ vhost: 'test-vhost-1', name: 'q1.quorum', messages: 3 }),
    ]);
    expect(run.dns?.get(record)?.values).toEqual([downstreamTarget]);
    expect(run.state.downstream.standbyReplicationExists).toBe(false);
    expect(run.state.downstream.schemaReplicationExists).toBe(false);
    expect(run.state.downstream.rabbitmqCluster!.additionalConfig).toMatch(
      /schema_definition_sync\.operating_mode = upstream/,
    );
    expect(run.state.downstream.rabbitmqCluster!.additionalConfig).toMatch(
      /standby\.replication\.operating_mode = upstream/,
    );
    expect(run.state.downstream.pods.every((p) => p.ready && p.schemaMode === 'upstream')).toBe(true);
    expect(run.state.upstream.promoted).toBe(false);

    const steps = run.report!.steps.map((s) => `${s.name}:${s.outcome}`);
    // The rolling restart is waited on by the workflow: teardown answers `waiting` and is invoked
    // again until the pods are back (steps/workflow-wait.ts); no invocation waits for it.
    expect(steps.filter((s) => s === 'teardown:waiting').length).toBeGreaterThan(0);
    const teardownRuns = run.report!.steps.filter((s) => s.name === 'teardown');
    expect(teardownRuns.at(-1)!.outcome).toBe('succeeded');
    expect(teardownRuns.at(-1)!.summary).toMatch(/restarted in upstream mode, all 3 nodes rejoined/);
    // After the gate the alarm and readiness are read again (a decision may come long after them).
    expect(steps.filter((s) => s !== 'teardown:waiting')).toEqual([
      'admit:succeeded',
      'confirm-alarm:succeeded',
      'check-dns:succeeded',
      'readiness:succeeded',
      'approval:succeeded',
      'confirm-alarm:succeeded',
      'readiness:succeeded',
      'fence:succeeded',
      'promote:succeeded',
      'verify-promotion:succeeded',
      'flip-dns:succeeded',
      'verify-dns:succeeded',
      'teardown:succeeded',
    ]);
    const verifyDnsEnd = Date.parse(run.report!.steps.find((s) => s.name === 'verify-dns')!.endedAt);
    expect(run.report!.recoveryTimeMs).toBe(verifyDnsEnd - Date.parse(run.report!.startedAt));
    expect(run.out).toContain('Outcome: SUCCEEDED');
    expect(run.out.some((l) => l.startsWith('Recovery time: '))).toBe(true);
  });

  it('lagging: halts at readiness with the lag and the bound in the failing check, and changes nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'drill-'));
    const reportFile = join(dir, 'r.json');
    const run = await runDrill({ scenarioFile: scenario('lagging'), reportFile });
    expect(run.exitCode).toBe(3);
    const report = JSON.parse(await readFile(reportFile, 'utf8'));
    expect(report.status).toBe('HALTED');
    expect(report.sideEffects).toEqual([]);
    const readiness = report.steps.find((s: { name: string }) => s.name === 'readiness');
    const lag = readiness.detail.evidence.checks.find((c: { name: string }) => c.name === 'replication-lag');
    expect(lag.passed).toBe(false);
    expect(lag.evidence.lagSeconds).toBeGreaterThanOrEqual(600);
    expect(lag.evidence.maxReplicationLagSeconds).toBe(60);
    expect(report.steps.map((s: { name: string }) => s.name)).toEqual([
      'admit',
      'confirm-alarm',
      'check-dns',
      'readiness',
    ]);

    expect(run.state.downstream.promoted).toBe(false);
    expect(run.dns?.get(record)?.values).toEqual([upstreamTarget]);
    expect(run.state.downstream.standbyReplicationExists).toBe(true);
    expect(run.state.downstream.schemaReplicationExists).toBe(true);
    expect(mutating(run.state)).toEqual([]);
  });

  it('pod-not-ready: halts naming the pod, and changes nothing', async () => {
    const run = await runDrill({ scenarioFile: scenario('pod-not-ready') });
    expect(run.exitCode).toBe(3);
    expect(run.report?.status).toBe('HALTED');
    expect(run.report?.reason).toContain('not Ready: downstream-cluster-server-1');
    expect(run.state.downstream.promoted).toBe(false);
    expect(run.dns?.get(record)?.values).toEqual([upstreamTarget]);
    expect(mutating(run.state)).toEqual([]);
  });

  it('promote-fails-once: the retry is visible in the report and promotion happens exactly once', async () => {
    const run = await runDrill({ scenarioFile: scenario('promote-fails-once') });
    expect(run.exitCode).toBe(0);
    const promotes = run.report!.steps.filter((s) => s.name === 'promote');
    expect(promotes.map((s) => [s.attempt, s.outcome])).toEqual([
      [1, 'failed'],
      [2, 'succeeded'],
    ]);
    expect(promotes[0]!.summary).toMatch(/PromotionFailed: .*exited 70/);
    expect(run.state.promotions).toBe(1);
    expect(run.state.duplicatePromotions).toBe(0);
    expect(run.dns?.get(record)?.values).toEqual([downstreamTarget]);
  });

  it('alarm-cleared: stops at confirm-alarm, changes nothing', async () => {
    const run = await runDrill({ scenarioFile: scenario('alarm-cleared') });
    expect(run.exitCode).toBe(3);
    expect(run.report?.reason).toMatch(/^AlarmCleared: alarm orders-rabbitmq-upstream-unhealthy is OK/);
    expect(run.state.log).toEqual([]);
  });

  it('--auto-reject: halts at the gate with the approver and reason, nothing changed', async () => {
    const run = await runDrill({ scenarioFile: scenario('healthy'), gate: 'reject' });
    expect(run.exitCode).toBe(3);
    expect(run.report?.status).toBe('HALTED');
    expect(run.report?.reason).toMatch(/^ApprovalRejected: rejected by failover drill --auto-reject/);
    expect(run.state.downstream.promoted).toBe(false);
    expect(mutating(run.state)).toEqual([]);
  });
});

describe('crash after acting and the live-switch teardown', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'drill-'));
  });

  it('a promote that took effect but reported failure is not repeated on retry', async () => {
    const file = join(dir, 'crash.yaml');
    await writeFile(
      file,
      'faults:\n  - { target: exec, site: downstream, command: promote_standby_replication_downstream_cluster, exitCode: 137, afterEffect: true }\n',
    );
    const run = await runDrill({ scenarioFile: file });
    expect(run.exitCode).toBe(0);
    expect(run.state.promotions).toBe(1);
    expect(run.state.duplicatePromotions).toBe(0);
    const second = run.report!.steps.filter((s) => s.name === 'promote')[1]!;
    expect(second.detail).toMatchObject({ alreadyPromoted: true });
  });

  it('live-switch: deletes the resources, disconnects the stream link, sets schema mode upstream on every pod, no restart', async () => {
    const planFile = join(dir, 'live.yaml');
    await writeFile(
      planFile,
      (await readFile(plan, 'utf8')).replace('way: rolling-restart', 'way: live-switch'),
    );
    const run = await runDrill({ planFile, scenarioFile: scenario('healthy') });
    expect(run.exitCode).toBe(0);
    expect(run.state.downstream.standbyReplicationExists).toBe(false);
    expect(run.state.downstream.schemaReplicationExists).toBe(false);
    expect(run.state.downstream.streamLinkConnected).toBe(false);
    expect(run.state.downstream.pods.map((p) => p.schemaMode)).toEqual(['upstream', 'upstream', 'upstream']);
    // No restart: the configuration still says downstream, which is why the report asks for way 1 later.
    expect(run.state.downstream.rabbitmqCluster!.generation).toBe(
      run.state.downstream.rabbitmqCluster!.observedGeneration,
    );
    expect(run.state.downstream.rabbitmqCluster!.additionalConfig).toMatch(
      /schema_definition_sync\.operating_mode = downstream/,
    );
    expect(run.report!.steps.find((s) => s.name === 'teardown')!.summary).toMatch(
      /temporary until a restart/,
    );
  });

  it.each<[string, number, string]>([
    ['on-risk', 0, 'SUCCEEDED'],
    ['never', 3, 'HALTED'],
  ])('lagging under gate %s: exit %i, %s', async (gate, exitCode, status) => {
    const planFile = join(dir, `gate-${gate}.yaml`);
    await writeFile(
      planFile,
      (await readFile(plan, 'utf8')).replace('approval: always', `approval: ${gate}`),
    );
    const run = await runDrill({ planFile, scenarioFile: scenario('lagging') });
    expect([run.exitCode, run.report?.status]).toEqual([exitCode, status]);
    expect(run.state.downstream.promoted).toBe(gate === 'on-risk');
    if (gate === 'on-risk') {
      const approval = run.report!.steps.find((s) => s.name === 'approval')!;
      expect(approval.detail).toMatchObject({
        decision: 'approved',
        acceptedRisk: [expect.stringMatching(/^replication-lag: lag 60\d(\.\d)? s .* > RPO bound 60 s$/)],
      });
    }
  });

  it('a teardown API failure after the flip ends FAILED (exit 1) with every change listed', async () => {
    const file = join(dir, 'teardown-500.yaml');
    await writeFile(
      file,
      'faults:\n  - { target: api, site: downstream, method: PATCH, resource: rabbitmqclusters, status: 403, times: 5 }\n',
    );
    const run = await runDrill({ scenarioFile: file });
    expect(run.exitCode).toBe(1);
    expect(run.report?.status).toBe('FAILED');
    expect(run.report?.reason).toMatch(/403/);
    expect(run.dns?.get(record)?.values).toEqual([downstreamTarget]);
    expect(run.report!.sideEffects.map((e) => e.action)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^promoted to upstream/),
        expect.stringMatching(/^pointed CNAME/),
        expect.stringMatching(/^deleted standbyreplications/),
      ]),
    );
  });
});
