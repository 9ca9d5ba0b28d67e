// The ports of a drill: the real handlers and the real Kubernetes client, pointed at the
// simulated clusters, a local DNS zone, the scenario's alarm state, and an answer for the gate.
import { createKubeApi } from '../lambdas/adapters/kube/kube-api.js';
import { createMemoryCoordination } from '../lambdas/adapters/memory-coordination.js';
import { TransientError } from '../lambdas/errors.js';
import type { Plan } from '../lambdas/plan/schema.js';
import { planSideOf } from '../lambdas/steps/leg.js';
import type { AlarmPort } from '../lambdas/ports/alarms.js';
import type { ApprovalDecision, ApprovalPort } from '../lambdas/approvals/port.js';
import { systemClock } from '../lambdas/ports/clock.js';
import type { CoordinationPort } from '../lambdas/ports/coordination.js';
import type { ProgressEvent } from '../lambdas/steps/step-deps.js';
import type { Scenario } from '../sim/scenario.js';
import type { Simulation } from '../sim/simulation.js';
import { localWorkers, type LocalWorkers } from './local-workers.js';
import { publishedPlans } from './published-plans.js';
import type { TaskFaults } from './task-faults.js';
import { localExecutions } from './run-workflow.js';

export type GateAnswer = 'approve' | 'reject';

export const autoApprovals = (answer: GateAnswer, clock = systemClock): ApprovalPort => ({
  request: async (): Promise<ApprovalDecision> => ({
    decision: answer === 'approve' ? 'approved' : 'rejected',
    approver: `failover drill --auto-${answer}`,
    reason: `the drill answered the gate with --auto-${answer}`,
    decidedAt: clock.now().toISOString(),
  }),
});

export type DrillEnvironment = LocalWorkers;

/** The plan's coordination state as the scenario describes it. */
export const seededCoordination = async (plan: Plan, scenario: Scenario) => {
  const coordination = createMemoryCoordination();
  const c = scenario.coordination;
  const now = Date.now();
  await coordination.putPlanState(plan.name, {
    activeSide: c.activeSide,
    ...(c.cooldownMinutesLeft > 0
      ? {
          cooldownUntil: new Date(now + c.cooldownMinutesLeft * 60_000).toISOString(),
          lastExecutionId: 'an earlier failover',
        }
      : {}),
    ...(c.needsOperator ? { needsOperator: c.needsOperator } : {}),
  });
  if (c.lock) {
    await coordination.acquireLock(plan.name, {
      owner: c.lock.owner,
      acquiredAt: new Date(now).toISOString(),
      expiresAt: new Date(now + 3_600_000).toISOString(),
    });
  }
  return coordination;
};

export const drillEnvironment = (options: {
  plan: Plan;
  scenario: Scenario;
  simulation: Simulation;
  approvals: ApprovalPort;
  progress: (event: ProgressEvent) => void;
  coordination: CoordinationPort;
  /** Shorter than the real defaults where a run injects timeouts on purpose (the fault matrix). */
  kubeTimeouts?: { requestTimeoutMs: number; execTimeoutMs: number };
  /** Step budgets in ms, shorter than a deployment's (the fault matrix). */
  budgets?: Partial<Record<string, number>>;
  taskFaults?: TaskFaults;
  /** The alarm's state as the workflow reads it; default: the scenario's, fixed for the run. */
  alarms?: AlarmPort;
  /**
   * The Region of this orchestrator, for a plan with `regions`: by default its downstream's, where
   * a failover acts. The drill makes one per Region, sharing `shared` (one global table).
   */
  region?: string;
  shared?: Pick<LocalWorkers, 'journal' | 'notifications'>;
}): DrillEnvironment => {
  const { plan, scenario, simulation } = options;
  const region = options.region ?? plan.regions?.downstream;
  const { routingControls } = simulation;
  // A lock the scenario says is held by a live execution must look live to the takeover check.
  const runningElsewhere = new Set(
    scenario.coordination.lock?.running ? [scenario.coordination.lock.owner] : [],
  );
  return localWorkers({
    plans: publishedPlans([plan]),
    kubeFor: async (oriented, side) => {
      const site = planSideOf(plan, oriented, side);
      return createKubeApi(
        simulation.kubeConfigFor(site),
        `${site} cluster (simulated)`,
        options.kubeTimeouts,
      );
    },
    progress: (event) => {
      if (event.kind === 'step-started') simulation.enterStep(event.step);
      options.progress(event);
    },
    coordination: options.coordination,
    executions: {
      isRunning: async (id) => runningElsewhere.has(id) || (await localExecutions.isRunning(id)),
    },
    dns: simulation.dns,
    ...(routingControls ? { routingControlsFor: () => routingControls } : {}),
    answers: simulation.answers,
    ...(region === undefined ? {} : { region }),
    ...(options.shared ? { shared: options.shared } : {}),
    alarms: options.alarms ?? {
      getStates: async (names, alarmsRegion = region) => {
        if (alarmsRegion !== undefined && simulation.regionUnavailable(alarmsRegion))
          throw new TransientError(
            `CloudWatch DescribeAlarms ${names.join(', ')}: request timed out (${alarmsRegion} is unavailable)`,
          );
        return new Map(
          names
            .filter((n) => plan.triggers.alarms.some((a) => a.name === n))
            .map((n) => [n, scenario.alarm.state]),
        );
      },
    },
    approvals: options.approvals,
    ...(options.budgets ? { budgets: options.budgets } : {}),
    ...(options.taskFaults ? { taskFaults: options.taskFaults } : {}),
  });
};
