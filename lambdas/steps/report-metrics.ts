// Every way an execution ends (report, halt, blocked) stores its report: the journal that stores
// it is where the report becomes metrics, so no ending is missed and none is counted twice.
import type { FailoverReport, JournalPort } from '../ports/journal.js';
import { metricNames, type MetricPoint, type MetricsPort } from '../ports/metrics.js';

/** Executions by outcome, the recovery time, and each step attempt's duration. */
export const reportMetricPoints = (report: FailoverReport): MetricPoint[] => [
  {
    name: metricNames.executions,
    unit: 'Count',
    value: 1,
    dimensions: { plan: report.planName, outcome: report.status },
  },
  ...(report.recoveryTimeMs !== undefined
    ? [
        {
          name: metricNames.recoveryTime,
          unit: 'Milliseconds' as const,
          value: report.recoveryTimeMs,
          dimensions: { plan: report.planName },
        },
      ]
    : []),
  ...report.steps.map((s) => ({
    name: metricNames.stepDuration,
    unit: 'Milliseconds' as const,
    value: s.durationMs,
    dimensions: { plan: report.planName, step: s.name },
  })),
];

/**
 * Publishes a report's metrics when the execution's first report is stored. A retried Report
 * task, or a Halt after a Report whose notification failed, stores again: that is one execution.
 */
export const withReportMetrics = (journal: JournalPort, metrics: MetricsPort): JournalPort => ({
  ...journal,
  putReport: async (report) => {
    const first = (await journal.getReport(report.executionId)) === undefined;
    await journal.putReport(report);
    if (first) metrics.publish(reportMetricPoints(report));
  },
});
