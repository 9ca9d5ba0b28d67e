// A scenario: the initial state of both sites, latencies and faults for one drill or test.
// The common fields are defined here; `clusters:` belongs to the engine model
// (sim/models/<engine>.ts). Format reference: examples/scenarios/README.md.
import { z } from 'zod';
import { formatIssues, listedProblems } from '../lambdas/plan/load-plan.js';
import { awsRegion } from '../lambdas/plan/regions.js';
import type { Plan } from '../lambdas/plan/schema.js';
import { parseYaml, readYamlFile, type YamlRead } from '../lambdas/plan/yaml-input.js';
import { engineModels, type ScenarioClusters } from './models/engine-models.js';

export class ScenarioError extends Error {
  override readonly name = 'ScenarioInvalid';
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(problems.join('\n'));
  }
}

// Bounds: a scenario is a few kilobytes of test set-up; these keep every value printable in one line.
const side = z.enum(['upstream', 'downstream']);
const text = (max: number) => z.string().min(1).max(max, `expected at most ${max} characters`);
const times = z.number().int().positive().max(1000, 'expected at most 1000 times').default(1);
/** Only while this workflow step runs (e.g. `promote`); omitted: any time. */
const step = text(64).optional();
/** A latency in milliseconds: up to a minute. */
const ms = z.number().min(0).max(60_000, 'expected at most 60000 ms');

const execFaultSchema = z.strictObject({
  target: z.literal('exec'),
  site: side,
  step,
  /** Matches an exec when any argv element equals it. */
  command: text(255),
  pod: text(253).optional(),
  times,
  exitCode: z.number().int().min(1).max(255).default(70),
  stderr: z.string().max(4096, 'expected at most 4096 characters').optional(),
  /** The command never finishes: the client's exec timeout must fire. */
  hang: z.boolean().default(false),
  /** The command takes effect, then the exec still fails (a crash after acting). */
  afterEffect: z.boolean().default(false),
});

const STATUS_EXPECTED = 'expected an HTTP error status (400-599) or "timeout"';

const apiFaultSchema = z.strictObject({
  target: z.literal('api'),
  site: side,
  step,
  /** LIST is a GET on a collection; omitted: any method. */
  method: z.enum(['GET', 'LIST', 'POST', 'PATCH', 'DELETE']).optional(),
  /** Plural, e.g. `rabbitmqclusters`, `pods`; omitted: any resource. */
  resource: text(253).optional(),
  name: text(253).optional(),
  times,
  /** An HTTP status to answer with, or `timeout`: hold the request and never answer. */
  status: z.union(
    [z.number().int().min(400, STATUS_EXPECTED).max(599, STATUS_EXPECTED), z.literal('timeout')],
    { error: STATUS_EXPECTED },
  ),
  afterEffect: z.boolean().default(false),
});

/** A fault of the DNS zone (Route 53 in AWS, the local zone in drills). */
const dnsFaultSchema = z
  .strictObject({
    target: z.literal('dns'),
    /** `get`: reading a record; `upsert`: ChangeResourceRecordSets, including the access check; `wait`: polling for INSYNC. */
    operation: z.enum(['get', 'upsert', 'wait']),
    step,
    times,
    /**
     * 500/503: a server error; `conflict`: PriorRequestNotComplete; 400: on `upsert` the whole
     * change batch is rejected (InvalidChangeBatch), on `get` and `wait` the request is
     * (InvalidInput); 403: AccessDenied; `timeout`: no answer in time; `never-insync` (upsert
     * only): the change is made but GetChange never reports INSYNC.
     */
    status: z.union(
      [
        z.literal(400),
        z.literal(403),
        z.literal(500),
        z.literal(503),
        z.literal('conflict'),
        z.literal('timeout'),
        z.literal('never-insync'),
      ],
      {
        error: 'expected 400, 403, 500, 503, "conflict", "timeout" or "never-insync"',
      },
    ),
    afterEffect: z.boolean().default(false),
  })
  .superRefine((fault, ctx) => {
    if (fault.status === 'never-insync' && fault.operation !== 'upsert') {
      ctx.addIssue({
        code: 'custom',
        path: ['status'],
        message:
          'never-insync applies to operation upsert only (the change is made, then never reported INSYNC)',
      });
    }
    if (fault.status === 403 && fault.afterEffect) {
      ctx.addIssue({
        code: 'custom',
        path: ['afterEffect'],
        message: 'a refused call (403) changes nothing; expected afterEffect false',
      });
    }
    if (fault.status === 400 && fault.operation === 'upsert' && fault.afterEffect) {
      ctx.addIssue({
        code: 'custom',
        path: ['afterEffect'],
        message: 'a rejected change batch (400) changes nothing; expected afterEffect false',
      });
    }
  });

