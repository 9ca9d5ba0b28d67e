// Promotion with `promote_standby_replication_downstream_cluster`. Promoting twice would
// re-deliver the buffered messages again, so the promotion summary is read first: a cluster
// that already shows one is not promoted again (a retry after a crash, a re-run by an operator).
import { PromotionFailedError, VerificationFailedError } from '../../errors.js';
import type { ActionResult, StepContext } from '../engine.js';
import { parsePromotionSummary, promoteCommand, standbyCommands, type PromotedVhost } from './commands.js';
import { RabbitCommandError } from '../rabbitmq/cluster-access.js';
import { downstreamAccess, readyPod, run, type DownstreamAccess } from './exec.js';
import type { RabbitmqStandbyPlan } from './plan.js';

const promoteTimeoutMs = 120_000;

const readSummary = async (access: DownstreamAccess, pod: string): Promise<PromotedVhost[]> =>
  parsePromotionSummary(standbyCommands.promotionSummary, await run(access, pod, standbyCommands.promotionSummary));

const expectedVhosts = (engine: RabbitmqStandbyPlan) => engine.vhosts.filter((v) => !engine.promotion.excludeVirtualHosts.includes(v));

const describeSummary = (summary: PromotedVhost[]) =>
  summary.map((v) => `${v.virtualHost}: ${v.messageCount} messages (${v.firstTimestamp} .. ${v.lastTimestamp})`).join('; ') || 'no messages recovered';

export const standbyPromote = async (ctx: StepContext, engine: RabbitmqStandbyPlan): Promise<ActionResult> => {
  const access = downstreamAccess(ctx.kube('downstream'), engine);
  const target = `${access.namespace}/${access.cluster}`;
  const pod = (await readyPod(access)).name;

  let before: PromotedVhost[];
  try {
    before = await readSummary(access, pod);
  } catch (err) {
    throw new PromotionFailedError(`cannot read the promotion summary of ${target}, so cannot tell whether it is already promoted; not promoting blind: ${(err as Error).message}`);
  }
  if (before.length > 0) {
    return {
      summary: `${target} is already promoted (${describeSummary(before)}); not promoting again`,
      detail: { alreadyPromoted: true, pod, vhosts: before },
    };
  }

  const command = promoteCommand(engine.promotion);
  let output: string;
  try {
    output = await run(access, pod, command, promoteTimeoutMs);
  } catch (err) {
    if (err instanceof RabbitCommandError) {
      // The command may have taken effect before failing: the next attempt reads the summary first.
      ctx.sideEffect(`attempted promotion (\`${command.join(' ')}\` exited ${err.result.exitCode}; effect unknown until verified)`, target);
      throw new PromotionFailedError(err.message);
    }
    throw err;
  }
  const vhosts = parsePromotionSummary(command, output);
  ctx.sideEffect(`promoted to upstream with \`${command.join(' ')}\`: ${describeSummary(vhosts)}`, target);
  return { summary: `promoted ${target}: ${describeSummary(vhosts)}`, detail: { pod, command, vhosts } };
};

export const standbyVerifyPromotion = async (ctx: StepContext, engine: RabbitmqStandbyPlan): Promise<ActionResult> => {
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
