// The largest plans the schema allows: each field's bound refuses one more character or element,
// and the largest valid plan, driven through the ASL file on the simulated clusters: Step Functions
// fails an execution (and no Catch sees it) when any state input or output, task input or result
// exceeds 256 KiB, so every one of them must stay under that, all the way.
import type { Context } from 'aws-lambda';
import { createKubeApi } from '../../lambdas/adapters/kube/kube-api.js';
import { parsePlan } from '../../lambdas/plan/load-plan.js';
import { maxPlanJsonChars } from '../../lambdas/plan/plan-size.js';
import { planSchema, type Plan, type PlanInput } from '../../lambdas/plan/schema.js';
import { autoApprovals, seededCoordination } from '../../local/drill-deps.js';
import { localWorkers } from '../../local/local-workers.js';
import {
  localExecutions,
  MAX_PAYLOAD_BYTES,
  runWorkflow,
  type WorkflowRun,
} from '../../local/run-workflow.js';
import type { EngineType } from '../../sim/models/engine-models.js';
import { parseScenario } from '../../sim/scenario.js';
import { startSimulation } from '../../sim/simulation.js';
import { largestAlarmEvent, largestValidPlan, planJsonChars, sitesOf, widestPlan } from './largest-plan.js';
import { publishedPlans } from '../../local/published-plans.js';

type Json = unknown;
const ENGINES: EngineType[] = ['rabbitmq-standby', 'rabbitmq-shovel', 'rocketmq-controller'];

/** Every path to a text or a list in a plan document. */
const grownPaths = (
  value: Json,
  path: Array<string | number> = [],
): Array<{ path: Array<string | number>; kind: 'text' | 'list' }> => {
  if (typeof value === 'string') return [{ path, kind: 'text' }];
  if (Array.isArray(value))
    return [{ path, kind: 'list' }, ...value.flatMap((v, i) => grownPaths(v, [...path, i]))];
  if (typeof value === 'object' && value !== null)
    return Object.entries(value).flatMap(([k, v]) => grownPaths(v, [...path, k]));
  return [];
};

/** The document with the text or list at `path` one character or one element longer. */
const grow = (doc: Json, path: Array<string | number>, kind: 'text' | 'list'): Json => {
  const copy = structuredClone(doc) as Record<string | number, Json>;
  const parent = path
    .slice(0, -1)
    .reduce<Record<string | number, Json>>((node, key) => node[key] as Record<string | number, Json>, copy);
  const key = path.at(-1)!;
  const current = parent[key];
  parent[key] =
    kind === 'text'
      ? `${current as string}${(current as string).at(-1) ?? 'x'}`
      : [...(current as Json[]), structuredClone((current as Json[]).at(-1))];
  return copy;
};

const scenarioFor = (engine: EngineType) =>
  engine === 'rocketmq-controller'
    ? { clusters: { lostSite: sitesOf('short').lost, controller: { site: sitesOf('short').target } } }
    : {};

/** A drill of `plan` on its engine's simulated clusters, triggered by the largest alarm event; `answers` holds what each Kubernetes step answered the workflow. */
const drive = async (
  plan: Plan,
  scenarioDocument: unknown,
): Promise<WorkflowRun & { answers: Map<string, unknown> }> => {
  const scenario = parseScenario(scenarioDocument, 'largest plan scenario', plan);
  const simulation = await startSimulation(plan, scenario);
  try {
    const env = localWorkers({
      plans: publishedPlans([plan]),
      kubeFor: async (_plan, side) =>
        createKubeApi(simulation.kubeConfigFor(side), `${side} cluster (simulated)`),
      progress: (event) => {
        if (event.kind === 'step-started') simulation.enterStep(event.step);
      },
      coordination: await seededCoordination(plan, scenario),
      executions: localExecutions,
      dns: simulation.dns,
      // The composite is the alarm that starts the workflow, and what ConfirmAlarm reads back.
      alarms: { getStates: async (names) => new Map(names.map((name) => [name, scenario.alarm.state])) },
      approvals: autoApprovals('approve'),
    });
    const answers = new Map<string, unknown>();
    const workers = {
      ...env.workers,
      KubeWorkerArn: async (event: unknown, context: Context) => {
        const answer = await env.workers.KubeWorkerArn(event, context);
        answers.set((event as { step: string }).step, answer);
        return answer;
      },
    };
    return {
      ...(await runWorkflow({
        plan,
        trigger: largestAlarmEvent(plan, new Date()),
        workers,
        journal: env.journal,
        settleMs: 0,
        retryIntervalMs: 50,
      })),
      answers,
    };
  } finally {
    await simulation.stop();
  }
};

