// The simulator's engine model behind a real control plane, for a system that has no real server
// here (VMware Tanzu RabbitMQ): the model's objects are created on the real kube-apiserver as its
// operator would have made them; each pod's exec (client → kube-apiserver → kwok's kubelet
// endpoint → a local process) is answered by the model's command model; and what clients write
// to the real server's custom resources reaches the model the way an operator learns of it, by a
// watch. What the model itself changes afterwards (pod restarts, a RabbitmqCluster's status) is
// not copied back: no operator or controller manager runs on the real control plane, so a run
// that needs a rolling restart stays on the simulated API server.
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import {
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  Watch,
  type KubeConfig,
  type V1Pod,
  type V1PodSpec,
} from '@kubernetes/client-node';
import type { Plan, Side } from '../../lambdas/plan/schema.js';
import type { JsonObject } from '../../sim/json-patch.js';
import type { ExecRequest } from '../../sim/models/sim-model.js';
import type { ObjectKey, ResourceType } from '../../sim/resource-store.js';
import type { Simulation } from '../../sim/simulation.js';
import { createNamespaces, installCrds, untilReady } from './cluster-objects.js';
import type { ControlPlane, PodExec } from './control-plane.js';

/** The commands a pod's container has: each one asks the model. */
const TOOLS = [
  'rabbitmqctl',
  'rabbitmq-diagnostics',
  'rabbitmq-queues',
  'rabbitmq-plugins',
  'rabbitmq-upgrade',
];

const SIDES: readonly Side[] = ['upstream', 'downstream'];

export interface ModelBridge {
  /** For startControlPlane: each model pod's exec environment, and where its commands are. */
  podExecs: PodExec[];
  execPath: string[];
  /** How many execs the model has answered. */
  execsAnswered(): number;
  /** Creates the model's objects on the real server and starts passing writes to the model. */
  attach(plane: ControlPlane): Promise<void>;
  stop(): Promise<void>;
}

/** Namespaces of the plan's two sides, as the model keeps them. */
const namespaceOf = (plan: Plan, side: Side): string => {
  const engine = plan.engine as { upstream?: { namespace?: string }; downstream?: { namespace?: string } };
  const namespace = engine[side]?.namespace;
  if (namespace === undefined) throw new Error(`the ${plan.engine.type} plan names no ${side} namespace`);
  return namespace;
};

export const startModelBridge = async (
  simulation: Simulation,
  plan: Plan,
  dir: string,
): Promise<ModelBridge> => {
  const namespaces = Object.fromEntries(SIDES.map((side) => [side, namespaceOf(plan, side)])) as Record<
    Side,
    string
  >;
  if (namespaces.upstream === namespaces.downstream)
    throw new Error(`both sides use namespace ${namespaces.upstream}: one API server cannot hold both sites`);

  const server = await startExecServer(simulation);
  const toolsDir = await writeBridgeTools(join(dir, 'model-tools'));
  const podsOf = (side: Side) =>
    simulation.stores[side].list('', 'v1', 'pods', namespaces[side]).items.map((pod) => ({
      side,
      pod,
      name: (pod.metadata as JsonObject).name as string,
      container: ((pod.spec as JsonObject).containers as JsonObject[])[0]?.name as string,
    }));
  const pods = SIDES.flatMap(podsOf);
  const podExecs = pods.map(({ side, name, container }) => ({
    namespace: namespaces[side],
    pod: name,
    env: {
      MODEL_EXEC_URL: server.url,
      POD_SIDE: side,
      POD_NAMESPACE: namespaces[side],
      POD_NAME: name,
      POD_CONTAINER: container,
    },
  }));

  const watches: AbortController[] = [];
  return {
    podExecs,
    execPath: [toolsDir],
    execsAnswered: () => server.answered,
    async attach(plane) {
      const kc = plane.kubeConfig('admin');
      await installCrds(kc);
      await createNamespaces(kc, Object.values(namespaces));
      const core = kc.makeApiClient(CoreV1Api);
      for (const { side, pod } of pods)
        await core.createNamespacedPod({ namespace: namespaces[side], body: asPod(pod, plane) });
      await untilReady(
        plane,
        pods.map(({ side, name }) => ({ namespace: namespaces[side], name })),
      );
      for (const side of SIDES)
        for (const type of customTypes(simulation, side))
          for (const obj of simulation.stores[side].list(
            type.group,
            type.version,
            type.plural,
            namespaces[side],
          ).items)
            await createCustomObject(kc, type, namespaces[side], obj);
      for (const side of SIDES)
        for (const type of customTypes(simulation, side))
          watches.push(await watchWrites(kc, simulation, side, type, namespaces[side]));
    },
    async stop() {
      for (const watch of watches) watch.abort();
      await new Promise((resolve) => server.server.close(resolve));
    },
  };
};

const customTypes = (simulation: Simulation, side: Side): ResourceType[] =>
  simulation.stores[side].registeredTypes().filter((t) => t.group !== '');

