// Builds the engine's view of the world for one step: lazy Kubernetes access per side, so a
// step that only needs the downstream never waits on the (possibly lost) upstream site.
import type { StepContext } from '../engines/engine.js';
import type { Plan, Side } from '../plan/schema.js';
import type { KubePort } from '../ports/kube.js';
import type { StepTools } from './run-step.js';
import type { KubeDeps } from './step-deps.js';

const lazyKube = (describe: string, connect: () => Promise<KubePort>): KubePort => {
  let port: Promise<KubePort> | undefined;
  const get = () => (port ??= connect().catch((err) => {
    port = undefined;
    throw err;
  }));
  return {
    describe,
    getCustomObject: async (ref) => (await get()).getCustomObject(ref),
    mergePatchCustomObject: async (ref, patch) => (await get()).mergePatchCustomObject(ref, patch),
    deleteCustomObject: async (ref) => (await get()).deleteCustomObject(ref),
    listPods: async (ns, selector) => (await get()).listPods(ns, selector),
    deletePod: async (ns, name, options) => (await get()).deletePod(ns, name, options),
    exec: async (ns, pod, command, options) => (await get()).exec(ns, pod, command, options),
  };
};

export const stepContext = (deps: KubeDeps, plan: Plan, tools: StepTools): StepContext => {
  const sides = new Map<Side, KubePort>();
  return {
    plan,
    clock: deps.clock,
    kube: (side) => {
      let port = sides.get(side);
      if (!port) {
        port = lazyKube(`${side} cluster`, () => deps.kubeFor(plan, side));
        sides.set(side, port);
      }
      return port;
    },
    sideEffect: tools.sideEffect,
    progress: tools.progress,
  };
};
