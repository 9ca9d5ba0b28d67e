// The trigger rule's alarm events, as the AWS worker handles them: an alarm a deployed plan names
// starts one execution of that plan, by name and hash, and tells people; any other alarm starts
// nothing; the same event delivered again starts nothing new.
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { createMemoryCoordination } from '../../lambdas/adapters/memory-coordination.js';
import { createMemoryJournal } from '../../lambdas/adapters/memory-journal.js';
import { executionName, type WorkflowStartPort } from '../../lambdas/adapters/sfn-workflow-start.js';
import { createAwsWorker } from '../../lambdas/handlers/aws-worker.js';
import { loadPlan } from '../../lambdas/plan/load-plan.js';
import { planRef, type PlanRef } from '../../lambdas/plan/plan-ref.js';
import type { Plan } from '../../lambdas/plan/schema.js';
import { systemClock } from '../../lambdas/ports/clock.js';
import type { Notification } from '../../lambdas/ports/notifier.js';
import { publishedPlans } from '../../local/published-plans.js';

const logger = new Logger({ logLevel: 'SILENT' });
const context = { functionName: 'aws-worker', awsRequestId: 'r' } as unknown as Context;
const STATE_MACHINE = 'arn:aws:states:eu-west-1:111122223333:stateMachine:failover';
const unused = () => {
  throw new Error('must not be reached');
};

const alarmEvent = (alarmName: string, value = 'ALARM', id = 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92') => ({
  version: '0',
  id,
  'detail-type': 'CloudWatch Alarm State Change',
  source: 'aws.cloudwatch',
  account: '111122223333',
  time: '2026-03-01T10:00:00Z',
  region: 'eu-west-1',
  resources: [`arn:aws:cloudwatch:eu-west-1:111122223333:alarm:${alarmName}`],
  detail: { alarmName, state: { value, reason: 'Threshold Crossed' } },
});

let plan: Plan;
beforeAll(async () => {
  plan = await loadPlan('examples/plans/rabbitmq-standby.yaml');
});

const setup = (withStarts = true, deployed: Plan = plan, region?: string) => {
  const started = new Map<string, { plan: PlanRef; trigger: unknown }>();
  const workflow: WorkflowStartPort = {
    start: async (ref, trigger, triggerId) => {
      const name = executionName(ref, triggerId);
      if (!started.has(name)) started.set(name, { plan: ref, trigger });
      return `${STATE_MACHINE.replace(':stateMachine:', ':execution:')}:${name}`;
    },
  };
  const notifications: Notification[] = [];
  const worker = createAwsWorker(
    {
      plans: publishedPlans([deployed]),
      journal: createMemoryJournal(),
      clock: systemClock,
      progress: () => undefined,
      coordination: createMemoryCoordination(),
      executions: { isRunning: unused },
      dns: { getRecord: unused, upsertRecords: unused, changeStatus: unused, checkChangeAccess: unused },
      alarms: { getStates: unused },
      notifier: { notify: async (n) => void notifications.push(n) },
      approvals: { request: unused },
      ...(withStarts ? { starts: { workflow, stateMachineArn: STATE_MACHINE } } : {}),
      ...(region ? { region } : {}),
    },
    logger,
  );
  return { worker, started, notifications };
};

