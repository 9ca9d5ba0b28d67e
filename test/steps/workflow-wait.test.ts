// A step's wait is the workflow's: an invocation looks, at most briefly, then answers `waiting`;
// the next invocation looks again, and the bound counts from the first look in the execution.
import { createMemoryJournal } from '../../lambdas/adapters/memory-journal.js';
import { TransientError } from '../../lambdas/errors.js';
import { loadPlan } from '../../lambdas/plan/load-plan.js';
import type { Plan } from '../../lambdas/plan/schema.js';
import type { ClockPort } from '../../lambdas/ports/clock.js';
import type { DnsChangeStatus, DnsPort } from '../../lambdas/ports/dns.js';
import { flipDns } from '../../lambdas/steps/dns.js';
import { runStep, runWaitingStep } from '../../lambdas/steps/run-step.js';
import type { AwsDeps, CommonDeps } from '../../lambdas/steps/step-deps.js';
import { stepLines } from '../../lambdas/steps/report.js';
import { MAX_LOOK_WITHIN_INVOCATION_MS } from '../../lambdas/steps/workflow-wait.js';

const execution = {
  id: 'arn:aws:states:eu-west-1:1:execution:failover:waits',
  startedAt: '2026-03-01T10:30:00.000Z',
};

/** A clock that moves only when slept on, or when the test moves it (the workflow's Wait). */
const manualClock = () => {
  let now = Date.parse(execution.startedAt);
  const slept: number[] = [];
  const clock: ClockPort = {
    now: () => new Date(now),
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  };
  return { clock, slept, advance: (ms: number) => void (now += ms) };
};

const commonDeps = (clock: ClockPort): CommonDeps => ({
  journal: createMemoryJournal(),
  clock,
  progress: () => undefined,
});

describe('a wait handed to the workflow', () => {
  const restartWait = (
    ready: () => boolean,
    timedOut = (state: string) => new Error(`timed out: ${state}`),
  ) =>
    ({
      check: async () =>
        ready() ? { done: true as const, value: 'ready' } : { done: false as const, state: '1/3 pods Ready' },
      options: {
        name: 'restart',
        timeoutSeconds: 60,
        checkEveryMs: 2_000,
        workflowCheckEverySeconds: 20,
        timedOut,
      },
    }) as const;

  it('looks once, answers waiting with the Wait it asks for, and is journalled as waiting, not as an attempt that succeeded', async () => {
    const { clock, slept } = manualClock();
    const deps = commonDeps(clock);
    const wait = restartWait(() => false);
    const output = await runWaitingStep(deps, execution, 'teardown', async (tools) => {
      const value = await tools.waitFor(wait.check, wait.options);
      return { summary: value, detail: {}, output: { done: true } };
    });
    expect(output).toEqual({
      waiting: {
        for: 'restart',
        state: '1/3 pods Ready',
        since: execution.startedAt,
        checkAgainInSeconds: 20,
      },
    });
    expect(slept).toEqual([]);
    const [record] = await deps.journal.listSteps(execution.id);
    expect(record).toMatchObject({
      step: 'teardown',
      outcome: 'waiting',
      summary: expect.stringMatching(/^waiting for restart: 1\/3 pods Ready/),
    });
  });

  it("counts its bound from the first look in the execution, across invocations, and fails at it with the step's own error", async () => {
    const { clock, advance } = manualClock();
    const deps = commonDeps(clock);
    const wait = restartWait(
      () => false,
      (state) => new TransientError(`restart not finished: ${state}`),
    );
    const invoke = () =>
      runWaitingStep(deps, execution, 'teardown', async (tools) => {
        await tools.waitFor(wait.check, wait.options);
        return { summary: 'done', detail: {}, output: { done: true } };
      });
    const asked: number[] = [];
    for (;;) {
      const output = await invoke().catch((err: Error) => err);
      if (output instanceof Error) {
        expect(output.message).toBe('restart not finished: 1/3 pods Ready');
        break;
      }
      const waiting = (output as { waiting: { checkAgainInSeconds: number; since: string } }).waiting;
      expect(waiting.since).toBe(execution.startedAt);
      asked.push(waiting.checkAgainInSeconds);
      advance(waiting.checkAgainInSeconds * 1000);
    }
    // 20 s, 20 s, then what is left of the bound: the last look comes at the bound itself.
    expect(asked).toEqual([20, 20, 20]);
    expect((await deps.journal.listSteps(execution.id)).map((r) => r.outcome)).toEqual([
      'waiting',
      'waiting',
      'waiting',
      'failed',
    ]);
  });

  it('returns at once when the condition holds, and a later invocation goes on past it', async () => {
    const { clock } = manualClock();
    const deps = commonDeps(clock);
    let ready = false;
    const wait = restartWait(() => ready);
    const invoke = () =>
      runWaitingStep(deps, execution, 'teardown', async (tools) => {
        const value = await tools.waitFor(wait.check, wait.options);
        return { summary: value, detail: {}, output: { tornDown: true } };
      });
    expect(await invoke()).toHaveProperty('waiting');
    ready = true;
    expect(await invoke()).toEqual({ tornDown: true });
  });

  it('looks again within one invocation only as long as the wait allows, never more than a few seconds', async () => {
    const { clock, slept } = manualClock();
    const deps = commonDeps(clock);
    const output = await runWaitingStep(deps, execution, 'flip-dns', async (tools) => {
      await tools.waitFor(async () => ({ done: false, state: 'PENDING' }), {
        name: 'insync',
        timeoutSeconds: 300,
        checkEveryMs: 1_000,
        lookWithinInvocationMs: 60_000,
        timedOut: () => new Error('never'),
      });
      return { summary: '', detail: {}, output: {} };
    });
    expect(slept.reduce((a, b) => a + b, 0)).toBe(MAX_LOOK_WITHIN_INVOCATION_MS);
    expect(output).toMatchObject({ waiting: { checkAgainInSeconds: 1 } });
  });

  it('a step whose state has no Wait loop refuses to wait, saying so', async () => {
    const { clock } = manualClock();
    const wait = restartWait(() => false);
    await expect(
      runStep(commonDeps(clock), execution, 'fence', async (tools) => {
        await tools.waitFor(wait.check, wait.options);
        return { summary: '', detail: {}, output: {} };
      }),
    ).rejects.toThrow('fence waits (restart), but its state in the workflow has no Wait loop to check again');
  });
});

