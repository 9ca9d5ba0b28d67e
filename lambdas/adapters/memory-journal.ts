// The journal of a drill or break-glass run: kept in the process, nothing to install.
import type { EffectEvent, FailoverReport, JournalPort, StepClaim, StepRecord } from '../ports/journal.js';

export const createMemoryJournal = (): JournalPort => {
  const steps = new Map<string, StepRecord[]>();
  const effects = new Map<string, EffectEvent[]>();
  const claims = new Map<string, StepClaim>();
  const reports = new Map<string, FailoverReport>();
  // Copies, so a caller mutating what it got cannot rewrite history.
  const copy = <T>(value: T): T => structuredClone(value);
  return {
    appendStep: async (executionId, record) => {
      steps.set(executionId, [...(steps.get(executionId) ?? []), copy(record)]);
    },
    listSteps: async (executionId) => copy(steps.get(executionId) ?? []),
    appendEffect: async (executionId, event) => {
      effects.set(executionId, [...(effects.get(executionId) ?? []), copy(event)]);
    },
    listEffects: async (executionId) => copy(effects.get(executionId) ?? []),
    claimStep: async (executionId, step, claim, now) => {
      const key = `${executionId}/${step}`;
      const holder = claims.get(key);
      if (holder && holder.owner !== claim.owner && Date.parse(holder.until) > now.getTime())
        return { ...holder };
      claims.set(key, { ...claim });
      return undefined;
    },
    releaseStep: async (executionId, step, owner) => {
      const key = `${executionId}/${step}`;
      if (claims.get(key)?.owner === owner) claims.delete(key);
    },
    listClaims: async (executionId) =>
      [...claims.entries()]
        .filter(([key]) => key.startsWith(`${executionId}/`))
        .map(([key, claim]) => ({ ...claim, step: key.slice(executionId.length + 1) })),
    putReport: async (report) => {
      reports.set(report.executionId, copy(report));
    },
    getReport: async (executionId) => copy(reports.get(executionId)),
  };
};
