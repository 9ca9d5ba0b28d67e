// Starts the failover workflow with `{plan, trigger}`: the plan by name and content hash
// (plan/plan-ref.ts), and what asked for the failover, an alarm event (steps/start-failover.ts)
// or a person's request (`failover switchover|reprotect`). The trigger's id names the execution,
// so the same event or request delivered twice starts one execution.
import {
  ExecutionAlreadyExists,
  StartExecutionCommand,
  SFNClient,
  type SFNClientConfig,
} from '@aws-sdk/client-sfn';
import type { PlanRef } from '../plan/plan-ref.js';
import { awsCall, clientFromOptions } from './aws-retry.js';

export interface SfnWorkflowStartOptions {
  stateMachineArn: string;
  client?: SFNClient;
  clientConfig?: SFNClientConfig;
}

export interface WorkflowStartPort {
  /** The execution's ARN; the one already started when the same trigger was sent before. */
  start(plan: PlanRef, trigger: unknown, triggerId: string): Promise<string>;
}

/** Step Functions' execution names: at most 80 characters of [A-Za-z0-9-_]. */
export const executionName = (plan: PlanRef, triggerId: string) =>
  `${plan.name}-${triggerId}`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 80);

export const createSfnWorkflowStart = (options: SfnWorkflowStartOptions): WorkflowStartPort => {
  const client = clientFromOptions('createSfnWorkflowStart', options, (config) => new SFNClient(config));
  const executionArn = (name: string) =>
    `${options.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
  return {
    async start(plan, trigger, triggerId) {
      const name = executionName(plan, triggerId);
      try {
        const out = await awsCall(`Step Functions StartExecution ${name}`, () =>
          client.send(
            new StartExecutionCommand({
              stateMachineArn: options.stateMachineArn,
              name,
              input: JSON.stringify({ plan, trigger }),
            }),
          ),
        );
        return out.executionArn ?? executionArn(name);
      } catch (err) {
        if (err instanceof ExecutionAlreadyExists || (err as Error).name === 'ExecutionAlreadyExists') {
          return executionArn(name);
        }
        throw err;
      }
    },
  };
};
