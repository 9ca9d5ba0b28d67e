import { BadInputError } from '../../lambdas/errors.js';
import { loadPlan } from '../../lambdas/plan/load-plan.js';
import type { Plan } from '../../lambdas/plan/schema.js';
import type { RabbitmqStandbyClusters } from '../../sim/models/rabbitmq-standby.js';
import { loadScenario, parseScenario, parseScenarioYaml, ScenarioError } from '../../sim/scenario.js';
import { startSimulation } from '../../sim/simulation.js';
import { examplePlanFile, startSim } from './start-sim.js';

const problemsOf = (yaml: string, plan?: Plan): string[] => {
  try {
    parseScenarioYaml(yaml, 's.yaml', plan);
  } catch (err) {
    if (err instanceof ScenarioError) return err.problems;
    throw err;
  }
  return [];
};

describe('scenario', () => {
  let plan: Plan;
  beforeAll(async () => {
    plan = await loadPlan(examplePlanFile);
  });

  it('fills every default from an empty document: the healthy seed-000 setup', () => {
    expect(parseScenario({}, 'empty.yaml', plan)).toEqual({
      alarm: { state: 'ALARM' },
      latency: { apiMs: 2, execMs: 15, restartSecondsPerPod: 0.3, dnsSyncMs: 100 },
      faults: [],
      aws: { unavailable: { regions: [], route53ControlPlane: false } },
      coordination: { activeSide: 'upstream', cooldownMinutesLeft: 0 },
      clusters: {
        upstream: { reachable: true, replicas: 3, notReadyPods: [], clientConnections: 2, conditions: {} },
        downstream: {
          reachable: true,
          replicas: 3,
          notReadyPods: [],
          clientConnections: 2,
          conditions: {},
          schemaReplication: { mode: 'downstream', state: 'syncing' },
          lagSeconds: 1,
        },
      },
    });
  });

  it('loads the example scenarios', async () => {
    const healthy = await loadScenario('examples/scenarios/healthy.yaml', plan);
    expect(healthy.alarm.state).toBe('ALARM');
    const standby = async (file: string) =>
      (await loadScenario(file, plan)).clusters as RabbitmqStandbyClusters;
    expect((await standby('examples/scenarios/lagging.yaml')).downstream.lagSeconds).toBe(600);
    expect((await standby('examples/scenarios/pod-not-ready.yaml')).downstream.notReadyPods).toEqual([
      'downstream-cluster-server-1',
    ]);
    expect((await loadScenario('examples/scenarios/promote-fails-once.yaml', plan)).faults).toEqual([
      {
        target: 'exec',
        site: 'downstream',
        command: 'promote_standby_replication_downstream_cluster',
        times: 1,
        exitCode: 70,
        hang: false,
        afterEffect: false,
      },
    ]);
  });

  it('names the field, what is wrong and what is expected', () => {
    const problems = problemsOf(
      [
        'alarm: { state: FIRING }',
        'latency: { apiMs: fast }',
        'faults:',
        '  - { target: disk, site: downstream }',
        '  - { target: api, site: downstream, status: 200 }',
        '  - { target: exec, site: moon, command: x }',
        'clusters:',
        '  downstream: { replicas: 0, lagSeconds: -1, colour: blue }',
      ].join('\n'),
    );
    expect(problems).toEqual([
      's.yaml: alarm.state: got "FIRING"; expected one of: ALARM, OK, INSUFFICIENT_DATA',
      's.yaml: latency.apiMs: expected number, got "fast"',
      's.yaml: faults[0].target: unknown fault target; expected one of: exec, api, dns',
      's.yaml: faults[1].status: expected an HTTP error status (400-599) or "timeout"',
      's.yaml: faults[2].site: got "moon"; expected one of: upstream, downstream',
      's.yaml: clusters.downstream.replicas: Too small: expected number to be >=1',
      's.yaml: clusters.downstream.lagSeconds: Too small: expected number to be >=0',
      's.yaml: clusters.downstream.colour: unknown field; check its spelling and the scenario reference in examples/scenarios/README.md',
    ]);
  });

  it('checks pod names against the plan', () => {
    expect(
      problemsOf(
        'clusters: { downstream: { replicas: 2, notReadyPods: [downstream-cluster-server-2], streamLinkPod: server-0 } }',
        plan,
      ),
    ).toEqual([
      's.yaml: clusters.downstream.notReadyPods[0]: "downstream-cluster-server-2" is not a pod of this cluster; expected one of: downstream-cluster-server-0, downstream-cluster-server-1',
      's.yaml: clusters.downstream.streamLinkPod: "server-0" is not a pod of this cluster; expected one of: downstream-cluster-server-0, downstream-cluster-server-1',
    ]);
    const unchecked = parseScenario({ clusters: { upstream: { notReadyPods: ['nope'] } } });
    return expect(startSimulation(plan, unchecked)).rejects.toThrow(BadInputError);
  });

  it('reports YAML syntax errors and unreadable files', async () => {
    expect(problemsOf('faults: [')[0]).toMatch(/^s\.yaml:\d+:\d+: not valid YAML: /);
    await expect(loadScenario('examples/scenarios/no-such.yaml')).rejects.toThrow(
      'examples/scenarios/no-such.yaml: cannot read the scenario file (ENOENT)',
    );
  });

  it('applies the API latency to every request', async () => {
    const fx = await startSim({ latency: { apiMs: 150 } });
    try {
      const started = Date.now();
      await fx.kube('downstream').listPods('tanzu-rabbitmq', 'app.kubernetes.io/name=downstream-cluster');
      expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    } finally {
      await fx.sim.stop();
    }
  });
});
