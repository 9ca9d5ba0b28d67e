// The Kube-port contract against the simulated API server (sim/kube-api-server.ts): the same tests
// conformance/kube/ runs against a real kube-apiserver. The model here stands where kwok stands
// there: it makes a pod bound to its node Running and Ready, and runs a pod's exec as a local
// process, so what is under test is the server's handling of both, not an engine's model.
import { execFile } from 'node:child_process';
import { CoreV1Api } from '@kubernetes/client-node';
import { kubeConfigForServer } from '../../lambdas/adapters/kube/kube-config.js';
import { createKubeApi } from '../../lambdas/adapters/kube/kube-api.js';
import { kubePortContract, type ContractEnvironment } from '../../conformance/kube/kube-port-contract.js';
import { SHOVEL, shovelSchema } from '../../conformance/kube/shovel-crd.js';
import { FaultInjector } from '../../sim/faults.js';
import { startKubeApiServer } from '../../sim/kube-api-server.js';
import type { ExecOutput, SimModel, WriteEvent } from '../../sim/models/sim-model.js';
import { ResourceStore } from '../../sim/resource-store.js';

const NAMESPACE = 'contract';
const NODE = 'sim-node-0';

const runLocally = (argv: string[]): Promise<ExecOutput> =>
  new Promise((resolve) => {
    execFile(
      argv[0] ?? '',
      argv.slice(1),
      { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = (error as { code?: unknown } | null)?.code;
        resolve({ stdout, stderr, exitCode: error === null ? 0 : typeof code === 'number' ? code : 127 });
      },
    );
  });

/** What kwok's pod-ready stage writes, for a pod created on the node. */
const markReady = (store: ResourceStore, event: WriteEvent): void => {
  if (event.verb !== 'POST' || event.key.plural !== 'pods') return;
  store.update(event.key, (pod) => {
    const spec = pod.spec as { containers?: { name: string }[] };
    pod.status = {
      phase: 'Running',
      podIP: '10.0.0.1',
      conditions: ['Initialized', 'ContainersReady', 'Ready', 'PodScheduled'].map((type) => ({
        type,
        status: 'True',
      })),
      containerStatuses: (spec.containers ?? []).map((c) => ({
        name: c.name,
        ready: true,
        state: { running: { startedAt: new Date().toISOString() } },
      })),
    };
  });
};

const startSimEnvironment = async (): Promise<ContractEnvironment> => {
  const store = new ResourceStore();
  store.register({ group: '', version: 'v1', plural: 'pods', kind: 'Pod' });
  store.register({ ...SHOVEL, schema: shovelSchema });
  const model: SimModel<undefined> = {
    isReachable: () => true,
    setReachable: () => undefined,
    exec: (_side, request) => runLocally(request.argv),
    failureMessage: () => '',
    afterWrite: (_side, event) => markReady(store, event),
    snapshot: () => undefined,
    stop: () => undefined,
  };
  const server = await startKubeApiServer({
    site: 'downstream',
    store,
    model,
    faults: new FaultInjector([]),
    latency: { apiMs: 0, execMs: 0 },
    log: () => undefined,
  });
  const kubeConfig = kubeConfigForServer({ name: 'contract', server: server.url, skipTLSVerify: true });
  const core = kubeConfig.makeApiClient(CoreV1Api);
  return {
    kube: createKubeApi(kubeConfig, 'simulated kube-apiserver', {
      requestTimeoutMs: 5000,
      execTimeoutMs: 10_000,
    }),
    kubeConfig,
    namespace: NAMESPACE,
    async createReadyPod(name, labels) {
      await core.createNamespacedPod({
        namespace: NAMESPACE,
        body: {
          metadata: { name, labels },
          spec: { nodeName: NODE, containers: [{ name: 'server', image: 'rabbitmq:4.0-management' }] },
        },
      });
    },
    stop: () => server.close(),
  };
};

kubePortContract('simulated kube-apiserver', startSimEnvironment);
