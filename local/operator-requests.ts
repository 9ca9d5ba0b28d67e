// `failover switchover PLAN` and `failover reprotect PLAN`: a person's request to a deployed
// stack. They start the same workflow an alarm starts, with the request as its trigger; the
// workflow decides the direction from the plan's recorded active side and keeps every rule of
// an alarm's failover (the lock, the gate, readiness) but for cooldown and "never fail back".
import { userInfo } from 'node:os';
import { createSfnWorkflowStart, type WorkflowStartPort } from '../lambdas/adapters/sfn-workflow-start.js';
import { loadPlan } from '../lambdas/plan/load-plan.js';
import { operatorRequest, type OperatorRequest } from '../lambdas/plan/operator-request.js';
import { planRef } from '../lambdas/plan/plan-ref.js';
import { BadInputError } from '../lambdas/errors.js';
import { reportBadInput, type Io } from './io.js';

export interface OperatorRequestOptions {
  planFile: string;
  action: OperatorRequest['detail']['action'];
  mode?: OperatorRequest['detail']['mode'];
  reason?: string;
  stateMachineArn?: string;
  region?: string;
}

export const requestLeg = async (
  options: OperatorRequestOptions,
  io: Io,
  starter?: WorkflowStartPort,
): Promise<number> => {
  let started: { arn: string; request: OperatorRequest };
  try {
    const plan = await loadPlan(options.planFile);
    if (!options.reason?.trim())
      throw new BadInputError(
        `a ${options.action} changes production: say why with --reason "..." (the report and the approval show it)`,
      );
    if (!starter && !options.stateMachineArn)
      throw new BadInputError(
        'name the deployed workflow with --state-machine ARN (the stack output WorkflowArn)',
      );
    const request = operatorRequest(options.action, {
      requestedBy: userInfo().username,
      reason: options.reason,
      ...(options.mode ? { mode: options.mode } : {}),
    });
    const start =
      starter ??
      createSfnWorkflowStart({
        stateMachineArn: options.stateMachineArn!,
        ...(options.region ? { clientConfig: { region: options.region } } : {}),
      });
    // The workflow runs the deployed plan of this name only if it is this file's plan.
    started = {
      arn: await start.start(planRef(plan), request, `${request.detail.action}-${request.id}`),
      request,
    };
  } catch (err) {
    return reportBadInput(err, io);
  }
  const { detail } = started.request;
  io.out(
    `${detail.action === 'reprotect' ? 'reprotect' : `${detail.mode} switchover`} requested (${started.request.id}): execution ${started.arn}`,
  );
  io.out(
    "  the workflow decides the direction from the plan's active side; follow it in the Step Functions console, approve at the gate if the plan has one",
  );
  return 0;
};
