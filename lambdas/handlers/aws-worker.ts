// The AWS worker: every step that talks to AWS services (CloudWatch, Route 53, DynamoDB, SNS).
import type { Logger } from '@aws-lambda-powertools/logger';
import { BadInputError } from '../errors.js';
import { confirmAlarm } from '../steps/confirm-alarm.js';
import { flipDns, verifyDns } from '../steps/dns.js';
import { admit } from '../steps/admit.js';
import { halt, recordBlocked, reportSuccess } from '../steps/report.js';
import { requestApproval } from '../steps/request-approval.js';
import type { AwsDeps } from '../steps/step-deps.js';
import type { StepEvent } from './step-event.js';
import { createWorker, type StepTable } from './worker.js';

export const awsWorkerSteps = ['admit', 'blocked', 'confirm-alarm', 'approval', 'flip-dns', 'verify-dns', 'report', 'halt'] as const;

const requireError = (e: StepEvent) => {
  if (!e.error) throw new BadInputError(`${e.step} needs the error that stopped the workflow`);
  return e.error;
};

export const createAwsWorker = (deps: AwsDeps, logger: Logger) =>
  createWorker(
    ({
      admit: (e) => admit(deps, e.execution, e.plan, e.trigger),
      blocked: (e) => recordBlocked(deps, e.execution, e.plan, requireError(e)),
      'confirm-alarm': (e) => confirmAlarm(deps, e.execution, e.plan, e.trigger),
      approval: (e) => requestApproval(deps, e.execution, e.plan, e.evidence, e.taskToken, e.approvalTimeoutSeconds),
      'flip-dns': (e) => flipDns(deps, e.execution, e.plan),
      'verify-dns': (e) => verifyDns(deps, e.execution, e.plan),
      report: (e) => reportSuccess(deps, e.execution, e.plan),
      halt: async (e) => {
        const report = await halt(deps, e.execution, e.plan, requireError(e));
        logger.warn('failover halted', { status: report.status, reason: report.reason });
        return report;
      },
    }) satisfies StepTable<(typeof awsWorkerSteps)[number]>,
    logger,
  );
