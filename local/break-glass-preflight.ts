// What a break-glass run checks before its first change: that every port it will use works from
// this machine. A run that fences and promotes and then finds it cannot change DNS leaves both
// sides refusing clients and DNS pointing at the fenced one, so it must not start. Everything
// here reads, or asks in a way that changes nothing; `--dry-run` and a real run share it.
import type { CheckResult } from '../lambdas/engines/engine.js';
import { engineFor } from '../lambdas/engines/registry.js';
import { BadInputError, TransientError, errorMessage } from '../lambdas/errors.js';
import type { Plan, Side } from '../lambdas/plan/schema.js';
import type { DnsPort } from '../lambdas/ports/dns.js';
import { KubeApiError, type KubePort } from '../lambdas/ports/kube.js';
import {
  evaluateReadiness,
  readOnlyContext,
  readOnlyKube,
  type ReadinessEvaluation,
} from '../lambdas/steps/evaluate.js';
import {
  clusterOf,
  routingControlChecks,
  switchesByRoutingControls,
} from '../lambdas/steps/routing-control-switch.js';
import type { AwsDeps } from '../lambdas/steps/step-deps.js';
import { trafficSwitchChecks } from '../lambdas/steps/traffic-switch-check.js';
import { terminalIo, type Io } from './io.js';

/**
 * `usable`: shown to work. `missing`: a run needs it and cannot use it, so it changes nothing.
 * `unreachable`: the old upstream does not answer; the workflow's fence step decides what that
 * means (plan `fencing.whenUnreachable`), as it does in AWS.
 */
export type AccessState = 'usable' | 'missing' | 'unreachable';

export interface AccessCheck {
  /** e.g. `downstream-exec`, `dns-change:amqp.orders.example.com`. */
  name: string;
  state: AccessState;
  /** The cluster's context and namespace, or the hosted zone. */
  where: string;
  summary: string;
  /** What the operator can do about it, when it is missing. */
  remedy?: string;
}

export interface Preflight {
  access: AccessCheck[];
  readiness: ReadinessEvaluation;
  /** The DNS checks as the workflow's check-dns step makes them; their reads show what each record holds. */
  dns: CheckResult[];
}

type CallKind = 'api' | 'exec';
interface Call {
  kind: CallKind;
  failure?: unknown;
}

/** Reads pass through and are recorded with their outcome; writes are refused before they leave. */
const recordingKube = (port: KubePort, calls: Call[]): KubePort => {
  const kube = readOnlyKube(port);
  const track = async <T>(kind: CallKind, call: () => Promise<T>): Promise<T> => {
    try {
      const result = await call();
      calls.push({ kind });
      return result;
    } catch (err) {
      calls.push({ kind, failure: err });
      throw err;
    }
  };
  return {
    ...kube,
    getCustomObject: (ref) => track('api', () => kube.getCustomObject(ref)),
    listPods: (namespace, selector) => track('api', () => kube.listPods(namespace, selector)),
    exec: (namespace, pod, command, options) =>
      track('exec', () => kube.exec(namespace, pod, command, options)),
  };
};

const refuseDns = async (): Promise<never> => {
  throw new Error('the preflight changes nothing: refused to change a DNS record');
};

const readOnlyDns = (dns: DnsPort): DnsPort => ({
  getRecord: (ref) => dns.getRecord(ref),
  checkChangeAccess: (ref, current) => dns.checkChangeAccess(ref, current),
  upsertRecords: refuseDns,
  changeStatus: (changeId) => dns.changeStatus(changeId),
});

const isDenied = (err: unknown) =>
  err instanceof KubeApiError && (err.statusCode === 401 || err.statusCode === 403);

/** What the engine uses on each side (from its RBAC needs): the API, exec, and in which namespaces. */
const needsOf = (plan: Plan) => {
  const needs = new Map<Side, { namespaces: Set<string>; kinds: Set<CallKind> }>();
  for (const need of engineFor(plan).kubernetesAccess(plan)) {
    const entry = needs.get(need.side) ?? { namespaces: new Set<string>(), kinds: new Set<CallKind>() };
    entry.namespaces.add(need.namespace);
    for (const resource of need.rules.flatMap((r) => r.resources))
      entry.kinds.add(resource === 'pods/exec' ? 'exec' : 'api');
    needs.set(need.side, entry);
  }
  return needs;
};

const kubeCheck = (plan: Plan, side: Side, kind: CallKind, where: string, calls: Call[]): AccessCheck => {
  const name = `${side}-${kind}`;
  const what = kind === 'api' ? 'API requests' : 'commands (exec)';
  const answered = calls.filter((c) => c.failure === undefined).length;
  const denied = calls.find((c) => isDenied(c.failure));
  const failure = calls.find((c) => c.failure !== undefined)?.failure;
  if (denied) {
    return {
      name,
      state: 'missing',
      where,
      summary: `refused: ${errorMessage(denied.failure)}`,
      remedy: `grant the context's user the Role that \`failover rbac PLAN --side ${side}\` prints for plan ${plan.name}`,
    };
  }
  if (answered > 0)
    return { name, state: 'usable', where, summary: `${answered} of ${calls.length} ${what} answered` };
  // Only the stand-in for an upstream nobody named a context for throws BadInput.
  if (failure instanceof BadInputError)
    return {
      name,
      state: 'missing',
      where,
      summary: errorMessage(failure),
      remedy: "name the upstream's kubeconfig context with --upstream-context C",
    };
  const reason = failure === undefined ? `the readiness checks made no ${what} there` : errorMessage(failure);
  if (side === 'upstream' && (failure === undefined || failure instanceof TransientError)) {
    return {
      name,
      state: 'unreachable',
      where,
      summary: `not shown to answer (${reason}): the fence will find it unreachable, and a run goes on from there only if the plan says fencing.whenUnreachable: proceed (this plan: ${plan.fencing.whenUnreachable})`,
    };
  }
  if (failure === undefined)
    return {
      name,
      state: 'missing',
      where,
      summary: `not shown to work: ${reason}`,
      remedy: `\`failover check PLAN\` shows why the readiness checks made none`,
    };
  return {
    name,
    state: 'missing',
    where,
    summary: `no answer: ${reason}`,
    remedy: `make the ${side}'s API server answer from this machine (network, VPN, endpoint access, credentials), e.g. kubectl --context C get pods -n NAMESPACE`,
  };
};

