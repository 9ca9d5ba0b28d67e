// What every engine provides. An engine speaks the real commands and resources of one system;
// steps call it through this interface and never learn which system they are moving.
import type { Plan, Side } from '../plan/schema.js';
import type { ClockPort } from '../ports/clock.js';
import type { EffectEvent } from '../ports/journal.js';
import type { KubePort } from '../ports/kube.js';
import type { SitePresence } from './site-presence.js';

export interface CheckResult {
  /** Stable id, e.g. `replication-lag`. */
  name: string;
  passed: boolean;
  /** One line with the values that decided it, e.g. `lag 612 s > RPO bound 60 s`. */
  summary: string;
  evidence: Record<string, unknown>;
}

export interface StepContext {
  plan: Plan;
  /**
   * Kubernetes API of the upstream or downstream cluster. Past the step's deadline every call
   * throws DeadlineExceeded, and an exec never runs longer than the time left.
   */
  kube(side: Side): KubePort;
  /** Its `sleep` throws DeadlineExceeded rather than sleep past the step's deadline. */
  clock: ClockPort;
  /**
   * Makes one change to the world: the intent is journalled before `change` runs and the result
   * after it, so a step cut short still reports what it may have changed (an operator must know).
   * `describe` says what was done, or returns undefined when nothing needed changing.
   */
  act<R>(
    intent: string,
    target: string,
    change: () => Promise<R>,
    describe?: (result: R) => string | undefined,
  ): Promise<R>;
  /** This step's changes in earlier attempts of this execution: what a retry must reconcile first. */
  earlierEffects(): Promise<EffectEvent[]>;
  /** A line for whoever is watching a long wait. */
  progress(message: string): void;
  /**
   * Waits until `check` says done, for at most `timeoutSeconds` from the wait's first check in
   * this execution. In a workflow the invocation polls only briefly and then ends, and the
   * workflow invokes the step again later (steps/workflow-wait.ts): so everything before a wait
   * must be idempotent, and whatever the step needs after it must be read again, not remembered.
   */
  waitFor<T>(check: WaitLook<T>, options: WaitOptions): Promise<T>;
  /** The wait this step's previous invocation handed to the workflow (its name and `about`), if it ended so. */
  resumedWait(): { for: string; about?: string } | undefined;
}

/** One look at what a wait waits for: done with its value, or not yet and why (for people). */
export type WaitCheck<T> = { done: true; value: T } | { done: false; state: string };
/** Takes one look, given how long the wait has lasted so far (since its first look in the execution). */
export type WaitLook<T> = (waitedMs: number) => Promise<WaitCheck<T>>;

export interface WaitOptions {
  /** What is waited for, e.g. `the rolling restart of ns/cluster` ("waiting for …"); its bound is kept under this name. */
  name: string;
  /** What the next invocation needs to look again at the same thing (e.g. a change id): StepTools.resumedWait. */
  about?: string;
  timeoutSeconds: number;
  /** How often to look in-process, and within one invocation of a step. */
  checkEveryMs: number;
  /**
   * How long one invocation keeps looking before it hands the wait to the workflow (default 0:
   * one look). Worth it only where a late look costs recovery time (Route 53's INSYNC).
   */
  lookWithinInvocationMs?: number;
  /**
   * The workflow's Wait between invocations (default: checkEveryMs, rounded up to a second); 0:
   * no Wait, the next invocation follows at once. Each round costs three state transitions (two
   * without a Wait), so a wait off the recovery-time path looks less often.
   */
  workflowCheckEverySeconds?: number;
  /** The error when the bound has passed: given the last check's state and the time waited. */
  timedOut(state: string, waitedMs: number): Error;
}

/** One RBAC rule, as in a Kubernetes Role. */
export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

/**
 * Running a command in a pod. The client execs over a WebSocket, whose upgrade is a GET: the API
 * server checks `get` on pods/exec for it, and since Kubernetes 1.35 `create` as well (a Role
 * with `create` alone is refused every exec, seen on a real 1.36 API server).
 */
export const podExecRule: PolicyRule = {
  apiGroups: [''],
  resources: ['pods/exec'],
  verbs: ['get', 'create'],
};

/** What the orchestrator needs to be allowed to do in one namespace of one side's cluster. */
export interface KubernetesAccessNeed {
  side: Side;
  namespace: string;
  rules: PolicyRule[];
}

