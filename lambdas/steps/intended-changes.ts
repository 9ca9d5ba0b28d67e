// What a failover of this plan will change, in order, for approvers and reports.
import { describeEngine } from '../engines/catalog.js';
import { alarmLeg, describeLeg, type Leg } from '../plan/leg.js';
import type { Plan } from '../plan/schema.js';

/** `plan` as the leg's steps see it (oriented); the first line says which way and how, for the approver. */
export const intendedChanges = (plan: Plan, leg: Leg = alarmLeg): string[] => {
  const engine = describeEngine(plan).plannedChanges(plan);
  const sides = describeEngine(plan).sides(plan);
  return [
    `${describeLeg(leg)}: from ${sides.upstream} to ${sides.downstream}`,
    ...(leg.mode === 'graceful'
      ? [
          `fence ${sides.upstream}, then wait up to ${plan.switchover.catchUpTimeoutSeconds} s until ${sides.downstream} holds everything it took (RPO 0); if it does not, lift the fence and stop, nothing lost`,
        ]
      : []),
    engine.promote,
    ...(plan.dns.switch.via === 'routing-controls'
      ? [
          `turn the downstream's routing control On and the upstream's Off (ARC, one request): resolvers then get ${plan.dns.records.map((r) => `${r.name} -> ${r.downstream}`).join(', ')} (TTL ${Math.max(...plan.dns.records.map((r) => r.ttl))} s)`,
        ]
      : plan.dns.records.map(
          (r) => `point ${r.type} ${r.name} from ${r.upstream} to ${r.downstream} (TTL ${r.ttl} s)`,
        )),
    engine.teardown,
  ];
};
