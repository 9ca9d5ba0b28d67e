// The data-plane traffic switch (`dns.switch.via: routing-controls`): each plan record is a pair
// of Route 53 failover records whose health checks follow one ARC routing control per side. The
// flip turns the downstream's control On and the upstream's Off in one request to any Regional
// endpoint of the ARC cluster; no Route 53 control-plane call is made, so it works while
// ChangeResourceRecordSets (served from one Region) does not. Resolvers then get the downstream's
// answer, its health check healthy and the upstream's not; the flip is done when the zone's own
// name servers, asked over DNS, say so.
import type { CheckResult } from '../engines/engine.js';
import { MisconfiguredError, TransientError, VerificationFailedError, errorMessage } from '../errors.js';
import { dnsKey } from '../plan/names.js';
import type { Plan } from '../plan/schema.js';
import type { RoutingControlSwitch } from '../plan/traffic-switch.js';
import type { RoutingControlPort, RoutingControlState } from '../ports/routing-controls.js';
import { flipLooks } from './flip-looks.js';
import type { StepTools } from './run-step.js';
import type { AwsDeps } from './step-deps.js';

export type RoutingControlPlan = Plan & { dns: { switch: RoutingControlSwitch } };

export const switchesByRoutingControls = (plan: Plan): plan is RoutingControlPlan =>
  plan.dns.switch.via === 'routing-controls';

export const clusterOf = (
  deps: Pick<AwsDeps, 'routingControlsFor'>,
  plan: RoutingControlPlan,
): RoutingControlPort => {
  if (!deps.routingControlsFor)
    throw new MisconfiguredError(
      `plan ${plan.name} switches traffic with ARC routing controls, and this worker has no ARC cluster client`,
    );
  return deps.routingControlsFor(plan.dns.switch);
};

const controlsOf = (plan: RoutingControlPlan) => plan.dns.switch.controls;

/** A control as people read it in summaries: its id, `routingcontrol/...` (the ARN names the panel too). */
const shortName = (arn: string) => arn.slice(arn.lastIndexOf('/', arn.lastIndexOf('/') - 1) + 1);

/** The two controls' states, as the data plane holds them now. */
const readStates = async (cluster: RoutingControlPort, plan: RoutingControlPlan) => {
  const { upstream, downstream } = controlsOf(plan);
  const states = await cluster.getStates([upstream, downstream]);
  return { upstream: states.get(upstream), downstream: states.get(downstream) };
};

const serves = (s: { upstream?: RoutingControlState; downstream?: RoutingControlState }) =>
  s.downstream === 'On' && s.upstream === 'Off';

const describeStates = (s: { upstream?: string; downstream?: string }) =>
  `upstream control ${s.upstream ?? 'unknown'}, downstream control ${s.downstream ?? 'unknown'}`;

/**
 * check-dns for this way: the controls can be read through the data plane, and may be changed,
 * asked by setting each to the state it has (ARC has no dry run; the request changes nothing,
 * unless someone changes a control in the milliseconds between the read and it). `askChange:
 * false` only reads (a break-glass preflight, which sends nothing that writes).
 */
export const routingControlChecks = async (
  cluster: RoutingControlPort,
  plan: RoutingControlPlan,
  { askChange = true } = {},
): Promise<CheckResult[]> => {
  const where = { clusterEndpoints: plan.dns.switch.clusterEndpoints.map((e) => e.url), ...controlsOf(plan) };
  let states;
  try {
    states = await readStates(cluster, plan);
  } catch (err) {
    return [
      {
        name: 'arc-read',
        passed: false,
        summary: `the routing controls cannot be read: ${errorMessage(err)}`,
        evidence: { ...where, message: errorMessage(err) },
      },
      {
        name: 'arc-change',
        passed: false,
        summary: 'not asked: the controls cannot be read',
        evidence: where,
      },
    ];
  }
  const read: CheckResult = {
    name: 'arc-read',
    passed: true,
    summary: describeStates(states),
    evidence: { ...where, states },
  };
  if (!askChange) return [read];
  try {
    const { upstream, downstream } = controlsOf(plan);
    const { endpoint } = await cluster.updateStates(
      new Map([
        [upstream, states.upstream ?? 'On'],
        [downstream, states.downstream ?? 'Off'],
      ]),
    );
    return [
      read,
      {
        name: 'arc-change',
        passed: true,
        summary: `the controls may be changed (each set to the state it has, through ${endpoint})`,
        evidence: { ...where, endpoint },
      },
    ];
  } catch (err) {
    return [
      read,
      {
        name: 'arc-change',
        passed: false,
        summary: `the controls may not be changed: ${errorMessage(err)}`,
        evidence: { ...where, message: errorMessage(err) },
      },
    ];
  }
};

const ANSWER_WAIT = "the zone's name servers to answer the downstream";

const answersOf = (deps: Pick<AwsDeps, 'answers'>, plan: RoutingControlPlan) => {
  if (!deps.answers)
    throw new MisconfiguredError(
      `plan ${plan.name} switches traffic with ARC routing controls, and this worker cannot ask the zone's name servers`,
    );
  return deps.answers;
};

