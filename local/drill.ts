// `failover drill`: a whole failover, on the workflow file that AWS runs, against simulated
// clusters. Prints each step as it happens and ends with the outcome and the recovery time.
import { writeFile } from 'node:fs/promises';
import type { CheckResult } from '../lambdas/engines/engine.js';
import { engineFor } from '../lambdas/engines/registry.js';
import { drillAlarmEvent } from '../lambdas/plan/alarm-event.js';
import { describeLeg, otherSide } from '../lambdas/plan/leg.js';
import { alarmRegion } from '../lambdas/plan/regions.js';
import type { Plan, Side } from '../lambdas/plan/schema.js';
import { operatorRequest } from '../lambdas/plan/operator-request.js';
import type { Lease } from '../lambdas/ports/coordination.js';
import type { DnsRecordValue } from '../lambdas/ports/dns.js';
import type { FailoverReport, JournalPort } from '../lambdas/ports/journal.js';
import type { ProgressEvent } from '../lambdas/steps/step-deps.js';
import { attemptsOf, changesHeading, describeChange } from '../lambdas/steps/report.js';
import { startSimulation, type Simulation } from '../sim/simulation.js';
import { startDrillGate, type DrillGate } from './approvals-gate.js';
import {
  autoApprovals,
  drillEnvironment,
  seededCoordination,
  type DrillEnvironment,
  type GateAnswer,
} from './drill-deps.js';
import { exitCodes, jsonOutput, terminalIo, type Io } from './io.js';
import { runWorkflow } from './run-workflow.js';
import { loadSimulatedInputs } from './simulated-inputs.js';

export interface DrillOptions {
  planFile: string;
  /** Default: the healthy scenario of the plan's engine (its simulator model names it). */
  scenarioFile?: string;
  /** Without it, a gated plan waits for a person: the drill serves the approval console and prints how to decide. */
  gate?: GateAnswer;
  /** The console's port on 127.0.0.1; default: any free port. */
  consolePort?: number;
  reportFile?: string;
  /** Called with the running simulation (tests inspect the clusters after the run). */
  onSimulation?: (simulation: Simulation) => void;
  /** Keep the simulation running after the drill (tests stop it themselves). */
  keepSimulation?: boolean;
  /** A switchover a person asks for, in this mode, instead of the alarm's failover. */
  mode?: 'graceful' | 'ungraceful';
  /** Three legs on the same clusters: the alarm's failover, reprotect, a graceful failback. */
  roundTrip?: boolean;
  /** Write the report (a round trip: every leg's) to stdout as JSON instead of the summaries; progress goes to stderr. */
  json?: boolean;
}

const statusExit: Record<FailoverReport['status'], number> = {
  SUCCEEDED: exitCodes.failedOver,
  HALTED: exitCodes.haltedSafely,
  FAILED: exitCodes.failedAfterChange,
  BLOCKED: exitCodes.haltedSafely,
};

export interface DrillResult {
  exitCode: number;
  /** The last leg's report (the only one, but for a round trip). */
  report?: FailoverReport;
  /** Every leg's report, in order. */
  reports?: FailoverReport[];
  /** The local zone's records after the run, by `zone/name/type`. */
  dns?: Map<string, DnsRecordValue>;
  /** What resolvers get after the run, by record name: the zone's records, or the failover pairs' answers. */
  answers?: Map<string, string[]>;
  /** The plan's lock after the run: undefined when released. */
  lock?: Lease;
}

