// The data-plane traffic switch, through the AWS worker as the workflow invokes it, against the
// drill's ARC cluster: check-dns asks without changing, flip-dns turns the downstream's control On
// and the upstream's Off in one request and reads them back, verify-dns reads them again. Each
// read-back is shown to catch what it guards against.
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { createMemoryCoordination } from '../../lambdas/adapters/memory-coordination.js';
import { createMemoryJournal } from '../../lambdas/adapters/memory-journal.js';
import { DnsAccessDeniedError } from '../../lambdas/errors.js';
import { createAwsWorker } from '../../lambdas/handlers/aws-worker.js';
import { loadPlan } from '../../lambdas/plan/load-plan.js';
import { planRef } from '../../lambdas/plan/plan-ref.js';
import type { Plan } from '../../lambdas/plan/schema.js';
import type { RoutingControlSwitch } from '../../lambdas/plan/traffic-switch.js';
import { systemClock } from '../../lambdas/ports/clock.js';
import type { JournalPort } from '../../lambdas/ports/journal.js';
import type { DnsAnswersPort } from '../../lambdas/ports/dns-answers.js';
import type { RoutingControlPort } from '../../lambdas/ports/routing-controls.js';
import { publishedPlans } from '../../local/published-plans.js';
import { createLocalRoutingControls, type LocalRoutingControls } from '../../sim/local-routing-controls.js';

