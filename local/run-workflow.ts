// Runs statemachines/failover.asl.json (the very file the CDK stack deploys) with
// aws-local-stepfunctions, mapping each Task's function ARN to the same handler code.
import './polyfills.js';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Context } from 'aws-lambda';
import { StateMachine } from 'aws-local-stepfunctions';

// The library's JSON type, which it does not export.
type JSONValue = Parameters<StateMachine['run']>[0];
import type { Plan } from '../lambdas/plan/schema.js';
import type { ExecutionsPort } from '../lambdas/ports/coordination.js';
import type { FailoverReport, JournalPort } from '../lambdas/ports/journal.js';

export const aslPath = fileURLToPath(new URL('../statemachines/failover.asl.json', import.meta.url));

/** Executions of this process still running: what decides, locally, that a lock's owner is gone. */
const running = new Set<string>();
export const localExecutions: ExecutionsPort = { isRunning: async (executionId) => running.has(executionId) };

export type LocalHandler = (event: unknown, context: Context) => Promise<unknown>;

export interface Workers {
  KubeWorkerArn: LocalHandler;
  AwsWorkerArn: LocalHandler;
}

const localArn = (placeholder: string) => `arn:aws:lambda:local:000000000000:function:${placeholder.replace(/Arn$/, '')}`;

interface TaskState {
  Type: string;
  Resource?: string;
  Parameters?: { FunctionName?: string };
}

/** The definition with `${...}` placeholders replaced, as CDK's definitionSubstitutions does. */
export const loadDefinition = (): { definition: { States: Record<string, TaskState> }; placeholders: string[] } => {
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
  plan: Plan;
  trigger: unknown;
  workers: Workers;
  journal: JournalPort;
  /** The Settle wait in ms (drills shorten the plan's settle time). */
  settleMs: number;
  /** Pause between retries in ms (drills shorten the backoff). */
  retryIntervalMs: number;
  executionName?: string;
}

export interface WorkflowRun {
  executionId: string;
  report: FailoverReport;
  /** The execution's own end: `SUCCEEDED`, or the Fail state's error (`HALTED`, `FAILED`, ...). */
  executionStatus: string;
}

export const runWorkflow = async (options: RunWorkflowOptions): Promise<WorkflowRun> => {
  const { definition, placeholders } = loadDefinition();
  const name = options.executionName ?? `drill-${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}`;
  const executionId = `arn:aws:states:local:000000000000:execution:failover:${name}`;
  const byArn = new Map(placeholders.map((p) => [localArn(p), [p, options.workers[p as keyof Workers]] as const]));

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
    taskResourceLocalHandlers[stateName] = async (input) => {
      const context = lambdaContext(placeholder.replace(/Arn$/, ''), executionId);
      const taskContext = waitsForToken ? ({ ...context, getRemainingTimeInMillis: undefined } as unknown as Context) : context;
      return (await handler(waitsForToken ? (input as { Payload: JSONValue }).Payload : input, taskContext)) as JSONValue;
    };
    retryIntervalOverrides[stateName] = options.retryIntervalMs;
  }

  const machine = new StateMachine(definition as never, { validationOptions: { checkPaths: true, checkArn: true } });
  const startedAt = new Date().toISOString();
  const execution = machine.run(
    { plan: options.plan, trigger: options.trigger } as never,
    {
      overrides: { taskResourceLocalHandlers, waitTimeOverrides: { Settle: options.settleMs }, retryIntervalOverrides },
      context: { Execution: { Id: executionId, Name: name, StartTime: startedAt }, Task: { Token: `local-token-${randomUUID()}` } },
    },
  );
  let executionStatus = 'SUCCEEDED';
  running.add(executionId);
  try {
    await execution.result;
  } catch (err) {
    // ExecutionError wraps what ended the run: the Fail state's error (HALTED, FAILED, ...).
    executionStatus = ((err as Error).cause as Error | undefined)?.name ?? (err as Error).name;
  } finally {
    running.delete(executionId);
  }
  const report = await options.journal.getReport(executionId);
  if (!report) throw new Error(`the workflow ended (${executionStatus}) without writing a report`);
  return { executionId, report, executionStatus };
};
