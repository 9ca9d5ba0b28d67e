// Step Functions as the approval service meets it, for tests: executions waiting at AwaitApproval
// on a task token, answering SendTaskSuccess/SendTaskFailure, DescribeExecution and
// GetExecutionHistory the way the service does (a used or timed-out token is TaskTimedOut; only
// the token's own task records its close), with the faults that really happen: a reply lost after
// the request took effect, and a failure before it did.
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  type HistoryEvent,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';

type Fault = 'lose-reply' | 'fail-before' | 'history-unavailable';

interface Execution {
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  events: HistoryEvent[];
  /** The token of the gate task still waiting, if any. */
  waitingOn?: string;
}

const serviceUnavailable = () =>
  Object.assign(new Error('Service Unavailable'), {
    name: 'ServiceUnavailable',
    $metadata: { httpStatusCode: 503 },
  });
const timedOut = () =>
  Object.assign(new Error("Task Timed Out: 'Provided task does not exist anymore'"), {
    name: 'TaskTimedOut',
    $metadata: { httpStatusCode: 400 },
  });

export const stepFunctionsGate = (client: SFNClient) => {
  const mock = mockClient(client);
  const executions = new Map<string, Execution>();
  const faults: Fault[] = [];
  const sent: Array<{
    command: 'SendTaskSuccess' | 'SendTaskFailure';
    taskToken: string;
    output?: string;
    error?: string;
    cause?: string;
  }> = [];

  const add = (execution: Execution, event: Omit<HistoryEvent, 'id' | 'timestamp'>) =>
    execution.events.push({
      ...event,
      id: execution.events.length + 1,
      timestamp: new Date(),
    } as HistoryEvent);
  const holding = (token: string) => [...executions.values()].find((e) => e.waitingOn === token);
  const takeFault = (fault: Fault) => {
    const i = faults.indexOf(fault);
    if (i >= 0) faults.splice(i, 1);
    return i >= 0;
  };

  /** A send: fails before taking effect, takes effect, and may lose its reply. */
  const complete = (token: string, close: (execution: Execution) => void) => {
    if (takeFault('fail-before')) throw serviceUnavailable();
    const execution = holding(token);
    if (!execution) throw timedOut();
    execution.waitingOn = undefined;
    close(execution);
    if (takeFault('lose-reply')) throw serviceUnavailable();
    return {};
  };

  const reset = () => {
    mock.reset();
    executions.clear();
    faults.length = 0;
    sent.length = 0;
    mock.on(SendTaskSuccessCommand).callsFake((input: { taskToken: string; output: string }) => {
      sent.push({ command: 'SendTaskSuccess', taskToken: input.taskToken, output: input.output });
      return complete(input.taskToken, (e) =>
        add(e, {
          type: 'TaskSucceeded',
          taskSucceededEventDetails: {
            resourceType: 'lambda',
            resource: 'invoke.waitForTaskToken',
            output: input.output,
          },
        }),
      );
    });
    mock
      .on(SendTaskFailureCommand)
      .callsFake((input: { taskToken: string; error: string; cause: string }) => {
        sent.push({
          command: 'SendTaskFailure',
          taskToken: input.taskToken,
          error: input.error,
          cause: input.cause,
        });
        return complete(input.taskToken, (e) => {
          add(e, {
            type: 'TaskFailed',
            taskFailedEventDetails: {
              resourceType: 'lambda',
              resource: 'invoke.waitForTaskToken',
              error: input.error,
              cause: input.cause,
            },
          });
          // The ASL's Catch routes ApprovalRejected to Halt, which ends the execution.
          e.status = 'FAILED';
        });
      });
    mock.on(DescribeExecutionCommand).callsFake((input: { executionArn: string }) => {
      if (takeFault('history-unavailable')) throw serviceUnavailable();
      const execution = executions.get(input.executionArn);
      if (!execution)
        throw Object.assign(new Error(`Execution Does Not Exist: '${input.executionArn}'`), {
          name: 'ExecutionDoesNotExist',
        });
      return { executionArn: input.executionArn, status: execution.status };
    });
    mock.on(GetExecutionHistoryCommand).callsFake((input: { executionArn: string }) => ({
      events: executions.get(input.executionArn)?.events ?? [],
    }));
  };
  reset();

  return {
    reset,
    /** Every SendTask* call received, in order. */
    sent,
    /** The next matching call fails this way (once). */
    fault(fault: Fault) {
      faults.push(fault);
    },
    /** The execution reaches AwaitApproval, which invokes the gate with this payload and waits on its token. */
    waitAtGate(executionArn: string, startedAt: string, taskToken: string) {
      const execution: Execution = executions.get(executionArn) ?? { status: 'RUNNING', events: [] };
      executions.set(executionArn, execution);
      add(execution, { type: 'TaskStateEntered', stateEnteredEventDetails: { name: 'AwaitApproval' } });
      add(execution, {
        type: 'TaskScheduled',
        taskScheduledEventDetails: {
          resourceType: 'lambda',
          resource: 'invoke.waitForTaskToken',
          region: 'eu-west-1',
          parameters: JSON.stringify({
            FunctionName: 'arn:aws:lambda:eu-west-1:111122223333:function:aws-worker',
            Payload: { step: 'approval', execution: { id: executionArn, startedAt }, taskToken },
          }),
        },
      });
      add(execution, {
        type: 'TaskStarted',
        taskStartedEventDetails: { resourceType: 'lambda', resource: 'invoke.waitForTaskToken' },
      });
      add(execution, {
        type: 'TaskSubmitted',
        taskSubmittedEventDetails: { resourceType: 'lambda', resource: 'invoke.waitForTaskToken' },
      });
      execution.waitingOn = taskToken;
    },
    /** AwaitApproval's timeout: the token is no longer waited on, and the execution ends. */
    timeOut(executionArn: string) {
      const execution = executions.get(executionArn)!;
      execution.waitingOn = undefined;
      add(execution, {
        type: 'TaskTimedOut',
        taskTimedOutEventDetails: {
          resourceType: 'lambda',
          resource: 'invoke.waitForTaskToken',
          error: 'States.Timeout',
        },
      });
      execution.status = 'FAILED';
    },
  };
};
