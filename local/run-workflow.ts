// Runs statemachines/failover.asl.json (the very file the CDK stack deploys) with
// aws-local-stepfunctions, mapping each Task's function ARN to the same handler code. Where the
// library is kinder than Step Functions, the runner restores what Step Functions does: a state
// input or output, a task input or result over 256 KiB ends the execution with
// States.DataLimitExceeded, which no Catch sees; and an execution that ends FAILED, TIMED_OUT or
// ABORTED is reported to the AWS worker as the status-change event EventBridge would deliver.
import './polyfills.js';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Context } from 'aws-lambda';
import { ExecutionAbortedError, ExecutionTimeoutError, StateMachine } from 'aws-local-stepfunctions';

// The library's JSON and event-log types, which it does not export.
type JSONValue = Parameters<StateMachine['run']>[0];
type EventLog = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;
import { packageFile } from '../lambdas/package-files.js';
import { planRef } from '../lambdas/plan/plan-ref.js';
import type { Plan } from '../lambdas/plan/schema.js';
import type { ExecutionsPort } from '../lambdas/ports/coordination.js';
import type { FailoverReport, JournalPort } from '../lambdas/ports/journal.js';

export const aslPath = packageFile('statemachines/failover.asl.json');

/** Executions of this process still running: what decides, locally, that a lock's owner is gone. */
const running = new Set<string>();
export const localExecutions: ExecutionsPort = { isRunning: async (executionId) => running.has(executionId) };

export type LocalHandler = (event: unknown, context: Context) => Promise<unknown>;

export interface Workers {
  KubeWorkerArn: LocalHandler;
  AwsWorkerArn: LocalHandler;
}

const LOCAL_ACCOUNT = '000000000000';
const localArn = (placeholder: string) =>
  `arn:aws:lambda:local:${LOCAL_ACCOUNT}:function:${placeholder.replace(/Arn$/, '')}`;
const STATE_MACHINE_ARN = `arn:aws:states:local:${LOCAL_ACCOUNT}:stateMachine:failover`;

/** Step Functions' quota on a state's input and output, a task's input (after Parameters) and its result, in bytes of UTF-8 JSON. */
export const MAX_PAYLOAD_BYTES = 262_144;

export const payloadBytes = (value: unknown): number =>
  Buffer.byteLength(JSON.stringify(value) ?? 'null', 'utf8');

export interface PayloadSize {
  state: string;
  what: 'state input' | 'state output' | 'task input' | 'task result';
  bytes: number;
}

const describeSize = (p: PayloadSize) =>
  `${p.state}: its ${p.what} is ${p.bytes} bytes of JSON, over Step Functions' limit of ${MAX_PAYLOAD_BYTES}`;

/**
 * Step Functions' terminal error for an oversize payload: neither Retry nor Catch (not even
 * States.ALL) sees it. aws-local-stepfunctions reads `isRetryable` and `isCatchable` to decide.
 */
class DataLimitExceededError extends Error {
  override readonly name = 'States.DataLimitExceeded';
  readonly isRetryable = false;
  readonly isCatchable = false;
}

/** Lambda retries an asynchronous invocation that failed twice before giving up on the event. */
const ASYNC_INVOKE_ATTEMPTS = 3;

interface TaskState {
  Type: string;
  Resource?: string;
  Parameters?: { FunctionName?: string };
}

/** The definition with `${...}` placeholders replaced, as CDK's definitionSubstitutions does. */
export const loadDefinition = (): {
  definition: { States: Record<string, TaskState> };
  placeholders: string[];
} => {
  const text = readFileSync(aslPath, 'utf8');
  const placeholders = [...new Set([...text.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]!))];
  const substituted = placeholders.reduce((t, p) => t.replaceAll(`\${${p}}`, localArn(p)), text);
  return { definition: JSON.parse(substituted), placeholders };
};

const lambdaContext = (name: string, executionId: string): Context => ({
  callbackWaitsForEmptyEventLoop: false,
  functionName: name,
  functionVersion: '$LATEST',
  invokedFunctionArn: localArn(name),
  memoryLimitInMB: '1024',
  awsRequestId: `${executionId}:${randomUUID()}`,
  logGroupName: `/local/${name}`,
  logStreamName: 'local',
  getRemainingTimeInMillis: () => 900_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});

export interface RunWorkflowOptions {
  /** Named in the execution input by its name and hash; the workers load it from their published plans. */
  plan: Plan;
  trigger: unknown;
  workers: Workers;
  journal: JournalPort;
  /** The Settle wait in ms (drills shorten the plan's settle time). */
  settleMs: number;
  /** Pause between retries in ms (drills shorten the backoff); also the Wait between a waiting step's invocations. */
  retryIntervalMs: number;
  /**
   * A waiting step's Wait state sleeps as long as the step asked, as in AWS, instead of
   * retryIntervalMs (the benchmark, whose simulated systems take as long as real ones).
   */
  stepWaitsAsAsked?: boolean;
  executionName?: string;
}