const logger = new Logger({ logLevel: 'SILENT' });
const context = {
  functionName: 'aws-worker',
  awsRequestId: 'r',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;
const execution = {
  id: 'arn:aws:states:eu-central-1:1:execution:failover:routing-controls',
  startedAt: '2026-03-01T10:00:00.000Z',
};
const unused = () => {
  throw new Error('must not be reached');
};

let plan: Plan;
let traffic: RoutingControlSwitch;
beforeAll(async () => {
  plan = await loadPlan('examples/two-regions/rabbitmq-standby.yaml');
  if (plan.dns.switch.via !== 'routing-controls') throw new Error('the example switches by routing controls');
  traffic = plan.dns.switch;
});

const cluster = (unavailable: string[] = [], followMs = 0) =>
  createLocalRoutingControls({
    traffic,
    serving: 'upstream',
    unavailable: (r) => unavailable.includes(r),
    followMs,
  });

/** The zone's name servers, answering as the failover records over `controls` do. */
const serversOver = (controls: LocalRoutingControls): DnsAnswersPort => ({
  answer: async (ref) => {
    const record = plan.dns.records.find((r) => r.name === ref.name)!;
    return [controls.answer(record)];
  },
});

/** One step as the workflow runs it, in eu-central-1, holding the plan's lock. */
const invoke = async (
  step: string,
  controls: RoutingControlPort,
  journal: JournalPort,
  servers: DnsAnswersPort = serversOver(controls as LocalRoutingControls),
  deployed: Plan = plan,
) => {
  const coordination = createMemoryCoordination();
  await coordination.acquireLock(plan.name, {
    owner: execution.id,
    acquiredAt: execution.startedAt,
    expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
  });
  return createAwsWorker(
    {
      plans: publishedPlans([deployed]),
      journal,
      clock: systemClock,
      progress: () => undefined,
      coordination,
      executions: { isRunning: unused },
      dns: { getRecord: unused, upsertRecords: unused, changeStatus: unused, checkChangeAccess: unused },
      routingControlsFor: () => controls,
      answers: servers,
      region: 'eu-central-1',
      alarms: { getStates: unused },
      notifier: { notify: unused },
      approvals: { request: unused },
    },
    logger,
  )({ step, execution, plan: planRef(deployed) }, context);
};

const statesOf = (c: LocalRoutingControls) => [
  c.states().get(traffic.controls.upstream),
  c.states().get(traffic.controls.downstream),
];

it('check-dns reads the controls through an endpoint that answers and changes nothing', async () => {
  const controls = cluster(['eu-west-1']);
  const journal = createMemoryJournal();
  const output = (await invoke('check-dns', controls, journal)) as {
    checks: Array<{ name: string; passed: boolean; summary: string }>;
  };
  expect(output.checks.map((c) => [c.name, c.passed])).toEqual([
    ['arc-read', true],
    ['arc-change', true],
  ]);
  expect(output.checks[1]!.summary).toMatch(/through https:\/\/host-aaaaaa\.us-east-1\./);
  expect(statesOf(controls)).toEqual(['On', 'Off']);
  expect((await journal.listSteps(execution.id)).map((s) => s.sideEffects)).toEqual([[]]);
});

it('check-dns halts with NotReady when the controls may not be changed', async () => {
  const controls = cluster();
  const denied: RoutingControlPort = {
    getStates: (arns) => controls.getStates(arns),
    updateStates: async () => {
      throw new DnsAccessDeniedError(
        'ARC UpdateRoutingControlStates: AccessDeniedException: not authorized to perform route53-recovery-cluster:UpdateRoutingControlStates',
      );
    },
  };
  await expect(invoke('check-dns', denied, createMemoryJournal())).rejects.toMatchObject({
    name: 'NotReady',
    message: expect.stringMatching(
      /arc-change: the controls may not be changed: ARC UpdateRoutingControlStates: AccessDeniedException/,
    ),
  });
});

it('flip-dns turns the downstream On and the upstream Off once; a repeated flip changes nothing more', async () => {
  const controls = cluster(['eu-west-1']);
  const journal = createMemoryJournal();
  await invoke('flip-dns', controls, journal);
  expect(statesOf(controls)).toEqual(['Off', 'On']);
  await invoke('flip-dns', controls, journal);
  const effects = await journal.listEffects(execution.id);
  expect(effects.filter((e) => e.phase === 'unchanged')).toHaveLength(1);
  expect(effects.filter((e) => e.phase === 'done').map((e) => e.action)).toEqual([
    expect.stringMatching(
      /^turned the downstream's routingcontrol\/fedcba9876543210 On and the upstream's routingcontrol\/0123456789abcdef Off through https:\/\/host-aaaaaa/,
    ),
  ]);
  for (const record of plan.dns.records) expect(controls.answer(record)).toBe(record.downstream);
});

it('flip-dns fails when the cluster acknowledges a change it did not apply (the read-back)', async () => {
  const controls = cluster();
  const lost: RoutingControlPort = {
    getStates: (arns) => controls.getStates(arns),
    updateStates: async () => ({ endpoint: traffic.clusterEndpoints[0]!.url }),
  };
  await expect(invoke('flip-dns', lost, createMemoryJournal(), serversOver(controls))).rejects.toMatchObject({
    name: 'VerificationFailed',
    message: expect.stringMatching(
      /upstream control On, downstream control Off, expected downstream On and upstream Off$/,
    ),
  });
});

it('verify-dns fails when the upstream control was turned back On after the flip', async () => {
  const controls = cluster();
  const journal = createMemoryJournal();
  await invoke('flip-dns', controls, journal);
  await invoke('verify-dns', controls, journal);
  await controls.updateStates(new Map([[traffic.controls.upstream, 'On']]));
  await expect(invoke('verify-dns', controls, journal)).rejects.toMatchObject({
    name: 'VerificationFailed',
    message: expect.stringMatching(
      /^resolvers do not get the downstream: upstream control On, downstream control On/,
    ),
  });
});

it('flip-dns succeeds once the name servers answer the downstream, not when the controls are set', async () => {
  const controls = cluster([], 1_200);
  const journal = createMemoryJournal();
  const output = await invoke('flip-dns', controls, journal);
  expect(output).toEqual({ endpoint: traffic.clusterEndpoints[0]!.url });
  const [flip] = await journal.listSteps(execution.id);
  expect(flip).toMatchObject({ step: 'flip-dns', outcome: 'succeeded' });
  expect(Date.parse(flip!.endedAt) - Date.parse(flip!.startedAt)).toBeGreaterThanOrEqual(1_000);
  expect(flip!.summary).toMatch(/read back; the name servers answer it\)$/);
});

