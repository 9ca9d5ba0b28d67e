// What one Lambda invocation knows about itself, available to the steps it runs without
// threading it through every call: how long the function may still run.
import { AsyncLocalStorage } from 'node:async_hooks';

export interface Invocation {
  /** The Lambda's own remaining time (its function timeout), when there is one. */
  remainingMs?: () => number;
}

const storage = new AsyncLocalStorage<Invocation>();

export const runInvocation = <T>(invocation: Invocation, work: () => Promise<T>): Promise<T> =>
  storage.run(invocation, work);

export const currentInvocation = (): Invocation => storage.getStore() ?? {};
