// The largest plans the schema allows, per engine. `widestPlan`: every list at its longest and every
// text at its longest (names kept valid and distinct), each field at its own bound; together they
// are far more than the whole-plan bound (plan-size.ts) allows, so only that bound
// refuses it. `largestValidPlan`: every list as long as fits, texts short, then its free texts
// grown until the plan is exactly as large as the whole-plan bound allows. Plus the largest alarm
// event CloudWatch would send for a plan: what the workflow must carry within Step Functions' 256 KiB.
import { rabbitmqShovelBounds } from '../../lambdas/engines/rabbitmq-shovel/plan.js';
import { rabbitmqStandbyBounds } from '../../lambdas/engines/rabbitmq-standby/plan.js';
import { rocketmqControllerBounds } from '../../lambdas/engines/rocketmq-controller/plan.js';
import type { AlarmEvent } from '../../lambdas/plan/alarm-event.js';
import { maxPlanJsonChars } from '../../lambdas/plan/plan-size.js';
import { planBounds, planFieldsSchema, type PlanInput } from '../../lambdas/plan/schema.js';
import { WORKFLOW_WAIT_MAX_SECONDS } from '../../lambdas/plan/step-waits.js';
import type { EngineType } from '../../sim/models/engine-models.js';

/** `prefix` filled up to exactly `length` characters with `fill`. */
export const filled = (length: number, prefix = '', fill = 'x'): string => {
  if (prefix.length > length) throw new Error(`"${prefix}" is longer than ${length}`);
  return prefix + fill.repeat(length - prefix.length);
};

/** Texts at their bound (`filled`), or short: the distinct prefix alone. */
type Texts = 'longest' | 'short';

const makeText =
  (texts: Texts) =>
  (length: number, prefix = '', fill = 'x'): string =>
    texts === 'longest' ? filled(length, prefix, fill) : prefix.replace(/[-_: /]+$/, '');

/** A fully qualified DNS name of exactly 253 characters (labels of at most 63), or a short one; distinct by `tag`. */
const hostname = (texts: Texts, tag: string): string => {
  if (texts === 'short') return `${tag.replace(/-$/, '')}.example.com`;
  const labels = [filled(63, tag, 'a'), filled(63, '', 'b'), filled(63, '', 'c')];
  return `${labels.join('.')}.${filled(253 - 3 * 64, '', 'z')}`;
};

const regionOf = (texts: Texts) =>
  texts === 'longest' ? filled(planBounds.regionChars - 2, 'eu-', 'a') + '-1' : 'eu-west-1';
const ACCOUNT = '111122223333';

/** An IAM role ARN of exactly the approver bound (with a path), or a short one; distinct by `i`. */
const approver = (texts: Texts, i: number): string => {
  const prefix = `arn:aws:iam::${ACCOUNT}:role/`;
  const name = `approver-${i}`;
  return `${prefix}${makeText(texts)(planBounds.approverChars - prefix.length - name.length - 1, 'team-', 'p')}/${name}`;
};

