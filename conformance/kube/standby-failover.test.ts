// A whole rabbitmq-standby failover on a real kube-apiserver: the example plan's clusters — their
// RabbitmqClusters (the cluster operator's CRD), StandbyReplication and SchemaReplication
// resources and server pods — on the real server, the Tanzu-only commands the pods' exec runs
// answered by the simulator's command model (model-behind-control-plane.ts: VMware Tanzu RabbitMQ
// has no server here), and the workflow through the ASL file with the real handlers and
// @kubernetes/client-node acting as a user bound to the plan's generated RBAC only. The plan
// tears down the live-switch way: the rolling restart needs an operator and a controller manager
// to restart pods, and neither runs on this control plane.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { loadPlan } from '../../lambdas/plan/load-plan.js';
import { rbacFor } from '../../lambdas/plan/rbac.js';
import type { Io } from '../../local/io.js';
import { engineModels } from '../../sim/models/engine-models.js';
import { loadScenario } from '../../sim/scenario.js';
import { startSimulation } from '../../sim/simulation.js';
import { measured, ranAgainst } from '../record.js';
import { applyRbac, until } from './cluster-objects.js';
import { startControlPlane } from './control-plane.js';
import { STANDBY_REPLICATION } from './engine-crds.js';
import { startModelBridge } from './model-behind-control-plane.js';
import { failOverOnRealCluster, firstRecordValues } from './real-cluster-workers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'standby-failover-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('fails over the example Warm Standby plan through a real kube-apiserver: promoted, DNS moved, replication resources gone, nothing denied', async () => {
  const planFile = join(dir, 'plan.yaml');
  await writeFile(
    planFile,
    (await readFile('examples/plans/rabbitmq-standby.yaml', 'utf8')).replace(
      'way: rolling-restart',
      'way: live-switch',
    ),
  );
  const plan = await loadPlan(planFile);
  if (plan.engine.type !== 'rabbitmq-standby') throw new Error(`${planFile}: not a rabbitmq-standby plan`);
  const scenario = await loadScenario(engineModels['rabbitmq-standby'].healthyScenario, plan);
  const simulation = await startSimulation(plan, scenario);
  const bridge = await startModelBridge(simulation, plan, dir);
  const plane = await startControlPlane({ podExecs: bridge.podExecs, execPath: bridge.execPath });
  const out: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => out.push(l) };
  try {
    await bridge.attach(plane);
    for (const entry of rbacFor(plan)) await applyRbac(plane.kubeConfig('admin'), entry);
    ranAgainst('kube-apiserver', plane.versions.kubeApiserver);
    const kubeApiserver = `kube-apiserver ${plane.versions.kubeApiserver}`;
    const started = Date.now();
    const { report, dns } = await failOverOnRealCluster({
      plan,
      kubeConfig: plane.kubeConfig('user'),
      describe: kubeApiserver,
      io,
    });
    const state = simulation.state();
    measured(
      `rabbitmq-standby failover through ${kubeApiserver}: ${report.status} in ${((Date.now() - started) / 1000).toFixed(1)} s, ${state.promotions} promotion, ${bridge.execsAnswered()} execs through kwok answered by the model`,
    );

    expect([report.status, report.reason]).toEqual(['SUCCEEDED', undefined]);
    expect([state.promotions, state.duplicatePromotions]).toEqual([1, 0]);
    expect(bridge.execsAnswered()).toBeGreaterThan(0);
    expect(report.steps.find((s) => s.name === 'teardown')?.summary).toMatch(/temporary until a restart/);
    // The model hears of the deletions the way an operator does, by a watch on the real server:
    // soon after, not at once (on a loaded machine the events have come after the run's end).
    await until('the model told of both deletions', async () => {
      const { downstream } = simulation.state();
      return !downstream.standbyReplicationExists && !downstream.schemaReplicationExists;
    });
    expect(state.downstream.streamLinkConnected).toBe(false);
    expect(state.downstream.pods.map((p) => p.schemaMode)).toEqual(['upstream', 'upstream', 'upstream']);
    // ...which were made on the real server.
    const objects = plane.kubeConfig('admin').makeApiClient(CustomObjectsApi);
    const left = await objects.listNamespacedCustomObject({
      ...STANDBY_REPLICATION,
      namespace: plan.engine.downstream.namespace,
    });
    expect((left as { items: unknown[] }).items).toEqual([]);
    expect(firstRecordValues(plan, dns)).toEqual([plan.dns.records[0]!.downstream]);
  } catch (err) {
    console.log(out.join('\n'));
    throw err;
  } finally {
    await bridge.stop();
    await plane.stop();
    await simulation.stop();
  }
}, 240_000);
