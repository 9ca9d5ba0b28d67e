// The AWS worker: every step that talks to AWS services (CloudWatch, Route 53, DynamoDB, SNS).
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { BadInputError } from '../errors.js';
import { confirmAlarm } from '../steps/confirm-alarm.js';
import { flipDns, verifyDns } from '../steps/dns.js';
import { admit } from '../steps/admit.js';
import { executionEnded } from '../steps/execution-ended.js';
import { renewLease } from '../steps/lease.js';
import { haltWhenStepsStopped, recordBlocked, reportSuccess } from '../steps/report.js';
import { reportInState } from '../steps/report-in-state.js';
import { requestApproval } from '../steps/request-approval.js';
import type { AwsDeps } from '../steps/step-deps.js';
import { isAlarmStateChange, startFailover, type StartFailoverDeps } from '../steps/start-failover.js';
import { checkTrafficSwitch } from '../steps/traffic-switch-check.js';
import type { StepEvent } from './step-event.js';
import { createWorker, type StepTable, type WorkerDeps } from './worker.js';

export const awsWorkerSteps = [
  'admit',
  'blocked',
  'confirm-alarm',
  'check-dns',
  'approval',
  'flip-dns',
  'verify-dns',
  'report',
  'halt',
  'execution-ended',
] as const;

const requireError = (e: StepEvent) => {
  if (!e.error) throw new BadInputError(`${e.step} needs the error that stopped the workflow`);
  return e.error;
};

export interface AwsWorkerDeps extends AwsDeps, WorkerDeps {
  /**
   * Starts the workflow for the trigger rule's alarm events (steps/start-failover.ts). Absent on
   * this machine, where a run starts the workflow itself (local/run-workflow.ts).
   */
  starts?: Pick<StartFailoverDeps, 'workflow' | 'stateMachineArn'>;
}

/** The worker's handler: the workflow's steps, and the trigger rule's alarm events. */
export const createAwsWorker = (deps: AwsWorkerDeps, logger: Logger) => {
  const steps = createStepWorker(deps, logger);
  return async (event: unknown, context?: Context): Promise<unknown> => {
    if (!isAlarmStateChange(event)) return steps(event, context as Context);
    if (!deps.starts)
      throw new BadInputError('this worker starts no workflow: alarm events reach it only in AWS');
    const result = await startFailover(
      {
        ...deps.starts,
        plans: deps.plans,
        notifier: deps.notifier,
        ...(deps.region === undefined ? {} : { region: deps.region }),
      },
      event,
    );
    if (result.started) logger.info('failover started', result);
    else logger.info('alarm starts no failover', { reason: result.reason });
    return result;
  };
};

const createStepWorker = (deps: AwsWorkerDeps, logger: Logger) =>
  createWorker(
    {
      admit: (e) => admit(deps, e.execution, e.plan, e.trigger),
      blocked: async (e) => reportInState(await recordBlocked(deps, e.execution, e.plan, requireError(e))),
      'confirm-alarm': (e) => confirmAlarm(deps, e.execution, e.plan, e.trigger),
      'check-dns': (e) => checkTrafficSwitch(deps, e.execution, e.plan),
      approval: (e) =>
        requestApproval(deps, e.execution, e.plan, e.taskToken, e.approvalTimeoutSeconds, e.leg),
      'flip-dns': (e) => flipDns(deps, e.execution, e.plan),
      'verify-dns': (e) => verifyDns(deps, e.execution, e.plan),
      report: async (e) => reportInState(await reportSuccess(deps, e.execution, e.plan, e.leg)),
      halt: async (e) => {
        const report = await haltWhenStepsStopped(deps, e.execution, e.plan, requireError(e));
        if ('pending' in report)
          logger.warn('halting: waiting for steps still working', { waitingFor: report.waitingFor });
        else logger.warn('failover halted', { status: report.status, reason: report.reason });
        return reportInState(report);
      },
      // Not a Task: EventBridge delivers Step Functions' status-change event (see step-event.ts).
      'execution-ended': (e) => executionEnded(deps, e.execution, e.plan, e.ended),
    } satisfies StepTable<(typeof awsWorkerSteps)[number]>,
    deps.plans,
    logger,
    (e) => renewLease(deps, e.execution, e.plan, e.step),
  );
