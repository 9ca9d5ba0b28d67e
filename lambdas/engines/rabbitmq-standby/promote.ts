// Promotion with `promote_standby_replication_downstream_cluster`. Promoting twice would
// re-deliver the buffered messages again, so the promotion summary is read first: a cluster
// that already shows one is not promoted again (a retry after a crash, a re-run by an operator).
// A promoted cluster serves clients: a fence an earlier leg left on it (it was the fenced
// primary, then the standby, of a round trip) is lifted once it is promoted.
import {
  PromotionFailedError,
  PromotionUncertainError,
  TransientError,
  VerificationFailedError,
} from '../../errors.js';
import type { EffectEvent } from '../../ports/journal.js';
import { shellCommand } from '../../text/shell-quote.js';
import type { ActionResult, StepContext } from '../engine.js';
import { parsePromotionSummary, promoteCommand, standbyCommands, type PromotedVhost } from './commands.js';
import { execIn, RabbitCommandError, temporaryExitCodes } from '../rabbitmq/cluster-access.js';
import { liftRabbitFence } from '../rabbitmq/lift-fence.js';
import { downstreamAccess, readyPod, run, type DownstreamAccess } from './exec.js';
import type { RabbitmqStandbyPlan } from './plan.js';

const promoteTimeoutMs = 120_000;
const summaryPollMs = 2_000;
/** How the journal names a promotion intent, so a retry can find an earlier attempt's. */
const PROMOTE_INTENT = 'promote to upstream with';

const readSummary = async (access: DownstreamAccess, pod: string): Promise<PromotedVhost[]> =>
  parsePromotionSummary(
    standbyCommands.promotionSummary,
    await run(access, pod, standbyCommands.promotionSummary),
  );

const expectedVhosts = (engine: RabbitmqStandbyPlan) =>
  engine.vhosts.filter((v) => !engine.promotion.excludeVirtualHosts.includes(v));

const describeSummary = (summary: PromotedVhost[]) =>
  summary
    .map((v) => `${v.virtualHost}: ${v.messageCount} messages (${v.firstTimestamp} .. ${v.lastTimestamp})`)
    .join('; ') || 'no messages recovered';

/**
 * An earlier attempt's promotion that never said how it ended (the exec timed out, the connection
 * dropped, the Lambda was killed): the command may still be running in the pod. One that exited
 * with a code has ended, and the summary read now tells whether it acted.
 */
const unfinishedPromotion = (earlier: EffectEvent[]): EffectEvent | undefined => {
  const intents = earlier.filter((e) => e.phase === 'intended' && e.action.startsWith(PROMOTE_INTENT));
  return intents.findLast((intent) => {
    const end = earlier.find((e) => e.id === intent.id && e.phase !== 'intended');
    return end === undefined || (end.phase === 'failed' && end.error?.name !== 'RabbitCommandFailed');
  });
};

/**
 * Waits, in the workflow, for an earlier unfinished promotion to show in the summary, until that
 * command's own time is up.
 */
const awaitEarlierPromotion = (
  ctx: StepContext,
  access: DownstreamAccess,
  pod: string,
  intent: EffectEvent,
): Promise<PromotedVhost[]> => {
  const until = Date.parse(intent.at) + promoteTimeoutMs;
  return ctx.waitFor(
    async () => {
      const summary = await readSummary(access, pod);
      return summary.length > 0 || ctx.clock.now().getTime() >= until
        ? { done: true, value: summary }
        : {
            done: false,
            state: `the promotion started by an earlier attempt (${intent.at}) has not reported back; its summary is looked for until ${new Date(until).toISOString()}`,
          };
    },
    {
      name: 'the promotion summary of an earlier attempt',
      about: intent.id,
      // The look at `until` ends the wait; the bound is past it only to let that look come.
      timeoutSeconds: promoteTimeoutMs / 1000 + 30,
      checkEveryMs: summaryPollMs,
      timedOut: (state) => new PromotionUncertainError(state),
    },
  );
};

