// How each fault of the matrix reaches each step of each engine: which call of the engine's
// own (its Kubernetes API calls, the commands it runs, Route 53's) fails and how, and the
// platform's faults (local/task-faults.ts). Each engine's matrix runs a world shaped so that
// every side-effecting step has real work for a fault to land on.
import type { Plan, Side } from '../lambdas/plan/schema.js';
import type { SideEffectStep } from '../lambdas/steps/side-effect-steps.js';
import type { EngineType } from '../sim/models/engine-models.js';
import type { ApiFault, DnsFault, Fault } from '../sim/scenario.js';
import type { Simulation } from '../sim/simulation.js';
import type { TaskFaultKind } from './task-faults.js';

/** Faults of one side-effecting step: the clusters' and Route 53's, then the platform's. */
export const stepFaultKinds = [
  'api-5xx',
  'api-timeout',
  'conflict-409',
  'exec-nonzero',
  'exec-nonzero-after-acting',
  'crash-after-acting',
  'state-timeout',
  'lambda-killed',
  'duplicate-delivery',
] as const;
export type StepFaultKind = (typeof stepFaultKinds)[number];

const platformFaults = {
  'state-timeout': 'state-timeout',
  'lambda-killed': 'killed',
  'duplicate-delivery': 'duplicate-delivery',
} as const satisfies Record<string, TaskFaultKind>;
type PlatformFaultKind = keyof typeof platformFaults;
type ClusterFaultKind = Exclude<StepFaultKind, PlatformFaultKind>;

/** A scenario fault as a recipe writes it; the runner scopes it to the cell's step. */
export type FaultDoc = Fault extends infer F
  ? F extends Fault
    ? Omit<F, 'times' | 'step'> & { times?: number }
    : never
  : never;

/** How a cell breaks the run. */
export type Injection =
  | { kind: 'scenario'; faults: FaultDoc[] }
  | { kind: 'platform'; fault: TaskFaultKind; afterMs: number }
  /** Admit's conditional write takes the lock, then its answer is lost (a transient coordination error). */
  | { kind: 'lock-answer-lost' }
  /** The workflow's plan names an upstream that is not there; the simulated clusters are the real ones. */
  | { kind: 'misnamed-upstream' };

export interface CellSpec {
  engine: EngineType;
  step: string;
  fault: string;
  inject: Injection;
  /** Changes to the plan copy this cell runs with (both the simulation and the workflow). */
  editPlan?: (plan: Plan) => void;
}

export interface EngineRecipe {
  engine: EngineType;
  planFile: string;
  /**
   * The world every cell starts from: the engine's healthy scenario, or a scenario document
   * (examples/scenarios format) saying why the healthy one would leave faults nothing to land on.
   */
  scenario: 'healthy' | Record<string, unknown>;
  /** Edits to the plan copy of every cell: shorter waits, and changes that give a step work to do. */
  editPlan(plan: Plan): void;
  /** Per-step budgets for this engine, over the matrix's defaults. */
  budgets?: Partial<Record<string, number>>;
  /** Commands that change the system: an exec of one in the simulator's log is a write. */
  writeCommands: readonly string[];
  /** What happens to the world when a step starts (e.g. the degraded site is lost). */
  onStepStarted?(step: string, simulation: Simulation): void;
  cluster: Record<SideEffectStep, Record<ClusterFaultKind, FaultDoc>>;
  /** How long the platform waits for each step before giving up on it: inside the step's normal work on the simulator. */
  platformAfterMs: Record<SideEffectStep, number>;
  /** Makes the plan name an upstream the clusters do not have, the way this engine's presence check would see it. */
  misnameUpstream(plan: Plan): void;
  /** Cells of this engine alone: faults that only its steps meet. */
  extra?: Array<Pick<CellSpec, 'step' | 'fault' | 'inject'>>;
}

const api = (
  site: Side,
  status: ApiFault['status'],
  options: { method?: NonNullable<ApiFault['method']>; resource?: string; afterEffect?: boolean } = {},
): FaultDoc => ({
  target: 'api',
  site,
  status,
  afterEffect: options.afterEffect ?? false,
  ...(options.method ? { method: options.method } : {}),
  ...(options.resource ? { resource: options.resource } : {}),
});

const exec = (
  site: Side,
  command: string,
  exitCode: number,
  options: { afterEffect?: boolean; hang?: boolean } = {},
): FaultDoc => ({
  target: 'exec',
  site,
  command,
  exitCode,
  hang: options.hang ?? false,
  afterEffect: options.afterEffect ?? false,
});

