// The largest plan the schema allows, per engine, built from its bounds: every list at its
// longest, every text at its longest (names kept valid and distinct), plus the largest alarm
// event CloudWatch would send for it. What the workflow must carry within Step Functions' 256 KiB.
import { rabbitmqShovelBounds } from '../../lambdas/engines/rabbitmq-shovel/plan.js';
import { rabbitmqStandbyBounds } from '../../lambdas/engines/rabbitmq-standby/plan.js';
import { rocketmqControllerBounds } from '../../lambdas/engines/rocketmq-controller/plan.js';
import type { AlarmEvent } from '../../lambdas/plan/alarm-event.js';
import { planBounds, type PlanInput } from '../../lambdas/plan/schema.js';
import type { EngineType } from '../../sim/models/engine-models.js';

/** `prefix` filled up to exactly `length` characters with `fill`. */
export const filled = (length: number, prefix = '', fill = 'x'): string => {
  if (prefix.length > length) throw new Error(`"${prefix}" is longer than ${length}`);
  return prefix + fill.repeat(length - prefix.length);
};

/** A fully qualified DNS name of exactly 253 characters (labels of at most 63), distinct by `tag`. */
const hostname = (tag: string): string => {
  const labels = [filled(63, tag, 'a'), filled(63, '', 'b'), filled(63, '', 'c')];
  return `${labels.join('.')}.${filled(253 - 3 * 64, '', 'z')}`;
};

const REGION = filled(planBounds.regionChars - 2, 'eu-', 'a') + '-1';
const ACCOUNT = '111122223333';

/** An IAM role ARN of exactly the approver bound, with a path, distinct by `i`. */
const approver = (i: number): string => {
  const prefix = `arn:aws:iam::${ACCOUNT}:role/`;
  const name = `approver-${i}`;
  return `${prefix}${filled(planBounds.approverChars - prefix.length - name.length - 1, 'team-', 'p')}/${name}`;
};

const alarmName = (i: number) => filled(255, `largest-alarm-${i}-`);

const triggers = (): PlanInput['triggers'] => ({
  alarms: Array.from({ length: planBounds.alarms }, (_, i) => ({
    name: alarmName(i),
    description: filled(1024, `alarm ${i}: `),
    define: {
      metric: {
        namespace: filled(255, 'ContainerInsights/Prometheus/'),
        name: filled(255, `metric_${i}_`),
        dimensions: Object.fromEntries(Array.from({ length: planBounds.dimensions }, (_, d) => [filled(255, `Dimension${d}`), filled(1024, `value-${d}-`)])),
        statistic: 'SampleCount',
        periodSeconds: 60,
      },
      comparison: 'GreaterThanOrEqualToThreshold',
      threshold: 1,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: 'notBreaching',
    },
  })),
  composite: { name: filled(255, 'largest-composite-'), description: filled(1024, 'composite: '), atLeast: planBounds.alarms },
});

const common = (engine: PlanInput['engine'], approval: 'always' | 'on-risk'): PlanInput => ({
  name: filled(40, 'largest-', 'x'),
  description: filled(planBounds.descriptionChars, 'The largest plan: '),
  engine,
  clusters: {
    upstream: { eks: { name: filled(planBounds.eksClusterNameChars, 'up-'), region: REGION }, context: filled(planBounds.contextChars, 'up-') },
    downstream: { eks: { name: filled(planBounds.eksClusterNameChars, 'down-'), region: REGION }, context: filled(planBounds.contextChars, 'down-') },
  },
  dns: {
    hostedZoneId: filled(32, 'Z', 'A'),
    records: Array.from({ length: planBounds.dnsRecords }, (_, i) => ({
      name: hostname(`name${i}-`),
      type: 'CNAME' as const,
      ttl: 86400,
      upstream: hostname(`up${i}-`),
      downstream: hostname(`down${i}-`),
    })),
    syncTimeoutSeconds: 300,
  },
  triggers: triggers(),
  evaluation: { everyMinutes: 720 },
  thresholds: { maxReplicationLagSeconds: 60, settleSeconds: 60, cooldownMinutes: 60 },
  fencing: { whenUnreachable: 'proceed' },
  gate: { approval, timeoutMinutes: 30, onTimeout: 'abort', approvers: Array.from({ length: planBounds.approvers }, (_, i) => approver(i)) },
});

/** A Kubernetes name of exactly `length` characters. */
const kubeName = (length: number, prefix: string) => filled(length, prefix, 'x');

const standby = (): PlanInput['engine'] => {
  const b = rabbitmqStandbyBounds;
  const vhosts = (prefix: string) => Array.from({ length: b.vhosts }, (_, i) => filled(b.vhostChars, `${prefix}-${i}-`));
  return {
    type: 'rabbitmq-standby',
    upstream: { namespace: kubeName(b.labelChars, 'up-'), rabbitmqCluster: kubeName(b.nameChars, 'up-') },
    downstream: {
      namespace: kubeName(b.labelChars, 'down-'),
      rabbitmqCluster: kubeName(b.nameChars, 'down-'),
      standbyReplication: kubeName(b.nameChars, 'standby-'),
      schemaReplication: kubeName(b.nameChars, 'schema-'),
      container: filled(b.labelChars, 'rabbitmq-'),
    },
    vhosts: vhosts('vhost'),
    promotion: { startFromScratch: false, allAvailable: false, excludeVirtualHosts: vhosts('excluded') },
    teardown: { way: 'rolling-restart', deleteReplicatedData: false, restartTimeoutSeconds: 900 },
  };
};

