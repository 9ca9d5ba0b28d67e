// What both deployed functions share: configuration from the environment and logging.
import { Logger } from '@aws-lambda-powertools/logger';
import { BadInputError } from '../errors.js';
import type { Plan, Side } from '../plan/schema.js';
import type { ProgressEvent } from '../steps/step-deps.js';

export const requiredEnv = (name: string): string => {
  const value = process.env[name];
  if (!value)
    throw new Error(
      `environment variable ${name} is not set: the stack sets it; check the function's configuration`,
    );
  return value;
};

export const logger = new Logger({ serviceName: 'failover-orchestrator' });

export const logProgress = (event: ProgressEvent) => {
  if (event.kind === 'step-finished')
    logger.info(`${event.step} ${event.outcome}`, {
      attempt: event.attempt,
      durationMs: event.durationMs,
      summary: event.summary,
    });
  else if (event.kind === 'step-progress') logger.info(event.message);
  else logger.info(`${event.step} started`, { attempt: event.attempt });
};

export const eksClusterOf = (plan: Plan, side: Side) => {
  const eks = plan.clusters[side].eks;
  if (!eks)
    throw new BadInputError(
      `plan ${plan.name}: clusters.${side} has no \`eks\` entry; a deployed workflow reaches clusters through EKS`,
    );
  return eks;
};
