// Ends of an execution that the workflow's own Catch never sees, through the ASL file on the
// simulated clusters: the local runner fails an oversize state as Step Functions does
// (States.DataLimitExceeded, no Catch), and then, as EventBridge would, hands the status change
// to the AWS worker, whose execution-ended step reports, notifies and frees the lock. Halt
// itself failing (HaltNotRecorded) takes the same path and leaves the plan to an operator.
import type { Context } from 'aws-lambda';
import { drillAlarmEvent } from '../../lambdas/plan/alarm-event.js';
import { loadPlan } from '../../lambdas/plan/load-plan.js';
import type { Plan } from '../../lambdas/plan/schema.js';
import {
  autoApprovals,
  drillEnvironment,
  seededCoordination,
  type DrillEnvironment,
} from '../../local/drill-deps.js';
import { MAX_PAYLOAD_BYTES, runWorkflow, type WorkflowRun } from '../../local/run-workflow.js';
import { loadScenario } from '../../sim/scenario.js';
import { startSimulation } from '../../sim/simulation.js';
import { examplePlan, mutating, scenario } from './run-drill.js';

type Handler = (event: unknown, context: Context) => Promise<unknown>;
/** A step's result grown by a `padding` field of `bytes` characters. */
const padded = (result: unknown, bytes: number) => ({ ...(result as object), padding: 'x'.repeat(bytes) });
const stepOf = (event: unknown) =>
  (event as { step?: string }).step ?? (event as { 'detail-type'?: string })['detail-type'];

interface Drill {
  plan: Plan;
  run: WorkflowRun;
  env: DrillEnvironment;
  coordination: Awaited<ReturnType<typeof seededCoordination>>;
  /** Every event the AWS worker received, in order: its step, or the status-change event's detail-type. */
  awsCalls: string[];
  mutations: number;
}

/**
 * A drill of the example plan on `scenarioName`; `wrap` may change what a worker answers, and
 * `prepare` the environment before the run.
 */
const drill = async (
  scenarioName: string,
  wrap: { kube?: (h: Handler) => Handler; aws?: (h: Handler) => Handler } = {},
  prepare: (env: DrillEnvironment) => void = () => undefined,
): Promise<Drill> => {
  const plan = await loadPlan(examplePlan);
  const scn = await loadScenario(scenario(scenarioName), plan);
  const simulation = await startSimulation(plan, scn);
  try {
    const coordination = await seededCoordination(plan, scn);
    const env = drillEnvironment({
      plan,
      scenario: scn,
      simulation,
      coordination,
      approvals: autoApprovals('approve'),
      progress: () => undefined,
    });
    prepare(env);
    const awsCalls: string[] = [];
    const aws = (wrap.aws ?? ((h) => h))(env.workers.AwsWorkerArn);
    const workers = {
      KubeWorkerArn: (wrap.kube ?? ((h) => h))(env.workers.KubeWorkerArn),
      AwsWorkerArn: async (event: unknown, context: Context) => {
        awsCalls.push(stepOf(event) ?? '?');
        return aws(event, context);
      },
    };
    const run = await runWorkflow({
      plan,
      trigger: drillAlarmEvent(plan.triggers.alarms[0]!.name, new Date()),
      workers,
      journal: env.journal,
      settleMs: 0,
      retryIntervalMs: 50,
    });
    return { plan, run, env, coordination, awsCalls, mutations: mutating(simulation.state()).length };
  } finally {
    await simulation.stop();
  }
};

/** Readiness answers `bytes` more than it does. */
const inflateReadiness = (bytes: number) => ({
  kube:
    (handler: Handler): Handler =>
    async (event, context) => {
      const result = await handler(event, context);
      return stepOf(event) === 'readiness' ? padded(result, bytes) : result;
    },
});

const STATUS_CHANGE = 'Step Functions Execution Status Change';

