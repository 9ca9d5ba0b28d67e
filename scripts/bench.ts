// `npm run bench`: what a real failover pays before traffic moves, measured here.
//  1. Each deployed function bundled exactly as deployed (scripts/build-functions.ts, from
//     infra/function-bundling.ts): its size, and its cold start proxy, a fresh Node process
//     importing it; for the workers, also their TypeScript sources through tsx. Every function is
//     cold in a real failover, and two distinct ones come before the DNS flip. Then the same
//     bundles with the Lambda runtime's AWS SDK instead of their own, for comparison.
//     `npm run bench -- bundles` runs this section alone.
//  2. The drill's recovery time split by step, over several runs of the healthy scenario.
//  3. What a failover costs in AWS (scripts/cost-model.ts): one run of the example plan with the
//     latencies real systems have (below), each task's duration billed at its function's memory
//     as the synthesized template sets it; the worst case, every task running to its timeout; and
//     the monthly cost of a plan's scheduled readiness.
//  4. What the DNS flip adds to Route 53's INSYNC, the change going INSYNC at several times.
// These machines are noisy: read the ratios, not the absolute numbers.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { FailoverOrchestratorStack } from '../infra/failover-stack.js';
import { BUNDLE_FILE, deployedFunctions, type DeployedFunctionName } from '../infra/function-code.js';
import { drillAlarmEvent } from '../lambdas/plan/alarm-event.js';
import { loadPlan } from '../lambdas/plan/load-plan.js';
import { createMemoryJournal } from '../lambdas/adapters/memory-journal.js';
import { systemClock } from '../lambdas/ports/clock.js';
import type { DnsPort } from '../lambdas/ports/dns.js';
import type { FailoverReport } from '../lambdas/ports/journal.js';
import { flipDns } from '../lambdas/steps/dns.js';
import type { AwsDeps } from '../lambdas/steps/step-deps.js';
import { drill } from '../local/drill.js';
import { autoApprovals, drillEnvironment, seededCoordination } from '../local/drill-deps.js';
import { processIo as io } from '../local/io.js';
import { runWorkflow, type TaskRun } from '../local/run-workflow.js';
import { loadScenario } from '../sim/scenario.js';
import { startSimulation } from '../sim/simulation.js';
import { buildFunctions } from './build-functions.js';
import { costOf, dollars, monthlyReadinessCost, readUnits, writeUnits } from './cost-model.js';

const runs = 5;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
// What the stack sets on the functions; nothing here reaches AWS (the import only builds clients).
const env = {
  ...process.env,
  JOURNAL_TABLE: 'bench',
  TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:bench',
  AWS_REGION: 'eu-west-1',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  POWERTOOLS_METRICS_NAMESPACE: 'Bench',
  APPROVAL_CONSOLE_URL: 'https://console.example',
  STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:bench',
  COGNITO_DOMAIN: 'https://auth.example',
  COGNITO_CLIENT_ID: 'bench',
  CONSOLE_URL: 'https://console.example',
};

const importMs = (args: string[]) => {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    const result = spawnSync(process.execPath, args, { env, encoding: 'utf8' });
    if (result.status !== 0)
      throw new Error(`import failed: ${result.stderr.split('\n').slice(-12).join('\n')}`);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return median(times);
};

io.out(`Each function as deployed: bundle size, cold import in a fresh process (median of ${runs}):`);
const baseline = importMs(['-e', '0']);
const kb = (bytes: number) => `${(bytes / 1000).toFixed(0)} KB`;
for (const dir of await buildFunctions(mkdtempSync(join(tmpdir(), 'bench-')))) {
  const name = basename(dir) as DeployedFunctionName;
  const bundle = join(dir, BUNDLE_FILE);
  const bundled =
    importMs(['--input-type=module', '-e', `await import(${JSON.stringify(bundle)})`]) - baseline;
  const line = `  ${name.padEnd(12)} ${kb(statSync(bundle).size).padStart(8)} (source map ${kb(statSync(`${bundle}.map`).size)}): ${bundled.toFixed(0)} ms`;
  // The approval API reads the console's files next to its module, which only its bundle has.
  if (name === 'approval-api') {
    io.out(line);
    continue;
  }
  const sources =
    importMs([
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `await import(${JSON.stringify(join(process.cwd(), deployedFunctions[name].entry))})`,
    ]) - baseline;
  io.out(
    `${line}; sources via tsx: ${sources.toFixed(0)} ms; bundled/sources = ${(bundled / sources).toFixed(2)}`,
  );
}
// The other way to deploy: the AWS SDK of the Lambda runtime (NodejsFunction's default, which
// leaves @aws-sdk/* out). The bundles are smaller, but the SDK is then loaded from its packages'
// many files: here from node_modules, as the runtime resolves its own.
io.out("With the Lambda runtime's AWS SDK instead (@aws-sdk/* left out of the bundle):");
const besideNodeModules = mkdtempSync(join('node_modules', '.bench-'));
try {
  for (const dir of await buildFunctions(besideNodeModules, ['@aws-sdk/*'])) {
    const name = basename(dir) as DeployedFunctionName;
    const bundle = join(process.cwd(), dir, BUNDLE_FILE);
    const importing =
      importMs(['--input-type=module', '-e', `await import(${JSON.stringify(bundle)})`]) - baseline;
    io.out(`  ${name.padEnd(12)} ${kb(statSync(bundle).size).padStart(8)}: ${importing.toFixed(0)} ms`);
  }
} finally {
  rmSync(besideNodeModules, { recursive: true, force: true });
}
if (process.argv.slice(2).includes('bundles')) process.exit(0);

