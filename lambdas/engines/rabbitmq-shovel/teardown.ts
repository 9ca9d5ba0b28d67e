// After traffic moved: the shovels were removed at promotion, because a link left running
// would pour a returning upstream's stale messages into the new primary. Teardown checks they
// stayed removed (a GitOps tool may re-apply a Shovel resource) and removes any that came back.
import { TeardownFailedError } from '../../errors.js';
import type { ActionResult, StepContext } from '../engine.js';
import { runIn } from '../rabbitmq/cluster-access.js';
import { shovelCommands } from './commands.js';
import { firstReadyPod, isPresent, readLinks } from './links.js';
import type { RabbitmqShovelPlan } from './plan.js';
import { clusterAccess, shovelRef } from './resources.js';

export const shovelTeardown = async (ctx: StepContext, engine: RabbitmqShovelPlan): Promise<ActionResult> => {
  const downstream = clusterAccess(ctx.kube('downstream'), engine, 'downstream');
  const back = (await readLinks(downstream, engine)).filter(isPresent);
  const target = `${downstream.namespace}/${downstream.cluster}`;
  for (const link of back) {
    if (link.resource !== undefined) {
      const ref = shovelRef(downstream.namespace, link.spec);
      await ctx.act(
        `delete shovels.rabbitmq.com ${ref.name} again: it was re-created after promotion`,
        `${ref.namespace}/${ref.name}`,
        () => downstream.kube.deleteCustomObject(ref),
        (outcome) =>
          outcome === 'deleted'
            ? `deleted shovels.rabbitmq.com ${ref.name} again: it was re-created after promotion`
            : undefined,
      );
    } else if (link.definition !== undefined) {
      const pod = await firstReadyPod(downstream);
      await ctx.act(
        `clear shovel parameter ${link.spec.name} in vhost ${link.spec.vhost} again: it was set after promotion`,
        target,
        () => runIn(downstream, pod, shovelCommands.clearParameter(link.spec)),
        () =>
          `cleared shovel parameter ${link.spec.name} in vhost ${link.spec.vhost} again: it was set after promotion`,
      );
    }
  }
  const stillThere =
    back.length === 0
      ? []
      : (await readLinks(downstream, engine)).filter(
          (l) => l.definition !== undefined || l.resource !== undefined,
        );
  if (stillThere.length > 0) {
    throw new TeardownFailedError(
      `shovels keep coming back on ${target}: ${stillThere.map((l) => l.spec.name).join(', ')}; remove them where they are declared (e.g. the GitOps repository)`,
    );
  }
  return {
    summary:
      back.length === 0
        ? `no replication link left on ${target}: the shovels removed at promotion stayed removed; the old upstream stays fenced until the fence is lifted`
        : `removed ${back.map((l) => l.spec.name).join(', ')} again (re-created after promotion: remove them where they are declared)`,
    detail: { reappeared: back.map((l) => l.spec.name) },
  };
};
