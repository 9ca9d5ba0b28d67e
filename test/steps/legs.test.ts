// Legs: which way an execution moves the service (Admit decides), and the plan each leg's steps see.
import { createMemoryCoordination } from '../../lambdas/adapters/memory-coordination.js';
import { createMemoryJournal } from '../../lambdas/adapters/memory-journal.js';
import { drillAlarmEvent } from '../../lambdas/plan/alarm-event.js';
import { engineFor } from '../../lambdas/engines/registry.js';
import { loadPlan } from '../../lambdas/plan/load-plan.js';
import { operatorRequest } from '../../lambdas/plan/operator-request.js';
import type { Plan } from '../../lambdas/plan/schema.js';
import { systemClock } from '../../lambdas/ports/clock.js';
import type { PlanState } from '../../lambdas/ports/coordination.js';
import { admit } from '../../lambdas/steps/admit.js';
import { orientPlan } from '../../lambdas/steps/leg.js';
import type { AwsDeps } from '../../lambdas/steps/step-deps.js';

const plans = [
  ...['rabbitmq-standby', 'rabbitmq-shovel', 'rocketmq-controller'].map((e) => `examples/plans/${e}.yaml`),
  'examples/two-regions/rabbitmq-standby.yaml',
];
const execution = () => ({ id: `exec-${Math.random()}`, startedAt: new Date().toISOString() });
const person = { requestedBy: 'ops', reason: 'DR rehearsal' };

const admitWith = async (plan: Plan, state: PlanState, trigger: unknown) => {
  const coordination = createMemoryCoordination();
  await coordination.putPlanState(plan.name, state);
  const deps = {
    journal: createMemoryJournal(),
    clock: systemClock,
    progress: () => undefined,
    coordination,
    executions: { isRunning: async () => false },
  } as unknown as AwsDeps;
  return admit(deps, execution(), plan, trigger);
};

describe('Admit decides the leg', () => {
  it('an alarm: an ungraceful failover upstream -> downstream; never from the downstream (no automatic failback)', async () => {
    const plan = await loadPlan(plans[0]!);
    expect(
      (
        await admitWith(
          plan,
          { activeSide: 'upstream' },
          drillAlarmEvent(plan.triggers.alarms[0]!.name, new Date()),
        )
      ).leg,
    ).toEqual({
      action: 'failover',
      mode: 'ungraceful',
      trigger: 'alarm',
      from: 'upstream',
      to: 'downstream',
    });
    await expect(
      admitWith(
        plan,
        { activeSide: 'downstream' },
        drillAlarmEvent(plan.triggers.alarms[0]!.name, new Date()),
      ),
    ).rejects.toMatchObject({ name: 'Blocked', detail: { kind: 'failed-over' } });
  });

  it('a person: a switchover from whichever side serves, even in cooldown; reprotect towards the side that does not serve', async () => {
    const plan = await loadPlan(plans[0]!);
    const inCooldown: PlanState = { activeSide: 'downstream', cooldownUntil: '2999-01-01T00:00:00.000Z' };
    expect((await admitWith(plan, inCooldown, operatorRequest('switchover', person))).leg).toEqual({
      action: 'failover',
      mode: 'graceful',
      trigger: 'operator',
      from: 'downstream',
      to: 'upstream',
    });
    expect((await admitWith(plan, inCooldown, operatorRequest('reprotect', person))).leg).toMatchObject({
      action: 'reprotect',
      from: 'downstream',
      to: 'upstream',
    });
    expect(
      (
        await admitWith(
          plan,
          { activeSide: 'upstream' },
          operatorRequest('switchover', { ...person, mode: 'ungraceful' }),
        )
      ).leg,
    ).toMatchObject({ mode: 'ungraceful', from: 'upstream', to: 'downstream' });
  });

  it("a plan waiting for an operator starts nothing, not even a person's request", async () => {
    const plan = await loadPlan(plans[0]!);
    await expect(
      admitWith(
        plan,
        { activeSide: 'upstream', needsOperator: 'teardown failed' },
        operatorRequest('switchover', person),
      ),
    ).rejects.toMatchObject({ detail: { kind: 'needs-operator' } });
  });
});

describe.each(plans)('the plan a leg from the downstream sees (%s)', (file) => {
  it('swaps clusters, DNS values and the engine block; swapping twice gives the same sides back', async () => {
    const plan = await loadPlan(file);
    const back = {
      action: 'failover',
      mode: 'graceful',
      trigger: 'operator',
      from: 'downstream',
      to: 'upstream',
    } as const;
    const oriented = orientPlan(plan, back);
    expect(oriented.clusters).toEqual({
      upstream: plan.clusters.downstream,
      downstream: plan.clusters.upstream,
    });
    expect(oriented.dns.records.map((r) => [r.upstream, r.downstream])).toEqual(
      plan.dns.records.map((r) => [r.downstream, r.upstream]),
    );
    expect(oriented.engine).not.toEqual(plan.engine);
    // A failback acts from the upstream's Region and turns the upstream's routing control back On.
    expect(oriented.regions).toEqual(
      plan.regions && { upstream: plan.regions.downstream, downstream: plan.regions.upstream },
    );
    if (plan.dns.switch.via === 'routing-controls')
      expect(oriented.dns.switch).toEqual({
        ...plan.dns.switch,
        controls: {
          upstream: plan.dns.switch.controls.downstream,
          downstream: plan.dns.switch.controls.upstream,
        },
      });
    else expect(oriented.dns.switch).toEqual(plan.dns.switch);
    // Reversing may write out defaults the plan left implicit (the other direction's names), so
    // twice is the plan in effect, and a third time is the first reversal again.
    const twice = orientPlan(oriented, back);
    expect({ ...twice, engine: undefined }).toEqual({ ...plan, engine: undefined });
    expect(engineFor(twice).sides(twice)).toEqual(engineFor(plan).sides(plan));
    expect(orientPlan(twice, back)).toEqual(oriented);
    expect(orientPlan(plan, { ...back, from: 'upstream', to: 'downstream' })).toBe(plan);
  });
});
