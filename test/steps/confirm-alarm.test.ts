// confirm-alarm after the settle time: only ALARM goes on. OK is a cleared alarm; no data is not
// a cleared alarm but an unconfirmed one, and halts with its own error, a notification and
// nothing changed.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryCoordination } from '../../lambdas/adapters/memory-coordination.js';
import { createMemoryJournal } from '../../lambdas/adapters/memory-journal.js';
import { drillAlarmEvent } from '../../lambdas/plan/alarm-event.js';
import { loadPlan } from '../../lambdas/plan/load-plan.js';
import type { Plan } from '../../lambdas/plan/schema.js';
import type { AlarmState } from '../../lambdas/ports/alarms.js';
import type { ClockPort } from '../../lambdas/ports/clock.js';
import type { Notification } from '../../lambdas/ports/notifier.js';
import { confirmAlarm } from '../../lambdas/steps/confirm-alarm.js';
import { halt } from '../../lambdas/steps/report.js';
import type { AwsDeps } from '../../lambdas/steps/step-deps.js';
import { runDrill } from '../workflow/run-drill.js';

const alarmName = 'orders-rabbitmq-upstream-unhealthy';
const triggeredAt = new Date('2026-03-01T10:30:00.000Z');
const execution = {
  id: 'arn:aws:states:eu-west-1:1:execution:failover:no-data',
  startedAt: triggeredAt.toISOString(),
};

const depsWith = (state: AlarmState) => {
  const notifications: Notification[] = [];
  const clock: ClockPort = {
    now: () => new Date(triggeredAt.getTime() + 60_000),
    sleep: async () => undefined,
  };
  // confirm-alarm and halt reach neither DNS, executions nor approvals: they are not given any.
  const deps: Pick<AwsDeps, 'journal' | 'clock' | 'progress' | 'coordination' | 'alarms' | 'notifier'> = {
    journal: createMemoryJournal(),
    clock,
    progress: () => undefined,
    coordination: createMemoryCoordination(),
    alarms: { getStates: async (names) => new Map(names.map((n) => [n, state])) },
    notifier: { notify: async (n) => void notifications.push(n) },
  };
  return { deps: deps as AwsDeps, notifications };
};

describe('confirm-alarm', () => {
  let plan: Plan;
  beforeAll(async () => {
    plan = await loadPlan('examples/plans/rabbitmq-standby.yaml');
  });

  it('re-reads the alarm in the Region its event came from (a plan of two Regions hears the other one, forwarded)', async () => {
    const { deps } = depsWith('ALARM');
    const asked: Array<string | undefined> = [];
    deps.alarms = {
      getStates: async (names, region) => {
        asked.push(region);
        return new Map(names.map((n) => [n, 'ALARM' as const]));
      },
    };
    await confirmAlarm(deps, execution, plan, drillAlarmEvent(alarmName, triggeredAt, 'e1', 'eu-west-1'));
    await confirmAlarm(
      deps,
      { ...execution, id: `${execution.id}-2` },
      plan,
      drillAlarmEvent(alarmName, triggeredAt, 'e2'),
    );
    expect(asked).toEqual(['eu-west-1', undefined]);
  });

  it('an alarm without data is not confirmed: AlarmNotConfirmed saying what it may mean and what to do, never AlarmCleared', async () => {
    const { deps } = depsWith('INSUFFICIENT_DATA');
    const attempt = confirmAlarm(deps, execution, plan, drillAlarmEvent(alarmName, triggeredAt));
    await expect(attempt).rejects.toMatchObject({
      name: 'AlarmNotConfirmed',
      detail: expect.objectContaining({ alarmName, stateNow: 'INSUFFICIENT_DATA' }),
    });
    const message = await attempt.catch((err: Error) => err.message);
    expect(message).toMatch(
      /^alarm orders-rabbitmq-upstream-unhealthy has no data \(INSUFFICIENT_DATA\) after the 60 s settle time/,
    );
    expect(message).toContain('the upstream may be down or its metric pipeline broken');
    expect(message).toContain('failover run');
    expect(message).not.toMatch(/cleared/i);
  });

  it('an alarm back to OK is cleared', async () => {
    const { deps } = depsWith('OK');
    await expect(
      confirmAlarm(deps, execution, plan, drillAlarmEvent(alarmName, triggeredAt)),
    ).rejects.toMatchObject({
      name: 'AlarmCleared',
      message: expect.stringMatching(
        /^alarm orders-rabbitmq-upstream-unhealthy is OK after the 60 s settle time/,
      ),
    });
  });

  it('Halt after AlarmNotConfirmed reports HALTED with nothing changed and notifies', async () => {
    const { deps, notifications } = depsWith('INSUFFICIENT_DATA');
    const err = (await confirmAlarm(deps, execution, plan, drillAlarmEvent(alarmName, triggeredAt)).catch(
      (e: Error) => e,
    )) as Error;
    const report = await halt(deps, execution, plan, {
      Error: err.name,
      Cause: JSON.stringify({ errorType: err.name, errorMessage: err.message }),
    });
    expect(report.status).toBe('HALTED');
    expect(report.reason).toMatch(/^AlarmNotConfirmed: alarm orders-rabbitmq-upstream-unhealthy has no data/);
    expect(report.sideEffects).toEqual([]);
    expect(report.steps.map((s) => `${s.name}:${s.outcome}`)).toEqual(['confirm-alarm:failed']);
    expect(notifications).toEqual([
      expect.objectContaining({
        subject: '[failover] orders-rabbitmq: HALTED',
        message: expect.stringContaining(
          'AlarmNotConfirmed: alarm orders-rabbitmq-upstream-unhealthy has no data',
        ),
      }),
    ]);
  });

  it('a drill whose alarm has no data halts at confirm-alarm (exit 3) and changes nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'alarm-no-data-'));
    const scenarioFile = join(dir, 'alarm-no-data.yaml');
    await writeFile(
      scenarioFile,
      'description: The alarm has no data after the settle time.\nalarm:\n  state: INSUFFICIENT_DATA\n',
    );
    const run = await runDrill({ scenarioFile });
    expect(run.exitCode).toBe(3);
    expect(run.report?.status).toBe('HALTED');
    expect(run.report?.reason).toMatch(
      /^AlarmNotConfirmed: alarm orders-rabbitmq-upstream-unhealthy has no data/,
    );
    expect(run.report?.steps.map((s) => s.name)).toEqual(['admit', 'confirm-alarm']);
    expect(run.state.log).toEqual([]);
  });
});
