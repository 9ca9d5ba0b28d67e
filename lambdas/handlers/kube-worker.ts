// The Kubernetes worker: every step that talks to the clusters. One function for all of them,
// so a failover meets this cold start once and the later steps reach a warm container.
import type { Logger } from '@aws-lambda-powertools/logger';
import { evaluate } from '../steps/evaluate.js';
import { fence } from '../steps/fence.js';
import { checkReadiness } from '../steps/readiness.js';
import { promote, verifyPromotion } from '../steps/promote.js';
import type { KubeDeps } from '../steps/step-deps.js';
import { renewLease } from '../steps/lease.js';
import { catchUp, liftFence, reprotect } from '../steps/switchover.js';
import { teardown } from '../steps/teardown.js';
import { createWorker, type StepTable, type WorkerDeps } from './worker.js';

// `evaluate` is not in the workflow: the plan's readiness schedule invokes it directly.
export const kubeWorkerSteps = [
  'readiness',
  'fence',
  'catch-up',
  'lift-fence',
  'promote',
  'verify-promotion',
  'teardown',
  'reprotect',
  'evaluate',
] as const;

export const createKubeWorker = (deps: KubeDeps & WorkerDeps, logger: Logger) =>
  createWorker(
    {
      readiness: (e) => checkReadiness(deps, e.execution, e.plan),
      fence: (e) => fence(deps, e.execution, e.plan),
      'catch-up': (e) => catchUp(deps, e.execution, e.plan),
      'lift-fence': (e) => liftFence(deps, e.execution, e.plan),
      reprotect: (e) => reprotect(deps, e.execution, e.plan),
      promote: (e) => promote(deps, e.execution, e.plan),
      'verify-promotion': (e) => verifyPromotion(deps, e.execution, e.plan),
      teardown: (e) => teardown(deps, e.execution, e.plan),
      evaluate: (e) => evaluate(deps, e.execution, e.plan),
    } satisfies StepTable<(typeof kubeWorkerSteps)[number]>,
    deps.plans,
    logger,
    async (e) => {
      if (deps.coordination)
        await renewLease({ ...deps, coordination: deps.coordination }, e.execution, e.plan, e.step);
    },
  );
