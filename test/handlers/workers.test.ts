// The workers' input contract: malformed input is BadInput (never retried) and names what is wrong.
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { createMemoryCoordination } from '../../lambdas/adapters/memory-coordination.js';
import { createMemoryJournal } from '../../lambdas/adapters/memory-journal.js';
import { createAwsWorker } from '../../lambdas/handlers/aws-worker.js';
import { createKubeWorker } from '../../lambdas/handlers/kube-worker.js';
import { loadPlan } from '../../lambdas/plan/load-plan.js';
import type { Plan } from '../../lambdas/plan/schema.js';
import { systemClock } from '../../lambdas/ports/clock.js';
import type { Notification } from '../../lambdas/ports/notifier.js';
import { describeError } from '../../lambdas/steps/report.js';

const logger = new Logger({ logLevel: 'SILENT' });
const context = {
  functionName: 'test',
  awsRequestId: 'r',
  getRemainingTimeInMillis: () => 1000,
} as unknown as Context;
const execution = {
  id: 'arn:aws:states:eu-west-1:1:execution:failover:x',
  startedAt: '2026-01-01T00:00:00.000Z',
};
const unused = () => {
  throw new Error('must not be reached');
};

let plan: Plan;
beforeAll(async () => {
  plan = await loadPlan('examples/plans/rabbitmq-standby.yaml');
});

const kubeWorker = () =>
  createKubeWorker(
    { journal: createMemoryJournal(), clock: systemClock, progress: () => undefined, kubeFor: unused },
    logger,
  );

describe('workers reject bad input without touching anything', () => {
  it('names the missing fields', async () => {
    await expect(kubeWorker()({ step: 'promote' }, context)).rejects.toMatchObject({
      name: 'BadInput',
      message: expect.stringContaining('execution: '),
    });
  });

  it('refuses a step that belongs to the other worker', async () => {
    await expect(kubeWorker()({ step: 'flip-dns', execution, plan }, context)).rejects.toMatchObject({
      name: 'BadInput',
      message: expect.stringMatching(/^this function runs steps readiness, .*; got "flip-dns"$/),
    });
  });

  it('validates the plan it is given', async () => {
    await expect(
      kubeWorker()({ step: 'promote', execution, plan: { ...plan, engine: { type: 'nope' } } }, context),
    ).rejects.toMatchObject({
      name: 'BadInput',
      message: expect.stringContaining('workflow input plan: engine.type: unknown engine type'),
    });
  });

  it('confirm-alarm refuses an event that is not a CloudWatch alarm state change, and an alarm of another plan', async () => {
    const notifications: Notification[] = [];
    // The execution holds its plan's lock, as after Admit: a step under the lock renews it first.
    const coordination = createMemoryCoordination();
    await coordination.acquireLock(plan.name, {
      owner: execution.id,
      acquiredAt: execution.startedAt,
      expiresAt: '2999-01-01T00:00:00.000Z',
    });
    const worker = createAwsWorker(
      {
        journal: createMemoryJournal(),
        clock: systemClock,
        progress: () => undefined,
        coordination,
        executions: { isRunning: unused },
        dns: { getRecord: unused, upsertRecords: unused, waitForChange: unused, checkChangeAccess: unused },
        alarms: { getStates: unused },
        notifier: { notify: async (n) => void notifications.push(n) },
        approvals: { request: unused },
      },
      logger,
    );
    await expect(
      worker({ step: 'confirm-alarm', execution, plan, trigger: { source: 'aws.ec2' } }, context),
    ).rejects.toMatchObject({ name: 'BadInput' });
    const foreign = {
      source: 'aws.cloudwatch',
      'detail-type': 'CloudWatch Alarm State Change',
      time: execution.startedAt,
      detail: { alarmName: 'someone-elses-alarm', state: { value: 'ALARM' } },
    };
    await expect(
      worker({ step: 'confirm-alarm', execution, plan, trigger: foreign }, context),
    ).rejects.toMatchObject({
      name: 'BadInput',
      message: expect.stringMatching(
        /^alarm someone-elses-alarm is not one of plan orders-rabbitmq's triggers \(orders-rabbitmq-upstream-unhealthy/,
      ),
    });
    expect(notifications).toEqual([]);
  });

  it('a step under the lock refuses to run for an execution that no longer holds it (LockLost), and changes nothing', async () => {
    const coordination = createMemoryCoordination();
    await coordination.acquireLock(plan.name, {
      owner: 'another-execution',
      acquiredAt: execution.startedAt,
      expiresAt: '2999-01-01T00:00:00.000Z',
    });
    const worker = createAwsWorker(
      {
        journal: createMemoryJournal(),
        clock: systemClock,
        progress: () => undefined,
        coordination,
        executions: { isRunning: unused },
        dns: { getRecord: unused, upsertRecords: unused, waitForChange: unused, checkChangeAccess: unused },
        alarms: { getStates: unused },
        notifier: { notify: unused },
        approvals: { request: unused },
      },
      logger,
    );
    await expect(worker({ step: 'flip-dns', execution, plan }, context)).rejects.toMatchObject({
      name: 'LockLost',
    });
    expect(coordination.lockOf(plan.name)?.owner).toBe('another-execution');
  });
});

describe('halt reads the error the way Step Functions and the local runner pass it', () => {
  it('unwraps a Lambda error whose Cause is JSON', () => {
    expect(
      describeError({
        Error: 'NotReady',
        Cause: JSON.stringify({
          errorType: 'NotReady',
          errorMessage: 'downstream not ready: lag',
          trace: [],
        }),
      }),
    ).toBe('NotReady: downstream not ready: lag');
  });
  it('keeps a plain Cause', () => {
    expect(describeError({ Error: 'States.Timeout', Cause: 'approval timed out' })).toBe(
      'States.Timeout: approval timed out',
    );
  });
});
