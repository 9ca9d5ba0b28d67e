// The scheduled readiness evaluation, through the Kubernetes worker as the schedule invokes it,
// against the simulated clusters: it answers ready or not with evidence, publishes one metric per
// check and the plan's answer (as the EMF lines CloudWatch would read), and changes nothing.
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { createKubeApi } from '../../lambdas/adapters/kube/kube-api.js';
import { createEmfMetrics } from '../../lambdas/adapters/emf-metrics.js';
import { createMemoryJournal } from '../../lambdas/adapters/memory-journal.js';
import { createKubeWorker } from '../../lambdas/handlers/kube-worker.js';
import { systemClock } from '../../lambdas/ports/clock.js';
import { METRICS_NAMESPACE } from '../../lambdas/ports/metrics.js';
import { readOnlyKube, type ReadinessEvaluation } from '../../lambdas/steps/evaluate.js';
import { downstreamCluster, startSim, type SimFixture } from '../sim/start-sim.js';
import { planRef } from '../../lambdas/plan/plan-ref.js';
import { publishedPlans } from '../../local/published-plans.js';

const logger = new Logger({ logLevel: 'SILENT' });
const context = {
  functionName: 'kube-worker',
  awsRequestId: 'r',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;
const execution = {
  id: 'evaluation-89d1a02d-5ec7-412e-82f5-13505f849b41',
  startedAt: '2026-03-01T10:30:00Z',
};

type Emf = Record<string, any>;

/** Each EMF document as CloudWatch extracts it: namespace, dimension set, metric name and value. */
const metricsIn = (lines: string[]) =>
  lines.map((line) => {
    const doc = JSON.parse(line) as Emf;
    const [directive] = doc._aws.CloudWatchMetrics;
    const [dimensionSet] = directive.Dimensions as string[][];
    const [metric] = directive.Metrics as Array<{ Name: string; Unit: string }>;
    return {
      namespace: directive.Namespace,
      dimensions: Object.fromEntries(dimensionSet!.map((d) => [d, doc[d]])),
      name: metric!.Name,
      unit: metric!.Unit,
      value: doc[metric!.Name],
    };
  });

const evaluateOn = async (fixture: SimFixture) => {
  const lines: string[] = [];
  const worker = createKubeWorker(
    {
      plans: publishedPlans([fixture.plan]),
      journal: createMemoryJournal(),
      // Retry pauses pass at once; the checks still read the real time.
      clock: { now: () => systemClock.now(), sleep: async () => undefined },
      progress: () => undefined,
      metrics: createEmfMetrics({ namespace: METRICS_NAMESPACE, write: (line) => lines.push(line) }),
      kubeFor: async (_plan, side) =>
        createKubeApi(fixture.sim.kubeConfigFor(side), `${side} cluster (simulated)`),
    },
    logger,
  );
  const result = (await worker(
    { step: 'evaluate', execution, plan: planRef(fixture.plan) },
    context,
  )) as ReadinessEvaluation;
  return { result, metrics: metricsIn(lines) };
};

describe('the evaluate step', () => {
  let fixture: SimFixture | undefined;
  afterEach(async () => {
    await fixture?.sim.stop();
    fixture = undefined;
  });

  it('publishes 1 for every check and for the plan when the standby is ready', async () => {
    fixture = await startSim();
    const { result, metrics } = await evaluateOn(fixture);
    expect(result.ready).toBe(true);
    // One per check the engine ran, whichever they are.
    expect(result.checks.map((c) => c.name)).toEqual(
      expect.arrayContaining(['pods-ready', 'replication-lag']),
    );
    expect(metrics).toEqual([
      ...result.checks.map((c) => ({
        namespace: 'FailoverOrchestrator',
        dimensions: { plan: 'orders-rabbitmq', check: c.name },
        name: 'ReadinessCheckPassed',
        unit: 'Count',
        value: 1,
      })),
      {
        namespace: 'FailoverOrchestrator',
        dimensions: { plan: 'orders-rabbitmq' },
        name: 'StandbyReady',
        unit: 'Count',
        value: 1,
      },
    ]);
  });

  it('answers not ready with the evidence instead of halting, publishes 0 for the failing check, and changes nothing', async () => {
    fixture = await startSim({ clusters: { downstream: { lagSeconds: 600 } } });
    const { result, metrics } = await evaluateOn(fixture);
    expect(result.ready).toBe(false);
    expect(result.checks.find((c) => c.name === 'replication-lag')).toMatchObject({
      passed: false,
      summary: expect.stringMatching(/> RPO bound 60 s/),
    });
    expect(metrics.filter((m) => m.value === 0).map((m) => m.dimensions)).toEqual([
      { plan: 'orders-rabbitmq', check: 'replication-lag' },
      { plan: 'orders-rabbitmq' },
    ]);
    expect(fixture.sim.state().log.filter((e) => e.kind === 'api')).toEqual([]);
  });

  it('publishes StandbyReady 0 with the reason when the downstream cannot be reached', async () => {
    fixture = await startSim();
    fixture.sim.setReachable('downstream', false);
    const { result, metrics } = await evaluateOn(fixture);
    expect(result).toMatchObject({
      ready: false,
      checks: [],
      error: expect.stringContaining('readiness could not be evaluated'),
    });
    expect(metrics).toEqual([
      {
        namespace: 'FailoverOrchestrator',
        dimensions: { plan: 'orders-rabbitmq' },
        name: 'StandbyReady',
        unit: 'Count',
        value: 0,
      },
    ]);
  });
});

describe('readOnlyKube', () => {
  it('reads through, and refuses a patch or a delete before it reaches the cluster', async () => {
    const fixture = await startSim();
    try {
      const kube = readOnlyKube(fixture.kube('downstream'));
      expect(await kube.getCustomObject(downstreamCluster)).toMatchObject({
        metadata: { name: 'downstream-cluster' },
      });
      await expect(kube.mergePatchCustomObject(downstreamCluster, { spec: { replicas: 1 } })).rejects.toThrow(
        'readiness evaluation changes nothing: refused to patch rabbitmqclusters tanzu-rabbitmq/downstream-cluster',
      );
      await expect(kube.deleteCustomObject(downstreamCluster)).rejects.toThrow(
        'refused to delete rabbitmqclusters',
      );
      await expect(kube.deletePod('tanzu-rabbitmq', 'downstream-cluster-server-0')).rejects.toThrow(
        'refused to delete pod tanzu-rabbitmq/downstream-cluster-server-0',
      );
      expect(
        (await kube.listPods('tanzu-rabbitmq', 'app.kubernetes.io/name=downstream-cluster')).length,
      ).toBeGreaterThan(0);
      expect(fixture.sim.state().log.filter((e) => e.kind === 'api')).toEqual([]);
    } finally {
      await fixture.sim.stop();
    }
  });
});
