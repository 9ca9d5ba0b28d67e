// MetricsPort on CloudWatch's Embedded Metric Format: each point is one JSON log line that
// CloudWatch Logs turns into a metric. No PutMetricData call, so no IAM permission and no
// latency on the step; Powertools Metrics checks names, units and dimension limits.
import { Metrics } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE, type MetricsPort } from '../ports/metrics.js';

export interface EmfMetricsOptions {
  namespace?: string;
  /** Where the EMF lines go: the function's log (stdout) unless a test reads them. */
  write?: (line: string) => void;
}

export const createEmfMetrics = (options: EmfMetricsOptions = {}): MetricsPort => {
  const namespace = options.namespace ?? METRICS_NAMESPACE;
  const write = options.write ?? ((line: string) => void process.stdout.write(`${line}\n`));
  return {
    publish(points) {
      // One document per point: each carries its own dimension set, which is exactly what the
      // dashboard and alarms select (Powertools' default `service` dimension would be one more).
      for (const point of points) {
        const metrics = new Metrics({ namespace });
        metrics.clearDefaultDimensions();
        metrics.addDimensions(point.dimensions);
        metrics.addMetric(point.name, point.unit, point.value);
        write(JSON.stringify(metrics.serializeMetrics()));
      }
    },
  };
};