describe('an oversize payload ends the execution as in Step Functions, and the execution-ended path records it', () => {
  it('a task result over 256 KiB: States.DataLimitExceeded, no Catch, nothing after it runs; then a report, a notification, the lock freed', async () => {
    const { plan, run, env, coordination, awsCalls, mutations } = await drill(
      'healthy',
      inflateReadiness(MAX_PAYLOAD_BYTES),
    );

    expect(run.executionStatus).toBe('States.DataLimitExceeded');
    expect(run.payloads.find((p) => p.bytes > MAX_PAYLOAD_BYTES)).toMatchObject({
      state: 'CheckReadiness',
      what: 'task result',
    });
    // Halt never ran: the AWS worker's last call is the status change EventBridge delivers.
    expect(awsCalls).not.toContain('halt');
    expect(awsCalls.at(-1)).toBe(STATUS_CHANGE);
    expect((await env.journal.listSteps(run.executionId)).map((r) => r.step)).not.toContain('approval');
    expect(mutations).toBe(0);

    expect(run.report.status).toBe('HALTED');
    expect(run.report.reason).toMatch(
      /^States\.DataLimitExceeded: the execution ended FAILED outside the workflow's own Catch, so Halt did not record it \(CheckReadiness: its task result is \d+ bytes of JSON, over Step Functions' limit of 262144\)/,
    );
    expect(env.notifications.map((n) => n.subject)).toEqual(['[failover] orders-rabbitmq: HALTED']);
    expect(env.notifications[0]!.message).toContain("outside the workflow's own Catch");
    expect(coordination.lockOf(plan.name)).toBeUndefined();
    // Nothing could have been changed: readiness only reads, and the next step never started.
    expect((await coordination.getPlanState(plan.name)).needsOperator).toBeUndefined();
  });

  it('a result under 256 KiB that makes the whole state document over it: the state fails, the next task never runs', async () => {
    // The rest of the state (the plan's name and hash, the alarm event, Admit's decision) is about 1 KB.
    const { run, env, coordination, plan, awsCalls } = await drill(
      'healthy',
      inflateReadiness(MAX_PAYLOAD_BYTES - 500),
    );

    expect(run.executionStatus).toBe('States.DataLimitExceeded');
    const readiness = run.payloads.filter((p) => p.state === 'CheckReadiness');
    expect(readiness.find((p) => p.what === 'task result')!.bytes).toBeLessThan(MAX_PAYLOAD_BYTES);
    expect(readiness.find((p) => p.what === 'state output')!.bytes).toBeGreaterThan(MAX_PAYLOAD_BYTES);
    expect(awsCalls).not.toContain('approval');
    expect(awsCalls).not.toContain('halt');
    expect((await env.journal.listSteps(run.executionId)).map((r) => r.step)).not.toContain('approval');
    expect(run.report.reason).toContain('CheckReadiness: its state output is');
    expect(env.notifications.map((n) => n.subject)).toEqual(['[failover] orders-rabbitmq: HALTED']);
    expect(coordination.lockOf(plan.name)).toBeUndefined();
  });

  it('an oversize output that only a Fail state follows still fails the execution as States.DataLimitExceeded; Halt’s report stands', async () => {
    const growHalt =
      (handler: Handler): Handler =>
      async (event, context) => {
        const result = await handler(event, context);
        return stepOf(event) === 'halt' ? padded(result, MAX_PAYLOAD_BYTES - 500) : result;
      };
    const { run, env, coordination, plan, awsCalls } = await drill('lagging', { aws: growHalt });

    expect(run.executionStatus).toBe('States.DataLimitExceeded');
    expect(awsCalls.slice(-2)).toEqual(['halt', STATUS_CHANGE]);
    // Halt had recorded the run: the status change only made sure the lock was free.
    expect(run.report.status).toBe('HALTED');
    expect(run.report.reason).toMatch(/^NotReady: /);
    expect(env.notifications).toHaveLength(1);
    expect(coordination.lockOf(plan.name)).toBeUndefined();
  });
});

describe('an execution input over 256 KiB', () => {
  it('is refused before anything runs, as StartExecution refuses it', async () => {
    const plan = await loadPlan(examplePlan);
    const trigger = {
      ...drillAlarmEvent(plan.triggers.alarms[0]!.name, new Date()),
      padding: 'x'.repeat(MAX_PAYLOAD_BYTES),
    };
    const untouched = async () => {
      throw new Error('no worker may run');
    };
    await expect(
      runWorkflow({
        plan,
        trigger,
        workers: { KubeWorkerArn: untouched, AwsWorkerArn: untouched },
        journal: { getReport: untouched } as never,
        settleMs: 0,
        retryIntervalMs: 50,
      }),
    ).rejects.toThrow(
      /^the execution input is \d+ bytes of JSON, over Step Functions' limit of 262144: StartExecution would refuse it$/,
    );
  });
});

describe('Halt itself failing', () => {
  it('ends in HaltNotRecorded; the execution-ended path writes the report, frees the lock, notifies, and the plan waits for an operator', async () => {
    let failures = 0;
    const { plan, run, env, coordination, awsCalls } = await drill('lagging', {}, (env) => {
      const putReport = env.journal.putReport.bind(env.journal);
      env.journal.putReport = async (report) => {
        // The journal refuses Halt's write once (a throttled table, say); later writes succeed.
        if (failures++ === 0)
          throw new Error('DynamoDB PutItem report: ProvisionedThroughputExceededException');
        return putReport(report);
      };
    });

    expect(failures).toBe(2);
    expect(run.executionStatus).toBe('HaltNotRecorded');
    expect(awsCalls.slice(-2)).toEqual(['halt', STATUS_CHANGE]);
    expect(run.report.status).toBe('HALTED');
    expect(run.report.reason).toMatch(
      /^HaltNotRecorded: the execution ended FAILED outside the workflow's own Catch, so Halt did not record it \(The workflow stopped and its report could not be written or sent/,
    );
    expect(run.report.reason).toContain('the last failed step was readiness: NotReady: downstream not ready');
    expect(run.report.reason).toContain('so the plan waits for an operator');
    expect((await coordination.getPlanState(plan.name)).needsOperator).toMatch(
      new RegExp(
        `^failover ${run.executionId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} ended HaltNotRecorded after `,
      ),
    );
    expect(coordination.lockOf(plan.name)).toBeUndefined();
    expect(env.notifications.map((n) => n.subject)).toEqual(['[failover] orders-rabbitmq: HALTED']);
  });
});