/** The pod as its StatefulSet made it, bound to kwok's node (no scheduler runs here). */
const asPod = (pod: JsonObject, plane: ControlPlane): V1Pod => {
  const metadata = pod.metadata as JsonObject;
  return {
    metadata: { name: metadata.name as string, labels: metadata.labels as Record<string, string> },
    spec: { ...(pod.spec as unknown as V1PodSpec), nodeName: plane.nodeName },
  };
};

/** Created as the operator would have: spec first, then the status it reports. */
const createCustomObject = async (kc: KubeConfig, type: ResourceType, namespace: string, obj: JsonObject) => {
  const objects = kc.makeApiClient(CustomObjectsApi);
  const metadata = obj.metadata as JsonObject;
  const ref = { group: type.group, version: type.version, plural: type.plural, namespace };
  const { status, ...rest } = obj;
  await objects.createNamespacedCustomObject({
    ...ref,
    body: {
      ...rest,
      metadata: { name: metadata.name, labels: metadata.labels, annotations: metadata.annotations },
    },
  });
  if (status !== undefined)
    await objects.patchNamespacedCustomObjectStatus(
      { ...ref, name: metadata.name as string, body: { status } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
};

/**
 * Each write a client makes to the real server's objects of this type, applied to the model's copy
 * and handed to the model as its API server would (afterWrite), in the order the watch reports.
 */
const watchWrites = async (
  kc: KubeConfig,
  simulation: Simulation,
  side: Side,
  type: ResourceType,
  namespace: string,
): Promise<AbortController> => {
  const path = `/apis/${type.group}/${type.version}/namespaces/${namespace}/${type.plural}`;
  const { metadata } = (await kc.makeApiClient(CustomObjectsApi).listNamespacedCustomObject({
    group: type.group,
    version: type.version,
    plural: type.plural,
    namespace,
  })) as { metadata: { resourceVersion: string } };
  const store = simulation.stores[side];
  return new Watch(kc).watch(
    path,
    { resourceVersion: metadata.resourceVersion },
    (phase: string, obj: JsonObject) => {
      const name = (obj.metadata as JsonObject).name as string;
      const key: ObjectKey = {
        group: type.group,
        version: type.version,
        plural: type.plural,
        namespace,
        name,
      };
      const before = store.find(key);
      if (phase === 'DELETED') {
        if (before === undefined) return;
        store.delete(key);
        simulation.model.afterWrite(side, { verb: 'DELETE', key, before, after: undefined });
        return;
      }
      if (phase !== 'ADDED' && phase !== 'MODIFIED') return;
      // The client's side of the object; its status stays what the model says.
      const written = { spec: obj.spec, labels: (obj.metadata as JsonObject).labels };
      const after =
        before === undefined
          ? store.create({ group: type.group, version: type.version, plural: type.plural, namespace }, obj)
          : store.update(key, (current) => {
              current.spec = written.spec ?? null;
              (current.metadata as JsonObject).labels = written.labels ?? null;
            });
      simulation.model.afterWrite(side, {
        verb: before === undefined ? 'POST' : 'PATCH',
        key,
        before,
        after,
      });
    },
    () => undefined,
  );
};

/** Answers each exec the pods' tools forward: the model's command model, as the simulated API server asks it. */
const startExecServer = async (
  simulation: Simulation,
): Promise<{ server: Server; url: string; readonly answered: number }> => {
  let answered = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const { side, ...request } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ExecRequest & {
          side: Side;
        };
        const output = await simulation.model.exec(side, request);
        answered += 1;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(output));
      })().catch((err: unknown) => {
        res.writeHead(500).end(String(err));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    get answered() {
      return answered;
    },
  };
};

/** A pod's command: sends its name and arguments to the exec server its environment names, prints what comes back, exits with its code. */
const writeBridgeTools = async (dir: string): Promise<string> => {
  await mkdir(dir, { recursive: true });
  const script = [
    `#!${process.execPath}`,
    "const { basename } = require('node:path');",
    'const env = process.env;',
    'fetch(env.MODEL_EXEC_URL, {',
    "  method: 'POST',",
    '  body: JSON.stringify({',
    '    side: env.POD_SIDE,',
    '    namespace: env.POD_NAMESPACE,',
    '    pod: env.POD_NAME,',
    '    container: env.POD_CONTAINER,',
    '    argv: [basename(process.argv[1]), ...process.argv.slice(2)],',
    '  }),',
    '})',
    '  .then((r) => (r.ok ? r.json() : r.text().then((t) => Promise.reject(new Error(t)))))',
    '  .then((out) => {',
    '    process.stdout.write(out.stdout);',
    '    process.stderr.write(out.stderr);',
    '    process.exitCode = out.exitCode;',
    '  })',
    '  .catch((err) => {',
    '    process.stderr.write(`the model did not answer: ${err.message}\\n`);',
    '    process.exitCode = 126;',
    '  });',
    '',
  ].join('\n');
  for (const tool of TOOLS) {
    // CommonJS whatever the nearest package.json says: the file has no extension.
    await writeFile(join(dir, tool), script);
    await chmod(join(dir, tool), 0o755);
  }
  return dir;
};
