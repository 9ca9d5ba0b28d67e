// The faults that really happen, each through the whole workflow (or, for the lock, through
// Admit itself): a DNS change that never syncs, a retried Admit, work that goes on after its
// state timed out, a task delivered twice, a Lambda killed mid-step, a wrong namespace, a
// teardown command that fails among siblings, decisions that went stale. None may end unsafe.
import { createMemoryCoordination } from '../../lambdas/adapters/memory-coordination.js';
import { createMemoryJournal } from '../../lambdas/adapters/memory-journal.js';
import { TransientError } from '../../lambdas/errors.js';
import { drillAlarmEvent } from '../../lambdas/plan/alarm-event.js';
import { loadPlan } from '../../lambdas/plan/load-plan.js';
import type { Plan } from '../../lambdas/plan/schema.js';
import type { AlarmState } from '../../lambdas/ports/alarms.js';
import { systemClock } from '../../lambdas/ports/clock.js';
import { admit } from '../../lambdas/steps/admit.js';
import { MAX_LEASE_MS } from '../../lambdas/steps/lease.js';
import type { AwsDeps } from '../../lambdas/steps/step-deps.js';
import { autoApprovals } from '../../local/drill-deps.js';
import { runFaulted } from './faulted-run.js';

const downstreamTarget = 'downstream-cluster.site-b.orders.example.com';
const vhosts = Array.from({ length: 8 }, (_, i) => `vhost-${i + 1}`);
const steps = (report: { steps: Array<{ name: string; outcome: string }> }) =>
  report.steps.map((s) => `${s.name}:${s.outcome}`);
const changeActions = (report: { sideEffects: Array<{ action: string }> }) =>
  report.sideEffects.map((e) => e.action);

describe('traffic: a DNS change that never reaches INSYNC', () => {
  it('is never reported as a success, and teardown never runs', async () => {
    const r = await runFaulted({
      editPlan: (p) => void (p.dns.syncTimeoutSeconds = 1),
      scenario: { faults: [{ target: 'dns', operation: 'upsert', status: 'never-insync', times: 99 }] },
    });
    expect(r.report.status).toBe('FAILED');
    expect(r.report.reason).toMatch(/not INSYNC/);
    // Every attempt waited for its own change: none took "already pointing there" for done.
    expect(r.report.steps.filter((s) => s.name === 'flip-dns').map((s) => s.outcome)).toEqual([
      'failed',
      'failed',
      'failed',
      'failed',
      'failed',
    ]);
    expect(r.report.steps.map((s) => s.name)).not.toContain('verify-dns');
    expect(r.report.steps.map((s) => s.name)).not.toContain('teardown');
    expect(r.report.recoveryTimeMs).toBeUndefined();
    expect(r.dns).toEqual([downstreamTarget]);
    expect(changeActions(r.report)).toContainEqual(
      expect.stringMatching(/^pointed CNAME amqp\.orders\.example\.com at downstream-cluster/),
    );
    expect(r.planState.needsOperator).toMatch(/not INSYNC/);
    expect(r.notifications.map((n) => n.subject)).toEqual(['[failover] orders-rabbitmq: FAILED']);
  }, 60_000);
});

describe('traffic: Route 53 rejects the change batch of a multi-record flip', () => {
  it('leaves every record as it was, and the one intent names every record', async () => {
    const r = await runFaulted({
      editPlan: (p) =>
        void p.dns.records.push({
          name: 'amqp-v4.orders.example.com',
          type: 'A',
          ttl: 60,
          upstream: '192.0.2.10',
          downstream: '198.51.100.10',
        }),
      scenario: { faults: [{ target: 'dns', operation: 'upsert', step: 'flip-dns', status: 400 }] },
    });

    expect(r.report.status).toBe('FAILED');
    expect(r.report.reason).toMatch(
      /ChangeResourceRecordSets amqp\.orders\.example\.com CNAME, amqp-v4\.orders\.example\.com A: InvalidChangeBatch: \[the change batch was rejected\]/,
    );
    expect(r.dns).toEqual(['upstream-cluster.site-a.orders.example.com', '192.0.2.10']);
    const flips = r.effects.filter((e) => e.step === 'flip-dns' && e.phase === 'intended');
    expect(flips.map((e) => [e.action, e.target])).toEqual([
      [
        'point CNAME amqp.orders.example.com at downstream-cluster.site-b.orders.example.com, A amqp-v4.orders.example.com at 198.51.100.10 (one change batch: all of them or none)',
        'CNAME amqp.orders.example.com, A amqp-v4.orders.example.com',
      ],
    ]);
    expect(r.report.steps.map((s) => s.name)).not.toContain('verify-dns');
  }, 60_000);
});

