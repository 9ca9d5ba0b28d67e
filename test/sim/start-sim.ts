// Starts the simulator for the example plan with a scenario given inline, and hands out the
// real Kubernetes API adapter for each site.
import { createKubeApi } from '../../lambdas/adapters/kube/kube-api.js';
import { loadPlan } from '../../lambdas/plan/load-plan.js';
import type { Plan, Side } from '../../lambdas/plan/schema.js';
import type { KubePort } from '../../lambdas/ports/kube.js';
import { parseScenario } from '../../sim/scenario.js';
import { startSimulation, type Simulation } from '../../sim/simulation.js';

export const examplePlanFile = 'examples/plans/rabbitmq-standby.yaml';

export interface SimFixture {
  plan: Plan;
  sim: Simulation;
  kube(side: Side, options?: { requestTimeoutMs?: number; execTimeoutMs?: number }): KubePort;
}

/** Fast by default: no added latency, quick restarts. The scenario may override any of it. */
export const startSim = async (scenario: Record<string, unknown> = {}): Promise<SimFixture> => {
  const plan = await loadPlan(examplePlanFile);
  const latency = {
    apiMs: 0,
    execMs: 0,
    restartSecondsPerPod: 0.05,
    ...(scenario.latency as object | undefined),
  };
  const sim = await startSimulation(plan, parseScenario({ ...scenario, latency }, 'test-scenario', plan));
  return {
    plan,
    sim,
    kube: (side, options) =>
      createKubeApi(sim.kubeConfigFor(side), `${side} cluster (simulated)`, {
        requestTimeoutMs: 2000,
        execTimeoutMs: 2000,
        ...options,
      }),
  };
};

export const downstreamCluster = {
  group: 'rabbitmq.com',
  version: 'v1beta1',
  plural: 'rabbitmqclusters',
  namespace: 'tanzu-rabbitmq',
  name: 'downstream-cluster',
};
export const standbyReplication = {
  group: 'rabbitmq.tanzu.vmware.com',
  version: 'v1beta1',
  plural: 'standbyreplications',
  namespace: 'tanzu-rabbitmq',
  name: 'downstream-cluster-standby-replication',
};
export const schemaReplication = {
  group: 'rabbitmq.com',
  version: 'v1beta1',
  plural: 'schemareplications',
  namespace: 'tanzu-rabbitmq',
  name: 'downstream-cluster-schema-replication',
};

/** Polls until `check` passes or the deadline; every wait in a test has a limit. */
export const eventually = async (
  check: () => Promise<boolean> | boolean,
  timeoutMs = 5000,
  what = 'condition',
): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};