io.out('');
io.out(`Drill recovery time, healthy scenario (median of ${runs} runs):`);
const silent = { out: () => undefined, err: (l: string) => io.err(l) };
const reports: FailoverReport[] = [];
for (let i = 0; i < runs; i++) {
  const result = await drill(
    {
      planFile: 'examples/plans/rabbitmq-standby.yaml',
      scenarioFile: 'examples/scenarios/healthy.yaml',
      gate: 'approve',
    },
    silent,
  );
  if (!result.report || result.report.recoveryTimeMs === undefined)
    throw new Error('the drill did not fail over');
  reports.push(result.report);
}
const recovery = median(reports.map((r) => r.recoveryTimeMs!));
io.out(`  recovery time ${recovery.toFixed(0)} ms (workflow start to DNS verified)`);
const steps = [...new Set(reports.flatMap((r) => r.steps.map((s) => s.name)))];
const trafficMoved = steps.indexOf('verify-dns');
steps.forEach((step, i) => {
  const ms = median(
    reports.map((r) => r.steps.filter((s) => s.name === step).reduce((sum, s) => sum + s.durationMs, 0)),
  );
  io.out(
    `  ${step.padEnd(18)} ${String(ms).padStart(6)} ms  ${i > trafficMoved ? '  after traffic moved' : `${((ms / recovery) * 100).toFixed(0).padStart(4)}% of the recovery time`}`,
  );
});

// --- 3. Cost ---------------------------------------------------------------------------------

/**
 * Latencies of the real systems, where the simulator's defaults are kept short for tests:
 * rabbitmqctl starts an Erlang VM for every command (0.6–2 s against the real nodes of the
 * conformance tier), a RabbitMQ server pod takes about a minute to stop, start and rejoin, and
 * Route 53 reports a change INSYNC within 60 s (30 s assumed).
 */
const FIELD_LATENCY = { apiMs: 50, execMs: 1_000, restartSecondsPerPod: 60, dnsSyncMs: 30_000 };

/** Counts DynamoDB request units of a port's calls in place: list/get read, the rest write. */
const countRequestUnits = <T extends object>(port: T, units: { read: number; write: number }): T => {
  for (const [name, value] of Object.entries(port)) {
    if (typeof value !== 'function') continue;
    const call = value as (...args: unknown[]) => Promise<unknown>;
    (port as Record<string, unknown>)[name] = async (...args: unknown[]) => {
      const result = await call(...args);
      if (/^(list|get)/.test(name)) units.read += readUnits(JSON.stringify(result ?? null).length);
      else units.write += writeUnits(JSON.stringify(args).length);
      return result;
    };
  }
  return port;
};

