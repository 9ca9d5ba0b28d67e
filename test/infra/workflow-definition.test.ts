// The ONE workflow file, checked before CloudFormation or Step Functions ever see it: valid
// Amazon States Language, every placeholder substituted, every worker step reachable.
import { readFileSync } from 'node:fs';
import validator from 'asl-validator';
import { workflowDefinitionFile } from '../../infra/workflow-definition.js';
import * as errors from '../../lambdas/errors.js';
import { awsWorkerSteps } from '../../lambdas/handlers/aws-worker.js';
import { kubeWorkerSteps } from '../../lambdas/handlers/kube-worker.js';
import { stateTimeoutMarginSeconds, stepBudgetSeconds } from '../../lambdas/steps/step-budgets.js';
import { WAITING_STEPS } from '../../lambdas/steps/workflow-wait.js';

type Json = Record<string, any>;

const definitionText = readFileSync(workflowDefinitionFile, 'utf8');
const placeholders = [...new Set([...definitionText.matchAll(/\$\{([^}]*)\}/g)].map((m) => m[1]!))];

/** What Step Functions receives: each `${Name}` replaced by a function ARN, as the stack's substitutions do. */
const substituted = (): Json =>
  JSON.parse(
    placeholders.reduce(
      (text, name) =>
        text.replaceAll(`\${${name}}`, `arn:aws:lambda:eu-west-1:111122223333:function:${name}`),
      definitionText,
    ),
  );

/** Every Task that invokes one of the workers, with the step it asks for. */
const taskSteps = (states: Record<string, Json>): Array<{ state: string; worker: string; step: string }> =>
  Object.entries(states).flatMap(([state, s]) => {
    if (s.Type === 'Parallel') return (s.Branches as Json[]).flatMap((b) => taskSteps(b.States));
    if (s.Type === 'Map') return taskSteps((s.ItemProcessor ?? s.Iterator).States);
    if (s.Type !== 'Task') return [];
    const worker = s.Parameters?.FunctionName ?? s.Resource;
    const step = s.Parameters?.Payload?.step ?? s.Parameters?.step;
    return typeof step === 'string' ? [{ state, worker, step }] : [];
  });

// Steps a worker runs for something other than the workflow, and who invokes them.
const INVOKED_OUTSIDE_THE_WORKFLOW: Record<string, string> = {
  evaluate: 'the readiness schedule of each plan (infra/readiness-evaluation.ts)',
  'execution-ended':
    "the rule on the workflow's FAILED, TIMED_OUT and ABORTED status changes (infra/execution-ended.ts)",
};

/** The names the workers' errors reach Step Functions with: one per exported error class. */
const workerErrorNames = new Set(
  Object.values(errors)
    .filter((value) => typeof value === 'function' && value.prototype instanceof Error)
    .map((ErrorClass) => new (ErrorClass as new (message: string) => Error)('probe').name),
);

/** Every `ErrorEquals` name of every Retry and Catch, in every branch. */
const errorEqualsNames = (states: Record<string, Json>): string[] =>
  Object.values(states).flatMap((s) => [
    ...[...(s.Retry ?? []), ...(s.Catch ?? [])].flatMap((r: Json) => r.ErrorEquals as string[]),
    ...(s.Type === 'Parallel' ? (s.Branches as Json[]).flatMap((b) => errorEqualsNames(b.States)) : []),
    ...(s.Type === 'Map' ? errorEqualsNames((s.ItemProcessor ?? s.Iterator).States) : []),
  ]);

/** A name no worker throws and Step Functions never raises: a Retry or Catch that can never match. */
const unmatchable = (names: readonly string[]) =>
  names.filter((name) => !workerErrorNames.has(name) && !/^(States|Lambda|Sandbox)\./.test(name));