const dns = (
  operation: DnsFault['operation'],
  status: DnsFault['status'],
  afterEffect = false,
): FaultDoc => ({ target: 'dns', operation, status, afterEffect });

/**
 * Every cell's plan flips two records, so the flip is a change batch of two: whatever breaks it,
 * both must end where they were or both moved (local/fault-invariants.ts).
 */
export const withSecondRecord = (plan: Plan): void => {
  plan.dns.records.push({
    name: `v4.${plan.dns.records[0]!.name}`,
    type: 'A',
    ttl: 60,
    upstream: '192.0.2.10',
    downstream: '198.51.100.10',
  });
};

/**
 * Route 53 runs no commands: its "the command fails" is a rejected change batch
 * (InvalidChangeBatch: neither record moves), and "acts, then fails" a batch that was applied
 * and whose GetChange is then refused (InvalidInput).
 */
const flipDns: Record<ClusterFaultKind, FaultDoc> = {
  'api-5xx': dns('upsert', 503),
  'api-timeout': dns('upsert', 'timeout'),
  'conflict-409': dns('upsert', 'conflict'),
  'exec-nonzero': dns('upsert', 400),
  'exec-nonzero-after-acting': dns('wait', 400),
  'crash-after-acting': dns('upsert', 500, true),
};

/** rabbitmqctl commands that change a cluster (the vhost fence, promotion, the replication links). */
const rabbitWriteCommands = [
  'set_vhost_limits',
  'clear_vhost_limits',
  'close_all_connections',
  'close_connection',
];

/** The RabbitMQ fence (lambdas/engines/rabbitmq/fence.ts) of either RabbitMQ engine; `closeCommand` is how it closes clients. */
const rabbitFence = (closeCommand: string) => ({
  'api-5xx': api('upstream', 500),
  'api-timeout': api('upstream', 'timeout'),
  'conflict-409': api('upstream', 409),
  'exec-nonzero': exec('upstream', 'set_vhost_limits', 70),
  'exec-nonzero-after-acting': exec('upstream', 'set_vhost_limits', 70, { afterEffect: true }),
  'crash-after-acting': exec('upstream', closeCommand, 137, { afterEffect: true }),
});

const standby: EngineRecipe = {
  engine: 'rabbitmq-standby',
  planFile: 'examples/plans/rabbitmq-standby.yaml',
  scenario: 'healthy',
  editPlan: (plan) => {
    // Teardown then runs a command that acts, for the exec faults to land on.
    if (plan.engine.type === 'rabbitmq-standby') plan.engine.teardown.deleteReplicatedData = true;
  },
  writeCommands: [
    ...rabbitWriteCommands,
    'promote_standby_replication_downstream_cluster',
    'disconnect_standby_replication_downstream',
    'set_schema_replication_mode',
    'delete_all_data_on_standby_replication_cluster',
  ],
  cluster: {
    fence: rabbitFence('close_all_connections'),
    promote: {
      'api-5xx': api('downstream', 503),
      'api-timeout': api('downstream', 'timeout'),
      'conflict-409': api('downstream', 409),
      'exec-nonzero': exec('downstream', 'promote_standby_replication_downstream_cluster', 70),
      'exec-nonzero-after-acting': exec('downstream', 'promote_standby_replication_downstream_cluster', 70, {
        afterEffect: true,
      }),
      'crash-after-acting': exec('downstream', 'promote_standby_replication_downstream_cluster', 137, {
        afterEffect: true,
      }),
    },
    'flip-dns': flipDns,
    teardown: {
      'api-5xx': api('downstream', 500, { method: 'DELETE' }),
      'api-timeout': api('downstream', 'timeout', { method: 'PATCH', resource: 'rabbitmqclusters' }),
      'conflict-409': api('downstream', 409, { method: 'PATCH', resource: 'rabbitmqclusters' }),
      'exec-nonzero': exec('downstream', 'delete_all_data_on_standby_replication_cluster', 70),
      'exec-nonzero-after-acting': exec('downstream', 'delete_all_data_on_standby_replication_cluster', 70, {
        afterEffect: true,
      }),
      // The DELETE is applied and the connection drops before the answer.
      'crash-after-acting': api('downstream', 'timeout', {
        method: 'DELETE',
        resource: 'standbyreplications',
        afterEffect: true,
      }),
    },
  },
  platformAfterMs: { fence: 40, promote: 30, 'flip-dns': 40, teardown: 10 },
  misnameUpstream: (plan) => {
    if (plan.engine.type === 'rabbitmq-standby')
      plan.engine.upstream.namespace = `${plan.engine.upstream.namespace}-typo`;
  },
};