const triggers = (texts: Texts): PlanInput['triggers'] => {
  const text = makeText(texts);
  return {
    alarms: Array.from({ length: planBounds.alarms }, (_, i) => ({
      name: text(255, `largest-alarm-${i}-`),
      description: text(1024, `alarm ${i}: `),
      define: {
        metric: {
          namespace: text(255, 'ContainerInsights/Prometheus/'),
          name: text(255, `metric_${i}_`),
          dimensions: Object.fromEntries(
            Array.from({ length: planBounds.dimensions }, (_, d) => [
              text(255, `Dimension${d}`),
              text(1024, `value-${d}-`),
            ]),
          ),
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
    composite: {
      name: text(255, 'largest-composite-'),
      description: text(1024, 'composite: '),
      atLeast: planBounds.alarms,
    },
  };
};

const common = (texts: Texts, engine: PlanInput['engine'], approval: 'always' | 'on-risk'): PlanInput => {
  const text = makeText(texts);
  const region = regionOf(texts);
  return {
    name: text(40, 'largest-', 'x'),
    description: text(planBounds.descriptionChars, 'The largest plan: '),
    engine,
    clusters: {
      upstream: {
        eks: { name: text(planBounds.eksClusterNameChars, 'up-'), region },
        context: text(planBounds.contextChars, 'up-'),
      },
      downstream: {
        eks: { name: text(planBounds.eksClusterNameChars, 'down-'), region },
        context: text(planBounds.contextChars, 'down-'),
      },
    },
    dns: {
      hostedZoneId: filled(32, 'Z', 'A'),
      records: Array.from({ length: planBounds.dnsRecords }, (_, i) => ({
        name: hostname(texts, `name${i}-`),
        type: 'CNAME' as const,
        ttl: 86400,
        upstream: hostname(texts, `up${i}-`),
        downstream: hostname(texts, `down${i}-`),
      })),
      syncTimeoutSeconds: WORKFLOW_WAIT_MAX_SECONDS,
    },
    triggers: triggers(texts),
    evaluation: { everyMinutes: 720 },
    thresholds: { maxReplicationLagSeconds: 60, settleSeconds: 60, cooldownMinutes: 60 },
    fencing: { whenUnreachable: 'proceed' },
    gate: {
      approval,
      timeoutMinutes: 30,
      onTimeout: 'abort',
      approvers: Array.from({ length: planBounds.approvers }, (_, i) => approver(texts, i)),
    },
  };
};

const standby = (texts: Texts): PlanInput['engine'] => {
  const b = rabbitmqStandbyBounds;
  const text = makeText(texts);
  const vhosts = (prefix: string) =>
    Array.from({ length: b.vhosts }, (_, i) => text(b.vhostChars, `${prefix}-${i}-`));
  return {
    type: 'rabbitmq-standby',
    upstream: { namespace: text(b.labelChars, 'up-'), rabbitmqCluster: text(b.nameChars, 'up-') },
    downstream: {
      namespace: text(b.labelChars, 'down-'),
      rabbitmqCluster: text(b.nameChars, 'down-'),
      standbyReplication: text(b.nameChars, 'standby-'),
      schemaReplication: text(b.nameChars, 'schema-'),
      container: text(b.labelChars, 'rabbitmq-'),
    },
    vhosts: vhosts('vhost'),
    promotion: { startFromScratch: false, allAvailable: false, excludeVirtualHosts: vhosts('excluded') },
    teardown: {
      way: 'rolling-restart',
      deleteReplicatedData: false,
      restartTimeoutSeconds: WORKFLOW_WAIT_MAX_SECONDS,
    },
  };
};

const shovel = (texts: Texts): PlanInput['engine'] => {
  const b = rabbitmqShovelBounds;
  const text = makeText(texts);
  const shovels = (prefix: string) =>
    Array.from({ length: b.shovels }, (_, i) => ({
      name: text(b.amqpNameChars, `${prefix}shovel-${i}-`),
      vhost: text(b.amqpNameChars, `vhost-${i}-`),
      declaredBy: 'topology-operator' as const,
      resource: text(b.nameChars, `${prefix}shovel-${i}-`),
      queue: text(b.amqpNameChars, `queue-${i}-`),
    }));
  // `amqps://` + host + `:65535`, exactly the bound.
  const amqpUri = (prefix: string) =>
    `amqps://${text(b.amqpUriChars - 'amqps://'.length - ':65535'.length, prefix)}:65535`;
  return {
    type: 'rabbitmq-shovel',
    upstream: {
      namespace: text(b.labelChars, 'up-'),
      rabbitmqCluster: text(b.nameChars, 'up-'),
      amqpUri: amqpUri('up-'),
    },
    downstream: {
      namespace: text(b.labelChars, 'down-'),
      rabbitmqCluster: text(b.nameChars, 'down-'),
      amqpUri: amqpUri('down-'),
    },
    container: text(b.labelChars, 'rabbitmq-'),
    shovelUser: text(b.amqpNameChars, 'shovel-user-'),
    shovels: shovels(''),
    reverse: { shovelUser: text(b.amqpNameChars, 'reverse-user-'), shovels: shovels('back-') },
    maxBacklogMessages: 100_000,
    drain: { timeoutSeconds: WORKFLOW_WAIT_MAX_SECONDS },
  };
};

/** The sites of the rocketmq-controller plans: the one that takes over and the one lost. */
export const sitesOf = (texts: Texts) => ({
  target: makeText(texts)(rocketmqControllerBounds.labelChars, 'site-a-'),
  lost: makeText(texts)(rocketmqControllerBounds.labelChars, 'site-b-'),
});

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

const rocketmq = (texts: Texts): PlanInput['engine'] => {
  const b = rocketmqControllerBounds;
  const text = makeText(texts);
  const hostPort = (prefix: string) => `${text(b.hostPortChars - 6, prefix)}:10911`;
  const sites = sitesOf(texts);
  return {
    type: 'rocketmq-controller',
    namespace: text(b.labelChars, 'rocketmq-'),
    brokerCluster: text(b.textChars, 'Cluster-'),
    nameServers: Array.from({ length: b.nameServers }, (_, i) => hostPort(`namesrv-${i}-`)),
    mqadmin: {
      podSelector: texts === 'longest' ? labelSelector(b.textChars) : 'app=rocketmq-namesrv',
      container: text(b.labelChars, 'name-service-'),
      command: text(b.textChars, '/opt/rocketmq/bin/mqadmin-'),
    },
    controller: { address: hostPort('controller-'), pod: text(b.nameChars, 'controller-') },
    targetSite: sites.target,
    brokerPort: 10911,
    brokerGroups: Array.from({ length: b.brokerGroups }, (_, g) => ({
      brokerName: text(b.textChars, `broker-${g}-`),
      members: Array.from({ length: b.groupMembers }, (_, m) => ({
        pod: text(b.nameChars, `broker-${g}-${m}-`),
        site: m % 2 === 0 ? sites.lost : sites.target,
      })),
    })),
    promotion: {
      electionWaitSeconds: WORKFLOW_WAIT_MAX_SECONDS,
      controllerReadySeconds: WORKFLOW_WAIT_MAX_SECONDS,
      restartControllerOnFailure: true,
    },
  };
};

const engines: Record<EngineType, (texts: Texts) => PlanInput['engine']> = {
  'rabbitmq-standby': standby,
  'rabbitmq-shovel': shovel,
  'rocketmq-controller': rocketmq,
};

/** Every field at its own bound: valid field by field, refused as a whole. */
export const widestPlan = (engine: EngineType, approval: 'always' | 'on-risk' = 'always'): PlanInput =>
  common('longest', engines[engine]('longest'), approval);

/** The plan's JSON as the stack inlines it: validated, defaults written out. */
export const planJsonChars = (doc: PlanInput): number => JSON.stringify(planFieldsSchema.parse(doc)).length;

/** The engine block's lists that may lose an element: one left, a broker group's members untouched. */
const trimmableLists = (engine: Record<string, unknown>): unknown[][] =>
  [
    engine['vhosts'],
    (engine['promotion'] as { excludeVirtualHosts?: unknown[] } | undefined)?.excludeVirtualHosts,
    engine['shovels'],
    (engine['reverse'] as { shovels?: unknown[] } | undefined)?.shovels,
    engine['brokerGroups'],
    engine['nameServers'],
  ].filter((list): list is unknown[] => Array.isArray(list) && list.length > 1);

/**
 * The largest plan that is valid as a whole: short texts, the engine's lists trimmed (the largest
 * first) until the plan fits, then its descriptions grown until it is exactly maxPlanJsonChars.
 */
export const largestValidPlan = (
  engine: EngineType,
  approval: 'always' | 'on-risk' = 'always',
): PlanInput => {
  const doc = common('short', engines[engine]('short'), approval);
  while (planJsonChars(doc) > maxPlanJsonChars) {
    const [largest] = trimmableLists(doc.engine as Record<string, unknown>).sort(
      (a, b) => JSON.stringify(b).length - JSON.stringify(a).length,
    );
    if (!largest)
      throw new Error(`the ${engine} plan with short texts does not fit ${maxPlanJsonChars} characters`);
    largest.pop();
  }
  const descriptions: Array<{ description?: string }> = [
    doc,
    ...doc.triggers.alarms,
    doc.triggers.composite!,
  ];
  for (const holder of descriptions) {
    const room = maxPlanJsonChars - planJsonChars(doc);
    const current = holder.description ?? '';
    holder.description = current + 'x'.repeat(Math.min(room, planBounds.descriptionChars - current.length));
  }
  if (planJsonChars(doc) !== maxPlanJsonChars)
    throw new Error(`the ${engine} plan's descriptions cannot grow it to ${maxPlanJsonChars} characters`);
  return doc;
};

/**
 * CloudWatch's event for the composite alarm entering ALARM, at its largest: the state reason
 * (1023 characters) and reason data (4000) as CloudWatch bounds them, the rule over every alarm.
 */
export const largestAlarmEvent = (plan: PlanInput, at: Date): AlarmEvent => {
  const composite = plan.triggers.composite!;
  const arn = (name: string) => `arn:aws:cloudwatch:${regionOf('longest')}:${ACCOUNT}:alarm:${name}`;
  const state = (value: 'OK' | 'ALARM') => ({
    value,
    reason: filled(1023, `${value}: `),
    reasonData: filled(4000, '{"triggeringAlarms":"'),
    timestamp: at.toISOString(),
  });
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
      configuration: {
        alarmRule: plan.triggers.alarms.map((a) => `ALARM("${arn(a.name)}")`).join(' AND '),
        description: composite.description,
      },
    } as AlarmEvent['detail'],
  };
};
