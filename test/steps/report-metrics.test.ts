// A stored report becomes the metrics the dashboard reads (as the EMF lines CloudWatch would
// receive), once per execution however often the report is stored.
import { createEmfMetrics } from '../../lambdas/adapters/emf-metrics.js';
import { createMemoryJournal } from '../../lambdas/adapters/memory-journal.js';
import type { FailoverReport } from '../../lambdas/ports/journal.js';
import { withReportMetrics } from '../../lambdas/steps/report-metrics.js';

const report: FailoverReport = {
  executionId: 'arn:aws:states:eu-west-1:111122223333:execution:Workflow:abc',
  planName: 'orders-rabbitmq',
  status: 'SUCCEEDED',
  startedAt: '2026-03-01T10:00:00.000Z',
  endedAt: '2026-03-01T10:03:00.000Z',
  recoveryTimeMs: 150_000,
  steps: [
    {
      name: 'readiness',
      attempt: 1,
      startedAt: '2026-03-01T10:01:00.000Z',
      endedAt: '2026-03-01T10:01:02.000Z',
      durationMs: 2000,
      outcome: 'succeeded',
      summary: '5/5',
      detail: {},
    },
    {
      name: 'promote',
      attempt: 1,
      startedAt: '2026-03-01T10:01:02.000Z',
      endedAt: '2026-03-01T10:01:03.000Z',
      durationMs: 1000,
      outcome: 'failed',
      summary: 'PromotionFailed',
      detail: {},
    },
    {
      name: 'promote',
      attempt: 2,
      startedAt: '2026-03-01T10:01:08.000Z',
      endedAt: '2026-03-01T10:01:10.500Z',
      durationMs: 2500,
      outcome: 'succeeded',
      summary: 'promoted',
      detail: {},
    },
  ],
  sideEffects: [],
};

const emf = () => {
  const lines: string[] = [];
  return {
    lines,
    metrics: createEmfMetrics({ namespace: 'FailoverOrchestrator', write: (l) => lines.push(l) }),
  };
};

const summary = (line: string) => {
  const doc = JSON.parse(line);
  const { Namespace, Dimensions, Metrics } = doc._aws.CloudWatchMetrics[0];
  return {
    Namespace,
    Dimensions,
    name: Metrics[0].Name,
    unit: Metrics[0].Unit,
    value: doc[Metrics[0].Name],
    dims: Object.fromEntries(Dimensions[0].map((d: string) => [d, doc[d]])),
  };
};

describe('report metrics', () => {
  it('executions by outcome, the recovery time and each step attempt, as EMF with exactly the dashboard dimensions', async () => {
    const { lines, metrics } = emf();
    await withReportMetrics(createMemoryJournal(), metrics).putReport(report);
    expect(lines.map(summary)).toEqual([
      {
        Namespace: 'FailoverOrchestrator',
        Dimensions: [['plan', 'outcome']],
        name: 'FailoverExecutions',
        unit: 'Count',
        value: 1,
        dims: { plan: 'orders-rabbitmq', outcome: 'SUCCEEDED' },
      },
      {
        Namespace: 'FailoverOrchestrator',
        Dimensions: [['plan']],
        name: 'RecoveryTime',
        unit: 'Milliseconds',
        value: 150_000,
        dims: { plan: 'orders-rabbitmq' },
      },
      {
        Namespace: 'FailoverOrchestrator',
        Dimensions: [['plan', 'step']],
        name: 'StepDuration',
        unit: 'Milliseconds',
        value: 2000,
        dims: { plan: 'orders-rabbitmq', step: 'readiness' },
      },
      {
        Namespace: 'FailoverOrchestrator',
        Dimensions: [['plan', 'step']],
        name: 'StepDuration',
        unit: 'Milliseconds',
        value: 1000,
        dims: { plan: 'orders-rabbitmq', step: 'promote' },
      },
      {
        Namespace: 'FailoverOrchestrator',
        Dimensions: [['plan', 'step']],
        name: 'StepDuration',
        unit: 'Milliseconds',
        value: 2500,
        dims: { plan: 'orders-rabbitmq', step: 'promote' },
      },
    ]);
    expect(JSON.parse(lines[0]!)._aws.Timestamp).toEqual(expect.any(Number));
  });

  it('counts an execution once when its report is stored again (a retried Report, a Halt after it)', async () => {
    const { lines, metrics } = emf();
    const journal = withReportMetrics(createMemoryJournal(), metrics);
    await journal.putReport(report);
    const before = lines.length;
    await journal.putReport({ ...report, status: 'FAILED', recoveryTimeMs: undefined });
    expect(lines.length).toBe(before);
    expect((await journal.getReport(report.executionId))?.status).toBe('FAILED');
  });

  it('a halted run has no recovery time', async () => {
    const { lines, metrics } = emf();
    const { recoveryTimeMs: _, ...halted } = report;
    await withReportMetrics(createMemoryJournal(), metrics).putReport({
      ...halted,
      status: 'HALTED',
      steps: [],
    });
    expect(lines.map(summary).map((m) => [m.name, m.dims])).toEqual([
      ['FailoverExecutions', { plan: 'orders-rabbitmq', outcome: 'HALTED' }],
    ]);
  });
});