const planFile = 'examples/plans/rabbitmq-standby.yaml';
const plan = await loadPlan(planFile);
const app = new App({
  context: {
    ...(JSON.parse(readFileSync('cdk.json', 'utf8')) as { context: object }).context,
    'aws:cdk:bundling-stacks': [],
  },
});
const template = Template.fromStack(
  new FailoverOrchestratorStack(app, 'Bench', {
    plans: [plan],
    env: { account: '123456789012', region: 'eu-west-1' },
  }),
).toJSON() as { Resources: Record<string, { Type: string; Properties: { MemorySize?: number } }> };
const memoryOf = (logicalIdPrefix: string): number => {
  const found = Object.entries(template.Resources).find(
    ([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith(`Orchestrator${logicalIdPrefix}`),
  );
  if (found?.[1].Properties.MemorySize === undefined)
    throw new Error(`no ${logicalIdPrefix} function in the template`);
  return found[1].Properties.MemorySize;
};
const memory: Record<string, number> = {
  KubeWorkerArn: memoryOf('KubeWorker'),
  AwsWorkerArn: memoryOf('AwsWorker'),
};

io.out('');
io.out(
  `Cost of a failover in AWS (${planFile}; latencies: exec ${FIELD_LATENCY.execMs} ms, API ${FIELD_LATENCY.apiMs} ms, pod restart ${FIELD_LATENCY.restartSecondsPerPod} s, DNS INSYNC ${FIELD_LATENCY.dnsSyncMs / 1000} s; Kubernetes worker ${memory['KubeWorkerArn']} MB, AWS worker ${memory['AwsWorkerArn']} MB):`,
);
const scenario = await loadScenario('examples/scenarios/healthy.yaml', plan);
scenario.latency = { ...scenario.latency, ...FIELD_LATENCY };
const simulation = await startSimulation(plan, scenario);
// When the flip's change was made: it is INSYNC dnsSyncMs later, and what the workflow adds to
// that before the flip step ends is its overhead on the recovery time.
const changesMadeAt: number[] = [];
const upsert = simulation.dns.upsertRecords;
simulation.dns.upsertRecords = async (...args) => {
  const id = await upsert(...args);
  changesMadeAt.push(Date.now());
  return id;
};
const units = { read: 0, write: 0 };
const drillEnv = drillEnvironment({
  plan,
  scenario,
  simulation,
  coordination: countRequestUnits(await seededCoordination(plan, scenario), units),
  approvals: autoApprovals('approve'),
  progress: () => undefined,
});
countRequestUnits(drillEnv.journal, units);
const started = Date.now();
const run = await runWorkflow({
  plan,
  trigger: drillAlarmEvent(plan.triggers.alarms[0]!.name, new Date()),
  workers: drillEnv.workers,
  journal: drillEnv.journal,
  settleMs: 0,
  retryIntervalMs: 200,
  // Each Wait between a waiting step's invocations lasts as long as the step asked, as in AWS.
  stepWaitsAsAsked: true,
}).finally(() => simulation.stop());
if (run.report.status !== 'SUCCEEDED')
  throw new Error(`the failover ended ${run.report.status}: ${run.report.reason}`);
// In AWS a waitForTaskToken task's Lambda returns once it has asked; the wait is Step Functions'.
const billed = (r: TaskRun) => (r.waitsForToken ? Math.min(r.durationMs, 1_000) : r.durationMs);
const typical = costOf({
  functionRuns: run.taskRuns.map((r) => ({ memoryMb: memory[r.worker]!, durationMs: billed(r) })),
  stateTransitions: run.stateTransitions,
  dynamoWriteUnits: units.write,
  dynamoReadUnits: units.read,
  snsPublishes: drillEnv.notifications.length,
});
const byState = new Map<string, number>();
for (const r of run.taskRuns) byState.set(r.state, (byState.get(r.state) ?? 0) + billed(r));
const longest = [...byState].sort((a, b) => b[1] - a[1]).slice(0, 3);
io.out(
  `  typical: ${dollars(typical.total)} (Lambda ${dollars(typical.lambda)} for ${typical.lambdaGbSeconds.toFixed(0)} GB-s, Step Functions ${dollars(typical.stepFunctions)} for ${run.stateTransitions} transitions, DynamoDB ${dollars(typical.dynamodb)} for ${units.write} WRU + ${units.read} RRU, SNS ${dollars(typical.sns)}); run took ${((Date.now() - started) / 1000).toFixed(0)} s`,
);
const invocations = run.taskRuns.filter((r) => !r.waitsForToken);
const longestInvocation = invocations.reduce((a, b) => (b.durationMs > a.durationMs ? b : a));
const looped = (state: string) => invocations.filter((r) => r.state === state).length;
const flipped = run.report.steps.findLast((s) => s.name === 'flip-dns' && s.outcome === 'succeeded')!;
const insyncAt = changesMadeAt.at(-1)! + FIELD_LATENCY.dnsSyncMs;
io.out(
  `  longest invocation: ${(longestInvocation.durationMs / 1000).toFixed(1)} s (${longestInvocation.state}); the workflow's Waits invoked FlipDns ${looped('FlipDns')} times and TearDownReplication ${looped('TearDownReplication')} times; the flip ended ${((Date.parse(flipped.endedAt) - insyncAt) / 1000).toFixed(2)} s after its change was INSYNC`,
);
io.out(
  `  where the Lambda time goes: ${longest.map(([state, ms]) => `${state} ${(ms / 1000).toFixed(1)} s (${((ms / [...byState.values()].reduce((a, b) => a + b, 0)) * 100).toFixed(0)} %)`).join(', ')}`,
);

// Worst case: the same tasks, each running to the timeout its state gives it; then with every retry.
const asl = JSON.parse(readFileSync('statemachines/failover.asl.json', 'utf8')) as {
  States: Record<string, { TimeoutSeconds?: number; Retry?: Array<{ MaxAttempts?: number }> }>;
};
const visited = [...new Set(run.taskRuns.map((r) => r.state))];
const worstRuns = (withRetries: boolean) =>
  visited.flatMap((state) => {
    const definition = asl.States[state]!;
    const first = run.taskRuns.find((r) => r.state === state)!;
    const durationMs =
      definition.TimeoutSeconds === undefined ? billed(first) : definition.TimeoutSeconds * 1000;
    const attempts = withRetries
      ? 1 + Math.max(0, ...(definition.Retry ?? []).map((r) => r.MaxAttempts ?? 3))
      : 1;
    return Array.from({ length: attempts }, () => ({ memoryMb: memory[first.worker]!, durationMs }));
  });
for (const withRetries of [false, true]) {
  const functionRuns = worstRuns(withRetries);
  const worst = costOf({
    functionRuns,
    stateTransitions: run.stateTransitions + functionRuns.length - visited.length,
    dynamoWriteUnits: units.write,
    dynamoReadUnits: units.read,
    snsPublishes: drillEnv.notifications.length,
  });
  io.out(
    `  worst case${withRetries ? ', every retry' : ''}: ${dollars(worst.total)} (every task to its timeout${withRetries ? ', each retried as often as its Retry allows' : ''}: ${worst.lambdaGbSeconds.toFixed(0)} GB-s)`,
  );
}

const readinessMs = median(run.taskRuns.filter((r) => r.state === 'CheckReadiness').map(billed));
const checks = (
  run.report.steps.find((s) => s.name === 'readiness')?.detail as { checks?: unknown[] } | undefined
)?.checks?.length;
const readiness = monthlyReadinessCost({
  everyMinutes: plan.evaluation.everyMinutes,
  evaluation: { memoryMb: memory['KubeWorkerArn']!, durationMs: readinessMs },
  customMetrics: (checks ?? 0) + 1,
  alarms: 1 + plan.triggers.alarms.filter((a) => a.define !== undefined).length,
});
io.out(
  `  scheduled readiness, per plan and month: ${dollars(readiness.total)} (${readiness.evaluations} evaluations every ${plan.evaluation.everyMinutes} min of ${(readinessMs / 1000).toFixed(1)} s: Lambda ${dollars(readiness.lambda)}, Scheduler ${dollars(readiness.scheduler)}; CloudWatch ${dollars(readiness.cloudwatch)} for ${(checks ?? 0) + 1} custom metrics and ${1 + plan.triggers.alarms.filter((a) => a.define !== undefined).length} alarms)`,
);

// --- 4. What the flip adds to Route 53's INSYNC ------------------------------------------------

/**
 * FlipDns invoked as the workflow invokes it (again at once while it answers `waiting`) against a
 * Route 53 whose change goes INSYNC a given time after it was made, at times on both sides of an
 * invocation's handover. Each call takes the field's API latency. Step Functions' own Task → Choice
 * → Task turn and Lambda's warm invoke at a handover come on top and are not measured here.
 */
io.out('');
io.out(
  `FlipDns over Route 53's INSYNC (the workflow invokes it again at once; each Route 53 call ${FIELD_LATENCY.apiMs} ms):`,
);
const overheads: number[] = [];
for (const insyncAfterMs of [300, 2_200, 4_800, 5_300, 7_700, 10_100]) {
  let madeAt = 0;
  const slow = <T>(value: T) =>
    new Promise<T>((resolve) => setTimeout(() => resolve(value), FIELD_LATENCY.apiMs));
  const values = new Map<string, string[]>();
  const dns: DnsPort = {
    getRecord: async (ref) =>
      slow(values.has(ref.name) ? { values: values.get(ref.name)!, ttl: 60 } : undefined),
    upsertRecords: async (_zone, records) => {
      for (const r of records) values.set(r.name, r.values);
      madeAt = Date.now();
      return slow('/change/BENCH');
    },
    changeStatus: async () => slow(Date.now() >= madeAt + insyncAfterMs ? 'INSYNC' : 'PENDING'),
    checkChangeAccess: async () => ({ allowed: true, answer: '' }),
  };
  const deps = {
    journal: createMemoryJournal(),
    clock: systemClock,
    progress: () => undefined,
    dns,
  } as unknown as AwsDeps;
  const execution = { id: `bench-${insyncAfterMs}`, startedAt: new Date().toISOString() };
  let invocations = 0;
  for (;;) {
    invocations += 1;
    if (!('waiting' in (await flipDns(deps, execution, plan)))) break;
  }
  const overheadMs = Date.now() - (madeAt + insyncAfterMs);
  overheads.push(overheadMs);
  io.out(
    `  INSYNC ${(insyncAfterMs / 1000).toFixed(1).padStart(4)} s after the change: the flip ended ${(overheadMs / 1000).toFixed(2)} s after it (${invocations} invocation${invocations > 1 ? 's' : ''})`,
  );
}
io.out(`  at most ${(Math.max(...overheads) / 1000).toFixed(2)} s after INSYNC`);