describe('the largest plan the schema allows', () => {
  it.each(ENGINES)(
    '%s: with every field at its bound only the whole-plan bound refuses it, and any of its texts or lists one longer is refused at that field',
    (engine) => {
      const doc = widestPlan(engine) as Json;
      expect(planSchema.safeParse(doc).error?.issues).toEqual([
        expect.objectContaining({
          path: [],
          message: expect.stringMatching(/^the plan is \d+ characters as JSON/),
        }),
      ]);
      const accepted = grownPaths(doc)
        .filter(({ path, kind }) => {
          const issues = planSchema.safeParse(grow(doc, path, kind)).error?.issues ?? [];
          return !issues.some((i) => i.path.join('.') === path.join('.'));
        })
        .map(({ path }) => path.join('.'));
      expect(accepted).toEqual([]);
    },
  );

  it('a defined alarm with one more metric dimension is refused', () => {
    const doc = widestPlan('rabbitmq-standby');
    const dimensions = doc.triggers.alarms[0]!.define!.metric.dimensions!;
    const grown: PlanInput = structuredClone(doc);
    grown.triggers.alarms[0]!.define!.metric.dimensions = { ...dimensions, OneMore: 'x' };
    expect(planSchema.safeParse(grown).error?.issues).toEqual([
      expect.objectContaining({
        path: ['triggers', 'alarms', 0, 'define', 'metric', 'dimensions'],
        message: expect.stringMatching(/^expected at most \d+ dimensions; /),
      }),
    ]);
  });

  it.each(ENGINES)(
    '%s: the largest valid plan is exactly the whole-plan bound, and one character more is refused',
    (engine) => {
      const doc = largestValidPlan(engine);
      expect(planJsonChars(doc)).toBe(maxPlanJsonChars);
      expect(() => parsePlan(doc)).not.toThrow();
      const grown = structuredClone(doc);
      grown.triggers.composite!.description += 'x';
      expect(planSchema.safeParse(grown).error?.issues).toEqual([
        expect.objectContaining({
          path: [],
          message: expect.stringMatching(/^the plan is \d+ characters as JSON/),
        }),
      ]);
    },
  );

  it.each(ENGINES)(
    '%s: a whole failover through the gate keeps every state input and output, task input and result under 256 KiB',
    async (engine) => {
      const run = await drive(parsePlan(largestValidPlan(engine)), scenarioFor(engine));
      expect([run.executionStatus, run.report.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
      // Every state of the path through the gate was measured, on the way in and out.
      const measured = (what: string) =>
        new Set(run.payloads.filter((p) => p.what === what).map((p) => p.state));
      const path = [
        'Admit',
        'Settle',
        'ConfirmAlarm',
        'CheckReadiness',
        'ApprovalRequired',
        'PrepareApproval',
        'AwaitApproval',
        'FenceUpstream',
        'Promote',
        'VerifyPromotion',
        'FlipDns',
        'VerifyDns',
        'TearDownReplication',
        'Report',
        'FailedOver',
      ];
      expect([...measured('state input')]).toEqual(expect.arrayContaining(path));
      expect([...measured('state output')]).toEqual([...measured('state input')]);
      expect(run.payloads.filter((p) => p.bytes > MAX_PAYLOAD_BYTES)).toEqual([]);
      // Readiness hands the workflow its answer alone; the evidence is in the journal.
      expect(run.answers.get('readiness')).toEqual({ ready: true, failedChecks: [] });
      expect(run.report.steps.find((s) => s.name === 'readiness')!.detail).toEqual({
        checks: expect.arrayContaining([
          expect.objectContaining({ passed: true, evidence: expect.any(Object) }),
        ]),
      });
    },
    120_000,
  );

  it('rabbitmq-standby: a halt at readiness with every vhost lagging (NotReady and its evidence) stays under 256 KiB too', async () => {
    const plan = parsePlan(largestValidPlan('rabbitmq-standby'));
    const run = await drive(plan, { clusters: { downstream: { lagSeconds: 3600 } } });
    expect([run.executionStatus, run.report.status]).toEqual(['HALTED', 'HALTED']);
    expect(run.report.reason).toMatch(/^NotReady: /);
    expect(run.payloads.filter((p) => p.bytes > MAX_PAYLOAD_BYTES)).toEqual([]);
  }, 120_000);

  it('rabbitmq-standby under on-risk: a lagging readiness reaches the gate as the names of its failed checks, and the approval records the risk from the journal’s evidence', async () => {
    const plan = parsePlan(largestValidPlan('rabbitmq-standby', 'on-risk'));
    const run = await drive(plan, { clusters: { downstream: { lagSeconds: 3600 } } });
    expect(run.report.status).toBe('SUCCEEDED');
    expect(run.answers.get('readiness')).toEqual({ ready: false, failedChecks: ['replication-lag'] });
    const approval = run.report.steps.find((s) => s.name === 'approval')!;
    expect((approval.detail as { acceptedRisk: string[] }).acceptedRisk).toEqual([
      expect.stringMatching(/^replication-lag: lag [\d.]+ s .*> RPO bound 60 s$/),
    ]);
    expect(run.payloads.filter((p) => p.bytes > MAX_PAYLOAD_BYTES)).toEqual([]);
  }, 120_000);
});