export const drill = async (options: DrillOptions, stdout: Io): Promise<DrillResult> => {
  const json = options.json ? jsonOutput(stdout) : undefined;
  const io = json?.progress ?? stdout;
  const inputs = await loadSimulatedInputs(options.planFile, options.scenarioFile, io.err);
  if (!inputs) return { exitCode: exitCodes.badInput };
  const { plan, scenario, scenarioFile } = inputs;
  // The console reads the timeline from the run's journal, which exists once the workflow's environment does.
  let journal: JournalPort | undefined;
  let gate: DrillGate | undefined;
  if (plan.gate.approval !== 'never' && !options.gate) {
    try {
      gate = await startDrillGate({
        journal: { listSteps: async (id) => (await journal?.listSteps(id)) ?? [] },
        io,
        ...(options.consolePort !== undefined ? { consolePort: options.consolePort } : {}),
      });
    } catch (err) {
      if (
        (err as NodeJS.ErrnoException).code !== 'EADDRINUSE' &&
        (err as NodeJS.ErrnoException).code !== 'EACCES'
      )
        throw err;
      io.err(
        `--console-port ${options.consolePort}: ${(err as Error).message}; pick another port or leave it out`,
      );
      return { exitCode: exitCodes.badInput };
    }
  }

  const simulation = await startSimulation(plan, scenario).catch(async (err: unknown) => {
    await gate?.close();
    throw err;
  });
  options.onSimulation?.(simulation);
  try {
    // A plan of two Regions fires an alarm its acting orchestrator can hear: one in an available Region.
    const firing =
      plan.triggers.alarms.find((a) => {
        const where = alarmRegion(plan, a);
        return where === undefined || !simulation.regionUnavailable(where);
      }) ?? plan.triggers.alarms[0]!;
    const alarm = firing.name;
    const sides = engineFor(plan).sides(plan);
    io.out(`Failover drill: plan ${plan.name} (${options.planFile}), scenario ${scenarioFile}`);
    if (scenario.description) io.out(`  ${scenario.description.trim().split('\n')[0]}`);
    io.out(`  upstream   ${sides.upstream} on simulated Kubernetes API ${simulation.urlOf('upstream')}`);
    io.out(`  downstream ${sides.downstream} on simulated Kubernetes API ${simulation.urlOf('downstream')}`);
    io.out(
      `  alarm ${alarm} -> ALARM; settle time ${plan.thresholds.settleSeconds} s (shortened to 0 s in a drill); gate: ${plan.gate.approval}${options.gate ? ` (answered by --auto-${options.gate})` : ''}`,
    );
    if (gate)
      io.out(
        `  approval console: ${gate.consoleUrl}/ (a person decides there, or with \`failover approve\`, when the gate is reached)`,
      );
    io.out('');

    const coordination = await seededCoordination(plan, scenario);
    // One orchestrator per Region of the plan (one for a plan of one Region), sharing one journal,
    // as the deployed ones share a global table.
    const environments = new Map<string | undefined, DrillEnvironment>();
    const envIn = (region: string | undefined): DrillEnvironment => {
      const first = environments.values().next().value;
      const env =
        environments.get(region) ??
        drillEnvironment({
          plan,
          scenario,
          simulation,
          coordination,
          approvals: gate?.approvals ?? autoApprovals(options.gate ?? 'approve'),
          progress: printProgress(io),
          ...(region === undefined ? {} : { region }),
          ...(first ? { shared: first } : {}),
        });
      environments.set(region, env);
      return env;
    };
    journal = envIn(plan.regions?.downstream).journal;
    const legs = legsOf(
      options,
      { name: alarm, region: alarmRegion(plan, firing) },
      scenario.coordination.activeSide,
    );
    const reports: FailoverReport[] = [];
    for (const [i, leg] of legs.entries()) {
      if (legs.length > 1) io.out(`=== Leg ${i + 1} of ${legs.length}: ${leg.title}`);
      const region = plan.regions?.[leg.actsFrom];
      if (region !== undefined && simulation.regionUnavailable(region)) {
        io.err(
          `The leg acts from ${region} (the Region of the ${leg.actsFrom}), which this scenario has unavailable: its orchestrator cannot run, and nothing was changed.`,
        );
        break;
      }
      const env = envIn(region);
      const sent = env.notifications.length;
      const run = await runWorkflow({
        plan,
        trigger: leg.trigger(),
        workers: env.workers,
        journal: env.journal,
        settleMs: 0,
        retryIntervalMs: 200,
      });
      if (!json) {
        printSummary(io, run.report);
        printTraffic(io, plan, simulation);
      }
      for (const n of env.notifications.slice(sent)) terminalIo(io).out(`  notification sent: ${n.subject}`);
      if (legs.length > 1) io.out('');
      reports.push(run.report);
      if (run.report.status !== 'SUCCEEDED') break;
    }
    const last = reports.at(-1);
    if (!last) return { exitCode: exitCodes.haltedSafely, reports };
    if (legs.length > 1 && !json)
      printLegs(
        io,
        legs.map((l) => l.title),
        reports,
      );
    const result = {
      exitCode: statusExit[last.status],
      report: last,
      reports,
      dns: simulation.dns.records(),
      answers: new Map(plan.dns.records.map((r) => [r.name, simulation.answer(r)])),
      lock: coordination.lockOf(plan.name),
    };
    const written = legs.length > 1 ? reports : last;
    json?.write(written);
    if (options.reportFile) {
      // The CLI checked --report before the drill; what went wrong since is still one line, and the drill's report is lost.
      const failed = await writeFile(options.reportFile, `${JSON.stringify(written, null, 2)}\n`).then(
        () => undefined,
        (err: NodeJS.ErrnoException) => err.code ?? err.message,
      );
      if (failed) {
        io.err(`--report ${options.reportFile}: cannot write the report (${failed})`);
        return { ...result, exitCode: exitCodes.badInput };
      }
      io.out(`  report written to ${options.reportFile}`);
    }
    return result;
  } finally {
    await gate?.close();
    if (!options.keepSimulation) await simulation.stop();
  }
};