const faultSchema = z.discriminatedUnion('target', [execFaultSchema, apiFaultSchema, dnsFaultSchema], {
  error: (issue) =>
    issue.code === 'invalid_union' ? 'unknown fault target; expected one of: exec, api, dns' : undefined,
});

const commonFields = {
  description: z.string().max(4096, 'expected at most 4096 characters').optional(),
  /** The alarm state the workflow reads back after the settle time. */
  alarm: z
    .strictObject({ state: z.enum(['ALARM', 'OK', 'INSUFFICIENT_DATA']).default('ALARM') })
    .prefault({}),
  latency: z
    .strictObject({
      apiMs: ms.default(2),
      execMs: ms.default(15),
      restartSecondsPerPod: z.number().min(0).max(600, 'expected at most 600 s').default(0.3),
      dnsSyncMs: ms.default(100),
    })
    .prefault({}),
  faults: z.array(faultSchema).max(100, 'expected at most 100 faults').default([]),
  /** AWS as the orchestrator finds it: a lost Region, Route 53's control plane down. */
  aws: z
    .strictObject({
      unavailable: z
        .strictObject({
          /** Every AWS API of these Regions: their orchestrator, ARC endpoints and alarms. */
          regions: z.array(awsRegion).max(10, 'expected at most 10 Regions').default([]),
          /** ListResourceRecordSets, ChangeResourceRecordSets, GetChange: every call times out. */
          route53ControlPlane: z.boolean().default(false),
        })
        .prefault({}),
    })
    .prefault({}),
  /** The plan's coordination state when the alarm fires (kept in DynamoDB in AWS). */
  coordination: z
    .strictObject({
      activeSide: side.default('upstream'),
      /** The plan failed over this many minutes before the end of its cooldown. */
      cooldownMinutesLeft: z
        .number()
        .min(0)
        .max(10_080, 'expected at most 10080 minutes (a week)')
        .default(0),
      needsOperator: text(1024).optional(),
      /** An earlier execution holds the lock; `running: false` means it has ended (a stale lock). */
      lock: z.strictObject({ owner: text(256), running: z.boolean().default(true) }).optional(),
    })
    .prefault({}),
};

const commonScenarioSchema = z.strictObject(commonFields);

export type Scenario = z.infer<typeof commonScenarioSchema> & { clusters: ScenarioClusters };
export type Fault = Scenario['faults'][number];
export type ExecFault = Extract<Fault, { target: 'exec' }>;
export type ApiFault = Extract<Fault, { target: 'api' }>;
export type DnsFault = Extract<Fault, { target: 'dns' }>;

/**
 * Validates an already-parsed scenario document. The plan selects the engine's `clusters:`
 * schema and lets names be checked against it (pods); without one, rabbitmq-standby is assumed.
 */
export const parseScenario = (document: unknown, file = 'scenario', plan?: Plan): Scenario => {
  const model = engineModels[plan?.engine.type ?? 'rabbitmq-standby'];
  const schema = commonScenarioSchema
    .extend({ clusters: model.clustersSchema.prefault({}) })
    .superRefine((scenario, ctx) => {
      if (plan === undefined) return;
      for (const problem of model.planProblems(plan, scenario.clusters))
        ctx.addIssue({ code: 'custom', path: ['clusters', ...problem.path], message: problem.message });
    });
  const result = schema.safeParse(document ?? {}, { reportInput: true });
  if (!result.success) {
    // formatIssues points at the plan reference for unknown fields; scenarios have their own.
    throw new ScenarioError(
      file,
      listedProblems(
        file,
        formatIssues(file, result.error.issues).map((line) =>
          line.replace(
            'the plan reference in docs/plan.md',
            'the scenario reference in examples/scenarios/README.md',
          ),
        ),
      ),
    );
  }
  return result.data;
};

const scenarioOf = (read: YamlRead, file: string, plan?: Plan): Scenario => {
  if (!read.ok) throw new ScenarioError(file, read.problems);
  return parseScenario(read.value, file, plan);
};

export const parseScenarioYaml = (text: string, file: string, plan?: Plan): Scenario =>
  scenarioOf(parseYaml(text, file, 'scenario'), file, plan);

export const loadScenario = async (file: string, plan?: Plan): Promise<Scenario> =>
  scenarioOf(await readYamlFile(file, 'scenario'), file, plan);