const shovel: EngineRecipe = {
  engine: 'rabbitmq-shovel',
  planFile: 'examples/plans/rabbitmq-shovel.yaml',
  // The healthy scenario's world (clients publish until fenced, the shovels behind when promotion
  // drains them), with shovels four times as fast: promotion still drains over several
  // invocations' looks, and each of 40 cells spends about a second on it instead of five.
  scenario: {
    clusters: {
      upstream: { clientConnections: 2, publishRatePerSecond: 60 },
      shovelRatePerSecond: 400,
      shovels: { 'payments-orders': { backlog: 300 }, 'payments-audit': { backlog: 200 } },
    },
  },
  editPlan: () => undefined,
  writeCommands: [...rabbitWriteCommands, 'clear_parameter'],
  cluster: {
    // Sparing the shovels' own connections, the fence closes clients one by one.
    fence: rabbitFence('close_connection'),
    promote: {
      'api-5xx': api('downstream', 500, { method: 'DELETE', resource: 'shovels' }),
      'api-timeout': api('downstream', 'timeout', { method: 'DELETE', resource: 'shovels' }),
      'conflict-409': api('downstream', 409, { method: 'DELETE', resource: 'shovels' }),
      'exec-nonzero': exec('downstream', 'clear_parameter', 70),
      'exec-nonzero-after-acting': exec('downstream', 'clear_parameter', 70, { afterEffect: true }),
      'crash-after-acting': exec('downstream', 'clear_parameter', 137, { afterEffect: true }),
    },
    'flip-dns': flipDns,
    // Teardown only reads unless a shovel came back: its faults land on those reads.
    teardown: {
      'api-5xx': api('downstream', 500),
      'api-timeout': api('downstream', 'timeout'),
      'conflict-409': api('downstream', 409),
      'exec-nonzero': exec('downstream', 'shovel_status', 70),
      'exec-nonzero-after-acting': exec('downstream', 'list_parameters', 70, { afterEffect: true }),
      'crash-after-acting': exec('downstream', 'shovel_status', 137, { afterEffect: true }),
    },
  },
  platformAfterMs: { fence: 40, promote: 300, 'flip-dns': 40, teardown: 10 },
  misnameUpstream: (plan) => {
    if (plan.engine.type === 'rabbitmq-shovel')
      plan.engine.upstream.namespace = `${plan.engine.upstream.namespace}-typo`;
  },
  // Promotion reads the fenced upstream while it drains it: one of those reads answers 503.
  extra: [
    { step: 'promote', fault: 'upstream-5xx', inject: { kind: 'scenario', faults: [api('upstream', 503)] } },
  ],
};

/** Every call of this engine goes to the one Kubernetes API both sites share (the plan's downstream context). */
const rocketApi = 'downstream' as const;