describe('an alarm of a plan of two Regions (each Region hears it: its own, or forwarded)', () => {
  it("starts the failover only in the downstream's Region; the upstream's starts nothing and tells nobody", async () => {
    const twoRegions = await loadPlan('examples/two-regions/rabbitmq-standby.yaml');
    const alarm = 'orders-rabbitmq-dr-upstream-nodes-missing';
    const upstream = setup(true, twoRegions, 'eu-west-1');
    expect(await upstream.worker(alarmEvent(alarm), context)).toEqual({
      started: false,
      reason:
        "plan orders-rabbitmq-dr fails over from eu-central-1, its downstream's Region; the orchestrator there starts it",
    });
    expect(upstream.started.size + upstream.notifications.length).toBe(0);
    const downstream = setup(true, twoRegions, 'eu-central-1');
    expect(await downstream.worker(alarmEvent(alarm), context)).toMatchObject({
      started: true,
      plan: 'orders-rabbitmq-dr',
    });
    expect(downstream.started.size).toBe(1);
  });

  it("an alarm of the same name in another Region is not the plan's: it starts nothing", async () => {
    const twoRegions = await loadPlan('examples/two-regions/rabbitmq-standby.yaml');
    const { worker, started } = setup(true, twoRegions, 'eu-central-1');
    const canary = 'orders-rabbitmq-dr-upstream-unreachable-from-eu-central-1';
    const elsewhere = { ...alarmEvent(canary), region: 'us-east-1' };
    expect(await worker(elsewhere, context)).toEqual({
      started: false,
      reason: `alarm ${canary} of us-east-1 is not plan orders-rabbitmq-dr's: its alarm of that name is in eu-central-1`,
    });
    expect(await worker({ ...alarmEvent(canary), region: 'eu-central-1' }, context)).toMatchObject({
      started: true,
    });
    expect(started.size).toBe(1);
  });
});

describe('an alarm of the account enters ALARM', () => {
  it("one of a plan's alarms starts that plan's workflow with its name and hash and the whole event, and tells people", async () => {
    const { worker, started, notifications } = setup();
    const event = alarmEvent('orders-rabbitmq-upstream-nodes-missing');
    expect(await worker(event, context)).toEqual({
      started: true,
      plan: 'orders-rabbitmq',
      executionArn: expect.stringMatching(/:execution:failover:orders-rabbitmq-alarm-c4c1c1c9-/),
    });
    expect([...started.values()]).toEqual([{ plan: planRef(plan), trigger: event }]);
    expect(notifications).toEqual([
      {
        subject: '[failover] orders-rabbitmq: TRIGGERED',
        message:
          'Failover of orders-rabbitmq triggered: alarm orders-rabbitmq-upstream-nodes-missing entered ALARM at 2026-03-01T10:00:00Z. ' +
          'After the 60 s settle time the workflow re-reads the alarm, checks that the standby is ready and asks for approval before it changes anything. ' +
          `Follow it in Step Functions (${STATE_MACHINE}); its report follows when it ends.`,
        attributes: { plan: 'orders-rabbitmq', execution: expect.any(String), status: 'TRIGGERED' },
      },
    ]);
  });

  it('the same event delivered twice names the same execution', async () => {
    const { worker, started } = setup();
    const first = await worker(alarmEvent('orders-rabbitmq-upstream-unhealthy'), context);
    const again = await worker(alarmEvent('orders-rabbitmq-upstream-unhealthy'), context);
    expect(again).toEqual(first);
    expect(started.size).toBe(1);
  });

  it('an alarm no deployed plan names starts nothing and tells nobody', async () => {
    const { worker, started, notifications } = setup();
    expect(await worker(alarmEvent('billing-api-latency'), context)).toEqual({
      started: false,
      reason: 'alarm billing-api-latency starts no deployed plan',
    });
    expect([started.size, notifications]).toEqual([0, []]);
  });

  it('a malformed alarm event is BadInput; on this machine, where runs start the workflow themselves, an alarm event is refused', async () => {
    const { worker } = setup();
    await expect(
      worker({ ...alarmEvent('orders-rabbitmq-upstream-unhealthy'), detail: {} }, context),
    ).rejects.toMatchObject({
      name: 'BadInput',
      message: expect.stringContaining('malformed CloudWatch alarm event'),
    });
    await expect(
      setup(false).worker(alarmEvent('orders-rabbitmq-upstream-unhealthy'), context),
    ).rejects.toMatchObject({
      name: 'BadInput',
    });
  });
});
