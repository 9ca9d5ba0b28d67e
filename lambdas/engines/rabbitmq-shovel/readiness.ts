// Is the downstream ready to take over from the shovels' upstream? Its cluster is healthy,
// every shovel runs and acknowledges upstream only what the downstream confirmed, and the
// backlog still upstream is known and within the plan's bound.
import type { CheckResult, StepContext } from '../engine.js';
import { checkClusterHealth } from '../rabbitmq/cluster-health.js';
import { runChecks } from '../run-checks.js';
import { describeBacklog, readBacklog, readLinks, type Link } from './links.js';
import type { RabbitmqShovelPlan } from './plan.js';
import { shovelledVhosts } from './plan.js';
import { clusterAccess, deletionPolicyOf } from './resources.js';

export const shovelReadiness = async (
  ctx: StepContext,
  engine: RabbitmqShovelPlan,
): Promise<CheckResult[]> => {
  const downstream = clusterAccess(ctx.kube('downstream'), engine, 'downstream');
  const upstream = clusterAccess(ctx.kube('upstream'), engine, 'upstream');
  const links = readLinks(downstream, engine);
  // Unhandled until a check awaits it; every check that needs it does.
  links.catch(() => undefined);
  return runChecks([
    ['cluster-health', () => checkClusterHealth(downstream, shovelledVhosts(engine))],
    ['shovels-running', async () => shovelsRunning(await links)],
    ['upstream-backlog', async () => upstreamBacklog(engine, upstream, await links)],
  ]);
};

const problemsOf = (link: Link): string[] => {
  const { spec, status, definition, resource } = link;
  if (!status && !definition) return [`${spec.name} (${spec.vhost}) is not defined on the downstream`];
  return [
    ...(status === undefined
      ? [`${spec.name} is defined but no node runs it`]
      : status.state !== 'running'
        ? [
            `${spec.name} is ${status.state}${status.terminationReason ? ` (${status.terminationReason})` : ''}`,
          ]
        : []),
    ...(definition === undefined
      ? [`${spec.name} is not a dynamic shovel (no parameter): promotion could not remove it`]
      : []),
    // on-publish acks upstream before the downstream confirmed, no-ack on delivery: a crash loses what is in flight.
    ...(definition && definition.ackMode !== 'on-confirm'
      ? [
          `${spec.name} uses ack-mode ${definition.ackMode}: messages in flight can be lost; on-confirm is required`,
        ]
      : []),
    ...(spec.declaredBy === 'topology-operator' && resource === undefined
      ? [`${spec.name} should be declared by a Shovel resource, but none exists`]
      : []),
  ];
};

const shovelsRunning = (links: Link[]) => {
  const problems = links.flatMap(problemsOf);
  const evidence = {
    shovels: links.map((l) => ({
      name: l.spec.name,
      vhost: l.spec.vhost,
      declaredBy: l.spec.declaredBy,
      state: l.status?.state ?? 'absent',
      source: l.status?.source,
      destination: l.status?.destination,
      ackMode: l.definition?.ackMode,
      sourceQueue: l.definition?.srcQueue,
      ...(l.resource ? { resourceDeletionPolicy: deletionPolicyOf(l.resource) } : {}),
    })),
  };
  if (problems.length > 0) return { passed: false, summary: problems.join('; '), evidence };
  return {
    passed: true,
    summary: `${links.map((l) => `${l.spec.name} running (${l.definition?.ackMode})`).join(', ')}`,
    evidence,
  };
};

const upstreamBacklog = async (
  engine: RabbitmqShovelPlan,
  upstream: ReturnType<typeof clusterAccess>,
  links: Link[],
) => {
  const backlog = await readBacklog(upstream, links);
  const bound = engine.maxBacklogMessages;
  const evidence = { ...backlog, maxBacklogMessages: bound };
  if (!backlog.measured) {
    return {
      passed: false,
      summary: `the upstream did not answer (${backlog.error}): what the shovels have not moved yet is unknown and would be lost`,
      evidence,
    };
  }
  if (backlog.unmeasurable.length > 0) {
    return {
      passed: false,
      summary: `backlog not measurable for ${backlog.unmeasurable.join(', ')}`,
      evidence,
    };
  }
  const passed = backlog.total <= bound;
  return {
    passed,
    summary: `${backlog.total} messages still upstream (${describeBacklog(backlog)}) ${passed ? '<=' : '>'} bound ${bound}; they drain after the fence`,
    evidence,
  };
};
