// The per-plan resources (the alarms a plan defines, its composite, its readiness schedule and
// alarm, the Route 53 records of a plan that switches with routing controls) in nested stacks, so
// that they do not count against the orchestrator stack's 500 resources and 1 MB template: the
// orchestrator stack holds a fixed set of resources whatever the number of plans, and each shard a
// share of the plans.
//
// A plan's shard follows from its name alone, never from the other plans: adding or removing a
// plan moves no other plan's alarms between stacks (CloudFormation would have to delete and
// create them, and cannot create an alarm whose name another stack still holds).
import { createHash } from 'node:crypto';
import { CfnResource, NestedStack } from 'aws-cdk-lib';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { Plan } from '../lambdas/plan/schema.js';
import { PlanTrigger } from './plan-trigger.js';
import { ReadinessEvaluation } from './readiness-evaluation.js';
import { RoutingControlRecords } from './routing-control-records.js';

/**
 * How many nested stacks the plans spread over. At 500 plans a shard holds about 31 of them (two
 * to five resources each: 126 at most in test/infra/scale.test.ts); CloudFormation's 500
 * resources per stack leave room for about 1,500 plans.
 */
export const PLAN_SHARDS = 16;

/** CloudFormation's limit on the resources of one stack; a shard over it stops synth. */
const MAX_RESOURCES = 500;

const shardOf = (planName: string): number =>
  createHash('sha256').update(planName).digest().readUInt32BE(0) % PLAN_SHARDS;

export interface PlanShardProps {
  readonly plans: readonly Plan[];
  /** The Kubernetes worker: the readiness schedules invoke its `evaluate` step. */
  readonly kubeWorker: IFunction;
  readonly schedulerRole: IRole;
  readonly scheduleGroupName: string;
  /** Receives the readiness alarms' notifications. */
  readonly topic: ITopic;
  /**
   * The Region whose trigger alarms are created here (plan-trigger.ts).
   * @default every alarm of the plans: an orchestrator of one Region
   */
  readonly alarmRegion?: string;
  /**
   * Whether the Route 53 records of the plans that switch with routing controls are created here:
   * Route 53 is global, so one orchestrator of a deployment creates them.
   */
  readonly createsRoutingControlRecords: boolean;
}

export class PlanShard extends NestedStack {
  /** Each plan's trigger alarms, by plan name. */
  readonly triggers: ReadonlyMap<string, PlanTrigger>;
  /** Each plan's readiness schedule and alarm, by plan name. */
  readonly evaluations: ReadonlyMap<string, ReadinessEvaluation>;
  /** The failover records and health checks of each plan that switches with routing controls, by plan name. */
  readonly routingControlRecords: ReadonlyMap<string, RoutingControlRecords>;

  constructor(scope: Construct, id: string, props: PlanShardProps) {
    super(scope, id, {
      description: `Failover orchestrator: the alarms and readiness schedules of ${props.plans.length} plans`,
    });
    this.triggers = new Map(
      props.plans.map((plan) => [
        plan.name,
        new PlanTrigger(this, `Trigger-${plan.name}`, { plan, region: props.alarmRegion }),
      ]),
    );
    this.evaluations = new Map(
      props.plans.map((plan) => [
        plan.name,
        new ReadinessEvaluation(this, `Readiness-${plan.name}`, {
          plan,
          worker: props.kubeWorker,
          schedulerRole: props.schedulerRole,
          scheduleGroupName: props.scheduleGroupName,
          topic: props.topic,
        }),
      ]),
    );
    this.routingControlRecords = new Map(
      props.plans.flatMap((plan) => {
        const traffic = plan.dns.switch;
        return props.createsRoutingControlRecords && traffic.via === 'routing-controls'
          ? [[plan.name, new RoutingControlRecords(this, `Switch-${plan.name}`, { plan, traffic })] as const]
          : [];
      }),
    );
    const resources = this.node.findAll().filter((c) => c instanceof CfnResource).length;
    if (resources > MAX_RESOURCES)
      throw new Error(
        `FailoverOrchestrator: the ${props.plans.length} plans of shard ${id} need ${resources} resources, over CloudFormation's ${MAX_RESOURCES} per stack`,
      );
  }
}

/** The plans in their shards, each shard a nested stack of `scope`; shards without plans are not created. */
export const planShards = (
  scope: Construct,
  plans: readonly Plan[],
  props: Omit<PlanShardProps, 'plans'>,
) => {
  const byShard = new Map<number, Plan[]>();
  for (const plan of plans)
    byShard.set(shardOf(plan.name), [...(byShard.get(shardOf(plan.name)) ?? []), plan]);
  return [...byShard]
    .sort(([a], [b]) => a - b)
    .map(([shard, shardPlans]) => new PlanShard(scope, `Plans${shard}`, { ...props, plans: shardPlans }));
};
