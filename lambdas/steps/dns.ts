// The traffic switch: point every plan record at the downstream, wait until Route 53 has the
// change everywhere (INSYNC), then read the records back.
import { VerificationFailedError } from '../errors.js';
import type { Plan } from '../plan/schema.js';
import type { DnsRecordRef } from '../ports/dns.js';
import { runStep } from './run-step.js';
import type { AwsDeps, Execution } from './step-deps.js';

const refOf = (plan: Plan, record: Plan['dns']['records'][number]): DnsRecordRef => ({ hostedZoneId: plan.dns.hostedZoneId, name: record.name, type: record.type });

export const flipDns = (deps: AwsDeps, execution: Execution, plan: Plan) =>
  runStep(deps, execution, 'flip-dns', async (tools) => {
    const changes = await Promise.all(
      plan.dns.records.map(async (record) => {
        const ref = refOf(plan, record);
        const before = await deps.dns.getRecord(ref);
        if (before?.values.length === 1 && before.values[0] === record.downstream) {
          return { name: record.name, from: before.values, to: record.downstream, changed: false };
        }
        const changeId = await deps.dns.upsertRecord(ref, { values: [record.downstream], ttl: record.ttl }, `failover ${plan.name} (${execution.id})`);
        tools.sideEffect(`pointed ${record.type} ${record.name} at ${record.downstream} (was ${before?.values.join(', ') ?? 'absent'})`, record.name);
        await deps.dns.waitForChange(changeId, plan.dns.syncTimeoutSeconds * 1000);
        return { name: record.name, from: before?.values ?? [], to: record.downstream, changed: true, changeId };
      }),
    );
    const changed = changes.filter((c) => c.changed).length;
    return {
      summary: changes.map((c) => `${c.name}: ${c.from.join(', ') || 'absent'} -> ${c.to}${c.changed ? ' (INSYNC)' : ' (already)'}`).join('; '),
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