describe('Admit retried after a transient error', () => {
  it('takes its own trigger and lock for its own, and the failover goes on', async () => {
    let failedOnce = false;
    const r = await runFaulted({
      coordination: (base) => ({
        ...base,
        // The lock is written, then the connection drops before the answer arrives.
        acquireLock: async (plan, lease) => {
          const result = await base.acquireLock(plan, lease);
          if (!failedOnce) {
            failedOnce = true;
            throw new TransientError('DynamoDB PutItem lock: socket hang up');
          }
          return result;
        },
      }),
    });
    expect(r.report.status).toBe('SUCCEEDED');
    expect(steps(r.report).slice(0, 2)).toEqual(['admit:failed', 'admit:succeeded']);
    expect(r.state.downstream.promoted).toBe(true);
    expect(r.lock).toBeUndefined();
  }, 60_000);
});

describe('work that goes on after its state timed out', () => {
  it('Halt waits for the fence still working, then reports every vhost it fenced: FAILED, an operator needed, nothing promoted', async () => {
    const r = await runFaulted({
      editPlan: (p) => void ((p.engine as { vhosts: string[] }).vhosts = vhosts),
      scenario: { latency: { execMs: 40 } },
      taskFaults: [{ step: 'fence', kind: 'state-timeout', afterMs: 100 }],
    });
    expect(r.faultsFired).toBe(true);
    expect(r.report.status).toBe('FAILED');
    expect(r.report.reason).toMatch(/^States\.Timeout/);
    const fenced = Object.entries(r.state.upstream.access.limits)
      .filter(([, l]) => l['max-connections'] === 0)
      .map(([v]) => v);
    expect(fenced.length).toBeGreaterThan(0);
    for (const vhost of fenced)
      expect(changeActions(r.report)).toContainEqual(
        expect.stringContaining(`fence vhost ${vhost}:`.replace('fence ', '')),
      );
    expect(r.state.downstream.promoted).toBe(false);
    expect(r.planState.needsOperator).toBeDefined();
  }, 60_000);

  it('a step stops issuing commands at its deadline, inside its state timeout, and lists what it did', async () => {
    const r = await runFaulted({
      editPlan: (p) => void ((p.engine as { vhosts: string[] }).vhosts = vhosts),
      scenario: { latency: { execMs: 60 } },
      budgets: { fence: 500 },
    });
    expect(r.report.status).toBe('FAILED');
    expect(r.report.reason).toMatch(/^DeadlineExceeded/);
    const fence = r.report.steps.filter((s) => s.name === 'fence');
    const deadline = Date.parse(fence[0]!.startedAt) + 500;
    const fenceCommands = r.state.log.filter(
      (e) => e.kind === 'exec' && e.site === 'upstream' && e.argv.includes('set_vhost_limits'),
    );
    const fenced = Object.entries(r.state.upstream.access.limits)
      .filter(([, l]) => l['max-connections'] === 0)
      .map(([v]) => v);
    // Not every vhost: the budget ran out first; and nothing was started after the deadline.
    expect(fenced.length).toBeLessThan(vhosts.length);
    expect(fenceCommands.filter((e) => e.at > deadline + 100)).toEqual([]);
    for (const vhost of fenced)
      expect(changeActions(r.report).some((a) => a.includes(`vhost ${vhost}:`))).toBe(true);
    expect(r.state.downstream.promoted).toBe(false);
  }, 60_000);
});

