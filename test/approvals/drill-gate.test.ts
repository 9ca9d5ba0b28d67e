// The drill's interactive gate: without --auto-approve/--auto-reject the drill stops at the gate,
// serves the console on 127.0.0.1 and prints how to decide; a decision made with the CLI
// (`failover approve|reject --endpoint`) resumes it. Assertions read what a person sees, the
// report, and the simulated clusters' end state.
import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { loadPlan } from '../../lambdas/plan/load-plan.js';
import { drillAlarmEvent } from '../../lambdas/plan/alarm-event.js';
import type { JournalPort } from '../../lambdas/ports/journal.js';
import { drillOperator, startDrillGate } from '../../local/approvals-gate.js';
import { drillEnvironment, seededCoordination } from '../../local/drill-deps.js';
import { runWorkflow } from '../../local/run-workflow.js';
import { loadScenario } from '../../sim/scenario.js';
import { startSimulation } from '../../sim/simulation.js';
import {
  dnsRecord,
  downstreamTarget,
  examplePlan,
  mutating,
  scenario,
  upstreamTarget,
} from '../workflow/run-drill.js';
import { cli, endPausedDrills, gateLine, startPausedDrill } from './paused-drill.js';

const operator = drillOperator();

afterEach(endPausedDrills);

const onRiskPlan = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gate-'));
  const file = join(dir, 'on-risk.yaml');
  await writeFile(
    file,
    (await readFile(examplePlan, 'utf8')).replace('approval: always', 'approval: on-risk'),
  );
  return file;
};

describe('failover drill without --auto-*: a person decides at the gate', () => {
  it('on-risk and lagging: pauses instead of halting, shows the lag to the CLI, and approving promotes with the accepted lag, the approver and the reason in the report', async () => {
    const paused = await startPausedDrill(await onRiskPlan(), scenario('lagging'));
    expect(paused.out).toContain(
      `    ... or: npm run failover -- approve ${paused.id} --endpoint ${paused.endpoint} --reason "..."`,
    );
    expect(paused.out).toContain(
      `    ...     npm run failover -- reject ${paused.id} --endpoint ${paused.endpoint} --reason "..."`,
    );
    expect(
      paused.out.some((l) => /^ {4}\.\.\. AT RISK: approving accepts replication-lag: lag 60\d/.test(l)),
    ).toBe(true);

    const list = await cli('approvals', 'list', '--endpoint', paused.endpoint);
    expect(list.code).toBe(0);
    expect(list.out).toContain('Waiting for a decision:');
    expect(list.out.find((l) => l.includes(paused.id))).toContain('orders-rabbitmq');
    expect(
      list.out.some((l) => /AT RISK: replication-lag: lag 60\d(\.\d)? s .* > RPO bound 60 s/.test(l)),
    ).toBe(true);

    const shown = await cli('approvals', 'show', paused.id, '--endpoint', paused.endpoint);
    expect(shown.out).toContainEqual(expect.stringMatching(/^ {2}FAIL {2}replication-lag +lag 60\d/));
    expect(shown.out).toContain('        maxReplicationLagSeconds: 60');
    expect(shown.out).toContainEqual(
      expect.stringMatching(/^ {2}2\. promote tanzu-rabbitmq\/downstream-cluster \(standby\) to upstream$/),
    );
    expect(shown.out).toContainEqual(
      expect.stringMatching(/readiness +succeeded AT RISK, a person must decide/),
    );

    const approved = await cli(
      'approve',
      paused.id,
      '--reason',
      'site A is gone; ten minutes of orders are accepted',
      '--endpoint',
      paused.endpoint,
    );
    expect(approved).toMatchObject({
      code: 0,
      out: [
        `approved ${paused.id} (plan orders-rabbitmq) as ${operator}: site A is gone; ten minutes of orders are accepted`,
        'The failover goes on.',
      ],
    });

    const run = await paused.result;
    expect([run.exitCode, run.report?.status]).toEqual([0, 'SUCCEEDED']);
    expect(run.simulation.state().downstream.promoted).toBe(true);
    expect(run.dns?.get(dnsRecord)?.values).toEqual([downstreamTarget]);
    const approval = run.report!.steps.find((s) => s.name === 'approval')!;
    expect(approval.detail).toMatchObject({
      approvalId: paused.id,
      decision: 'approved',
      approver: operator,
      reason: 'site A is gone; ten minutes of orders are accepted',
      acceptedRisk: [expect.stringMatching(/^replication-lag: lag 60\d(\.\d)? s .* > RPO bound 60 s$/)],
    });
    expect(approval.summary).toMatch(/; accepted risk: replication-lag: lag 60\d/);
  });

  it('always: rejecting with the CLI halts (exit 3) with who and why, changing nothing; an unknown id and a missing reason are bad input', async () => {
    const paused = await startPausedDrill(examplePlan, scenario('healthy'));
    expect(
      (await cli('approve', '20200101-000000-00000000', '--reason', 'x', '--endpoint', paused.endpoint)).code,
    ).toBe(2);
    const noReason = await cli('approve', paused.id, '--endpoint', paused.endpoint);
    expect([noReason.code, noReason.err.join('\n')]).toEqual([
      2,
      expect.stringContaining('--reason TEXT is required'),
    ]);

    const rejected = await cli(
      'reject',
      paused.id,
      '--reason',
      'this is a drill, not an outage',
      '--endpoint',
      paused.endpoint,
    );
    expect(rejected.out).toEqual([
      `rejected ${paused.id} (plan orders-rabbitmq) as ${operator}: this is a drill, not an outage`,
      'The failover halts; nothing was changed.',
    ]);

    const run = await paused.result;
    expect(run.exitCode).toBe(3);
    expect(run.report?.status).toBe('HALTED');
    expect(run.report?.reason).toBe(
      `ApprovalRejected: rejected by ${operator}: this is a drill, not an outage`,
    );
    expect(run.simulation.state().downstream.promoted).toBe(false);
    expect(run.dns?.get(dnsRecord)?.values).toEqual([upstreamTarget]);
    expect(mutating(run.simulation.state())).toEqual([]);
  });

  it('the local console answers only its own page and the CLI (not another Host, not a cross-site form), and one decision wins', async () => {
    const paused = await startPausedDrill(examplePlan, scenario('healthy'));
    const decision = `${paused.endpoint}/approvals/${paused.id}/decision`;
    const body = JSON.stringify({ decision: 'approve', reason: 'from elsewhere' });
    expect(
      (
        await fetch(decision, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: 'https://evil.example' },
          body,
        })
      ).status,
    ).toBe(403);
    expect(
      (await fetch(decision, { method: 'POST', headers: { 'content-type': 'text/plain' }, body })).status,
    ).toBe(415);
    // fetch may not set Host: a DNS-rebinding page would reach the port under its own name.
    const rebound = await new Promise<number>((resolve, reject) =>
      request(`${paused.endpoint}/approvals`, { headers: { host: 'rebound.example' } }, (res) =>
        resolve(res.statusCode ?? 0),
      )
        .on('error', reject)
        .end(),
    );
    expect(rebound).toBe(421);
    expect((await cli('approvals', 'show', paused.id, '--endpoint', paused.endpoint)).out[0]).toMatch(
      /pending until/,
    );

    expect(
      (await cli('approve', paused.id, '--reason', 'now from the CLI', '--endpoint', paused.endpoint)).code,
    ).toBe(0);
    // The drill goes on (fence, promote, flip, a rolling restart of seconds): still there to refuse.
    const again = await cli(
      'reject',
      paused.id,
      '--reason',
      'changed my mind',
      '--endpoint',
      paused.endpoint,
    );
    expect(again.code).toBe(1);
    expect(again.err[0]).toMatch(
      new RegExp(`^refused \\(409\\): approval ${paused.id} was already approved by `),
    );
    expect((await paused.result).report?.status).toBe('SUCCEEDED');
  });
});

