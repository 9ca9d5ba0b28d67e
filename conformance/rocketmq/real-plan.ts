// The example plan cut to the groups a real cluster runs, and the scenario that binds the plan's
// pods to the real processes (sim/models/real-rocketmq.ts): each broker pod to its broker, each
// name server pod to its name server, the controller's pod and Service to the controller, and the
// controller pod's restart to the controller's start script (same store, as its volume follows it).
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { loadPlan } from '../../lambdas/plan/load-plan.js';
import type { Plan } from '../../lambdas/plan/schema.js';
import { parseScenario, type Scenario } from '../../sim/scenario.js';
import type { RealCluster } from './rocketmq-processes.js';

export const EXAMPLE_PLAN = 'examples/plans/rocketmq-controller.yaml';

export interface RealGroup {
  brokerName: string;
  members: Array<{ pod: string; site: string }>;
}

/** The example plan with these groups only; `promotion` overrides its waits. */
export const realPlan = async (
  dir: string,
  groups: RealGroup[],
  promotion: Record<string, unknown> = {},
): Promise<Plan> => {
  const doc = parse(await readFile(EXAMPLE_PLAN, 'utf8')) as { engine: Record<string, unknown> };
  doc.engine['brokerGroups'] = groups;
  doc.engine['promotion'] = { ...(doc.engine['promotion'] as object), ...promotion };
  const file = join(dir, `plan-${groups.map((g) => g.brokerName).join('-')}.yaml`);
  await writeFile(file, stringify(doc));
  return loadPlan(file);
};

/**
 * `clusters.real` for these pods. Pod names of the name servers follow the model: one per site, in
 * site order (`rocketmq-namesrv-0` is the first site's).
 */
export const realBinding = (
  cluster: RealCluster,
  plan: Plan,
  bind: { nameServers: Record<string, string>; brokers: Record<string, string>; controller: string },
) => {
  if (plan.engine.type !== 'rocketmq-controller') throw new Error('not a rocketmq-controller plan');
  const address = (name: string) => cluster.byName(name).address;
  const map = (pods: Record<string, string>) =>
    Object.fromEntries(Object.entries(pods).map(([pod, name]) => [pod, address(name)]));
  return {
    mqadmin: cluster.mqadminBinding(),
    nameServers: map(bind.nameServers),
    brokers: map(bind.brokers),
    controller: address(bind.controller),
    restart: { [plan.engine.controller.pod]: ['sh', cluster.byName(bind.controller).startScript] },
  };
};

export const realScenario = (plan: Plan, clusters: Record<string, unknown>): Scenario =>
  parseScenario(
    { description: 'A real RocketMQ cluster on loopback', latency: { apiMs: 0, execMs: 0 }, clusters },
    'real-rocketmq',
    plan,
  );

/** What the scenario would look like as a file (printed when a test fails, to rerun it by hand). */
export const scenarioText = (clusters: Record<string, unknown>): string => stringify({ clusters });
