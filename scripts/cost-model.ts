// What a failover, and a plan's scheduled readiness, cost in AWS: Lambda (GB-seconds and
// requests), Step Functions Standard (state transitions), DynamoDB on demand (request units), SNS
// (publishes), EventBridge Scheduler (invocations), CloudWatch (alarms, custom metrics). Inputs are
// measured by the caller (scripts/bench.ts): the functions' memory from the synthesized template,
// and each task's run, the transitions and the journal's requests from a run of the workflow.
// Prices are AWS's published on-demand list prices for us-east-1 (eu-west-1 is the same for these),
// without free tiers; change them here.
export const PRICES = {
  /** Lambda on arm64 (the functions' architecture), per GB-second, first tier. */
  lambdaGbSecond: 0.0000133334,
  lambdaRequest: 0.2 / 1e6,
  /** Step Functions Standard workflows. */
  stateTransition: 0.025 / 1000,
  /** DynamoDB on-demand (since November 2024). */
  dynamoWriteUnit: 0.625 / 1e6,
  dynamoReadUnit: 0.125 / 1e6,
  snsPublish: 0.5 / 1e6,
  schedulerInvocation: 1 / 1e6,
  /** CloudWatch, per month: a standard-resolution alarm, and a custom metric (first 10,000 metrics). */
  alarmMonth: 0.1,
  metricMonth: 0.3,
} as const;

export interface FunctionRun {
  /** The function's memory in MB, as the template sets it. */
  memoryMb: number;
  durationMs: number;
}

export interface RunUsage {
  functionRuns: FunctionRun[];
  stateTransitions: number;
  dynamoWriteUnits: number;
  dynamoReadUnits: number;
  snsPublishes: number;
}

export interface Cost {
  lambdaGbSeconds: number;
  /** In US dollars, by service. */
  lambda: number;
  stepFunctions: number;
  dynamodb: number;
  sns: number;
  total: number;
}

/** Lambda bills each invocation's duration rounded up to the millisecond, times its memory in GB. */
export const gbSeconds = (runs: readonly FunctionRun[]): number =>
  runs.reduce((sum, r) => sum + (Math.ceil(r.durationMs) / 1000) * (r.memoryMb / 1024), 0);

export const costOf = (usage: RunUsage): Cost => {
  const lambdaGbSeconds = gbSeconds(usage.functionRuns);
  const lambda = lambdaGbSeconds * PRICES.lambdaGbSecond + usage.functionRuns.length * PRICES.lambdaRequest;
  const stepFunctions = usage.stateTransitions * PRICES.stateTransition;
  const dynamodb =
    usage.dynamoWriteUnits * PRICES.dynamoWriteUnit + usage.dynamoReadUnits * PRICES.dynamoReadUnit;
  const sns = usage.snsPublishes * PRICES.snsPublish;
  return {
    lambdaGbSeconds,
    lambda,
    stepFunctions,
    dynamodb,
    sns,
    total: lambda + stepFunctions + dynamodb + sns,
  };
};

/** A plan's scheduled readiness for a 30-day month. */
export const monthlyReadinessCost = (options: {
  everyMinutes: number;
  /** One evaluation: the Kubernetes worker's run, and its journal requests. */
  evaluation: FunctionRun;
  /** Metrics the evaluation publishes with the plan's dimensions (each check's, and StandbyReady). */
  customMetrics: number;
  /** The plan's alarms the stack creates: its readiness alarm, and the trigger alarms it defines. */
  alarms: number;
}) => {
  const evaluations = (30 * 24 * 60) / options.everyMinutes;
  const lambda =
    evaluations * (gbSeconds([options.evaluation]) * PRICES.lambdaGbSecond + PRICES.lambdaRequest);
  const scheduler = evaluations * PRICES.schedulerInvocation;
  const cloudwatch = options.customMetrics * PRICES.metricMonth + options.alarms * PRICES.alarmMonth;
  return { evaluations, lambda, scheduler, cloudwatch, total: lambda + scheduler + cloudwatch };
};

/** DynamoDB request units of one item: 1 KB per write unit, 4 KB per (strongly consistent) read unit. */
export const writeUnits = (bytes: number): number => Math.max(1, Math.ceil(bytes / 1024));
export const readUnits = (bytes: number): number => Math.max(1, Math.ceil(bytes / 4096));

export const dollars = (value: number): string =>
  value >= 0.01 ? `$${value.toFixed(2)}` : `$${value.toPrecision(2)}`;