export const standbyPromote = async (
  ctx: StepContext,
  engine: RabbitmqStandbyPlan,
): Promise<ActionResult> => {
  const access = downstreamAccess(ctx.kube('downstream'), engine);
  const target = `${access.namespace}/${access.cluster}`;
  const pod = (await readyPod(access)).name;

  let before: PromotedVhost[];
  try {
    before = await readSummary(access, pod);
  } catch (err) {
    throw new PromotionFailedError(
      `cannot read the promotion summary of ${target}, so cannot tell whether it is already promoted; not promoting blind: ${(err as Error).message}`,
    );
  }
  const unfinished = before.length > 0 ? undefined : unfinishedPromotion(await ctx.earlierEffects());
  if (unfinished) before = await awaitEarlierPromotion(ctx, access, pod, unfinished);
  if (before.length > 0) {
    const clients = await letClientsIn(ctx, access, engine);
    return {
      summary: `${target} is already promoted (${describeSummary(before)}); not promoting again${clients.note}`,
      detail: { alreadyPromoted: true, pod, vhosts: before, clients: clients.detail },
    };
  }
  if (unfinished) {
    throw new PromotionUncertainError(
      `an earlier attempt started \`${shellCommand(promoteCommand(engine.release, engine.promotion))}\` in ${target} at ${unfinished.at} and never reported how it ended; ` +
        `its promotion summary is still empty, so it may still be running: promoting again could promote twice. ` +
        `Check \`${shellCommand(standbyCommands.promotionSummary)}\` and the node logs, promote by hand if needed, then \`failover ack\``,
    );
  }

  const command = promoteCommand(engine.release, engine.promotion);
  let output: string;
  try {
    output = await ctx.act(
      `${PROMOTE_INTENT} \`${shellCommand(command)}\``,
      target,
      async () => {
        // Any exit code means the command ended, whatever it did: recorded as RabbitCommandFailed,
        // which tells a retry that the summary it reads is final.
        const result = await execIn(access, pod, command, promoteTimeoutMs);
        if (result.exitCode !== 0) throw new RabbitCommandError(pod, command, result);
        return result.stdout;
      },
      (out) =>
        `promoted to upstream with \`${shellCommand(command)}\`: ${describeSummary(parsePromotionSummary(command, out))}`,
    );
  } catch (err) {
    if (err instanceof RabbitCommandError) {
      // It may have acted before failing: the next attempt reads the summary first.
      if (temporaryExitCodes.has(err.result.exitCode)) throw new TransientError(err.message);
      throw new PromotionFailedError(err.message);
    }
    throw err;
  }
  const vhosts = parsePromotionSummary(command, output);
  const clients = await letClientsIn(ctx, access, engine);
  return {
    summary: `promoted ${target}: ${describeSummary(vhosts)}${clients.note}`,
    detail: { pod, command, vhosts, clients: clients.detail },
  };
};

/** Lifts a fence left on the promoted cluster; reads first, so a cluster that was never fenced is not touched. */
const letClientsIn = async (ctx: StepContext, access: DownstreamAccess, engine: RabbitmqStandbyPlan) => {
  const lifted = await liftRabbitFence(ctx, access, engine.vhosts, 'downstream');
  const changed = (lifted.detail['vhosts'] as Array<{ lifted: boolean }>).some((v) => v.lifted);
  return {
    note: changed ? `; the fence an earlier leg left on it is lifted: ${lifted.summary}` : '',
    detail: lifted.detail,
  };
};

export const standbyVerifyPromotion = async (
  ctx: StepContext,
  engine: RabbitmqStandbyPlan,
): Promise<ActionResult> => {
  const access = downstreamAccess(ctx.kube('downstream'), engine);
  const pod = (await readyPod(access)).name;
  const summary = await readSummary(access, pod);
  const promoted = summary.map((v) => v.virtualHost);
  const missing = expectedVhosts(engine).filter((v) => !promoted.includes(v));
  if (summary.length === 0 || missing.length > 0) {
    throw new VerificationFailedError(
      `${access.namespace}/${access.cluster} promotion summary ${summary.length === 0 ? 'is empty: the cluster is not promoted' : `lacks vhosts ${missing.join(', ')}`}`,
    );
  }
  return { summary: `promotion summary shows ${describeSummary(summary)}`, detail: { pod, vhosts: summary } };
};