it('flip-dns hands a long wait for the name servers to the workflow; invoked again, it only looks', async () => {
  const controls = cluster([], 6_000);
  const journal = createMemoryJournal();
  expect(await invoke('flip-dns', controls, journal)).toMatchObject({
    waiting: { for: "the zone's name servers to answer the downstream" },
  });
  expect(await invoke('flip-dns', controls, journal)).toEqual({ endpoint: traffic.clusterEndpoints[0]!.url });
  const effects = await journal.listEffects(execution.id);
  expect(effects.filter((e) => e.phase === 'done')).toHaveLength(1);
  expect((await journal.listSteps(execution.id)).at(-1)!.summary).toMatch(
    /\(routing controls set through https:\/\/host-cccccc\.eu-west-1\.[^ ]* by an earlier invocation of this step; the name servers answer it\)$/,
  );
});

it('flip-dns does not succeed while the name servers answer the upstream (records that do not follow the controls)', async () => {
  const controls = cluster();
  const upstreamForever: DnsAnswersPort = { answer: async () => [plan.dns.records[0]!.upstream] };
  const brief = { ...plan, dns: { ...plan.dns, syncTimeoutSeconds: 1 } };
  await expect(
    invoke('flip-dns', controls, createMemoryJournal(), upstreamForever, brief),
  ).rejects.toMatchObject({
    name: 'Transient',
    message: expect.stringMatching(
      /^the zone's name servers do not answer the downstream 1 s after the routing controls were set: amqp\.orders\.example\.com answers upstream-cluster\.site-a/,
    ),
  });
  expect(statesOf(controls)).toEqual(['Off', 'On']);
});

it('verify-dns fails when the controls are right and the name servers still answer the upstream', async () => {
  const controls = cluster();
  const journal = createMemoryJournal();
  await invoke('flip-dns', controls, journal);
  const upstreamForever: DnsAnswersPort = { answer: async () => [plan.dns.records[0]!.upstream] };
  await expect(invoke('verify-dns', controls, journal, upstreamForever)).rejects.toMatchObject({
    name: 'VerificationFailed',
    message: expect.stringMatching(
      /^the zone's name servers do not answer the downstream, the controls set as they should be/,
    ),
  });
});

describe("the drill's ARC cluster", () => {
  it('refuses a change that leaves both controls Off (the safety rule), applying none of it', async () => {
    const controls = cluster();
    await expect(
      controls.updateStates(
        new Map([
          [traffic.controls.upstream, 'Off'],
          [traffic.controls.downstream, 'Off'],
        ]),
      ),
    ).rejects.toMatchObject({
      name: 'DnsChangeFailed',
      message: expect.stringContaining('ConflictException'),
    });
    expect(statesOf(controls)).toEqual(['On', 'Off']);
  });

  it("answers as Route 53's failover routing does: the PRIMARY while healthy, else the SECONDARY", async () => {
    const controls = cluster();
    const [record] = plan.dns.records;
    expect(controls.answer(record!)).toBe(record!.upstream);
    await controls.updateStates(new Map([[traffic.controls.downstream, 'On']]));
    expect(controls.answer(record!)).toBe(record!.upstream);
    await controls.updateStates(new Map([[traffic.controls.upstream, 'Off']]));
    expect(controls.answer(record!)).toBe(record!.downstream);
  });

  it('times out at an endpoint of an unavailable Region and asks the next', async () => {
    const all = traffic.clusterEndpoints.map((e) => e.region);
    await expect(cluster(all).getStates([traffic.controls.upstream])).rejects.toMatchObject({
      name: 'Transient',
      message: expect.stringContaining('no cluster endpoint answered'),
    });
    await expect(
      cluster(all.slice(0, -1)).updateStates(new Map([[traffic.controls.downstream, 'On']])),
    ).resolves.toEqual(expect.objectContaining({ endpoint: traffic.clusterEndpoints.at(-1)!.url }));
  });
});
