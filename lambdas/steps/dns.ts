// The traffic switch: point every plan record at the downstream in one change batch, wait until
// Route 53 has the change everywhere (INSYNC), then read the records back — on every attempt. A
// plan whose `dns.switch` is `routing-controls` flips ARC routing controls instead
// (steps/routing-control-switch.ts).
// The wait for INSYNC is the workflow's (steps/workflow-wait.ts): the step looks every half second
// for a few seconds, then the workflow invokes it again at once, which looks at the same change.
import { TransientError, VerificationFailedError } from '../errors.js';
import type { Plan } from '../plan/schema.js';
import type { DnsRecordRef } from '../ports/dns.js';
import {
  flipRoutingControls,
  switchesByRoutingControls,
  verifyRoutingControls,
} from './routing-control-switch.js';
import { flipLooks } from './flip-looks.js';
import { runStep, runWaitingStep, type StepTools } from './run-step.js';
import type { AwsDeps, Execution } from './step-deps.js';

// Looks at GetChange as the other flip looks at its answers (flip-looks.ts). Route 53 allows five
// requests a second per account, shared by every caller: two failovers flipping at once stay
// inside it, and the SDK retries a throttled look.
const INSYNC_WAIT = 'Route 53 change INSYNC';

const refOf = (plan: Plan, record: Plan['dns']['records'][number]): DnsRecordRef => ({
  hostedZoneId: plan.dns.hostedZoneId,
  name: record.name,
  type: record.type,
});

/**
 * On every attempt, every record ends pointing at the downstream, by one change batch that is
 * INSYNC: Route 53 applies a batch whole or not at all, so a rejected record leaves every record
 * as it was, never some flipped and some not. Records that already point there are no proof: an
 * earlier attempt may have made the change and timed out waiting for it, so every value is
 * written again (an UPSERT of the same value changes nothing for clients) and that change is
 * waited on too.
 */
export const flipDns = (deps: AwsDeps, execution: Execution, plan: Plan) =>
  runWaitingStep<{ changeId: string } | { endpoint: string }>(deps, execution, 'flip-dns', async (tools) => {
    if (switchesByRoutingControls(plan)) return flipRoutingControls(deps, plan, tools);
    const resumed = tools.resumedWait();
    // The previous invocation made the change and handed its wait over: look at that change again.
    const flip =
      resumed?.for === INSYNC_WAIT && resumed.about
        ? { changeId: resumed.about, changes: undefined }
        : await changeRecords(deps, execution, plan, tools);
    await waitForInsync(deps, plan, tools, flip.changeId);
    const after = await Promise.all(
      plan.dns.records.map(async (record) => ({
        record,
        values: (await deps.dns.getRecord(refOf(plan, record)))?.values ?? [],
      })),
    );
    const wrong = after.filter(
      ({ record, values }) => values.length !== 1 || values[0] !== record.downstream,
    );
    if (wrong.length > 0) {
      throw new VerificationFailedError(
        `after change ${flip.changeId} went INSYNC: ${wrong.map(({ record, values }) => `${record.name} holds ${values.join(', ') || 'nothing'}, expected ${record.downstream}`).join('; ')}`,
      );
    }
    const changes = flip.changes ?? [];
    const changed = flip.changes ? changes.filter((c) => c.changed).length : undefined;
    return {
      summary: flip.changes
        ? `${changes.map((c) => `${c.name}: ${c.from.join(', ') || 'absent'} -> ${c.to}${c.changed ? '' : ' (already)'}`).join('; ')} (change ${flip.changeId} INSYNC, read back)`
        : `${after.map(({ record }) => `${record.name} -> ${record.downstream}`).join('; ')} (change ${flip.changeId}, made by an earlier invocation of this step, INSYNC, read back)`,
      detail: { changes, changeId: flip.changeId, ...(changed === undefined ? {} : { changed }) },
      output: { changeId: flip.changeId },
    };
  });

