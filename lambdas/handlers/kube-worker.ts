// The Kubernetes worker: every step that talks to the clusters. One function for all of them,
// so a failover meets this cold start once and the later steps reach a warm container.
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { checkReadiness } from '../steps/readiness.js';
import { promote, verifyPromotion } from '../steps/promote.js';
import type { KubeDeps } from '../steps/step-deps.js';
import { teardown } from '../steps/teardown.js';
import { parseStepEvent } from './step-event.js';

export const kubeWorkerSteps = ['readiness', 'promote', 'verify-promotion', 'teardown'] as const;

export const createKubeWorker = (deps: KubeDeps, logger: Logger) =>
  middy(async (raw: unknown) => {
    const event = parseStepEvent(raw, kubeWorkerSteps);
    logger.appendKeys({ plan: event.plan.name, execution: event.execution.id, step: event.step });
    switch (event.step) {
      case 'readiness':
        return checkReadiness(deps, event.execution, event.plan);
      case 'promote':
        return promote(deps, event.execution, event.plan);
      case 'verify-promotion':
        return verifyPromotion(deps, event.execution, event.plan);
      default:
        return teardown(deps, event.execution, event.plan);
    }
  }).use(injectLambdaContext(logger, { resetKeys: true }));
