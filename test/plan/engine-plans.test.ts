// The `engine:` blocks of the rabbitmq-shovel and rocketmq-controller plans: the examples are
// valid, and a block that could not fail over is refused with the field and the reason.
import { loadPlan, PlanError, parsePlan } from '../../lambdas/plan/load-plan.js';
import { engineFor } from '../../lambdas/engines/registry.js';

const problemsOf = (document: unknown): string[] => {
  try {
    parsePlan(document, 'p.yaml');
  } catch (err) {
    if (err instanceof PlanError) return err.problems;
    throw err;
  }
  return [];
};

describe('engine plans', () => {
  it('the examples are valid, and each engine says what it will change and what it needs from Kubernetes', async () => {
    const shovel = await loadPlan('examples/plans/rabbitmq-shovel.yaml');
    expect(engineFor(shovel).plannedChanges(shovel)).toEqual({
      promote:
        "wait up to 240 s for the shovels to move the fenced upstream's backlog to rabbitmq-dr/payments-dr, then remove payments-orders (delete its Shovel resource), payments-audit (clear_parameter shovel)",
      teardown:
        'check that the shovels stay removed from rabbitmq-dr/payments-dr (remove any that came back)',
    });
    expect(
      engineFor(shovel)
        .kubernetesAccess(shovel)
        .find((n) => n.side === 'downstream')?.rules,
    ).toContainEqual({
      apiGroups: ['rabbitmq.com'],
      resources: ['shovels'],
      verbs: ['get', 'delete'],
      resourceNames: ['payments-orders'],
    });

    const rocket = await loadPlan('examples/plans/rocketmq-controller.yaml');
    expect(engineFor(rocket).sides(rocket)).toEqual({
      upstream: 'mcamel-name-work6/DefaultCluster in az2',
      downstream: 'mcamel-name-work6/DefaultCluster in az1',
    });
    // Only the controller's pod may be deleted.
    expect(engineFor(rocket).kubernetesAccess(rocket)[0]?.rules).toContainEqual({
      apiGroups: [''],
      resources: ['pods'],
      verbs: ['delete'],
      resourceNames: ['controller-0'],
    });
  });

  it('a broker group with no member in the target site cannot fail over there', async () => {
    const plan = JSON.parse(JSON.stringify(await loadPlan('examples/plans/rocketmq-controller.yaml')));
    plan.engine.brokerGroups[1].members = [
      { pod: 'broker-1-0-0', site: 'az2' },
      { pod: 'broker-1-1-0', site: 'az3' },
    ];
    expect(problemsOf(plan)).toEqual([
      'p.yaml: engine.brokerGroups[1].members: broker group broker-1 has no member in the target site az1: it cannot fail over there',
    ]);
  });

  it('a shovel listed twice, and an operator-declared shovel without a Kubernetes name for its resource, are refused', async () => {
    const plan = JSON.parse(JSON.stringify(await loadPlan('examples/plans/rabbitmq-shovel.yaml')));
    plan.engine.shovels = [
      { name: 'Orders DR', vhost: 'payments', declaredBy: 'topology-operator' },
      { name: 'audit', vhost: 'payments' },
      { name: 'audit', vhost: 'payments' },
    ];
    expect(problemsOf(plan)).toEqual([
      'p.yaml: engine.shovels[0].resource: "Orders DR" is not a Kubernetes name: give the Shovel resource\'s name',
      'p.yaml: engine.shovels[2].name: shovel audit in vhost payments is listed twice',
    ]);
  });
});