/** The old upstream after fencing: it must take no client writes once the downstream is promoted. */
export interface FenceResult {
  /**
   * `fenced`: the upstream was reached and verified to refuse client writes.
   * `unreachable`: it could not be reached, so nothing could be verified; the workflow goes on
   * only if the plan (or an approver) allows an ungraceful failover.
   */
  state: 'fenced' | 'unreachable';
  summary: string;
  detail: Record<string, unknown>;
  /** Commands or changes that lift the fence (failback, or a failover called off). */
  lift: string[];
}

export interface CatchUpResult {
  caughtUp: boolean;
  /** One line with the values that decided it, e.g. `every queue replicated past the fence (…)`. */
  summary: string;
  evidence: Record<string, unknown>;
}

export interface ActionResult {
  summary: string;
  detail: Record<string, unknown>;
}

/** One engine's block of a plan. */
export type EngineBlock<T extends Plan['engine']['type']> = Extract<Plan['engine'], { type: T }>;

/** `engine` as engine `type`'s block: an engine is only ever given blocks of its own type. */
export const engineBlockOf = <T extends Plan['engine']['type']>(
  type: T,
  engine: Plan['engine'],
): EngineBlock<T> => {
  if (engine.type !== type) throw new Error(`not a ${type} engine block: ${engine.type}`);
  return engine as EngineBlock<T>;
};

/**
 * What an engine says about a plan without reaching a cluster: the functions that only read a plan
 * (the AWS worker, the CLI and the construct need these, and bundle no cluster operation).
 */
export interface EngineDescription {
  readonly type: Plan['engine']['type'];
  /** This engine's plan block with its sides swapped: what a leg in the other direction sees (steps/leg.ts). */
  reverse(engine: Plan['engine']): Plan['engine'];
  /** In words, what promote and teardown will change: shown to approvers and in dry runs. */
  plannedChanges(plan: Plan): { promote: string; teardown: string };
  /** How people name each side's system, e.g. `tanzu-rabbitmq/downstream-cluster`. */
  sides(plan: Plan): Record<Side, string>;
  /**
   * Every Kubernetes permission the engine's steps use, and nothing more: the source of the
   * generated RBAC (`failover rbac`), so a new engine step that needs more fails its test.
   */
  kubernetesAccess(plan: Plan): KubernetesAccessNeed[];
}

/** What an engine does to the clusters; every call goes through the step's context. */
export interface Engine extends EngineDescription {
  /**
   * Whether what the plan names on `side` exists as that side's API answers: unreachable when the
   * API cannot be reached; throws MisconfiguredError when it answers that it is not there
   * (engines/site-presence.ts). Read-only.
   */
  presence(ctx: StepContext, side: Side): Promise<SitePresence>;
  /** Every check runs, in parallel; none short-circuits, so the evidence is complete. */
  readiness(ctx: StepContext): Promise<CheckResult[]>;
  /** Stops the old upstream from taking client writes, and verifies it. Idempotent. */
  fence(ctx: StepContext): Promise<FenceResult>;
  /** Idempotent: a promoted downstream is recognised and not promoted again. */
  promote(ctx: StepContext): Promise<ActionResult>;
  verifyPromotion(ctx: StepContext): Promise<ActionResult>;
  /** Idempotent: each link is removed only if still present, and each removal is verified. */
  teardown(ctx: StepContext): Promise<ActionResult>;
  /**
   * Graceful switchover, after the fence: whether the standby now holds everything the fenced
   * upstream had taken (RPO 0), with the evidence that says so. Read-only; asked again until
   * it does or the plan's `switchover.catchUpTimeoutSeconds` has passed since `fencedAt`.
   */
  catchUp(ctx: StepContext, fencedAt: Date): Promise<CatchUpResult>;
  /** Undoes the fence (a graceful switchover that could not catch up): the upstream takes clients again. Idempotent, verified. */
  liftFence(ctx: StepContext): Promise<ActionResult>;
  /**
   * Makes replication run as the plan describes it, upstream -> downstream, when the downstream
   * is not (yet) the upstream's standby — after a failover, with the plan oriented by the leg,
   * that makes the old active side the standby of the new one. Idempotent, verified (it waits
   * until replication is running).
   */
  reprotect(ctx: StepContext): Promise<ActionResult>;
}
