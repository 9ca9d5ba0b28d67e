// Can the traffic switch be made? Before anything is fenced or promoted: every plan record can be
// read, and the DNS service says this caller may change it (asked in a way that changes nothing).
// A failover that promotes and then cannot move DNS leaves both sides refusing clients and DNS
// pointing at the fenced one.
import type { CheckResult } from '../engines/engine.js';
import { NotReadyError, errorMessage } from '../errors.js';
import type { Plan } from '../plan/schema.js';
import type { DnsPort, DnsRecordRef, DnsRecordValue } from '../ports/dns.js';
import { clusterOf, routingControlChecks, switchesByRoutingControls } from './routing-control-switch.js';
import { runStep } from './run-step.js';
import type { AwsDeps, Execution } from './step-deps.js';

const failure = (err: unknown) => ({
  error: err instanceof Error ? err.name : 'Error',
  message: errorMessage(err),
});

const recordChecks = async (dns: DnsPort, ref: DnsRecordRef): Promise<CheckResult[]> => {
  const record = `${ref.type} ${ref.name}`;
  const where = { hostedZoneId: ref.hostedZoneId, name: ref.name, type: ref.type };
  let current: DnsRecordValue | undefined;
  try {
    current = await dns.getRecord(ref);
  } catch (err) {
    return [
      {
        name: `dns-read:${ref.name}`,
        passed: false,
        summary: `${record} cannot be read: ${errorMessage(err)}`,
        evidence: { ...where, ...failure(err) },
      },
      {
        name: `dns-change:${ref.name}`,
        passed: false,
        summary: `${record}: not asked, the record cannot be read`,
        evidence: where,
      },
    ];
  }
  const read: CheckResult = {
    name: `dns-read:${ref.name}`,
    passed: true,
    summary: current
      ? `${record} holds ${current.values.join(', ') || 'no value'} (TTL ${current.ttl} s)`
      : `${record} is absent: the switch creates it`,
    evidence: {
      ...where,
      values: current?.values ?? [],
      ...(current ? { ttl: current.ttl } : { absent: true }),
    },
  };
  try {
    const access = await dns.checkChangeAccess(ref, current);
    return [
      read,
      {
        name: `dns-change:${ref.name}`,
        passed: access.allowed,
        summary: access.allowed
          ? `${record} may be changed (asked without changing it)`
          : `${record} may not be changed by these credentials: ${access.answer}`,
        evidence: { ...where, allowed: access.allowed, answer: access.answer },
      },
    ];
  } catch (err) {
    return [
      read,
      {
        name: `dns-change:${ref.name}`,
        passed: false,
        summary: `${record}: could not ask whether it may be changed: ${errorMessage(err)}`,
        evidence: { ...where, ...failure(err) },
      },
    ];
  }
};

/** Two checks per plan record, `dns-read:NAME` and `dns-change:NAME`; a refusing or unreachable DNS is a failed check, never a throw. */
export const trafficSwitchChecks = async (dns: DnsPort, plan: Plan): Promise<CheckResult[]> =>
  (
    await Promise.all(
      plan.dns.records.map((r) =>
        recordChecks(dns, { hostedZoneId: plan.dns.hostedZoneId, name: r.name, type: r.type }),
      ),
    )
  ).flat();

/** Why a record-change switch fails when Route 53's control plane does, and what does not. */
const RECORDS_NEED_CONTROL_PLANE =
  ". Nothing was changed. The record-change switch needs Route 53's control plane (ChangeResourceRecordSets, served from one Region); a plan whose switch must work without it uses `dns.switch.via: routing-controls` (ARC's data plane)";

/** The workflow's `check-dns` step: halts (NotReady, with every check) when the switch could not be made. */
export const checkTrafficSwitch = (deps: AwsDeps, execution: Execution, plan: Plan) =>
  runStep(deps, execution, 'check-dns', async () => {
    const byControls = switchesByRoutingControls(plan);
    const checks = byControls
      ? await routingControlChecks(clusterOf(deps, plan), plan)
      : await trafficSwitchChecks(deps.dns, plan);
    const failed = checks.filter((c) => !c.passed);
    if (failed.length > 0)
      throw new NotReadyError(
        `the traffic switch could not be made: ${failed.map((c) => `${c.name}: ${c.summary}`).join('; ')}${byControls ? '' : RECORDS_NEED_CONTROL_PLANE}`,
        { checks },
      );
    return {
      summary: `${checks.length}/${checks.length} checks passed: ${byControls ? 'the routing controls readable and changeable through the cluster' : 'every record readable and changeable'}`,
      detail: { checks },
      output: { checks },
    };
  });
