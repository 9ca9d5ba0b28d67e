// The Kubernetes worker: every step that talks to the clusters. One function for all of them,
// so a failover meets this cold start once and the later steps reach a warm container.
import type { Logger } from '@aws-lambda-powertools/logger';
import { checkReadiness } from '../steps/readiness.js';
import { promote, verifyPromotion } from '../steps/promote.js';
import type { KubeDeps } from '../steps/step-deps.js';
import { teardown } from '../steps/teardown.js';
import { createWorker, type StepTable } from './worker.js';

export const kubeWorkerSteps = ['readiness', 'promote', 'verify-promotion', 'teardown'] as const;

export const createKubeWorker = (deps: KubeDeps, logger: Logger) =>
  createWorker(
    ({
      readiness: (e) => checkReadiness(deps, e.execution, e.plan),
      promote: (e) => promote(deps, e.execution, e.plan),
      'verify-promotion': (e) => verifyPromotion(deps, e.execution, e.plan),
      teardown: (e) => teardown(deps, e.execution, e.plan),
    }) satisfies StepTable<(typeof kubeWorkerSteps)[number]>,
    logger,
  );