/** What the zone's authoritative servers answer for each record now, and which still differ from the downstream. */
const askServers = async (deps: Pick<AwsDeps, 'answers'>, plan: RoutingControlPlan) => {
  const answers = await Promise.all(
    plan.dns.records.map(async (r) => ({
      name: r.name,
      type: r.type,
      expected: r.downstream,
      answer: await answersOf(deps, plan).answer({ name: r.name, type: r.type }),
      ttl: r.ttl,
    })),
  );
  const wrong = answers.filter((a) => a.answer.length !== 1 || dnsKey(a.answer[0]!) !== dnsKey(a.expected));
  return { answers, wrong };
};

const describeWrong = (wrong: Awaited<ReturnType<typeof askServers>>['wrong']) =>
  wrong.map((a) => `${a.name} answers ${a.answer.join(', ') || 'nothing'}`).join('; ');

/**
 * flip-dns for this way: turn the controls, read them back, then wait until the zone's
 * authoritative servers answer the downstream for every record (the health checks followed the
 * controls): a success is what resolvers will get, not what was asked for. Setting states the
 * controls already have changes nothing, so an attempt after one that may have flipped simply
 * flips again; an invocation after a handed-over wait only looks again.
 */
export const flipRoutingControls = async (deps: AwsDeps, plan: RoutingControlPlan, tools: StepTools) => {
  const resumed = tools.resumedWait();
  // The previous invocation set the controls and handed its wait over: look again only.
  const setEarlierThrough = resumed?.for === ANSWER_WAIT ? resumed.about : undefined;
  const flip = setEarlierThrough === undefined ? await setControls(deps, plan, tools) : undefined;
  const endpoint = flip?.endpoint ?? setEarlierThrough!;
  const { answers } = await tools.waitFor(
    async () => {
      const asked = await askServers(deps, plan);
      return asked.wrong.length === 0
        ? { done: true, value: asked }
        : { done: false, state: describeWrong(asked.wrong) };
    },
    {
      name: ANSWER_WAIT,
      about: endpoint,
      timeoutSeconds: plan.dns.syncTimeoutSeconds,
      ...flipLooks,
      // Transient: the workflow retries the step, which sets the controls again and waits again.
      timedOut: (state, waitedMs) =>
        new TransientError(
          `the zone's name servers do not answer the downstream ${Math.round(waitedMs / 1000)} s after the routing controls were set: ${state}`,
        ),
    },
  );
  const served = answers.map((a) => `${a.name} -> ${a.expected}`).join('; ');
  return {
    summary: flip
      ? `${served} by routing controls (downstream On, upstream Off${flip.already ? ', already' : ''}; through ${flip.endpoint}, read back; the name servers answer it)`
      : `${served} (routing controls set through ${endpoint} by an earlier invocation of this step; the name servers answer it)`,
    detail: { via: 'routing-controls', ...flip, answers },
    output: { endpoint },
  };
};

const setControls = async (deps: AwsDeps, plan: RoutingControlPlan, tools: StepTools) => {
  const cluster = clusterOf(deps, plan);
  const { upstream, downstream } = controlsOf(plan);
  const before = await readStates(cluster, plan);
  const already = serves(before);
  const { endpoint } = await tools.act(
    already
      ? `re-assert routing controls: downstream ${shortName(downstream)} On, upstream ${shortName(upstream)} Off (already so)`
      : `turn routing control ${shortName(downstream)} On and ${shortName(upstream)} Off (one request: both or neither)`,
    `routing controls ${shortName(downstream)}, ${shortName(upstream)}`,
    () => {
      tools.checkDeadline('changing the routing controls');
      return cluster.updateStates(
        new Map([
          [downstream, 'On'],
          [upstream, 'Off'],
        ]),
      );
    },
    (done) =>
      already
        ? undefined
        : `turned the downstream's ${shortName(downstream)} On and the upstream's ${shortName(upstream)} Off through ${done.endpoint} (were ${before.downstream ?? 'unknown'} and ${before.upstream ?? 'unknown'})`,
  );
  const after = await readStates(cluster, plan);
  if (!serves(after))
    throw new VerificationFailedError(
      `after the routing controls were set through ${endpoint}: ${describeStates(after)}, expected downstream On and upstream Off`,
    );
  return { endpoint, already, before, after };
};

/**
 * verify-dns for this way, read again through the data plane, not taken from the flip: the
 * controls (which the health checks follow) and what the zone's authoritative servers answer.
 */
export const verifyRoutingControls = async (deps: AwsDeps, plan: RoutingControlPlan) => {
  const states = await readStates(clusterOf(deps, plan), plan);
  if (!serves(states))
    throw new VerificationFailedError(
      `resolvers do not get the downstream: ${describeStates(states)}, so the failover records answer the upstream (when both are Off, Route 53 answers the PRIMARY)`,
      { states },
    );
  const { answers, wrong } = await askServers(deps, plan);
  if (wrong.length > 0)
    throw new VerificationFailedError(
      `the zone's name servers do not answer the downstream, the controls set as they should be: ${describeWrong(wrong)}; check the failover records and their health checks`,
      { states, answers },
    );
  const maxTtl = Math.max(...answers.map((a) => a.ttl));
  return {
    summary: `${answers.map((a) => `${a.name} -> ${a.expected}`).join('; ')}: the name servers answer it (downstream control On, upstream Off); clients holding the old answer move within ${maxTtl} s (TTL)`,
    detail: { via: 'routing-controls', states, answers },
    output: { verified: true },
  };
};