describe('the same task delivered twice, and a Lambda killed mid-step', () => {
  it('a promote delivered twice at once promotes once', async () => {
    const r = await runFaulted({ taskFaults: [{ step: 'promote', kind: 'duplicate-delivery', afterMs: 5 }] });
    expect(r.faultsFired).toBe(true);
    expect(r.report.status).toBe('SUCCEEDED');
    expect(r.state.duplicatePromotions).toBe(0);
    expect(r.report.steps.filter((s) => s.name === 'promote')).toHaveLength(2);
    expect(r.report.steps.filter((s) => s.name === 'promote')[1]!.summary).toMatch(/already promoted/);
  }, 60_000);

  it('a promote killed after it acted is retried, finds the promotion, and does not promote again; the report keeps the unconfirmed attempt', async () => {
    // The dead invocation's claim on the step lasts until its deadline: a short budget keeps the wait short.
    const r = await runFaulted({
      taskFaults: [{ step: 'promote', kind: 'killed', afterMs: 0 }],
      budgets: { promote: 3_000 },
    });
    expect(r.faultsFired).toBe(true);
    expect(r.report.status).toBe('SUCCEEDED');
    expect(r.state.duplicatePromotions).toBe(0);
    expect(r.report.sideEffects.filter((e) => e.step === 'promote')).toEqual([
      expect.objectContaining({
        status: 'unconfirmed',
        action: expect.stringMatching(
          /^promote to upstream with .*outcome unknown: the attempt never reported back/,
        ),
      }),
    ]);
  }, 60_000);
});

describe('a plan naming an upstream that is not there', () => {
  it('is a configuration error, not a lost site: halts before any change even when the plan allows an ungraceful failover', async () => {
    const r = await runFaulted({
      editWorkflowPlan: (p) => {
        (p.engine as { upstream: { namespace: string } }).upstream.namespace = 'no-such-namespace';
        p.fencing.whenUnreachable = 'proceed';
      },
    });
    expect(r.report.status).toBe('HALTED');
    expect(r.report.reason).toMatch(
      /^Misconfigured: upstream: .* answered, and RabbitmqCluster no-such-namespace\/upstream-cluster .* does not exist there/,
    );
    expect(r.report.sideEffects).toEqual([]);
    expect(r.state.downstream.promoted).toBe(false);
    expect(
      r.state.log.filter((e) => e.kind !== 'exec' || /set_vhost_limits|promote_/.test(e.argv.join(' '))),
    ).toEqual([]);
  }, 60_000);
});

describe('teardown after traffic moved', () => {
  const liveSwitch = (p: Plan) =>
    void ((p.engine as { teardown: { way: string } }).teardown.way = 'live-switch');
  const failOn = (times: number) => ({
    faults: [
      {
        target: 'exec',
        site: 'downstream',
        pod: 'downstream-cluster-server-1',
        command: 'set_schema_replication_mode',
        exitCode: 70,
        times,
      },
    ],
  });

  it('tries an idempotent command again after one non-zero exit', async () => {
    const r = await runFaulted({ editPlan: liveSwitch, scenario: failOn(1) });
    expect(r.report.status).toBe('SUCCEEDED');
    expect(steps(r.report)).toContain('teardown:succeeded');
  }, 60_000);

  it('lists the changes of siblings that finished after one failed', async () => {
    const r = await runFaulted({ editPlan: liveSwitch, scenario: failOn(99) });
    expect(r.report.status).toBe('FAILED');
    const actions = changeActions(r.report);
    for (const pod of ['downstream-cluster-server-0', 'downstream-cluster-server-2']) {
      expect(actions).toContain(`set schema replication mode upstream on ${pod} (until its next restart)`);
    }
    expect(r.report.sideEffects).toContainEqual(
      expect.objectContaining({
        status: 'unconfirmed',
        action: expect.stringMatching(/^set schema replication mode upstream on downstream-cluster-server-1/),
      }),
    );
  }, 60_000);
});

describe('decisions that went stale while a person decided', () => {
  it('an alarm that cleared during the approval stops the failover before any change', async () => {
    let alarm: AlarmState = 'ALARM';
    const r = await runFaulted({
      alarms: { getStates: async (names) => new Map(names.map((n) => [n, alarm])) },
      approvals: () => ({
        request: async (request) => {
          alarm = 'OK';
          return autoApprovals('approve').request(request);
        },
      }),
    });
    expect(r.report.status).toBe('HALTED');
    expect(r.report.reason).toMatch(/^AlarmCleared/);
    expect(steps(r.report)).toEqual([
      'admit:succeeded',
      'confirm-alarm:succeeded',
      'check-dns:succeeded',
      'readiness:succeeded',
      'approval:succeeded',
      'confirm-alarm:failed',
    ]);
    expect(r.report.sideEffects).toEqual([]);
  }, 60_000);

  it('a standby that stopped being ready during the approval is not promoted', async () => {
    const r = await runFaulted({
      approvals: (simulation) => ({
        request: async (request) => {
          simulation.setReachable('downstream', false);
          return autoApprovals('approve').request(request);
        },
      }),
    });
    expect(r.report.status).toBe('HALTED');
    expect(r.report.steps.filter((s) => s.name === 'readiness').length).toBeGreaterThan(1);
    expect(r.report.steps.map((s) => s.name)).not.toContain('fence');
    expect(r.report.sideEffects).toEqual([]);
  }, 60_000);
});