export interface WorkflowRun {
  executionId: string;
  report: FailoverReport;
  /**
   * The execution's own end: `SUCCEEDED`; the error it failed with: the Fail state's (`HALTED`,
   * `FAILED`, `HaltNotRecorded`) or Step Functions' (`States.DataLimitExceeded`, `States.Runtime`);
   * or `TIMED_OUT`, `ABORTED`.
   */
  executionStatus: string;
  /** Every state input and output, task input and result, measured as Step Functions measures them. */
  payloads: PayloadSize[];
  /** Each Task's invocation of a worker: which function, and how long it ran (what Lambda bills). */
  taskRuns: TaskRun[];
  /** States entered, retries included: what Step Functions (Standard) bills as state transitions. */
  stateTransitions: number;
}

export interface TaskRun {
  state: string;
  /** The worker's placeholder in the ASL file, e.g. `KubeWorkerArn`. */
  worker: string;
  durationMs: number;
  /** A `.waitForTaskToken` task: in AWS its Lambda returns once it has asked, and the wait is Step Functions'. */
  waitsForToken: boolean;
}

/** How an execution ended, as Step Functions' status-change event says it. */
interface Ending {
  status: 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  error?: string;
  cause?: string;
}

const endingOf = (err: unknown): Ending => {
  if (err instanceof ExecutionAbortedError) return { status: 'ABORTED' };
  if (err instanceof ExecutionTimeoutError) return { status: 'TIMED_OUT' };
  // ExecutionError wraps what ended the run: the Fail state's error, or a terminal one.
  const cause = ((err as Error).cause as Error | undefined) ?? (err as Error);
  return { status: 'FAILED', error: cause.name, cause: cause.message };
};

/** What EventBridge delivers when an execution of the state machine stops (source aws.states). */
const statusChangeEvent = (
  executionArn: string,
  name: string,
  ending: Ending,
  input: unknown,
  startedAt: string,
  stoppedAt: Date,
) => ({
  version: '0',
  id: randomUUID(),
  'detail-type': 'Step Functions Execution Status Change',
  source: 'aws.states',
  account: LOCAL_ACCOUNT,
  time: stoppedAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
  region: 'local',
  resources: [executionArn],
  detail: {
    executionArn,
    stateMachineArn: STATE_MACHINE_ARN,
    name,
    status: ending.status,
    startDate: Date.parse(startedAt),
    stopDate: stoppedAt.getTime(),
    input: JSON.stringify(input),
    inputDetails: { included: true },
    output: null,
    outputDetails: null,
    error: ending.error ?? null,
    cause: ending.cause ?? null,
  },
});

/** The Wait states that sleep as long as a waiting step asked (steps/workflow-wait.ts). */
const stepWaitStates = (definition: { States: Record<string, { Type: string; SecondsPath?: string }> }) =>
  Object.entries(definition.States)
    .filter(
      ([, state]) => state.Type === 'Wait' && state.SecondsPath?.endsWith('.waiting.checkAgainInSeconds'),
    )
    .map(([name]) => name);

