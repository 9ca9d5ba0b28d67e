// The AWS worker: every step that talks to AWS services (CloudWatch, Route 53, DynamoDB, SNS).
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { BadInputError } from '../errors.js';
import { confirmAlarm } from '../steps/confirm-alarm.js';
import { flipDns, verifyDns } from '../steps/dns.js';
import { halt, reportSuccess } from '../steps/report.js';
import { requestApproval } from '../steps/request-approval.js';
import type { AwsDeps } from '../steps/step-deps.js';
import { parseStepEvent } from './step-event.js';

export const awsWorkerSteps = ['confirm-alarm', 'approval', 'flip-dns', 'verify-dns', 'report', 'halt'] as const;

export const createAwsWorker = (deps: AwsDeps, logger: Logger) =>
  middy(async (raw: unknown) => {
    const event = parseStepEvent(raw, awsWorkerSteps);
    logger.appendKeys({ plan: event.plan.name, execution: event.execution.id, step: event.step });
    switch (event.step) {
      case 'confirm-alarm':
        return confirmAlarm(deps, event.execution, event.plan, event.trigger);
      case 'approval':
        return requestApproval(deps, event.execution, event.plan, event.evidence, event.taskToken);
      case 'flip-dns':
        return flipDns(deps, event.execution, event.plan);
      case 'verify-dns':
        return verifyDns(deps, event.execution, event.plan);
      case 'report':
        return reportSuccess(deps, event.execution, event.plan);
      default: {
        if (!event.error) throw new BadInputError('halt needs the error that stopped the workflow');
        const report = await halt(deps, event.execution, event.plan, event.error);
        logger.warn('failover halted', { status: report.status, reason: report.reason });
        return report;
      }
    }
  }).use(injectLambdaContext(logger, { resetKeys: true }));
