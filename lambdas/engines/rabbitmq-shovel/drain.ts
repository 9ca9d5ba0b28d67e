// Whether the shovels have moved everything the fenced upstream holds: its source queues read
// empty several times in a row (a publish closed by the fence may still be landing). With
// ack-mode on-confirm a message leaves a source queue only once the downstream confirmed it, so
// an empty source queue means the downstream holds all it ever took. A graceful switchover's
// catch-up asks it before promotion (pollDrain); promotion waits for the same, empty
// `emptyReadsNeeded` times in a row, as a wait the workflow carries (promote.ts).
import type { StepContext } from '../engine.js';
import type { RabbitAccess } from '../rabbitmq/cluster-access.js';
import { describeBacklog, readBacklog, type Backlog, type Link } from './links.js';

export const drainPollMs = 1_000;
/** A source queue must read empty this many times in a row. */
export const emptyReadsNeeded = 2;

export interface DrainReading extends Backlog {
  /** Every source queue read empty `emptyReadsNeeded` times in a row. */
  drained: boolean;
  waitedMs: number;
  reads: number;
}

/**
 * Reads the upstream's backlog every `drainPollMs` until it has read empty `emptyReadsNeeded`
 * times in a row, or a read finds messages after `timeoutMs` (0: answers at the first read that
 * finds any). An upstream that does not answer ends it at once, not drained.
 */
export const pollDrain = async (
  ctx: StepContext,
  upstream: RabbitAccess,
  links: Link[],
  timeoutMs: number,
): Promise<DrainReading> => {
  const started = ctx.clock.now().getTime();
  let emptyReads = 0;
  let last = '';
  for (let reads = 1; ; reads++) {
    const backlog = await readBacklog(upstream, links);
    const waitedMs = ctx.clock.now().getTime() - started;
    if (!backlog.measured) return { ...backlog, drained: false, waitedMs, reads };
    emptyReads = backlog.total === 0 ? emptyReads + 1 : 0;
    if (emptyReads >= emptyReadsNeeded) return { ...backlog, drained: true, waitedMs, reads };
    if (backlog.total > 0 && waitedMs >= timeoutMs) return { ...backlog, drained: false, waitedMs, reads };
    const state = `${backlog.total} messages to drain (${describeBacklog(backlog)})`;
    if (state !== last && backlog.total > 0 && timeoutMs > 0) ctx.progress(state);
    last = state;
    await ctx.clock.sleep(drainPollMs);
  }
};