/**
 * Every record pointed at the downstream by one change batch: Route 53 applies a batch whole or
 * not at all, so a rejected record leaves every record as it was, never some flipped and some not.
 * Records that already point there are no proof: an earlier attempt may have made the change and
 * failed before it was INSYNC, so every value is written again (an UPSERT of the same value
 * changes nothing for clients) and that change is waited on too.
 */
const changeRecords = async (deps: AwsDeps, execution: Execution, plan: Plan, tools: StepTools) => {
  const records = await Promise.all(
    plan.dns.records.map(async (record) => {
      const before = await deps.dns.getRecord(refOf(plan, record));
      return {
        record,
        from: before?.values ?? [],
        already: before?.values.length === 1 && before.values[0] === record.downstream,
      };
    }),
  );
  const moving = records.filter((r) => !r.already);
  const names = records.map((r) => `${r.record.type} ${r.record.name}`).join(', ');
  const changeId = await tools.act(
    moving.length > 0
      ? `point ${records.map(({ record }) => `${record.type} ${record.name} at ${record.downstream}`).join(', ')} (one change batch: all of them or none)`
      : `re-assert ${records.map(({ record }) => `${record.type} ${record.name} -> ${record.downstream}`).join(', ')} (already pointing there; their change may not be INSYNC)`,
    names,
    () => {
      tools.checkDeadline(`changing ${names}`);
      const batch = records.map(({ record }) => ({
        name: record.name,
        type: record.type,
        values: [record.downstream],
        ttl: record.ttl,
      }));
      return deps.dns.upsertRecords(plan.dns.hostedZoneId, batch, `failover ${plan.name} (${execution.id})`);
    },
    (id) =>
      moving.length > 0
        ? `pointed ${moving.map(({ record, from }) => `${record.type} ${record.name} at ${record.downstream} (was ${from.join(', ') || 'absent'})`).join(', ')} in change ${id}`
        : undefined,
  );
  const changes = records.map(({ record, from, already }) => ({
    name: record.name,
    from,
    to: record.downstream,
    changed: !already,
  }));
  return { changeId, changes };
};

/** Bounded by the plan's syncTimeoutSeconds from the first look at this change. */
const waitForInsync = (deps: AwsDeps, plan: Plan, tools: StepTools, changeId: string) =>
  tools.waitFor(
    async () =>
      (await deps.dns.changeStatus(changeId)) === 'INSYNC'
        ? { done: true, value: undefined }
        : { done: false, state: `change ${changeId} PENDING` },
    {
      name: INSYNC_WAIT,
      about: changeId,
      timeoutSeconds: plan.dns.syncTimeoutSeconds,
      ...flipLooks,
      // Transient: the workflow retries the step, which makes the change again and waits for that.
      timedOut: (_state, waitedMs) =>
        new TransientError(
          `Route 53 change ${changeId} is not INSYNC after ${Math.round(waitedMs / 1000)} s (status PENDING)`,
        ),
    },
  );

export const verifyDns = (deps: AwsDeps, execution: Execution, plan: Plan) =>
  runStep(deps, execution, 'verify-dns', async () => {
    if (switchesByRoutingControls(plan)) return verifyRoutingControls(deps, plan);
    const records = await Promise.all(
      plan.dns.records.map(async (record) => ({
        name: record.name,
        expected: record.downstream,
        actual: (await deps.dns.getRecord(refOf(plan, record)))?.values ?? [],
        ttl: record.ttl,
      })),
    );
    const wrong = records.filter((r) => r.actual.length !== 1 || r.actual[0] !== r.expected);
    if (wrong.length > 0) {
      throw new VerificationFailedError(
        `DNS does not point at the downstream: ${wrong.map((r) => `${r.name} holds ${r.actual.join(', ') || 'nothing'}, expected ${r.expected}`).join('; ')}`,
        { records },
      );
    }
    const maxTtl = Math.max(...records.map((r) => r.ttl));
    return {
      summary: `${records.map((r) => `${r.name} -> ${r.expected}`).join('; ')}; clients holding the old answer move within ${maxTtl} s (TTL)`,
      detail: { records },
      output: { verified: true },
    };
  });