describe('the gate timeout (ASL AwaitApproval)', () => {
  it('with nobody deciding, the workflow runs the plan’s onTimeout action: abort, HALTED with the timeout as the reason, nothing changed; a late decision gets 410', async () => {
    const plan = await loadPlan(examplePlan);
    const healthy = await loadScenario(scenario('healthy'), plan);
    const simulation = await startSimulation(plan, healthy);
    const out: string[] = [];
    let journal: JournalPort | undefined;
    const gate = await startDrillGate({
      journal: { listSteps: async (id) => (await journal?.listSteps(id)) ?? [] },
      io: { out: (l) => out.push(l), err: () => undefined },
    });
    try {
      const env = drillEnvironment({
        plan,
        scenario: healthy,
        simulation,
        coordination: await seededCoordination(plan, healthy),
        approvals: gate.approvals,
        progress: () => undefined,
      });
      journal = env.journal;
      // What confirm-alarm hands the ASL as the gate's timeout (the plan's minutes), made 1 s.
      const awsWorker = env.workers.AwsWorkerArn;
      const workers = {
        ...env.workers,
        AwsWorkerArn: async (event: unknown, context: Context) => {
          const result = await awsWorker(event, context);
          return (event as { step?: string }).step === 'confirm-alarm'
            ? { ...(result as object), approvalTimeoutSeconds: 1 }
            : result;
        },
      };
      const run = await runWorkflow({
        plan,
        trigger: drillAlarmEvent(plan.triggers.alarms[0]!.name, new Date()),
        workers,
        journal: env.journal,
        settleMs: 0,
        retryIntervalMs: 200,
      });

      expect(run.executionStatus).toBe('HALTED');
      expect(run.report.status).toBe('HALTED');
      expect(run.report.reason).toBe(
        'ApprovalTimedOut: no decision within the gate timeout of 1 s: the failover is aborted as the plan says (gate.onTimeout abort)',
      );
      expect(run.report.steps.map((s) => s.name)).not.toContain('promote');
      // The gate's invocation ended when the workflow stopped waiting, with no decision, as it ends
      // at once in AWS: it holds no claim Halt would wait out for the rest of the step's budget.
      const gateRecords = (await env.journal.listSteps(run.executionId)).filter((r) => r.step === 'approval');
      expect(gateRecords.map((r) => [r.outcome, r.summary])).toEqual([
        ['succeeded', expect.stringMatching(/^approval \S+ requested; waiting for an approver until /)],
      ]);
      expect(await env.journal.listClaims(run.executionId)).toEqual([]);
      expect(mutating(simulation.state())).toEqual([]);
      expect(simulation.dns.records().get(dnsRecord)?.values).toEqual([upstreamTarget]);

      const { id } = gateLine(out)!;
      const late = await cli('approve', id, '--reason', 'too late', '--endpoint', gate.consoleUrl);
      expect(late.code).toBe(1);
      expect(late.err[0]).toMatch(new RegExp(`^refused \\(410\\): approval ${id} expired at `));
    } finally {
      await gate.close();
      await simulation.stop();
    }
  });
});
