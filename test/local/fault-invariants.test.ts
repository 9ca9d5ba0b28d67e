// The fault matrix's invariants on DNS: a flip moves every record or none, so a cell that ends
// with some records moved and others not is unsafe, whatever the report says.
import type { RunEvidence } from '../../local/fault-invariants.js';
import { problemsOf } from '../../local/fault-invariants.js';

const halted: RunEvidence = {
  report: {
    executionId: 'e-1',
    planName: 'orders',
    status: 'FAILED',
    reason: 'DnsChangeFailed: InvalidChangeBatch',
    startedAt: '2025-01-01T00:00:00.000Z',
    endedAt: '2025-01-01T00:01:00.000Z',
    sideEffects: [],
    steps: [
      {
        name: 'readiness',
        attempt: 1,
        startedAt: '2025-01-01T00:00:01.000Z',
        endedAt: '2025-01-01T00:00:02.000Z',
        durationMs: 1_000,
        outcome: 'succeeded',
        summary: 'ready',
        detail: { checks: [] },
      },
    ],
  },
  notifications: [{ subject: '[failover] orders: FAILED', message: '', attributes: { status: 'FAILED' } }],
  planState: { activeSide: 'upstream', needsOperator: 'failed after a change' },
  lockHeld: false,
  end: {
    upstreamWritable: false,
    downstreamPrimary: true,
    promotions: 1,
    duplicatePromotions: 0,
    summary: 'downstream promoted, upstream fenced',
  },
  dnsRecords: [
    { name: 'amqp.orders.example.com', atDownstream: false },
    { name: 'v4.amqp.orders.example.com', atDownstream: false },
  ],
  dnsOnUnpromoted: [],
  writes: [],
};

it('accepts a flip that moved no record, and one that moved every record', () => {
  expect(problemsOf(halted)).toEqual([]);
  expect(
    problemsOf({ ...halted, dnsRecords: halted.dnsRecords.map((r) => ({ ...r, atDownstream: true })) }),
  ).toEqual([]);
});

it('finds a flip that moved some records and not others', () => {
  const split = {
    ...halted,
    dnsRecords: [{ ...halted.dnsRecords[0]!, atDownstream: true }, halted.dnsRecords[1]!],
  };

  expect(problemsOf(split)).toEqual([
    'DNS half flipped: amqp.orders.example.com at the downstream, v4.amqp.orders.example.com not',
  ]);
});
