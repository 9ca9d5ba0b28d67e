// KubePort.deletePod through the real client-node against the simulated API server, on the
// RocketMQ model whose pods sit on nodes of two sites: a graceful delete of a pod on a lost
// node leaves it Terminating (its kubelet never confirms), a forced one (grace 0) frees it for
// its StatefulSet to reschedule; a pod that is not there is 'absent'.
import { createKubeApi } from '../../../lambdas/adapters/kube/kube-api.js';
import { loadPlan } from '../../../lambdas/plan/load-plan.js';
import { parseScenario } from '../../../sim/scenario.js';
import { startSimulation, type Simulation } from '../../../sim/simulation.js';

const namespace = 'mcamel-name-work6';
let simulation: Simulation;

beforeAll(async () => {
  const plan = await loadPlan('examples/plans/rocketmq-controller.yaml');
  simulation = await startSimulation(
    plan,
    parseScenario(
      {
        latency: { apiMs: 0, execMs: 0 },
        clusters: { lostSite: 'az2', controller: { site: 'az2' }, rescheduleSeconds: 0.2 },
      },
      'delete-pod',
      plan,
    ),
  );
});
afterAll(async () => simulation.stop());

const kube = () =>
  createKubeApi(simulation.kubeConfigFor('downstream'), 'downstream cluster (simulated)', {
    requestTimeoutMs: 2000,
  });
const controller = async () => (await kube().listPods(namespace, 'app=rocketmq-controller'))[0];

const eventually = async (check: () => Promise<boolean>, what: string) => {
  const deadline = Date.now() + 5000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

it('lists where a pod runs (node, IP) and whether it is Ready or Terminating', async () => {
  expect(await controller()).toMatchObject({
    name: 'controller-0',
    ready: false,
    node: expect.stringMatching(/^k8s-node-0[4-6]$/),
    ip: expect.stringMatching(/^10\.2\./),
  });
});

it('a graceful delete of a pod on a lost node leaves it Terminating; a forced one lets it be rescheduled on a live node', async () => {
  expect(await kube().deletePod(namespace, 'controller-0')).toBe('deleted');
  expect(await controller()).toMatchObject({ name: 'controller-0', terminating: true, ready: false });

  expect(await kube().deletePod(namespace, 'controller-0', { gracePeriodSeconds: 0 })).toBe('deleted');
  await eventually(async () => (await controller())?.ready === true, 'controller-0 to be Ready again');
  const rescheduled = await controller();
  expect(rescheduled).toMatchObject({
    ready: true,
    node: expect.stringMatching(/^k8s-node-0[1-3]$/),
    ip: expect.stringMatching(/^10\.1\./),
  });
  expect(rescheduled?.terminating).toBeUndefined();
  expect(simulation.state('rocketmq-controller').controller).toMatchObject({
    site: 'az1',
    ready: true,
    restarts: 1,
  });
});

it('deleting a pod that does not exist is absent, not an error', async () => {
  expect(await kube().deletePod(namespace, 'no-such-pod')).toBe('absent');
});
