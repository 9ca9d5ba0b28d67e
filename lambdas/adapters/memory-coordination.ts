// Coordination for drills and break-glass runs: one process, so a map is the whole truth.
import type { CoordinationPort, Lease, PlanState } from '../ports/coordination.js';
import { initialPlanState } from '../ports/coordination.js';

export const createMemoryCoordination = (): CoordinationPort & { lockOf(planName: string): Lease | undefined } => {
  const triggers = new Set<string>();
  const states = new Map<string, PlanState>();
  const locks = new Map<string, Lease>();
  return {
    lockOf: (planName) => locks.get(planName),
    recordTrigger: async (planName, eventId) => {
      const key = `${planName}/${eventId}`;
      if (triggers.has(key)) return false;
      triggers.add(key);
      return true;
    },
    getPlanState: async (planName) => ({ ...(states.get(planName) ?? initialPlanState) }),
    putPlanState: async (planName, state) => void states.set(planName, { ...state }),
    acquireLock: async (planName, lease, now) => {
      const holder = locks.get(planName);
      if (holder && Date.parse(holder.expiresAt) > now.getTime()) return { acquired: false, holder: { ...holder } };
      locks.set(planName, { ...lease });
      return { acquired: true };
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