describe('the single-flight lock', () => {
  const trigger = (plan: Plan) => drillAlarmEvent(plan.triggers.alarms[0]!.name, new Date());
  const depsWith = (
    coordination: ReturnType<typeof createMemoryCoordination>,
    isRunning: (id: string) => Promise<boolean>,
  ) =>
    ({
      journal: createMemoryJournal(),
      clock: systemClock,
      progress: () => undefined,
      coordination,
      executions: { isRunning },
    }) as unknown as AwsDeps;
  const execution = (id: string) => ({ id, startedAt: new Date().toISOString() });

  it('a lapsed lease whose owner still runs is not taken over', async () => {
    const plan = await loadPlan('examples/plans/rabbitmq-standby.yaml');
    const coordination = createMemoryCoordination();
    await coordination.acquireLock(plan.name, {
      owner: 'exec-a',
      acquiredAt: '2026-01-01T00:00:00.000Z',
      expiresAt: '2026-01-01T01:00:00.000Z',
    });
    await expect(
      admit(
        depsWith(coordination, async () => true),
        execution('exec-b'),
        plan,
        trigger(plan),
      ),
    ).rejects.toMatchObject({ name: 'Blocked', detail: { kind: 'lock-held' } });
    expect(coordination.lockOf(plan.name)?.owner).toBe('exec-a');
  });

  it('a lapsed lease is taken over when Step Functions cannot be asked; a live one is not', async () => {
    const plan = await loadPlan('examples/plans/rabbitmq-standby.yaml');
    const cannotAsk = async (): Promise<boolean> => {
      throw new TransientError('Step Functions DescribeExecution: throttled');
    };
    const lapsed = createMemoryCoordination();
    await lapsed.acquireLock(plan.name, {
      owner: 'exec-a',
      acquiredAt: '2026-01-01T00:00:00.000Z',
      expiresAt: '2026-01-01T01:00:00.000Z',
    });
    await admit(depsWith(lapsed, cannotAsk), execution('exec-b'), plan, trigger(plan));
    expect(lapsed.lockOf(plan.name)?.owner).toBe('exec-b');
    const live = createMemoryCoordination();
    await live.acquireLock(plan.name, {
      owner: 'exec-a',
      acquiredAt: new Date().toISOString(),
      expiresAt: '2999-01-01T00:00:00.000Z',
    });
    await expect(
      admit(depsWith(live, cannotAsk), execution('exec-b'), plan, trigger(plan)),
    ).rejects.toMatchObject({ name: 'Transient' });
  });

  it('a huge gate timeout still gives a real, bounded lease: a second execution a second later is blocked', async () => {
    const plan = structuredClone(await loadPlan('examples/plans/rabbitmq-standby.yaml'));
    plan.gate.timeoutMinutes = 10 ** 12;
    plan.thresholds.settleSeconds = 10 ** 12;
    const coordination = createMemoryCoordination();
    await admit(
      depsWith(coordination, async () => true),
      execution('exec-a'),
      plan,
      trigger(plan),
    );
    const lease = coordination.lockOf(plan.name)!;
    expect(Number.isFinite(Date.parse(lease.expiresAt))).toBe(true);
    expect(Date.parse(lease.expiresAt) - Date.parse(lease.acquiredAt)).toBeLessThanOrEqual(MAX_LEASE_MS);
    await expect(
      admit(
        depsWith(coordination, async () => true),
        execution('exec-b'),
        plan,
        trigger(plan),
      ),
    ).rejects.toMatchObject({ detail: { kind: 'lock-held' } });
  });
});
