// The execution-ended step on in-memory ports, reached the way EventBridge reaches it: Step
// Functions' status-change event handed to the AWS worker.
import { Logger } from '@aws-lambda-powertools/logger';
import { jest } from '@jest/globals';
import type { Context } from 'aws-lambda';
import { createMemoryCoordination } from '../../lambdas/adapters/memory-coordination.js';
import { createMemoryJournal } from '../../lambdas/adapters/memory-journal.js';
import { createAwsWorker } from '../../lambdas/handlers/aws-worker.js';
import { loadPlan } from '../../lambdas/plan/load-plan.js';
import type { Plan } from '../../lambdas/plan/schema.js';
import type { ClockPort } from '../../lambdas/ports/clock.js';
import type { FailoverReport, JournalPort, StepRecord } from '../../lambdas/ports/journal.js';
import type { Notification } from '../../lambdas/ports/notifier.js';
import { planRef } from '../../lambdas/plan/plan-ref.js';
import { publishedPlans } from '../../local/published-plans.js';

const logger = new Logger({ logLevel: 'SILENT' });
const context = {
  functionName: 'aws-worker',
  awsRequestId: 'r',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;
const executionArn = 'arn:aws:states:eu-west-1:111122223333:execution:Workflow:run-1';
const startedAt = '2026-03-01T10:00:00.000Z';
const clock: ClockPort = { now: () => new Date('2026-03-01T10:20:00.000Z'), sleep: async () => undefined };
const unused = () => {
  throw new Error('must not be reached');
};

let plan: Plan;
beforeAll(async () => {
  plan = await loadPlan('examples/plans/rabbitmq-standby.yaml');
});

/** Step Functions' event for the end of `run-1`, as EventBridge delivers it. */
const statusChange = (
  status: string,
  error?: string,
  cause?: string,
  detail: Record<string, unknown> = {},
) => ({
  version: '0',
  id: 'a9c6b0a4-2f0e-4a53-9e43-7d1c1c3b5e01',
  'detail-type': 'Step Functions Execution Status Change',
  source: 'aws.states',
  account: '111122223333',
  time: '2026-03-01T10:20:00Z',
  region: 'eu-west-1',
  resources: [executionArn],
  detail: {
    executionArn,
    stateMachineArn: 'arn:aws:states:eu-west-1:111122223333:stateMachine:Workflow',
    name: 'run-1',
    status,
    startDate: Date.parse(startedAt),
    stopDate: Date.parse('2026-03-01T10:20:00Z'),
    input: JSON.stringify({ plan: planRef(plan), trigger: { source: 'aws.cloudwatch' } }),
    inputDetails: { included: true },
    output: null,
    outputDetails: null,
    error: error ?? null,
    cause: cause ?? null,
    ...detail,
  },
});

const record = (
  step: string,
  minute: number,
  outcome: StepRecord['outcome'] = 'succeeded',
  summary = `${step} done`,
): StepRecord => ({
  step,
  attempt: 1,
  startedAt: `2026-03-01T10:${String(minute).padStart(2, '0')}:00.000Z`,
  endedAt: `2026-03-01T10:${String(minute).padStart(2, '0')}:30.000Z`,
  outcome,
  summary,
  detail: {},
  sideEffects: [],
});

/** What Halt stores for run-1. */
const haltReport = (steps: StepRecord[]): FailoverReport => ({
  executionId: executionArn,
  planName: 'orders-rabbitmq',
  status: 'HALTED',
  reason: 'NotReady: lag',
  startedAt,
  endedAt: clock.now().toISOString(),
  steps: steps.map((r) => ({
    name: r.step,
    attempt: r.attempt,
    startedAt: r.startedAt,
    endedAt: r.endedAt,
    durationMs: 30_000,
    outcome: r.outcome,
    summary: r.summary,
    detail: r.detail,
  })),
  sideEffects: [],
});

/** The AWS worker with in-memory ports; `calls` lists what it did to the coordination, in order. */
const setup = (options: { notify?: (n: Notification) => Promise<void> } = {}) => {
  const journal: JournalPort = createMemoryJournal();
  const coordination = createMemoryCoordination();
  const calls: string[] = [];
  const notifications: Notification[] = [];
  const worker = createAwsWorker(
    {
      plans: publishedPlans([plan]),
      journal,
      clock,
      progress: () => undefined,
      coordination: {
        ...coordination,
        putPlanState: async (name, state) => {
          calls.push(`putPlanState ${state.needsOperator ? 'needsOperator' : 'clear'}`);
          return coordination.putPlanState(name, state);
        },
        releaseLock: async (name, owner) => {
          calls.push(`releaseLock ${owner}`);
          return coordination.releaseLock(name, owner);
        },
      },
      executions: { isRunning: unused },
      dns: {
        getRecord: unused,
        upsertRecords: unused,
        changeStatus: unused,
        checkChangeAccess: unused,
      } as never,
      alarms: { getStates: unused },
      notifier: { notify: options.notify ?? (async (n) => void notifications.push(n)) },
      approvals: { request: unused },
    },
    logger,
  );
  const takeLock = (owner = executionArn) =>
    coordination.acquireLock(plan.name, {
      owner,
      acquiredAt: startedAt,
      expiresAt: '2026-03-01T12:00:00.000Z',
    });
  return {
    journal,
    coordination,
    calls,
    notifications,
    takeLock,
    deliver: (event: unknown) => worker(event, context),
  };
};

describe('execution-ended', () => {
  it('after a Halt that recorded the run (every halted run ends FAILED): only frees the lock, if this execution still holds it', async () => {
    const { journal, coordination, calls, notifications, takeLock, deliver } = setup();
    await takeLock();
    const halted = haltReport([record('admit', 0)]);
    await journal.putReport(halted);
    const putReport = jest.spyOn(journal, 'putReport');

    expect(await deliver(statusChange('FAILED', 'HALTED', 'NotReady: lag'))).toEqual({
      outcome: 'already-reported',
      status: 'HALTED',
      lockReleased: true,
    });
    expect(calls).toEqual([`releaseLock ${executionArn}`]);
    expect(coordination.lockOf(plan.name)).toBeUndefined();

    // Delivered again (at least once), with the lock now another execution's: it is left alone.
    await takeLock('arn:aws:states:eu-west-1:111122223333:execution:Workflow:run-2');
    expect(await deliver(statusChange('FAILED', 'HALTED', 'NotReady: lag'))).toMatchObject({
      lockReleased: false,
    });
    expect(coordination.lockOf(plan.name)?.owner).toMatch(/run-2$/);
    expect(putReport).not.toHaveBeenCalled();
    expect(notifications).toEqual([]);
    expect(await journal.getReport(executionArn)).toEqual(halted);
  });

  it('States.DataLimitExceeded with nothing changed: a HALTED report naming the error, a notification, the lock freed, no operator needed', async () => {
    const { journal, coordination, calls, notifications, takeLock, deliver } = setup();
    await takeLock();
    for (const r of [record('admit', 0), record('confirm-alarm', 1)])
      await journal.appendStep(executionArn, r);

    const out = await deliver(
      statusChange(
        'FAILED',
        'States.DataLimitExceeded',
        'The state/task returned a result with a size exceeding the maximum number of bytes service limit.',
      ),
    );
    expect(out).toMatchObject({ outcome: 'recorded', status: 'HALTED', needsOperator: false });
    const report = (await journal.getReport(executionArn))!;
    expect(report).toMatchObject({
      executionId: executionArn,
      planName: plan.name,
      startedAt,
      status: 'HALTED',
    });
    expect(report.reason).toBe(
      "States.DataLimitExceeded: the execution ended FAILED outside the workflow's own Catch, so Halt did not record it (The state/task returned a result with a size exceeding the maximum number of bytes service limit.)",
    );
    expect(report.steps.map((s) => s.name)).toEqual(['admit', 'confirm-alarm']);
    expect(calls).toEqual([`releaseLock ${executionArn}`]);
    expect(coordination.lockOf(plan.name)).toBeUndefined();
    expect(notifications.map((n) => n.subject)).toEqual(['[failover] orders-rabbitmq: HALTED']);
  });

  it.each(['TIMED_OUT', 'ABORTED'])(
    '%s after steps ran under the lock: the plan waits for an operator, marked before the lock is freed',
    async (status) => {
      const { journal, coordination, calls, notifications, takeLock, deliver } = setup();
      await takeLock();
      for (const r of [record('admit', 0), record('confirm-alarm', 1), record('readiness', 2)])
        await journal.appendStep(executionArn, r);

      expect(await deliver(statusChange(status))).toMatchObject({ outcome: 'recorded', needsOperator: true });
      expect(calls).toEqual(['putPlanState needsOperator', `releaseLock ${executionArn}`]);
      expect((await coordination.getPlanState(plan.name)).needsOperator).toBe(
        `failover ${executionArn} ended ${status} after confirm-alarm, readiness had run; what a step still running did is unknown`,
      );
      const report = (await journal.getReport(executionArn))!;
      expect(report.reason).toMatch(
        new RegExp(
          `^${status}: the execution ended ${status} outside the workflow's own Catch, so Halt did not record it \\(no cause given\\); readiness or a later step may still have been running, so the plan waits for an operator$`,
        ),
      );
      expect(notifications).toHaveLength(1);
    },
  );

  it('ABORTED before any step ran under the lock (during the settle wait): no operator needed', async () => {
    const { journal, coordination, takeLock, deliver } = setup();
    await takeLock();
    await journal.appendStep(executionArn, record('admit', 0));
    expect(await deliver(statusChange('ABORTED'))).toMatchObject({
      outcome: 'recorded',
      status: 'HALTED',
      needsOperator: false,
    });
    expect(coordination.lockOf(plan.name)).toBeUndefined();
  });

  it('HaltNotRecorded after Halt stored its report but could not send it: recorded again and sent, the plan waits for an operator', async () => {
    let sent = 0;
    const notifications: Notification[] = [];
    const { journal, coordination, takeLock, deliver } = setup({
      notify: async (n) => {
        if (sent++ === 0) throw new Error('SNS Publish: 503');
        notifications.push(n);
      },
    });
    await takeLock();
    for (const r of [
      record('admit', 0),
      record('confirm-alarm', 1),
      record('readiness', 2, 'failed', 'NotReady: downstream not ready: lag 600 s > RPO bound 60 s'),
    ])
      await journal.appendStep(executionArn, r);
    // What Halt did before the notifier failed; the workflow then ended in HaltNotRecorded.
    await journal.putReport(haltReport(await journal.listSteps(executionArn)));
    await expect(
      deliver(
        statusChange(
          'FAILED',
          'HaltNotRecorded',
          "The workflow stopped and its report could not be written or sent: read this execution's history and the worker logs.",
        ),
      ),
    ).rejects.toThrow('SNS Publish: 503');
    // Lambda retries the asynchronous invocation.
    expect(
      await deliver(
        statusChange(
          'FAILED',
          'HaltNotRecorded',
          'The workflow stopped and its report could not be written or sent.',
        ),
      ),
    ).toMatchObject({ outcome: 'recorded', needsOperator: true });
    expect(notifications.map((n) => n.subject)).toEqual(['[failover] orders-rabbitmq: HALTED']);
    const report = (await journal.getReport(executionArn))!;
    expect(report.reason).toContain(
      "HaltNotRecorded: the execution ended FAILED outside the workflow's own Catch",
    );
    expect(report.reason).toContain(
      'the last failed step was readiness: NotReady: downstream not ready: lag 600 s > RPO bound 60 s',
    );
    expect((await coordination.getPlanState(plan.name)).needsOperator).toMatch(
      /ended HaltNotRecorded after confirm-alarm, readiness had run/,
    );
    expect(coordination.lockOf(plan.name)).toBeUndefined();
  });

  it('a Lambda error as the cause is read for its message', async () => {
    const { journal, takeLock, deliver } = setup();
    await takeLock();
    await journal.appendStep(executionArn, record('admit', 0));
    await deliver(
      statusChange(
        'FAILED',
        'States.Runtime',
        JSON.stringify({
          errorType: 'Error',
          errorMessage: "An error occurred while executing the state 'Halted'",
          trace: [],
        }),
      ),
    );
    expect((await journal.getReport(executionArn))!.reason).toBe(
      "States.Runtime: the execution ended FAILED outside the workflow's own Catch, so Halt did not record it (An error occurred while executing the state 'Halted')",
    );
  });
});

describe('the status-change event as the worker receives it', () => {
  it('without the execution input (EventBridge leaves out large ones), the plan is unknown: BadInput that says so, nothing touched', async () => {
    const { journal, calls, deliver } = setup();
    await expect(
      deliver(
        statusChange('TIMED_OUT', undefined, undefined, { input: null, inputDetails: { included: false } }),
      ),
    ).rejects.toMatchObject({
      name: 'BadInput',
      message: expect.stringMatching(
        new RegExp(
          `^execution ${executionArn} ended TIMED_OUT, but its status-change event does not carry the execution input \\(inputDetails.included: false\\), so its plan is unknown`,
        ),
      ),
    });
    expect(calls).toEqual([]);
    expect(await journal.getReport(executionArn)).toBeUndefined();
  });

  it('a status it is not meant for (the rule sends FAILED, TIMED_OUT, ABORTED only) is BadInput', async () => {
    const { deliver } = setup();
    await expect(deliver(statusChange('SUCCEEDED'))).rejects.toMatchObject({
      name: 'BadInput',
      message: expect.stringContaining('malformed Step Functions status-change event: detail.status'),
    });
  });

  it('the Kubernetes worker does not run it', async () => {
    const { createKubeWorker } = await import('../../lambdas/handlers/kube-worker.js');
    const kube = createKubeWorker(
      {
        plans: publishedPlans([plan]),
        journal: createMemoryJournal(),
        clock,
        progress: () => undefined,
        kubeFor: unused,
      },
      logger,
    );
    await expect(kube(statusChange('FAILED', 'States.Runtime'), context)).rejects.toMatchObject({
      name: 'BadInput',
      message: expect.stringMatching(/^this function runs steps .*; got "execution-ended"$/),
    });
  });
});
