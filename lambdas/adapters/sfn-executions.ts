// Asks Step Functions whether an execution still runs: a lock whose owner has ended is stale.
import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  SFNClient,
  type SFNClientConfig,
} from '@aws-sdk/client-sfn';
import type { ExecutionsPort } from '../ports/coordination.js';
import { awsCall, clientFromOptions } from './aws-retry.js';

export interface SfnExecutionsOptions {
  client?: SFNClient;
  clientConfig?: SFNClientConfig;
}

export const createSfnExecutions = (options: SfnExecutionsOptions = {}): ExecutionsPort => {
  const client = clientFromOptions('createSfnExecutions', options, (config) => new SFNClient(config));
  return {
    isRunning: async (executionArn) => {
      try {
        const out = await awsCall(`Step Functions DescribeExecution ${executionArn}`, () =>
          client.send(new DescribeExecutionCommand({ executionArn })),
        );
        return out.status === 'RUNNING' || out.status === 'PENDING_REDRIVE';
      } catch (err) {
        if (err instanceof ExecutionDoesNotExist || (err as Error).name === 'ExecutionDoesNotExist')
          return false;
        throw err;
      }
    },
  };
};
