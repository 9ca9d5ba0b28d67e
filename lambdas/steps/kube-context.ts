// Builds the engine's view of the world for one step: lazy Kubernetes access per side, so a
// step that only needs the downstream never waits on the (possibly lost) upstream site; and the
// step's deadline on every call, so nothing is issued after the step's budget has run out.
import type { StepContext } from '../engines/engine.js';
import { DeadlineExceededError, errorMessage } from '../errors.js';
import type { Plan, Side } from '../plan/schema.js';
import type { ClockPort } from '../ports/clock.js';
import type { KubePort } from '../ports/kube.js';
import { shellCommand } from '../text/shell-quote.js';
import type { StepTools } from './run-step.js';
import type { KubeDeps } from './step-deps.js';

/** Client-side default of an exec without its own timeout: the adapter's. */
const DEFAULT_EXEC_TIMEOUT_MS = 60_000;
/** A command is not started with less time than this left: it could not finish and be read. */
const MIN_EXEC_WINDOW_MS = 50;

const guardedKube = (
  describe: string,
  connect: () => Promise<KubePort>,
  tools: StepTools,
  clock: ClockPort,
): KubePort => {
  let port: Promise<KubePort> | undefined;
  const get = (what: string) => {
    tools.checkDeadline(`${what} on the ${describe}`);
    return (port ??= connect().catch((err) => {
      port = undefined;
      throw err;
    }));
  };
  const left = () => tools.deadline.getTime() - clock.now().getTime();
  return {
    describe,
    getCustomObject: async (ref) => (await get(`reading ${ref.plural} ${ref.name}`)).getCustomObject(ref),
    mergePatchCustomObject: async (ref, patch) =>
      (await get(`patching ${ref.plural} ${ref.name}`)).mergePatchCustomObject(ref, patch),
    deleteCustomObject: async (ref) =>
      (await get(`deleting ${ref.plural} ${ref.name}`)).deleteCustomObject(ref),
    listPods: async (ns, selector) => (await get(`listing pods in ${ns}`)).listPods(ns, selector),
    deletePod: async (ns, name, options) =>
      (await get(`deleting pod ${ns}/${name}`)).deletePod(ns, name, options),
    exec: async (ns, pod, command, options) => {
      const what = `\`${shellCommand(command)}\` in ${ns}/${pod}`;
      const kube = await get(what);
      const requested = options?.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
      if (left() < Math.min(MIN_EXEC_WINDOW_MS, requested))
        throw new DeadlineExceededError(
          `${what} not started: the step's time budget ends at ${tools.deadline.toISOString()}`,
        );
      // A command's own timeout never reaches past the deadline: its result would come too late to act on.
      const capped = Math.min(requested, left());
      try {
        return await kube.exec(ns, pod, command, { ...options, timeoutMs: capped });
      } catch (err) {
        // Cut short by the step's deadline, not by a slow cluster: retrying within this budget cannot help.
        if (capped < requested && left() <= 0)
          throw new DeadlineExceededError(
            `${what} did not answer before the step's time budget ended (${tools.deadline.toISOString()}): ${errorMessage(err)}`,
          );
        throw err;
      }
    },
  };
};

/** Sleeps at most until the deadline, then says the step is out of time. */
const guardedClock = (clock: ClockPort, tools: StepTools): ClockPort => ({
  now: () => clock.now(),
  sleep: async (ms) => {
    const left = tools.deadline.getTime() - clock.now().getTime();
    if (ms < left) return clock.sleep(ms);
    await clock.sleep(Math.max(0, left));
    throw new DeadlineExceededError(
      `a wait of ${ms} ms would end past the step's deadline (${tools.deadline.toISOString()}): nothing more is started`,
    );
  },
});

export const stepContext = (deps: KubeDeps, plan: Plan, tools: StepTools): StepContext => {
  const sides = new Map<Side, KubePort>();
  return {
    plan,
    clock: guardedClock(deps.clock, tools),
    kube: (side) => {
      let port = sides.get(side);
      if (!port) {
        port = guardedKube(`${side} cluster`, () => deps.kubeFor(plan, side), tools, deps.clock);
        sides.set(side, port);
      }
      return port;
    },
    act: tools.act,
    earlierEffects: tools.earlierEffects,
    progress: tools.progress,
    waitFor: (check, options) => tools.waitFor(check, options),
    resumedWait: tools.resumedWait,
  };
};