describe('flip-dns waits for INSYNC in the workflow', () => {
  let plan: Plan;
  beforeAll(async () => {
    plan = await loadPlan('examples/plans/rabbitmq-standby.yaml');
  });

  const route53 = (statuses: () => DnsChangeStatus) => {
    const upserts: string[] = [];
    const values = new Map<string, string[]>();
    const dns: DnsPort = {
      getRecord: async (ref) => {
        const v = values.get(ref.name);
        return v && { values: v, ttl: 60 };
      },
      upsertRecords: async (_zone, records) => {
        for (const r of records) values.set(r.name, r.values);
        upserts.push(`/change/C${upserts.length + 1}`);
        return upserts.at(-1)!;
      },
      changeStatus: async () => statuses(),
      checkChangeAccess: async () => ({ allowed: true, answer: '' }),
    };
    return { dns, upserts };
  };

  it('makes the change once; the next invocation looks at the same change, and the records are read back', async () => {
    const { clock, advance } = manualClock();
    let status: DnsChangeStatus = 'PENDING';
    const { dns, upserts } = route53(() => status);
    const deps = { ...commonDeps(clock), dns } as AwsDeps;
    const first = await flipDns(deps, execution, plan);
    expect(first).toMatchObject({
      waiting: { for: 'Route 53 change INSYNC', about: '/change/C1' },
    });
    // Invoked again at once: no Wait state between the invocations.
    expect((first as { waiting: object }).waiting).not.toHaveProperty('checkAgainInSeconds');
    advance(100);
    status = 'INSYNC';
    expect(await flipDns(deps, execution, plan)).toEqual({ changeId: '/change/C1' });
    expect(upserts).toEqual(['/change/C1']);
    const records = await deps.journal.listSteps(execution.id);
    expect(records.map((r) => r.outcome)).toEqual(['waiting', 'succeeded']);
    expect(records[1]!.summary).toMatch(
      /change \/change\/C1, made by an earlier invocation of this step, INSYNC, read back/,
    );
  });

  it('a change never INSYNC fails at dns.syncTimeoutSeconds from its first look, however many invocations it took', async () => {
    const { clock, advance } = manualClock();
    const { dns, upserts } = route53(() => 'PENDING');
    const deps = { ...commonDeps(clock), dns } as AwsDeps;
    const bounded = { ...plan, dns: { ...plan.dns, syncTimeoutSeconds: 12 } };
    let invocations = 0;
    for (;;) {
      invocations += 1;
      const output = await flipDns(deps, execution, bounded).catch((err: Error) => err);
      if (output instanceof Error) {
        expect(output).toBeInstanceOf(TransientError);
        expect(output.message).toBe('Route 53 change /change/C1 is not INSYNC after 12 s (status PENDING)');
        break;
      }
      // What an invocation costs before the next one looks, with no Wait between them.
      advance(100);
    }
    expect(upserts).toEqual(['/change/C1']);
    expect(invocations).toBe(3);
  });
});

describe('the report of a step that waited', () => {
  it('is one line per run of invocations that waited, and attempts are counted without them', () => {
    const at = (s: number) => new Date(Date.parse(execution.startedAt) + s * 1000).toISOString();
    const record = (
      outcome: 'waiting' | 'succeeded' | 'failed',
      from: number,
      to: number,
      summary: string,
    ) => ({
      name: 'teardown',
      attempt: 0,
      startedAt: at(from),
      endedAt: at(to),
      durationMs: (to - from) * 1000,
      outcome,
      summary,
      detail: {},
    });
    expect(
      stepLines([
        record('waiting', 0, 1, 'waiting for the rolling restart: 0/3 pods Ready'),
        record('waiting', 21, 22, 'waiting for the rolling restart: 2/3 pods Ready'),
        record('failed', 42, 43, 'Transient: 503'),
        record('waiting', 47, 48, 'waiting for every node to rejoin: b not running'),
        record('succeeded', 68, 69, 'restarted in upstream mode'),
      ]),
    ).toEqual([
      '  wait teardown (2 invocations over 22000 ms): waiting for the rolling restart: 2/3 pods Ready',
      '  FAIL teardown 1000 ms: Transient: 503',
      '  wait teardown (1 invocation over 1000 ms): waiting for every node to rejoin: b not running',
      '  ok   teardown (attempt 2) 1000 ms: restarted in upstream mode',
    ]);
  });
});