describe(`the workflow definition (${workflowDefinitionFile.replace(/.*\/statemachines\//, 'statemachines/')})`, () => {
  it('is valid Amazon States Language once its placeholders are substituted, paths and ARNs included', () => {
    const result = validator(substituted(), { checkPaths: true, checkArn: true });
    expect(result.errorsText()).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('is checked by a validator that rejects a dangling transition and a malformed path', () => {
    const broken = substituted();
    const [first] = Object.keys(broken.States as Json);
    broken.States[first!].Next = 'NoSuchState';
    delete broken.States[first!].End;
    expect(validator(broken, { checkPaths: true, checkArn: true }).isValid).toBe(false);
    const badPath = substituted();
    const task = Object.values(badPath.States as Record<string, Json>).find(
      (s) => s.Type === 'Task' && s.ResultPath,
    )!;
    task.ResultPath = 'not a path';
    expect(validator(badPath, { checkPaths: true, checkArn: true }).isValid).toBe(false);
  });

  it('names only ARNs in its placeholders, and nothing is left unsubstituted', () => {
    expect(placeholders.length).toBeGreaterThan(0);
    expect(placeholders.every((name) => /^[A-Za-z]+Arn$/.test(name))).toBe(true);
    expect(JSON.stringify(substituted())).not.toContain('${');
  });

  it.each([
    ['AwsWorkerArn', awsWorkerSteps],
    ['KubeWorkerArn', kubeWorkerSteps],
  ] as const)(
    'every step of the %s worker is run by some Task, or invoked by something named',
    (placeholder, steps) => {
      const states = JSON.parse(definitionText).States as Record<string, Json>;
      const referenced = new Set(
        taskSteps(states)
          .filter((t) => t.worker === `\${${placeholder}}`)
          .map((t) => t.step),
      );
      expect(
        steps.filter((step) => !referenced.has(step) && !(step in INVOKED_OUTSIDE_THE_WORKFLOW)),
      ).toEqual([]);
    },
  );

  it("routes only on errors that exist: each ErrorEquals is an exported error of lambdas/errors.ts or Step Functions' own", () => {
    const names = errorEqualsNames(JSON.parse(definitionText).States as Record<string, Json>);
    expect(names).toEqual(expect.arrayContaining(['Transient', 'PromotionFailed', 'States.ALL']));
    expect(unmatchable(names)).toEqual([]);
    // A misspelt name is caught: it would silently never match.
    expect(unmatchable([...names, 'PromotionFaild'])).toEqual(['PromotionFaild']);
  });

  it("gives every worker Task a TimeoutSeconds that holds its step's time budget and a margin, and the standard retries", () => {
    const states = JSON.parse(definitionText).States as Record<string, Json>;
    const tasks = taskSteps(states).filter((t) => t.step !== 'approval');
    expect(tasks.length).toBeGreaterThan(10);
    for (const { state, step } of tasks) {
      const timeout = states[state]!.TimeoutSeconds as number;
      // A state timeout does not stop the Lambda: the step must stop itself first.
      expect({
        state,
        fits: timeout - (stepBudgetSeconds[step] ?? Infinity) >= stateTimeoutMarginSeconds,
      }).toEqual({ state, fits: true });
      const retried = (states[state]!.Retry as Json[]).flatMap((r) => r.ErrorEquals as string[]);
      expect({ state, retried }).toEqual({
        state,
        retried: expect.arrayContaining([
          'Transient',
          'Lambda.ServiceException',
          'Lambda.ClientExecutionTimeoutException',
          'Sandbox.Timedout',
        ]),
      });
    }
  });

  it('loops every step that waits back to itself, through a Wait of the time it asked for or at once when it asked for none, and no other step', () => {
    const states = JSON.parse(definitionText).States as Record<string, Json>;
    const looped = taskSteps(states).flatMap(({ state, step }) => {
      const task = states[state]!;
      const choice = states[task.Next];
      // Halt's own loop (`pending`: steps cut off that may still work) is not a step's wait.
      const rules: Json[] =
        choice?.Type === 'Choice'
          ? choice.Choices.filter((c: Json) => c.IsPresent === true && /\.waiting(\.|$)/.test(c.Variable))
          : [];
      if (rules.length === 0) return [];
      // In this order: a rule on `.waiting` alone first would skip the Wait the step asked for.
      expect({ state, rules, wait: states[rules[0]!.Next] }).toEqual({
        state,
        rules: [
          {
            Variable: `${task.ResultPath}.waiting.checkAgainInSeconds`,
            IsPresent: true,
            Next: expect.any(String),
          },
          { Variable: `${task.ResultPath}.waiting`, IsPresent: true, Next: state },
        ],
        wait: expect.objectContaining({
          Type: 'Wait',
          SecondsPath: `${task.ResultPath}.waiting.checkAgainInSeconds`,
          Next: state,
        }),
      });
      return [step];
    });
    expect(looped.sort()).toEqual([...WAITING_STEPS].sort());
  });
});
