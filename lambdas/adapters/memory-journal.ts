// The journal of a drill or break-glass run: kept in the process, nothing to install.
import type { FailoverReport, JournalPort, StepRecord } from '../ports/journal.js';

export const createMemoryJournal = (): JournalPort => {
  const steps = new Map<string, StepRecord[]>();
  const reports = new Map<string, FailoverReport>();
  // Copies, so a caller mutating what it got cannot rewrite history.
  const copy = <T>(value: T): T => structuredClone(value);
  return {
    appendStep: async (executionId, record) => {
      steps.set(executionId, [...(steps.get(executionId) ?? []), copy(record)]);
    },
    listSteps: async (executionId) => copy(steps.get(executionId) ?? []),
    putReport: async (report) => {
      reports.set(report.executionId, copy(report));
    },
    getReport: async (executionId) => copy(reports.get(executionId)),
  };
};