export const runWorkflow = async (options: RunWorkflowOptions): Promise<WorkflowRun> => {
  const { definition, placeholders } = loadDefinition();
  const name =
    options.executionName ??
    `drill-${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}`;
  const executionId = `arn:aws:states:local:${LOCAL_ACCOUNT}:execution:failover:${name}`;
  const byArn = new Map(
    placeholders.map((p) => [localArn(p), [p, options.workers[p as keyof Workers]] as const]),
  );
  // What the trigger rule's start gives a deployed execution (steps/start-failover.ts).
  const input = { plan: planRef(options.plan), trigger: options.trigger };
  const inputBytes = payloadBytes(input);
  if (inputBytes > MAX_PAYLOAD_BYTES) {
    throw new Error(
      `the execution input is ${inputBytes} bytes of JSON, over Step Functions' limit of ${MAX_PAYLOAD_BYTES}: StartExecution would refuse it`,
    );
  }

  const payloads: PayloadSize[] = [];
  const taskRuns: TaskRun[] = [];
  let stateTransitions = 0;
  let overLimit: PayloadSize | undefined;
  const measure = (state: string, what: PayloadSize['what'], value: unknown) => {
    const size = { state, what, bytes: payloadBytes(value) };
    payloads.push(size);
    if (size.bytes > MAX_PAYLOAD_BYTES) overLimit ??= size;
    return size;
  };
  // The start time the workflow itself sees ($$.Execution.StartTime, set by the library), from the first task's input.
  let startedAt: string | undefined;

  const taskResourceLocalHandlers: Record<string, (input: JSONValue) => Promise<JSONValue>> = {};
  const retryIntervalOverrides: Record<string, number> = {};
  for (const [stateName, state] of Object.entries(definition.States)) {
    if (state.Type !== 'Task') continue;
    const waitsForToken = state.Resource?.includes('.waitForTaskToken') ?? false;
    const arn = waitsForToken ? state.Parameters?.FunctionName : state.Resource;
    const worker = arn ? byArn.get(arn) : undefined;
    if (!worker?.[1]) throw new Error(`state ${stateName}: no local handler for resource ${arn ?? '(none)'}`);
    const [placeholder, handler] = worker;
    // lambda:invoke(.waitForTaskToken) tasks hand the function their Payload. A drill's gate handler
    // waits for a person for as long as the ASL's own timeout allows: with no Lambda deadline, middy
    // sets no early-timeout timer that would cut that wait short or keep the process alive after the
    // ASL has timed the task out.
    taskResourceLocalHandlers[stateName] = async (taskInput) => {
      // Every state the event log has reported so far is measured before this task may act: Step
      // Functions would have failed the execution at an oversize state, so no later task runs.
      await new Promise((resolve) => setImmediate(resolve));
      if (overLimit) throw new DataLimitExceededError(describeSize(overLimit));
      const inputSize = measure(stateName, 'task input', taskInput);
      if (inputSize.bytes > MAX_PAYLOAD_BYTES) throw new DataLimitExceededError(describeSize(inputSize));
      const event = waitsForToken ? (taskInput as { Payload: JSONValue }).Payload : taskInput;
      startedAt ??= (event as { execution?: { startedAt?: string } }).execution?.startedAt;
      const context = lambdaContext(placeholder.replace(/Arn$/, ''), executionId);
      const taskContext = waitsForToken
        ? ({ ...context, getRemainingTimeInMillis: undefined } as unknown as Context)
        : context;
      const invoked = Date.now();
      const result = (await handler(event, taskContext).finally(() =>
        taskRuns.push({
          state: stateName,
          worker: placeholder,
          durationMs: Date.now() - invoked,
          waitsForToken,
        }),
      )) as JSONValue;
      const resultSize = measure(stateName, 'task result', result);
      if (resultSize.bytes > MAX_PAYLOAD_BYTES) throw new DataLimitExceededError(describeSize(resultSize));
      return result;
    };
    retryIntervalOverrides[stateName] = options.retryIntervalMs;
  }

  const machine = new StateMachine(definition as never, {
    validationOptions: { checkPaths: true, checkArn: true },
  });
  const execution = machine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers,
      waitTimeOverrides: {
        Settle: options.settleMs,
        WaitForStepsToStop: options.retryIntervalMs,
        WaitForCatchUp: options.retryIntervalMs,
        ...(options.stepWaitsAsAsked
          ? {}
          : Object.fromEntries(stepWaitStates(definition).map((state) => [state, options.retryIntervalMs]))),
      },
      retryIntervalOverrides,
    },
    context: {
      Execution: { Id: executionId, Name: name, StartTime: new Date().toISOString() },
      Task: { Token: `local-token-${randomUUID()}` },
    },
  });
  // Each state's whole input and output, as the library reports them (a Pass state's Parameters
  // result reaches its output through ResultPath and is measured there).
  const watching = (async () => {
    for await (const event of execution.eventLogs as AsyncGenerator<EventLog>) {
      // Step Functions bills every state entered and every retry of one.
      if (event.type === 'StateEntered' || event.type === 'StateRetried') stateTransitions += 1;
      if (event.type === 'StateEntered') measure(event.state.name, 'state input', event.state.input);
      if (event.type === 'StateExited') measure(event.state.name, 'state output', event.state.output);
    }
  })();
  let ending: Ending | undefined;
  running.add(executionId);
  try {
    await execution.result;
  } catch (err) {
    ending = endingOf(err);
  } finally {
    running.delete(executionId);
  }
  await watching;
  // An oversize state that no later task noticed (the run went on through Choice, Pass, Succeed
  // or Fail states only): Step Functions would have failed the execution at that state.
  if (overLimit && ending?.error !== 'States.DataLimitExceeded')
    ending = { status: 'FAILED', error: 'States.DataLimitExceeded', cause: describeSize(overLimit) };
  const executionStatus = !ending
    ? 'SUCCEEDED'
    : ending.status === 'FAILED'
      ? (ending.error ?? 'FAILED')
      : ending.status;

  if (ending) {
    // EventBridge's rule on the status change invokes the AWS worker asynchronously (infra/execution-ended.ts).
    const event = statusChangeEvent(
      executionId,
      name,
      ending,
      input,
      startedAt ?? new Date().toISOString(),
      new Date(),
    );
    for (let attempt = 1; ; attempt++) {
      try {
        await options.workers.AwsWorkerArn(event, lambdaContext('AwsWorker', executionId));
        break;
      } catch (err) {
        if (attempt >= ASYNC_INVOKE_ATTEMPTS) {
          throw new Error(
            `the workflow ended (${executionStatus}) and the AWS worker failed ${attempt} times on its status-change event (in AWS the event would now be in the dead-letter queue): ${(err as Error).message}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, options.retryIntervalMs));
      }
    }
  }
  const report = await options.journal.getReport(executionId);
  if (!report) throw new Error(`the workflow ended (${executionStatus}) without writing a report`);
  return { executionId, report, executionStatus, payloads, taskRuns, stateTransitions };
};
