// What a plan whose `dns.switch` is `routing-controls` needs in Route 53: per side a health check
// that follows the side's routing control, and per record a pair of failover records, the
// upstream's value PRIMARY and the downstream's SECONDARY, each answering while its health check
// (its control) is On. The flip then changes only the controls' states, through the ARC cluster's
// data plane, and never these records. Route 53 is global: one orchestrator of a deployment
// creates them (plan-shards.ts). The ARC cluster, control panel and controls exist beforehand:
// the plan names them, and a cluster serves many plans.
import { CfnRecordSet, HealthCheck, HealthCheckType } from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import type { Plan, Side } from '../lambdas/plan/schema.js';
import type { RoutingControlSwitch } from '../lambdas/plan/traffic-switch.js';

export interface RoutingControlRecordsProps {
  readonly plan: Plan;
  readonly traffic: RoutingControlSwitch;
}

const FAILOVER_ROLE: Record<Side, 'PRIMARY' | 'SECONDARY'> = { upstream: 'PRIMARY', downstream: 'SECONDARY' };

export class RoutingControlRecords extends Construct {
  /** The health check that follows each side's routing control. */
  readonly healthChecks: Readonly<Record<Side, HealthCheck>>;
  /** Per record of the plan, its PRIMARY and SECONDARY failover records. */
  readonly records: readonly CfnRecordSet[];

  constructor(scope: Construct, id: string, props: RoutingControlRecordsProps) {
    super(scope, id);
    const { plan, traffic } = props;
    const healthCheck = (side: Side) =>
      new HealthCheck(this, `${side}-control`, {
        type: HealthCheckType.RECOVERY_CONTROL,
        routingControl: traffic.controls[side],
      });
    this.healthChecks = { upstream: healthCheck('upstream'), downstream: healthCheck('downstream') };
    this.records = plan.dns.records.flatMap((record, i) =>
      (['upstream', 'downstream'] as const).map(
        (side) =>
          new CfnRecordSet(this, `Record${i}-${side}`, {
            hostedZoneId: plan.dns.hostedZoneId,
            name: record.name,
            type: record.type,
            ttl: String(record.ttl),
            resourceRecords: [record[side]],
            failover: FAILOVER_ROLE[side],
            setIdentifier: `${plan.name}-${side}`,
            healthCheckId: this.healthChecks[side].healthCheckId,
          }),
      ),
    );
  }
}
