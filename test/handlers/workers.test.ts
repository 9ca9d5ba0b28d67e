// The workers' input contract: malformed input is BadInput (never retried) and names what is wrong;
// the plan comes from the published plans, by name and hash, never from the input.
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { createMemoryCoordination } from '../../lambdas/adapters/memory-coordination.js';
import { createMemoryJournal } from '../../lambdas/adapters/memory-journal.js';
import { createAwsWorker } from '../../lambdas/handlers/aws-worker.js';
import { createKubeWorker } from '../../lambdas/handlers/kube-worker.js';
import { loadPlan } from '../../lambdas/plan/load-plan.js';
import { planRef, type PlanRef } from '../../lambdas/plan/plan-ref.js';
import type { Plan } from '../../lambdas/plan/schema.js';
import { systemClock } from '../../lambdas/ports/clock.js';
import type { Notification } from '../../lambdas/ports/notifier.js';
import { describeError } from '../../lambdas/steps/report.js';
import { publishedPlans } from '../../local/published-plans.js';

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
let ref: PlanRef;
beforeAll(async () => {
  plan = await loadPlan('examples/plans/rabbitmq-standby.yaml');
  ref = planRef(plan);
});

const kubeWorker = () =>
  createKubeWorker(
    {
      plans: publishedPlans([plan]),
      journal: createMemoryJournal(),
      clock: systemClock,
      progress: () => undefined,
      kubeFor: unused,
    },
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
    await expect(kubeWorker()({ step: 'flip-dns', execution, plan: ref }, context)).rejects.toMatchObject({
      name: 'BadInput',
      message: expect.stringMatching(/^this function runs steps readiness, .*; got "flip-dns"$/),
    });
  });

  it('refuses a whole plan in the input: an execution names a deployed plan, it does not bring one', async () => {
    await expect(
      kubeWorker()(
        { step: 'promote', execution, plan: { ...plan, gate: { ...plan.gate, approval: 'never' } } },
        context,
      ),
    ).rejects.toMatchObject({
      name: 'BadInput',
      message: expect.stringContaining('plan: '),
    });
  });

  it('refuses a plan that is not deployed, and one whose content differs from the deployed plan', async () => {
    await expect(
      kubeWorker()({ step: 'promote', execution, plan: { ...ref, name: 'payments' } }, context),
    ).rejects.toMatchObject({
      name: 'BadInput',
      message: expect.stringMatching(/^plan payments is not deployed/),
    });
    const edited = planRef({ ...plan, gate: { ...plan.gate, approval: 'never' } });
    expect(edited.name).toBe(plan.name);
    await expect(kubeWorker()({ step: 'promote', execution, plan: edited }, context)).rejects.toMatchObject({
      name: 'BadInput',
      message: expect.stringContaining(
        `the execution names content ${edited.sha256}, but the deployed plan is ${ref.sha256}`,
      ),
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
        plans: publishedPlans([plan]),
        journal: createMemoryJournal(),
        clock: systemClock,
        progress: () => undefined,
        coordination,
        executions: { isRunning: unused },
        dns: { getRecord: unused, upsertRecords: unused, changeStatus: unused, checkChangeAccess: unused },
        alarms: { getStates: unused },
        notifier: { notify: async (n) => void notifications.push(n) },
        approvals: { request: unused },
      },
      logger,
    );
    await expect(
      worker({ step: 'confirm-alarm', execution, plan: ref, trigger: { source: 'aws.ec2' } }, context),
    ).rejects.toMatchObject({ name: 'BadInput' });
    const foreign = {
      source: 'aws.cloudwatch',
      'detail-type': 'CloudWatch Alarm State Change',
      time: execution.startedAt,
      detail: { alarmName: 'someone-elses-alarm', state: { value: 'ALARM' } },
    };
    await expect(
      worker({ step: 'confirm-alarm', execution, plan: ref, trigger: foreign }, context),
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
        plans: publishedPlans([plan]),
        journal: createMemoryJournal(),
        clock: systemClock,
        progress: () => undefined,
        coordination,
        executions: { isRunning: unused },
        dns: { getRecord: unused, upsertRecords: unused, changeStatus: unused, checkChangeAccess: unused },
        alarms: { getStates: unused },
        notifier: { notify: unused },
        approvals: { request: unused },
      },
      logger,
    );
    await expect(worker({ step: 'flip-dns', execution, plan: ref }, context)).rejects.toMatchObject({
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
