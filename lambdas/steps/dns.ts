// The traffic switch: point every plan record at the downstream, wait until Route 53 has the
// change everywhere (INSYNC), then read the records back — on every attempt.
import { VerificationFailedError } from '../errors.js';
import type { Plan } from '../plan/schema.js';
import type { DnsRecordRef } from '../ports/dns.js';
import { runStep } from './run-step.js';
import type { AwsDeps, Execution } from './step-deps.js';

const refOf = (plan: Plan, record: Plan['dns']['records'][number]): DnsRecordRef => ({ hostedZoneId: plan.dns.hostedZoneId, name: record.name, type: record.type });

/**
 * On every attempt, each record ends pointing at the downstream with its change INSYNC. A record
 * that already points there is not proof: an earlier attempt may have made the change and timed
 * out waiting for it, so the value is written again (UPSERT of the same value changes nothing for
 * clients) and that change is waited on too.
 */
export const flipDns = (deps: AwsDeps, execution: Execution, plan: Plan) =>
  runStep(deps, execution, 'flip-dns', async (tools) => {
    const changes = await Promise.all(
      plan.dns.records.map(async (record) => {
        const ref = refOf(plan, record);
        const before = await deps.dns.getRecord(ref);
        const already = before?.values.length === 1 && before.values[0] === record.downstream;
        const was = before?.values.join(', ') ?? 'absent';
        const changeId = await tools.act(
          already ? `re-assert ${record.type} ${record.name} -> ${record.downstream} (already pointing there; its change may not be INSYNC)` : `point ${record.type} ${record.name} at ${record.downstream}`,
          record.name,
          () => {
            tools.checkDeadline(`changing ${record.name}`);
            return deps.dns.upsertRecord(ref, { values: [record.downstream], ttl: record.ttl }, `failover ${plan.name} (${execution.id})`);
          },
          (id) => (already ? undefined : `pointed ${record.type} ${record.name} at ${record.downstream} (was ${was}; change ${id})`),
        );
        const left = tools.deadline.getTime() - deps.clock.now().getTime();
        await deps.dns.waitForChange(changeId, Math.max(0, Math.min(plan.dns.syncTimeoutSeconds * 1000, left)));
        const after = await deps.dns.getRecord(ref);
        if (after?.values.length !== 1 || after.values[0] !== record.downstream) {
          throw new VerificationFailedError(`${record.name} holds ${after?.values.join(', ') || 'nothing'} after change ${changeId} went INSYNC, expected ${record.downstream}`);
        }
        return { name: record.name, from: before?.values ?? [], to: record.downstream, changed: !already, changeId };
      }),
    );
    const changed = changes.filter((c) => c.changed).length;
    return {
      summary: changes.map((c) => `${c.name}: ${c.from.join(', ') || 'absent'} -> ${c.to} (${c.changed ? '' : 'already; '}change ${c.changeId} INSYNC)`).join('; '),
      detail: { changes, changed },
      output: { changed },
    };
  });

export const verifyDns = (deps: AwsDeps, execution: Execution, plan: Plan) =>
  runStep(deps, execution, 'verify-dns', async () => {
    const records = await Promise.all(
      plan.dns.records.map(async (record) => ({ name: record.name, expected: record.downstream, actual: (await deps.dns.getRecord(refOf(plan, record)))?.values ?? [], ttl: record.ttl })),
    );
    const wrong = records.filter((r) => r.actual.length !== 1 || r.actual[0] !== r.expected);
    if (wrong.length > 0) {
      throw new VerificationFailedError(`DNS does not point at the downstream: ${wrong.map((r) => `${r.name} holds ${r.actual.join(', ') || 'nothing'}, expected ${r.expected}`).join('; ')}`, { records });
    }
    const maxTtl = Math.max(...records.map((r) => r.ttl));
    return { summary: `${records.map((r) => `${r.name} -> ${r.expected}`).join('; ')}; clients holding the old answer move within ${maxTtl} s (TTL)`, detail: { records }, output: { verified: true } };
  });
