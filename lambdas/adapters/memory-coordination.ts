// Coordination for drills and break-glass runs: one process, so a map is the whole truth.
import type { CoordinationPort, Lease, PlanState } from '../ports/coordination.js';
import { initialPlanState } from '../ports/coordination.js';

export const createMemoryCoordination = (): CoordinationPort & {
  lockOf(planName: string): Lease | undefined;
} => {
  const triggers = new Map<string, string>();
  const states = new Map<string, PlanState>();
  const locks = new Map<string, Lease>();
  return {
    lockOf: (planName) => locks.get(planName),
    recordTrigger: async (planName, eventId, executionId) => {
      const key = `${planName}/${eventId}`;
      const first = triggers.get(key);
      if (first !== undefined) return first === executionId;
      triggers.set(key, executionId);
      return true;
    },
    getPlanState: async (planName) => ({ ...(states.get(planName) ?? initialPlanState) }),
    putPlanState: async (planName, state) => void states.set(planName, { ...state }),
    acquireLock: async (planName, lease) => {
      const holder = locks.get(planName);
      if (holder && holder.owner !== lease.owner) return { acquired: false, holder: { ...holder } };
      locks.set(planName, { ...lease });
      return { acquired: true };
    },
    renewLock: async (planName, owner, expiresAt) => {
      const holder = locks.get(planName);
      if (holder?.owner !== owner) return false;
      locks.set(planName, { ...holder, expiresAt });
      return true;
    },
    takeOverLock: async (planName, staleOwner, lease) => {
      if (locks.get(planName)?.owner !== staleOwner) return false;
      locks.set(planName, { ...lease });
      return true;
    },
    releaseLock: async (planName, owner) => {
      if (locks.get(planName)?.owner !== owner) return false;
      locks.delete(planName);
      return true;
    },
  };
};
