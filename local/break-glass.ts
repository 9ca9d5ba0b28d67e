// `failover run PLAN`: the break-glass path. When the AWS control plane is impaired, an
// operator runs the same workflow (statemachines/failover.asl.json) from a laptop with the
// real adapters: kubeconfig contexts for the clusters and Route 53 for DNS. The operator's
// command is both the trigger and the approval, so it requires a reason, which the report keeps.
// Before its first change a run checks that it can use every port it needs (both clusters, DNS
// read and change): a failover that promotes and then cannot move DNS leaves both sides refusing
// clients. `--dry-run` runs the same checks and the readiness evaluation, and prints every change
// a run would make; it can change nothing: every port it is given refuses writes.
import { userInfo } from 'node:os';
import { writeFile } from 'node:fs/promises';
import { createMemoryCoordination } from '../lambdas/adapters/memory-coordination.js';
import { createArcRoutingControls } from '../lambdas/adapters/arc-routing-controls.js';
import { createAuthoritativeAnswers } from '../lambdas/adapters/authoritative-answers.js';
import { createRoute53Dns } from '../lambdas/adapters/route53-dns.js';
import type { RoutingControlSwitch } from '../lambdas/plan/traffic-switch.js';
import type { DnsAnswersPort } from '../lambdas/ports/dns-answers.js';
import type { RoutingControlPort } from '../lambdas/ports/routing-controls.js';
import { engineFor } from '../lambdas/engines/registry.js';
import { BadInputError } from '../lambdas/errors.js';
import { drillAlarmEvent } from '../lambdas/plan/alarm-event.js';
import { loadPlan } from '../lambdas/plan/load-plan.js';
import type { Plan, Side } from '../lambdas/plan/schema.js';
import type { DnsPort } from '../lambdas/ports/dns.js';
import type { KubePort } from '../lambdas/ports/kube.js';
import { intendedChanges } from '../lambdas/steps/intended-changes.js';
import {
  missingOf,
  printAccess,
  printMissing,
  runPreflight,
  type Preflight,
} from './break-glass-preflight.js';
import { printProgress, printSummary } from './drill.js';
import { exitCodes, jsonOutput, reportBadInput, terminalIo, type Io } from './io.js';
import { contextsOf, kubePortsFor, type ContextOptions } from './kube-contexts.js';
import { localWorkers } from './local-workers.js';
import { publishedPlans } from './published-plans.js';
import { localExecutions, runWorkflow } from './run-workflow.js';
import { planSideOf } from '../lambdas/steps/leg.js';

export interface BreakGlassOptions extends ContextOptions {
  planFile: string;
  dryRun: boolean;
  /** Why the operator fails over by hand: recorded as the approval's reason. */
  reason?: string;
  reportFile?: string;
  /** Write the run's report to stdout as JSON instead of its summary; progress goes to stderr. */
  json?: boolean;
}

/** What a run on this machine talks to; tests pass the simulator's. */
export interface BreakGlassPorts {
  kube: Record<Side, KubePort>;
  dns: DnsPort;
  /** The ARC cluster of a plan that switches traffic by routing controls. */
  routingControlsFor?: (traffic: RoutingControlSwitch) => RoutingControlPort;
  /** The zone's name servers, which verify a routing-control flip. */
  answers?: DnsAnswersPort;
}

const currentValues = (plan: Plan, preflight: Preflight, name: string): string => {
  if (plan.dns.switch.via === 'routing-controls') {
    const read = preflight.dns.find((c) => c.name === 'arc-read');
    return read?.passed
      ? `answers by the routing controls: ${read.summary}`
      : 'the routing controls cannot be read';
  }
  const read = preflight.dns.find((c) => c.name === `dns-read:${name}`);
  if (!read?.passed) return 'cannot be read';
  const values = read.evidence['values'] as string[];
  return `holds ${values.join(', ') || 'nothing'} now`;
};

const dryRun = async (plan: Plan, preflight: Preflight, terminal: Io): Promise<number> => {
  // Summaries, errors and the records' values are the systems' text: printed escaped.
  const io = terminalIo(terminal);
  const { checks, error } = preflight.readiness;
  io.out('');
  io.out('Readiness:');
  for (const c of checks) io.out(`  ${c.passed ? 'pass' : 'FAIL'}  ${c.name.padEnd(20)} ${c.summary}`);
  if (error) io.out(`  FAIL  the checks could not run: ${error}`);
  io.out('');
  io.out('A run would, in this order:');
  io.out(
    `  - fence ${engineFor(plan).sides(plan).upstream} (no client writes), verified; if unreachable: ${plan.fencing.whenUnreachable === 'halt' ? 'halt' : 'proceed ungracefully'}`,
  );
  for (const change of intendedChanges(plan)) io.out(`  - ${change}`);
  for (const r of plan.dns.records) io.out(`    (${r.name} ${currentValues(plan, preflight, r.name)})`);
  printMissing(io, preflight);
  const ready = !error && checks.every((c) => c.passed);
  const missing = missingOf(preflight);
  const unreachable = preflight.access.filter((a) => a.state === 'unreachable');
  io.out('');
  io.out(
    `Dry run: nothing was changed. The standby is ${
      ready
        ? 'ready'
        : `NOT ready (${
            checks
              .filter((c) => !c.passed)
              .map((c) => c.name)
              .join(', ') || 'the checks could not run'
          })`
    }.`,
  );
  if (missing.length > 0)
    io.out(`A run would stop before its first change: missing ${missing.map((m) => m.name).join(', ')}.`);
  if (unreachable.length > 0)
    io.out(`Not reachable: ${unreachable.map((u) => u.name).join(', ')} (see WARN above).`);
  return ready && missing.length === 0 && unreachable.length === 0 ? 0 : exitCodes.haltedSafely;
};