interface DrillLeg {
  title: string;
  trigger: () => unknown;
  /** Whose Region's orchestrator runs it (plan/leg.ts's legRegion): a failover's destination, a reprotect's serving side. */
  actsFrom: Side;
}

const drillOperator = { requestedBy: 'failover drill', reason: 'a drill' };

const legsOf = (
  options: DrillOptions,
  alarm: { name: string; region: string | undefined },
  serving: Side,
): DrillLeg[] => {
  const alarmLeg: DrillLeg = {
    title: `alarm ${alarm.name}: ungraceful failover`,
    trigger: () => drillAlarmEvent(alarm.name, new Date(), undefined, alarm.region),
    actsFrom: 'downstream',
  };
  const switchover = (mode: 'graceful' | 'ungraceful', to: Side): DrillLeg => ({
    title: `${mode} switchover asked for by a person`,
    trigger: () => operatorRequest('switchover', { ...drillOperator, mode }),
    actsFrom: to,
  });
  if (options.roundTrip) {
    return [
      alarmLeg,
      {
        title: 'reprotect: the old active side becomes the standby',
        trigger: () => operatorRequest('reprotect', drillOperator),
        actsFrom: 'downstream',
      },
      { ...switchover('graceful', 'upstream'), title: 'graceful failback' },
    ];
  }
  return [options.mode ? switchover(options.mode, otherSide(serving)) : alarmLeg];
};

/** What resolvers get for each record after the leg, and how the plan moves them. */
const printTraffic = (terminal: Io, plan: Plan, simulation: Simulation) => {
  const io = terminalIo(terminal);
  const how =
    plan.dns.switch.via === 'routing-controls'
      ? 'failover records whose health checks follow the ARC routing controls'
      : 'the records of the hosted zone';
  const answers = plan.dns.records.map((r) => `${r.name} -> ${simulation.answer(r).join(', ') || 'nothing'}`);
  io.out(`Resolvers get: ${answers.join('; ')} (${how})`);
};

