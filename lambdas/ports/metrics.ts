// What the deployed functions publish to CloudWatch, and so what the dashboard and the alarms
// read: the names here are the contract between the steps and infra/.

export interface MetricPoint {
  name: string;
  unit: 'Count' | 'Milliseconds';
  value: number;
  /** The whole dimension set: a dashboard or alarm must name exactly these to find the metric. */
  dimensions: Record<string, string>;
}

export interface MetricsPort {
  publish(points: MetricPoint[]): void;
}

export const METRICS_NAMESPACE = 'FailoverOrchestrator';

export const metricNames = {
  /** Per plan and readiness check of the scheduled evaluation: 1 passed, 0 failed. Dimensions plan, check. */
  readinessCheck: 'ReadinessCheckPassed',
  /** Per plan: 1 when every check of an evaluation passed, 0 otherwise (also when none could run). Dimension plan. */
  standbyReady: 'StandbyReady',
  /** One per finished execution. Dimensions plan, outcome (the report's status). */
  executions: 'FailoverExecutions',
  /** From the workflow's start to DNS verified. Dimension plan. */
  recoveryTime: 'RecoveryTime',
  /** Per attempt of each step. Dimensions plan, step. */
  stepDuration: 'StepDuration',
} as const;