const realRun = async (
  plan: Plan,
  ports: BreakGlassPorts,
  options: BreakGlassOptions,
  stdout: Io,
): Promise<number> => {
  const json = options.json ? jsonOutput(stdout) : undefined;
  const io = json?.progress ?? stdout;
  const operator = userInfo().username;
  const alarm = plan.triggers.alarms[0]!.name;
  const { workers, journal, notifications } = localWorkers({
    plans: publishedPlans([plan]),
    kubeFor: async (oriented, side) => ports.kube[planSideOf(plan, oriented, side)],
    progress: printProgress(io),
    // The AWS-side lock may be out of reach: this run holds a lock of its own process only.
    coordination: createMemoryCoordination(),
    executions: localExecutions,
    dns: ports.dns,
    ...(ports.routingControlsFor ? { routingControlsFor: ports.routingControlsFor } : {}),
    ...(ports.answers ? { answers: ports.answers } : {}),
    // The operator's command stands for the alarm: they have judged the upstream lost.
    alarms: { getStates: async (names) => new Map(names.map((n) => [n, 'ALARM' as const])) },
    approvals: {
      request: async () => ({
        decision: 'approved',
        approver: `${operator} (failover run)`,
        reason: options.reason!,
        decidedAt: new Date().toISOString(),
      }),
    },
  });
  const run = await runWorkflow({
    plan,
    trigger: drillAlarmEvent(alarm, new Date(), `break-glass-${Date.now()}`),
    workers,
    journal,
    settleMs: 0,
    retryIntervalMs: 2_000,
    executionName: `break-glass-${plan.name}-${Date.now()}`,
  });
  if (json) json.write(run.report);
  else printSummary(io, run.report);
  for (const n of notifications)
    terminalIo(io).out(`  notification (not sent: no AWS from here): ${n.subject}`);
  if (options.reportFile) await writeFile(options.reportFile, `${JSON.stringify(run.report, null, 2)}\n`);
  return {
    SUCCEEDED: 0,
    HALTED: exitCodes.haltedSafely,
    BLOCKED: exitCodes.haltedSafely,
    FAILED: exitCodes.failedAfterChange,
  }[run.report.status];
};

export const breakGlass = async (
  options: BreakGlassOptions,
  stdout: Io,
  ports?: BreakGlassPorts,
): Promise<number> => {
  // Before the report, everything is progress: with --json it goes to stderr.
  const io = options.json ? jsonOutput(stdout).progress : stdout;
  let plan: Plan;
  let resolved: BreakGlassPorts;
  try {
    plan = await loadPlan(options.planFile);
    if (!options.dryRun && !options.reason?.trim())
      throw new BadInputError(
        'a break-glass run changes production: say why with --reason "..." (it is recorded in the report), or use --dry-run first',
      );
    const contexts = contextsOf(plan, options, options.planFile);
    // A real run must fence the upstream or know it cannot: it needs the upstream's context.
    if (!options.dryRun && contexts.upstream === undefined)
      throw new BadInputError(
        `${options.planFile}: clusters.upstream names no kubeconfig context; pass --upstream-context C`,
      );
    resolved = ports ?? {
      kube: kubePortsFor(plan, contexts, options.kubeconfig),
      dns: createRoute53Dns(),
      routingControlsFor: (traffic) =>
        createArcRoutingControls({ clusterEndpoints: traffic.clusterEndpoints }),
      answers: createAuthoritativeAnswers(),
    };
  } catch (err) {
    return reportBadInput(err, io);
  }
  const sides = engineFor(plan).sides(plan);
  io.out(
    `Break-glass ${options.dryRun ? 'dry run' : 'failover'}: plan ${plan.name}, ${sides.upstream} -> ${sides.downstream}, from this machine`,
  );
  if (!options.dryRun)
    io.out(
      '  the AWS-side lock and cooldown are not consulted: make sure no deployed failover of this plan runs',
    );
  io.out('');
  const preflight = await runPreflight(plan, resolved, io);
  printAccess(io, preflight);
  if (options.dryRun) return dryRun(plan, preflight, io);
  if (missingOf(preflight).length > 0) {
    printMissing(io, preflight);
    io.out('');
    io.out('Nothing was changed: a run needs all of the above before its first change.');
    return exitCodes.haltedSafely;
  }
  io.out('');
  return realRun(plan, resolved, options, stdout);
};