/** Each leg's outcome, recovery time and RPO: what a round trip cost. */
const printLegs = (terminal: Io, titles: string[], reports: FailoverReport[]) => {
  const io = terminalIo(terminal);
  io.out('Round trip:');
  for (const [i, title] of titles.entries()) {
    const r = reports[i];
    if (!r) {
      io.out(`  ${i + 1}. ${title}: not run`);
      continue;
    }
    const recovery =
      r.recoveryTimeMs !== undefined ? `recovery ${ms(r.recoveryTimeMs)}` : 'traffic did not move';
    const rpo = r.rpo ? `RPO ${r.rpo.seconds} s (${r.rpo.evidence})` : 'RPO not measured';
    const outcome =
      r.leg?.action === 'reprotect'
        ? r.status === 'SUCCEEDED'
          ? 'replication set up'
          : 'replication not set up'
        : `${recovery}; ${rpo}`;
    io.out(`  ${i + 1}. ${title}: ${r.status}; ${outcome}`);
  }
};

const ms = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(2)} s` : `${n} ms`);

/** Each step as it happens; its summary, checks and lift commands are the systems' text, printed escaped. */
export const printProgress = (terminal: Io) => (event: ProgressEvent) => {
  const io = terminalIo(terminal);
  if (event.kind === 'step-started') {
    io.out(`> ${event.step}${event.attempt > 1 ? ` (attempt ${event.attempt}, after a retry)` : ''}`);
  } else if (event.kind === 'step-progress') {
    io.out(`    ... ${event.message}`);
  } else {
    io.out(
      `  ${event.outcome === 'succeeded' ? 'ok  ' : event.outcome === 'waiting' ? 'wait' : 'FAIL'} ${event.step} (${ms(event.durationMs)}): ${event.summary}`,
    );
    const checks = checksIn(event.detail);
    for (const c of checks) io.out(`       ${c.passed ? 'pass' : 'FAIL'}  ${c.name.padEnd(20)} ${c.summary}`);
    const lift = (event.detail as { lift?: string[] } | undefined)?.lift ?? [];
    if (lift.length > 0) io.out(`       to lift the fence: ${lift.join('; ')}`);
  }
};

const checksIn = (detail: unknown): CheckResult[] => {
  const d = detail as { checks?: CheckResult[]; evidence?: { checks?: CheckResult[] } } | undefined;
  return d?.checks ?? d?.evidence?.checks ?? [];
};

export const printSummary = (terminal: Io, report: FailoverReport) => {
  const io = terminalIo(terminal);
  io.out('');
  io.out(`Outcome: ${report.status}${report.reason ? ` - ${report.reason}` : ''}`);
  if (report.leg) io.out(`Leg: ${describeLeg(report.leg)}`);
  if (report.actedFrom) io.out(`Acted from: ${report.actedFrom} (the orchestrator there ran every step)`);
  if (report.rpo) io.out(`RPO: ${report.rpo.seconds} s (${report.rpo.evidence})`);
  const started = Date.parse(report.startedAt);
  const trafficMovedAt = report.recoveryTimeMs === undefined ? Infinity : started + report.recoveryTimeMs;
  const line = (name: string, durationMs: number, outcome = '') =>
    io.out(`  ${name.padEnd(24)} ${ms(durationMs).padStart(9)}  ${outcome}`);
  io.out(
    report.recoveryTimeMs !== undefined
      ? `Recovery time: ${ms(report.recoveryTimeMs)} from the workflow's start to DNS verified, by step:`
      : 'Traffic did not move. Time by step:',
  );
  line('settle wait', report.steps[0] ? Date.parse(report.steps[0].startedAt) - started : 0);
  const attempts = new Map(attemptsOf(report.steps).map((attempt, i) => [report.steps[i]!, attempt]));
  const byStep = (s: FailoverReport['steps'][number]) => {
    const attempt = attempts.get(s) ?? 0;
    line(`${s.name}${attempt > 1 ? ` (attempt ${attempt})` : ''}`, s.durationMs, s.outcome);
  };
  report.steps.filter((s) => Date.parse(s.endedAt) <= trafficMovedAt).forEach(byStep);
  const after = report.steps.filter((s) => Date.parse(s.endedAt) > trafficMovedAt);
  if (after.length > 0) {
    io.out('After traffic moved (not part of the recovery time):');
    after.forEach(byStep);
  }
  io.out(changesHeading(report.sideEffects));
  for (const e of report.sideEffects) io.out(describeChange(e));
};
