// The scenarios of the rabbitmq-shovel and rocketmq-controller models: every example loads
// against its plan, and names that do not fit the plan are refused with the field.
import { readdir } from 'node:fs/promises';
import { loadPlan } from '../../lambdas/plan/load-plan.js';
import { loadScenario, parseScenarioYaml, ScenarioError } from '../../sim/scenario.js';

const problemsOf = async (planFile: string, yaml: string): Promise<string[]> => {
  try {
    parseScenarioYaml(yaml, 's.yaml', await loadPlan(planFile));
  } catch (err) {
    if (err instanceof ScenarioError) return err.problems;
    throw err;
  }
  return [];
};

describe.each([
  ['rabbitmq-shovel', 'examples/plans/rabbitmq-shovel.yaml'],
  ['rocketmq-controller', 'examples/plans/rocketmq-controller.yaml'],
])('%s scenarios', (engine, planFile) => {
  it('every example loads against the example plan, including the healthy one a drill defaults to', async () => {
    const plan = await loadPlan(planFile);
    const files = (await readdir(`examples/scenarios/${engine}`)).filter((f) => f.endsWith('.yaml'));
    expect(files).toContain('healthy.yaml');
    for (const file of files)
      await expect(loadScenario(`examples/scenarios/${engine}/${file}`, plan)).resolves.toMatchObject({
        alarm: { state: 'ALARM' },
      });
  });
});

it('rabbitmq-shovel: a pod, shovel or real node the plan does not have is named', async () => {
  expect(
    await problemsOf(
      'examples/plans/rabbitmq-shovel.yaml',
      'clusters:\n  downstream:\n    replicas: 1\n    realNodes: { payments-dr-server-1: rabbit@localhost }\n  shovels:\n    orders: {}\n',
    ),
  ).toEqual([
    's.yaml: clusters.downstream.realNodes.payments-dr-server-1: "payments-dr-server-1" is not a pod of this cluster; expected one of: payments-dr-server-0',
    's.yaml: clusters.shovels.orders: "orders" is not a shovel of the plan; expected one of: payments-orders, payments-audit',
  ]);
});

it('rocketmq-controller: a site or broker pod the plan does not have is named', async () => {
  expect(
    await problemsOf(
      'examples/plans/rocketmq-controller.yaml',
      'clusters:\n  lostSite: az3\n  notInSync: [broker-9-0-0]\n',
    ),
  ).toEqual([
    's.yaml: clusters.lostSite: "az3" is not a site of the plan; expected one of: az1, az2',
    's.yaml: clusters.notInSync[0]: "broker-9-0-0" is not a broker pod of the plan; expected one of: broker-0-0-0, broker-0-1-0, broker-1-0-0, broker-1-1-0, broker-2-0-0, broker-2-1-0',
  ]);
});
