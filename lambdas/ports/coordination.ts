// What keeps failovers of one plan from racing or flapping: a lease-based lock (one active
// failover per plan), the plan's state (which side is active, cooldown, whether an operator
// must look first), and the trigger events already seen. Adapters: DynamoDB and in-memory.
import type { Side } from '../plan/schema.js';

export interface Lease {
  /** The execution that holds the lock. */
  owner: string;
  acquiredAt: string;
  /**
   * Renewed by every step of the owner. A backstop only: a lock is taken over when Step Functions
   * says its owner no longer runs, or, past this, when Step Functions cannot be asked.
   */
  expiresAt: string;
}

export interface PlanState {
  /** Which side serves clients. Alarms on the old upstream never start a failback. */
  activeSide: Side;
  /**
   * Whether the side that does not serve is replicating from the one that does. A failover
   * tears the links down (`unprotected`); `reprotect` sets them up the other way (`replicating`).
   * Absent: as the plan was deployed, upstream replicating to downstream.
   */
  protection?: 'replicating' | 'unprotected';
  /** No failover starts before this time (anti-flap), unless an operator acknowledges. */
  cooldownUntil?: string;
  /** Set when a failover failed after changing things: nothing starts until an operator acknowledges. */
  needsOperator?: string;
  lastExecutionId?: string;
  updatedAt?: string;
  /** The last operator acknowledgement (`failover ack`), as the console API verified who made it. */
  acknowledged?: { by: string; reason: string; at: string };
}

export type AcquireResult = { acquired: true } | { acquired: false; holder: Lease };

/** The plan's state alone: what an operator's acknowledgement reads and writes. */
export type PlanStatePort = Pick<CoordinationPort, 'getPlanState' | 'putPlanState'>;

export interface CoordinationPort {
  /**
   * True the first time this trigger event is seen (EventBridge delivers at least once), and again
   * for the execution that saw it first: a retried Admit must not take its own trigger for a duplicate.
   */
  recordTrigger(planName: string, eventId: string, executionId: string): Promise<boolean>;
  getPlanState(planName: string): Promise<PlanState>;
  putPlanState(planName: string, state: PlanState): Promise<void>;
  /** Takes the lock if it is free or already held by `lease.owner` (a retried Admit); an expired lease is not free: see Lease. */
  acquireLock(planName: string, lease: Lease): Promise<AcquireResult>;
  /** Extends the owner's lease; false when `owner` no longer holds the lock. */
  renewLock(planName: string, owner: string, expiresAt: string): Promise<boolean>;
  /** Takes the lock from `staleOwner` only if it still holds it (compare-and-swap). */
  takeOverLock(planName: string, staleOwner: string, lease: Lease): Promise<boolean>;
  /** Releases the lock only if `owner` holds it; false when it did not. */
  releaseLock(planName: string, owner: string): Promise<boolean>;
}

/** Whether a workflow execution is still running: decides if a lock's owner is gone. */
export interface ExecutionsPort {
  isRunning(executionId: string): Promise<boolean>;
}

export const initialPlanState: PlanState = { activeSide: 'upstream' };