const rocketmq: EngineRecipe = {
  engine: 'rocketmq-controller',
  planFile: 'examples/plans/rocketmq-controller.yaml',
  // az2 degrades first (still reachable: the fence has live masters to make read-only), then is
  // lost as promotion starts, with a controller in az1 slow to notice: promotion needs electMaster.
  // In the healthy scenario az2 is already gone and the controller elects by itself, which leaves
  // the fence and promotion nothing to do and their faults nothing to land on.
  scenario: { clusters: { controller: { site: 'az1' }, electionDelaySeconds: 60 } },
  editPlan: (plan) => {
    if (plan.engine.type === 'rocketmq-controller') plan.engine.promotion.electionWaitSeconds = 1;
  },
  budgets: { teardown: 4_000 },
  writeCommands: ['updateBrokerConfig', 'electMaster'],
  onStepStarted: (step, simulation) => {
    if (step === 'promote') simulation.setReachable('upstream', false);
  },
  cluster: {
    // mqadmin prints its result and exits 0 either way; a crash loses that answer: the connection drops.
    fence: {
      'api-5xx': api(rocketApi, 500),
      'api-timeout': api(rocketApi, 'timeout'),
      'conflict-409': api(rocketApi, 409),
      'exec-nonzero': exec(rocketApi, 'updateBrokerConfig', 70),
      'exec-nonzero-after-acting': exec(rocketApi, 'updateBrokerConfig', 70, { afterEffect: true }),
      'crash-after-acting': exec(rocketApi, 'updateBrokerConfig', 137, { afterEffect: true, hang: true }),
    },
    promote: {
      'api-5xx': api(rocketApi, 500),
      'api-timeout': api(rocketApi, 'timeout'),
      'conflict-409': api(rocketApi, 409),
      'exec-nonzero': exec(rocketApi, 'electMaster', 70),
      'exec-nonzero-after-acting': exec(rocketApi, 'electMaster', 70, { afterEffect: true }),
      'crash-after-acting': exec(rocketApi, 'electMaster', 137, { afterEffect: true, hang: true }),
    },
    'flip-dns': flipDns,
    // Controller mode has no link to remove: teardown reads the SyncStateSets, and its faults land there.
    teardown: {
      'api-5xx': api(rocketApi, 500),
      'api-timeout': api(rocketApi, 'timeout'),
      'conflict-409': api(rocketApi, 409),
      'exec-nonzero': exec(rocketApi, 'getSyncStateSet', 70),
      'exec-nonzero-after-acting': exec(rocketApi, 'getSyncStateSet', 70, { afterEffect: true }),
      'crash-after-acting': exec(rocketApi, 'getSyncStateSet', 137, { afterEffect: true, hang: true }),
    },
  },
  // Promotion's first invocations look and hand the election over to the workflow within a few
  // tens of ms; the platform gives up on the one that runs electMaster, mid-way.
  platformAfterMs: { fence: 40, promote: 150, 'flip-dns': 40, teardown: 10 },
  // One namespace serves both sites: the upstream is named by its brokers' pods.
  misnameUpstream: (plan) => {
    if (plan.engine.type !== 'rocketmq-controller') return;
    const { targetSite } = plan.engine;
    for (const group of plan.engine.brokerGroups)
      for (const member of group.members) if (member.site !== targetSite) member.pod = `${member.pod}-typo`;
  },
};

export const engineRecipes: Record<EngineType, EngineRecipe> = {
  'rabbitmq-standby': standby,
  'rabbitmq-shovel': shovel,
  'rocketmq-controller': rocketmq,
};

/** Step budgets of every cell: long enough for each step's work on the simulator, short enough that a hung call ends a cell in seconds. */
export const matrixBudgets: Partial<Record<string, number>> = {
  admit: 5_000,
  blocked: 5_000,
  'confirm-alarm': 5_000,
  'check-dns': 5_000,
  readiness: 8_000,
  approval: 5_000,
  fence: 6_000,
  promote: 10_000,
  'verify-promotion': 6_000,
  'flip-dns': 6_000,
  'verify-dns': 4_000,
  teardown: 10_000,
  report: 5_000,
  halt: 5_000,
  'execution-ended': 5_000,
};

/**
 * Every cell of one engine: each side-effecting step its workflow runs x each fault; a transient
 * coordination error in Admit, a DNS change never INSYNC, a plan naming an upstream that is not
 * there; then the engine's own.
 */
export const cellsOf = (recipe: EngineRecipe, steps: readonly SideEffectStep[]): CellSpec[] => {
  const { engine } = recipe;
  const perStep = steps.flatMap((step) =>
    stepFaultKinds.map((fault): CellSpec => {
      const inject: Injection =
        fault in platformFaults
          ? {
              kind: 'platform',
              fault: platformFaults[fault as PlatformFaultKind],
              afterMs: recipe.platformAfterMs[step],
            }
          : { kind: 'scenario', faults: [recipe.cluster[step][fault as ClusterFaultKind]] };
      return { engine, step, fault, inject };
    }),
  );
  return [
    ...perStep,
    { engine, step: 'admit', fault: 'transient', inject: { kind: 'lock-answer-lost' } },
    {
      engine,
      step: 'flip-dns',
      fault: 'never-insync',
      // Every attempt's change stays PENDING; each attempt waits the plan's 1 s for it.
      inject: { kind: 'scenario', faults: [{ ...dns('upsert', 'never-insync'), times: 10 }] },
      editPlan: (plan) => {
        plan.dns.syncTimeoutSeconds = 1;
      },
    },
    { engine, step: 'readiness', fault: 'wrong-namespace', inject: { kind: 'misnamed-upstream' } },
    ...(recipe.extra ?? []).map((cell) => ({ engine, ...cell })),
  ];
};
