// What an engine model must provide so the simulated API servers can serve its system:
// the initial objects, answers to exec commands, and reactions to client writes.
import type { z } from 'zod';
import type { Plan, Side } from '../../lambdas/plan/schema.js';
import type { JsonObject } from '../json-patch.js';
import type { ObjectKey, ResourceStore } from '../resource-store.js';

export interface Latency {
  apiMs: number;
  execMs: number;
  restartSecondsPerPod: number;
  dnsSyncMs: number;
}

export interface ModelContext<Clusters> {
  plan: Plan;
  /** The scenario's `clusters:` block, already validated by the model's `clustersSchema`. */
  clusters: Clusters;
  latency: Latency;
  /** One store per site; the model seeds them and keeps them current (pod restarts, status). */
  stores: Record<Side, ResourceStore>;
}

export interface ExecRequest {
  namespace: string;
  pod: string;
  /** Already resolved: the API server fills in the pod's default container. */
  container: string;
  argv: string[];
}

export interface ExecOutput {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** A client write the API server has committed (also when a fault then fails the answer). */
export interface WriteEvent {
  verb: 'POST' | 'PATCH' | 'DELETE';
  key: ObjectKey;
  before: JsonObject | undefined;
  after: JsonObject | undefined;
  /** DELETE: the grace period the client asked for (0: force); undefined: the object's default. */
  gracePeriodSeconds?: number;
}

export interface SimModel<Snapshot> {
  /** False: that site's API server drops every connection, as for a lost region. */
  isReachable(side: Side): boolean;
  setReachable(side: Side, reachable: boolean): void;
  /**
   * Runs a command in a pod whose container is running (the API server checked that).
   * Asynchronous where a pod's commands run against a real local node.
   */
  exec(side: Side, request: ExecRequest): ExecOutput | Promise<ExecOutput>;
  /** What a command that fails prints on stderr: the default for the scenario's exec faults. */
  failureMessage(side: Side, pod: string, command: string): string;
  afterWrite(side: Side, event: WriteEvent): void;
  snapshot(): Snapshot;
  /** Cancels pending timers (pod restarts). */
  stop(): void;
}

/** A scenario field that does not fit the plan (e.g. a pod the cluster does not have). */
export interface PlanProblem {
  /** Inside `clusters:`. */
  path: (string | number)[];
  message: string;
}

export interface EngineModel<Clusters, Snapshot> {
  clustersSchema: z.ZodType<Clusters, unknown>;
  /** The scenario a drill of this engine's plan runs when none is given (repository-relative). */
  healthyScenario: string;
  planProblems(plan: Plan, clusters: Clusters): PlanProblem[];
  /** Throws BadInputError when `planProblems` reports any. */
  create(context: ModelContext<Clusters>): SimModel<Snapshot>;
}
