// Faults of the platform rather than of the clusters: what Step Functions and Lambda do to a
// task, emulated around the local workers as unkindly as they happen in AWS.
// - `state-timeout`: the state times out (States.Timeout) while its Lambda goes on working.
// - `duplicate-delivery`: the invocation fails with a Lambda service error that the workflow
//   retries, while the first invocation goes on: two invocations of one task at once.
//   Both strike the step's first invocation that is still working when the platform gives up: a
//   step that waits may look and hand its wait to the workflow within that time, several times.
// - `killed`: the Lambda dies right after the step's first change took effect, before it could
//   record that it did (Sandbox.Timedout): nothing more of that invocation runs or is journalled.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { DnsPort } from '../lambdas/ports/dns.js';
import type { JournalPort } from '../lambdas/ports/journal.js';
import type { KubePort } from '../lambdas/ports/kube.js';
import type { RoutingControlPort } from '../lambdas/ports/routing-controls.js';
import type { LocalHandler } from './run-workflow.js';

export const taskFaultKinds = ['state-timeout', 'duplicate-delivery', 'killed'] as const;
export type TaskFaultKind = (typeof taskFaultKinds)[number];

export interface TaskFault {
  step: string;
  kind: TaskFaultKind;
  /** state-timeout, duplicate-delivery: how long the invocation runs before the workflow gives up on it. */
  afterMs: number;
}

class PlatformError extends Error {
  constructor(
    override readonly name: string,
    message: string,
  ) {
    super(message);
  }
}

/** What the dead invocation runs into: it is gone, so nothing it does reaches anything. */
class KilledError extends Error {
  override readonly name = 'Killed';
}

export interface TaskFaults {
  wrapHandler(handler: LocalHandler): LocalHandler;
  journal(journal: JournalPort): JournalPort;
  kube(kube: KubePort): KubePort;
  dns(dns: DnsPort): DnsPort;
  routingControls(port: RoutingControlPort): RoutingControlPort;
  /** Whether each armed fault fired (its step ran). */
  fired(): boolean;
  /** Resolves when the work left running by a fault has ended: the world's end state is known only then. */
  settled(): Promise<void>;
}

export const createTaskFaults = (faults: readonly TaskFault[]): TaskFaults => {
  const zone = new AsyncLocalStorage<string>();
  const armed = new Set(faults);
  const dead = new Set<string>();
  let killTarget: string | undefined;
  let firedCount = 0;
  const background: Array<Promise<unknown>> = [];

  const alive = () => {
    const id = zone.getStore();
    if (id !== undefined && dead.has(id)) throw new KilledError('this Lambda invocation was killed');
  };
  const guardAll = <T extends object>(port: T): T =>
    new Proxy(port, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          alive();
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });

  /** The platform gives up on `work` after the fault's afterMs, and it goes on: the fault has fired. */
  const abandonAfter = (fault: TaskFault, work: Promise<unknown>, error: PlatformError) => {
    background.push(work.catch(() => undefined));
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        armed.delete(fault);
        firedCount++;
        reject(error);
      }, fault.afterMs);
      work.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (err) => {
          clearTimeout(timer);
          reject(err);
        },
      );
    });
  };

  return {
    wrapHandler: (handler) => async (event, context) => {
      const step = (event as { step?: unknown } | null)?.step;
      const fault = [...armed].find((f) => f.step === step);
      if (!fault) return handler(event, context);
      // A kill waits for the invocation that makes the step's first change, the others for one
      // that is still working when the platform gives up: a step that waits may look, hand its
      // wait to the workflow and change nothing in its first invocations.
      const id = randomUUID();
      const work = zone.run(id, () => handler(event, context));
      switch (fault.kind) {
        case 'state-timeout':
          return abandonAfter(
            fault,
            work,
            new PlatformError('States.Timeout', `state of step ${fault.step} timed out; its Lambda goes on`),
          );
        case 'duplicate-delivery':
          return abandonAfter(
            fault,
            work,
            new PlatformError(
              'Lambda.ServiceException',
              `Lambda service error invoking ${fault.step}; the first invocation goes on`,
            ),
          );
        case 'killed':
          killTarget = id;
          return work.then(
            (value) => value,
            (err) => {
              throw dead.has(id)
                ? new PlatformError('Sandbox.Timedout', `the ${fault.step} Lambda was killed mid-step`)
                : err;
            },
          );
      }
    },
    journal: (journal) => {
      const guarded = guardAll(journal);
      return {
        ...guarded,
        appendEffect: async (executionId, event) => {
          alive();
          // Dies right after the change took effect: its `done` is never written.
          if (event.phase === 'done' && zone.getStore() === killTarget && killTarget !== undefined) {
            const killed = [...armed].find((f) => f.kind === 'killed' && f.step === event.step);
            if (killed) {
              armed.delete(killed);
              firedCount++;
            }
            dead.add(killTarget);
            throw new KilledError('this Lambda invocation was killed');
          }
          return journal.appendEffect(executionId, event);
        },
      };
    },
    kube: guardAll,
    dns: guardAll,
    routingControls: guardAll,
    fired: () => firedCount === faults.length,
    settled: async () => {
      await Promise.allSettled(background);
    },
  };
};
