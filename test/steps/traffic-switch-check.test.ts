// The check-dns step, through the AWS worker as the workflow invokes it: it passes when every
// plan record can be read and changed, and otherwise halts (NotReady) with every check as
// evidence, journalled like any step, having changed nothing.
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { createMemoryCoordination } from '../../lambdas/adapters/memory-coordination.js';
import { createMemoryJournal } from '../../lambdas/adapters/memory-journal.js';
import type { CheckResult } from '../../lambdas/engines/engine.js';
import { createAwsWorker } from '../../lambdas/handlers/aws-worker.js';
import { loadPlan } from '../../lambdas/plan/load-plan.js';
import type { Plan } from '../../lambdas/plan/schema.js';
import { systemClock } from '../../lambdas/ports/clock.js';
import type { JournalPort } from '../../lambdas/ports/journal.js';
import { FaultInjector } from '../../sim/faults.js';
import { planDnsZone, type LocalDnsZone } from '../../sim/local-dns-zone.js';
import { parseScenario } from '../../sim/scenario.js';
import { planRef } from '../../lambdas/plan/plan-ref.js';
import { publishedPlans } from '../../local/published-plans.js';

const logger = new Logger({ logLevel: 'SILENT' });
const context = {
  functionName: 'aws-worker',
  awsRequestId: 'r',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;
const execution = {
  id: 'arn:aws:states:eu-west-1:1:execution:failover:check-dns',
  startedAt: '2026-03-01T10:00:00.000Z',
};
const unused = () => {
  throw new Error('must not be reached');
};

let plan: Plan;
beforeAll(async () => {
  plan = await loadPlan('examples/plans/rabbitmq-standby.yaml');
});

const zoneWith = (faults: unknown[]): LocalDnsZone =>
  planDnsZone(plan, 10, new FaultInjector(parseScenario({ faults }, 'check-dns test', plan).faults));

/** The step as the workflow runs it: after Admit, so this execution holds the plan's lock. */
const checkDns = async (dns: LocalDnsZone, journal: JournalPort) => {
  const coordination = createMemoryCoordination();
  await coordination.acquireLock(plan.name, {
    owner: execution.id,
    acquiredAt: execution.startedAt,
    expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
  });
  return createAwsWorker(
    {
      plans: publishedPlans([plan]),
      journal,
      clock: systemClock,
      progress: () => undefined,
      coordination,
      executions: { isRunning: unused },
      dns,
      alarms: { getStates: unused },
      notifier: { notify: unused },
      approvals: { request: unused },
    },
    logger,
  )({ step: 'check-dns', execution, plan: planRef(plan) }, context);
};

const record = 'amqp.orders.example.com';

it('passes with a read and a change check per record, changing nothing', async () => {
  const dns = zoneWith([]);
  const journal = createMemoryJournal();

  const output = (await checkDns(dns, journal)) as { checks: CheckResult[] };

  expect(output.checks.map((c) => [c.name, c.passed])).toEqual([
    [`dns-read:${record}`, true],
    [`dns-change:${record}`, true],
  ]);
  expect([...dns.records().values()].map((r) => r.values)).toEqual([[plan.dns.records[0]!.upstream]]);
  expect((await journal.listSteps(execution.id)).map((s) => [s.step, s.outcome, s.sideEffects])).toEqual([
    ['check-dns', 'succeeded', []],
  ]);
});

it.each([
  [
    'read',
    { operation: 'get', status: 403 },
    `dns-read:${record}: CNAME ${record} cannot be read: Route 53 ListResourceRecordSets ${record}: AccessDenied`,
  ],
  [
    'change',
    { operation: 'upsert', status: 403 },
    `dns-change:${record}: CNAME ${record} may not be changed by these credentials: AccessDenied`,
  ],
  [
    'answer',
    { operation: 'upsert', status: 503 },
    `dns-change:${record}: CNAME ${record}: could not ask whether it may be changed: Route 53 ChangeResourceRecordSets ${record}: 503 InternalFailure`,
  ],
])('halts with NotReady and every check when Route 53 will not let it %s', async (_what, fault, reason) => {
  const dns = zoneWith([{ target: 'dns', ...fault }]);
  const journal = createMemoryJournal();

  await expect(checkDns(dns, journal)).rejects.toMatchObject({
    name: 'NotReady',
    message: expect.stringContaining(`the traffic switch could not be made: ${reason}`),
    detail: {
      checks: expect.arrayContaining([
        expect.objectContaining({ name: `dns-change:${record}`, passed: false }),
      ]),
    },
  });
  const [attempt] = await journal.listSteps(execution.id);
  expect(attempt).toMatchObject({ step: 'check-dns', outcome: 'failed', sideEffects: [] });
  expect([...dns.records().values()].map((r) => r.values)).toEqual([[plan.dns.records[0]!.upstream]]);
});
