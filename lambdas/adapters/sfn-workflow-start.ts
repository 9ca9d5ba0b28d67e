// Starts the failover workflow with a person's request (`failover switchover|reprotect`): the
// same input EventBridge gives it for an alarm, `{plan, trigger}`, with the request as trigger.
// The request's id names the execution, so the same request sent twice starts one execution.
import {
  ExecutionAlreadyExists,
  StartExecutionCommand,
  SFNClient,
  type SFNClientConfig,
} from '@aws-sdk/client-sfn';
import type { OperatorRequest } from '../plan/operator-request.js';
import type { Plan } from '../plan/schema.js';
import { awsCall, clientFromOptions } from './aws-retry.js';

export interface SfnWorkflowStartOptions {
  stateMachineArn: string;
  client?: SFNClient;
  clientConfig?: SFNClientConfig;
}

export interface WorkflowStartPort {
  /** The execution's ARN; the one already started when the same request was sent before. */
  start(plan: Plan, request: OperatorRequest): Promise<string>;
}

/** Step Functions' execution names: at most 80 characters of [A-Za-z0-9-_]. */
const executionName = (plan: Plan, request: OperatorRequest) =>
  `${plan.name}-${request.detail.action}-${request.id}`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 80);

export const createSfnWorkflowStart = (options: SfnWorkflowStartOptions): WorkflowStartPort => {
  const client = clientFromOptions('createSfnWorkflowStart', options, (config) => new SFNClient(config));
  return {
    async start(plan, request) {
      const name = executionName(plan, request);
      try {
        const out = await awsCall(`Step Functions StartExecution ${name}`, () =>
          client.send(
            new StartExecutionCommand({
              stateMachineArn: options.stateMachineArn,
              name,
              input: JSON.stringify({ plan, trigger: request }),
            }),
          ),
        );
        return (
          out.executionArn ?? `${options.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`
        );
      } catch (err) {
        if (err instanceof ExecutionAlreadyExists || (err as Error).name === 'ExecutionAlreadyExists') {
          return `${options.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
        }
        throw err;
      }
    },
  };
};