const shovel = (): PlanInput['engine'] => {
  const b = rabbitmqShovelBounds;
  const shovels = (prefix: string) =>
    Array.from({ length: b.shovels }, (_, i) => ({
      name: filled(b.amqpNameChars, `${prefix}shovel-${i}-`),
      vhost: filled(b.amqpNameChars, `vhost-${i}-`),
      declaredBy: 'topology-operator' as const,
      resource: kubeName(b.nameChars, `${prefix}shovel-${i}-`),
      queue: filled(b.amqpNameChars, `queue-${i}-`),
    }));
  // `amqps://` + host + `:65535`, exactly the bound.
  const amqpUri = (prefix: string) => `amqps://${filled(b.amqpUriChars - 'amqps://'.length - ':65535'.length, prefix)}:65535`;
  return {
    type: 'rabbitmq-shovel',
    upstream: { namespace: kubeName(b.labelChars, 'up-'), rabbitmqCluster: kubeName(b.nameChars, 'up-'), amqpUri: amqpUri('up-') },
    downstream: { namespace: kubeName(b.labelChars, 'down-'), rabbitmqCluster: kubeName(b.nameChars, 'down-'), amqpUri: amqpUri('down-') },
    container: filled(b.labelChars, 'rabbitmq-'),
    shovelUser: filled(b.amqpNameChars, 'shovel-user-'),
    shovels: shovels(''),
    reverse: { shovelUser: filled(b.amqpNameChars, 'reverse-user-'), shovels: shovels('back-') },
    maxBacklogMessages: 100_000,
    drain: { timeoutSeconds: 300 },
  };
};

export const TARGET_SITE = filled(rocketmqControllerBounds.labelChars, 'site-a-');
export const LOST_SITE = filled(rocketmqControllerBounds.labelChars, 'site-b-');

/** `key=value` requirements joined by commas (label values of at most 63), exactly `length` characters. */
const labelSelector = (length: number): string => {
  let app = 'rocketmq-namesrv';
  const pairs: string[] = [];
  const size = () => [`app=${app}`, ...pairs].join(',').length;
  while (size() < length) {
    const prefix = `,l${pairs.length}=`;
    const room = length - size() - prefix.length;
    if (room < 0) app += filled(length - size(), '', 'n');
    else pairs.push(`l${pairs.length}=${filled(Math.min(63, room), '', 'v')}`);
  }
  return [`app=${app}`, ...pairs].join(',');
};

const rocketmq = (): PlanInput['engine'] => {
  const b = rocketmqControllerBounds;
  const hostPort = (prefix: string) => `${filled(b.hostPortChars - 6, prefix)}:10911`;
  return {
    type: 'rocketmq-controller',
    namespace: kubeName(b.labelChars, 'rocketmq-'),
    brokerCluster: filled(b.textChars, 'Cluster-'),
    nameServers: Array.from({ length: b.nameServers }, (_, i) => hostPort(`namesrv-${i}-`)),
    mqadmin: { podSelector: labelSelector(b.textChars), container: filled(b.labelChars, 'name-service-'), command: filled(b.textChars, '/opt/rocketmq/bin/mqadmin-') },
    controller: { address: hostPort('controller-'), pod: kubeName(b.nameChars, 'controller-') },
    targetSite: TARGET_SITE,
    brokerPort: 10911,
    brokerGroups: Array.from({ length: b.brokerGroups }, (_, g) => ({
      brokerName: filled(b.textChars, `broker-${g}-`),
      members: Array.from({ length: b.groupMembers }, (_, m) => ({ pod: kubeName(b.nameChars, `broker-${g}-${m}-`), site: m % 2 === 0 ? LOST_SITE : TARGET_SITE })),
    })),
    promotion: { electionWaitSeconds: 60, controllerReadySeconds: 300, restartControllerOnFailure: true },
  };
};

const engines: Record<EngineType, () => PlanInput['engine']> = { 'rabbitmq-standby': standby, 'rabbitmq-shovel': shovel, 'rocketmq-controller': rocketmq };

export const largestPlan = (engine: EngineType, approval: 'always' | 'on-risk' = 'always'): PlanInput => common(engines[engine](), approval);

/**
 * CloudWatch's event for the composite alarm entering ALARM, at its largest: the state reason
 * (1023 characters) and reason data (4000) as CloudWatch bounds them, the rule over every alarm.
 */
export const largestAlarmEvent = (plan: PlanInput, at: Date): AlarmEvent => {
  const composite = plan.triggers.composite!;
  const arn = (name: string) => `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}`;
  const state = (value: 'OK' | 'ALARM') => ({ value, reason: filled(1023, `${value}: `), reasonData: filled(4000, '{"triggeringAlarms":"'), timestamp: at.toISOString() });
  return {
    id: `largest-${at.getTime()}`,
    source: 'aws.cloudwatch',
    'detail-type': 'CloudWatch Alarm State Change',
    time: at.toISOString(),
    resources: [arn(composite.name)],
    detail: {
      alarmName: composite.name,
      state: state('ALARM'),
      previousState: state('OK'),
      configuration: { alarmRule: plan.triggers.alarms.map((a) => `ALARM("${arn(a.name)}")`).join(' AND '), description: composite.description },
    } as AlarmEvent['detail'],
  };
};