const dnsRemedy = (plan: Plan, evidence: { name: string; error?: string; allowed?: boolean }): string => {
  const zone = `arn:aws:route53:::hostedzone/${plan.dns.hostedZoneId}`;
  if (evidence.allowed === false) {
    return `use AWS credentials allowed route53:ChangeResourceRecordSets on ${zone} for ${evidence.name} (actions UPSERT and DELETE where the policy limits them: the check sends a DELETE that cannot match)`;
  }
  if (evidence.error === 'DnsAccessDenied')
    return `use AWS credentials allowed route53:ListResourceRecordSets on ${zone}`;
  if (evidence.error === undefined) return `fix dns-read:${evidence.name} first`;
  return 'make Route 53 answer from this machine: credentials (AWS_PROFILE), network or proxy';
};

const dnsAccess = (plan: Plan, check: CheckResult): AccessCheck => {
  if (switchesByRoutingControls(plan)) {
    const where = `ARC cluster (${plan.dns.switch.clusterEndpoints.length} endpoints)`;
    return check.passed
      ? { name: check.name, state: 'usable', where, summary: check.summary }
      : {
          name: check.name,
          state: 'missing',
          where,
          summary: check.summary,
          remedy:
            'make an endpoint of the cluster answer from this machine, with AWS credentials allowed route53-recovery-cluster:GetRoutingControlState and UpdateRoutingControlStates on both controls (whether they may be changed is asked by the run, at check-dns)',
        };
  }
  const evidence = check.evidence as { name: string; error?: string; allowed?: boolean };
  const where = `hosted zone ${plan.dns.hostedZoneId}`;
  if (check.passed) return { name: check.name, state: 'usable', where, summary: check.summary };
  return {
    name: check.name,
    state: 'missing',
    where,
    summary: check.summary,
    remedy: dnsRemedy(plan, evidence),
  };
};

/** Every check a run needs before its first change. Reads only; never throws for a port that does not work. */
export const runPreflight = async (
  plan: Plan,
  ports: Pick<AwsDeps, 'dns' | 'routingControlsFor'> & { kube: Record<Side, KubePort> },
  io: Io,
): Promise<Preflight> => {
  const calls: Record<Side, Call[]> = { upstream: [], downstream: [] };
  const kubes: Record<Side, KubePort> = {
    upstream: recordingKube(ports.kube.upstream, calls.upstream),
    downstream: recordingKube(ports.kube.downstream, calls.downstream),
  };
  const ctx = readOnlyContext(plan, kubes, (m) => terminalIo(io).out(`    ... ${m}`));
  // The engine's readiness reads both sides the way the run will: the downstream always, the
  // upstream where the engine reads it (its lag or backlog).
  const [readiness, dns] = await Promise.all([
    evaluateReadiness(ctx),
    switchesByRoutingControls(plan)
      ? routingControlChecks(clusterOf(ports, plan), plan, { askChange: false })
      : trafficSwitchChecks(readOnlyDns(ports.dns), plan),
  ]);
  const kube = [...needsOf(plan)].flatMap(([side, need]) => {
    const where = `${ports.kube[side].describe}, namespace ${[...need.namespaces].join(', ')}`;
    return (['api', 'exec'] as const)
      .filter((k) => need.kinds.has(k))
      .map((k) =>
        kubeCheck(
          plan,
          side,
          k,
          where,
          calls[side].filter((c) => c.kind === k),
        ),
      );
  });
  return { access: [...kube, ...dns.map((c) => dnsAccess(plan, c))], readiness, dns };
};

export const missingOf = (preflight: Preflight): AccessCheck[] =>
  preflight.access.filter((a) => a.state === 'missing');

const label: Record<AccessState, string> = { usable: 'pass', missing: 'FAIL', unreachable: 'WARN' };

/** What each check found is the systems' text (their errors, the records' values): printed escaped. */
export const printAccess = (terminal: Io, preflight: Preflight) => {
  const io = terminalIo(terminal);
  io.out('Access a run needs, from this machine:');
  for (const a of preflight.access)
    io.out(`  ${label[a.state]}  ${a.name.padEnd(20)} ${a.where}: ${a.summary}`);
};

export const printMissing = (terminal: Io, preflight: Preflight) => {
  const io = terminalIo(terminal);
  const missing = missingOf(preflight);
  if (missing.length === 0) return;
  io.out('');
  io.out('Missing (a run changes nothing until each is fixed):');
  for (const m of missing) {
    io.out(`  - ${m.name} at ${m.where}: ${m.summary}`);
    io.out(`      to do: ${m.remedy}`);
  }
};
