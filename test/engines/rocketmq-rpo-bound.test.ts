// The rocketmq-controller engine's RPO check, through the real client against the simulated
// brokers: what an election can lose is read from the target brokers' configuration
// (allAckInSyncStateSet, haMaxTimeSlaveNotCatchup) and held to the plan's bound; and the model
// loses what the real brokers lose when a site goes dark while clients write (a group that
// acknowledges before it replicates loses its newest messages, one with allAckInSyncStateSet none).
import { rocketmqControllerEngine as engine } from '../../lambdas/engines/rocketmq-controller/index.js';
import { loadPlan } from '../../lambdas/plan/load-plan.js';
import type { Plan } from '../../lambdas/plan/schema.js';
import type { Simulation } from '../../sim/simulation.js';
import { engineContext, withRocketmqSimulation } from './engine-context.js';

const planFile = 'examples/plans/rocketmq-controller.yaml';
let plan: Plan;
beforeAll(async () => {
  plan = await loadPlan(planFile);
});

const withBound = (seconds: number): Plan => ({
  ...plan,
  thresholds: { ...plan.thresholds, maxReplicationLagSeconds: seconds },
});

const withSimulation = (clusters: Record<string, unknown>, run: (simulation: Simulation) => Promise<void>) =>
  withRocketmqSimulation(plan, clusters, run);

const rpoCheck = async (p: Plan, simulation: Simulation) => {
  const checks = await engine.readiness(engineContext(p, simulation));
  return checks.find((c) => c.name === 'rpo-bound')!;
};

describe('readiness: rpo-bound', () => {
  it("RocketMQ's default (acknowledged before replicated): up to haMaxTimeSlaveNotCatchup may be lost; passes a 60 s bound, fails a 5 s one", async () => {
    await withSimulation({}, async (simulation) => {
      const loose = await rpoCheck(withBound(60), simulation);
      expect(loose.passed).toBe(true);
      expect(loose.summary).toBe(
        [
          'broker-0: up to 15 s of acknowledged messages (acknowledged before replicated; a slave stays in sync up to haMaxTimeSlaveNotCatchup 15000 ms behind)',
          'broker-1: up to 15 s of acknowledged messages (acknowledged before replicated; a slave stays in sync up to haMaxTimeSlaveNotCatchup 15000 ms behind)',
          'broker-2: up to 15 s of acknowledged messages (acknowledged before replicated; a slave stays in sync up to haMaxTimeSlaveNotCatchup 15000 ms behind) <= RPO bound 60 s',
        ].join('; '),
      );
      expect(loose.evidence).toMatchObject({ lagSeconds: 15, maxReplicationLagSeconds: 60 });

      const tight = await rpoCheck(withBound(5), simulation);
      expect(tight.passed).toBe(false);
      expect(tight.summary).toMatch(/ > RPO bound 5 s$/);
    });
  });

  it('allAckInSyncStateSet on every group: nothing acknowledged can be lost, within any bound; on one group only, the others still fail a tight bound', async () => {
    await withSimulation(
      { allAckInSyncStateSet: ['broker-0', 'broker-1', 'broker-2'] },
      async (simulation) => {
        const check = await rpoCheck(withBound(1), simulation);
        expect(check.passed).toBe(true);
        expect(check.summary).toBe(
          'broker-0: nothing acknowledged can be lost (allAckInSyncStateSet); broker-1: nothing acknowledged can be lost (allAckInSyncStateSet); broker-2: nothing acknowledged can be lost (allAckInSyncStateSet) <= RPO bound 1 s',
        );
        expect(check.evidence).toMatchObject({ lagSeconds: 0 });
      },
    );
    await withSimulation({ allAckInSyncStateSet: ['broker-0'] }, async (simulation) => {
      const check = await rpoCheck(withBound(5), simulation);
      expect(check.passed).toBe(false);
      expect(check.summary).toMatch(
        /^broker-0: nothing acknowledged can be lost \(allAckInSyncStateSet\); broker-1: up to 15 s .* > RPO bound 5 s$/,
      );
    });
  });

  it('a shorter haMaxTimeSlaveNotCatchup bounds the loss by it', async () => {
    await withSimulation({ haMaxTimeSlaveNotCatchupSeconds: 3 }, async (simulation) => {
      const check = await rpoCheck(withBound(5), simulation);
      expect(check.passed).toBe(true);
      expect(check.evidence).toMatchObject({ lagSeconds: 3 });
    });
  });

  it('a target broker that cannot be asked: the loss cannot be bounded, and the check fails', async () => {
    await withSimulation({ lostSite: 'az1' }, async (simulation) => {
      const check = await rpoCheck(withBound(60), simulation);
      expect(check.passed).toBe(false);
      expect(check.summary).toMatch(
        /^broker-0: the possible loss cannot be bounded \(no live broker in az1 to ask\); /,
      );
    });
  });
});

describe('the model loses what the brokers lose', () => {
  it('az2 goes dark while clients write: the controller elects the az1 slaves; the group acknowledging before replicating lost its newest messages, the allAckInSyncStateSet group none', async () => {
    await withSimulation(
      { allAckInSyncStateSet: ['broker-0'], electionDelaySeconds: 0.3, publishRatePerSecond: 2000 },
      async (simulation) => {
        await new Promise((resolve) => setTimeout(resolve, 500));
        simulation.setReachable('upstream', false);
        const deadline = Date.now() + 10_000;
        const elected = () =>
          simulation
            .state('rocketmq-controller')
            .electionLog.filter((e) => e.brokerName === 'broker-0' || e.brokerName === 'broker-1');
        while (elected().length < 2 && Date.now() < deadline)
          await new Promise((resolve) => setTimeout(resolve, 100));
        const log = elected();
        expect(log.map((e) => [e.brokerName, e.by, e.oldMasterAlive])).toEqual([
          ['broker-0', 'controller', false],
          ['broker-1', 'controller', false],
        ]);
        expect(log.find((e) => e.brokerName === 'broker-0')!.lostMessages).toBe(0);
        expect(log.find((e) => e.brokerName === 'broker-1')!.lostMessages).toBeGreaterThan(0);
      },
    );
  });
});
