// `failover ack PLAN`: an operator re-arms a plan. It clears the cooldown after a failover and
// the "waits for an operator" mark after a failover that failed half-way; with `--active`, it
// records which side serves clients after a deliberate failback. Works on the deployed journal
// table (DynamoDB), where the workflow keeps this state.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoDbCoordination } from '../lambdas/adapters/dynamodb-coordination.js';
import { loadPlan, PlanError } from '../lambdas/plan/load-plan.js';
import type { Side } from '../lambdas/plan/schema.js';
import type { CoordinationPort, PlanState } from '../lambdas/ports/coordination.js';
import { exitCodes, type Io } from './io.js';

export interface AckOptions {
  /** A plan file, or a plan's name. */
  plan: string;
  active?: string;
  table?: string;
  region?: string;
  endpoint?: string;
}

const describeState = (s: PlanState) =>
  [`active side ${s.activeSide}`, s.cooldownUntil ? `cooldown until ${s.cooldownUntil}` : 'no cooldown', s.needsOperator ? `waiting for an operator: ${s.needsOperator}` : undefined]
    .filter(Boolean)
    .join('; ');

export const acknowledge = async (coordination: CoordinationPort, planName: string, active: Side | undefined, now: Date, io: Io): Promise<PlanState> => {
  const before = await coordination.getPlanState(planName);
  const after: PlanState = { activeSide: active ?? before.activeSide, ...(before.lastExecutionId ? { lastExecutionId: before.lastExecutionId } : {}), updatedAt: now.toISOString() };
  await coordination.putPlanState(planName, after);
  io.out(`${planName}: was ${describeState(before)}`);
  io.out(`${planName}: now ${describeState(after)}; the next alarm on the ${after.activeSide === 'upstream' ? 'upstream starts a failover' : 'old upstream still starts nothing (the downstream is active)'}`);
  return after;
};

export const ack = async (options: AckOptions, io: Io): Promise<number> => {
  if (options.active !== undefined && options.active !== 'upstream' && options.active !== 'downstream') {
    io.err(`--active must be upstream or downstream, got "${options.active}"`);
    return exitCodes.badInput;
  }
  const table = options.table ?? process.env['FAILOVER_TABLE'];
  if (!table) {
    io.err('which journal table? pass --table (the stack output JournalTableName) or set FAILOVER_TABLE');
    return exitCodes.badInput;
  }
  let planName = options.plan;
  if (/\.ya?ml$/.test(options.plan)) {
    try {
      planName = (await loadPlan(options.plan)).name;
    } catch (err) {
      if (!(err instanceof PlanError)) throw err;
      err.problems.forEach((p) => io.err(p));
      return exitCodes.badInput;
    }
  }
  const client = new DynamoDBClient({ ...(options.region ? { region: options.region } : {}), ...(options.endpoint ? { endpoint: options.endpoint } : {}) });
  try {
    await acknowledge(createDynamoDbCoordination({ tableName: table, client }), planName, options.active as Side | undefined, new Date(), io);
    return 0;
  } finally {
    client.destroy();
  }
};
