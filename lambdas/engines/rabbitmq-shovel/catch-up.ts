// Graceful switchover, after the fence: has the downstream caught up with the fenced upstream?
// Yes when every shovelled source queue on the upstream reads empty twice in a row (drain.ts)
// and every shovel runs with ack-mode on-confirm: a message leaves a source queue only once the
// downstream confirmed it, so nothing the upstream took is anywhere but on the downstream, and
// nothing is in flight. Read-only.
import type { CatchUpResult, StepContext } from '../engine.js';
import { pollDrain } from './drain.js';
import { describeBacklog, describeDepths, destinationDepths, readLinks, type Link } from './links.js';
import type { RabbitmqShovelPlan } from './plan.js';
import { clusterAccess } from './resources.js';

const linkProblems = (links: Link[]): string[] =>
  links.flatMap((l) => {
    if (l.status?.state !== 'running')
      return [
        `${l.spec.name} ${l.status?.state ?? 'not running'}${l.status?.terminationReason ? ` (${l.status.terminationReason})` : ''}`,
      ];
    if (l.definition && l.definition.ackMode !== 'on-confirm')
      return [
        `${l.spec.name} acknowledges with ${l.definition.ackMode}: an empty source queue does not prove the downstream confirmed`,
      ];
    return [];
  });

export const shovelCatchUp = async (
  ctx: StepContext,
  engine: RabbitmqShovelPlan,
  fencedAt: Date,
): Promise<CatchUpResult> => {
  const downstream = clusterAccess(ctx.kube('downstream'), engine, 'downstream');
  const upstream = clusterAccess(ctx.kube('upstream'), engine, 'upstream');
  const links = await readLinks(downstream, engine);
  // One look: messages upstream answer "not yet" at once; empty is read again before it counts.
  const reading = await pollDrain(ctx, upstream, links, 0);
  const held = await destinationDepths(downstream, links);
  const problems = [
    ...(!reading.measured ? [`the fenced upstream's backlog cannot be read (${reading.error})`] : []),
    ...(reading.measured && !reading.drained
      ? [`${reading.total} messages still on the fenced upstream (${describeBacklog(reading)})`]
      : []),
    ...(reading.unmeasurable.length > 0
      ? [`backlog not measurable for ${reading.unmeasurable.join(', ')}`]
      : []),
    ...linkProblems(links),
  ];
  const evidence = {
    fencedAt: fencedAt.toISOString(),
    backlog: {
      measured: reading.measured,
      total: reading.total,
      queues: reading.queues,
      emptyReads: reading.drained ? reading.reads : 0,
      ...(reading.error ? { error: reading.error } : {}),
    },
    shovels: links.map((l) => ({
      name: l.spec.name,
      vhost: l.spec.vhost,
      state: l.status?.state ?? 'absent',
      ackMode: l.definition?.ackMode,
    })),
    downstreamQueues: held,
  };
  if (problems.length > 0) return { caughtUp: false, summary: problems.join('; '), evidence };
  return {
    caughtUp: true,
    summary:
      `every shovelled queue on the fenced ${engine.upstream.namespace}/${engine.upstream.rabbitmqCluster} read empty ${reading.reads} times in a row (${describeBacklog(reading)}) and ` +
      `${links.map((l) => l.spec.name).join(', ')} run on-confirm: ${engine.downstream.namespace}/${engine.downstream.rabbitmqCluster} holds everything it took (${describeDepths(held)})`,
    evidence,
  };
};
