// Plans `failover validate` must refuse: each an example plan with one thing wrong (written to a
// file), or a file that is no plan at all (files/ and generated texts).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { yamlBounds } from '../../lambdas/plan/yaml-input.js';
import { cli, corpusDir, exit2, type BadInput } from './case.js';

type Doc = Record<string, any>;
type Engine = 'rabbitmq-standby' | 'rabbitmq-shovel' | 'rocketmq-controller';

const examples: Record<Engine, string> = Object.fromEntries(
  (['rabbitmq-standby', 'rabbitmq-shovel', 'rocketmq-controller'] as const).map((e) => [
    e,
    readFileSync(`examples/plans/${e}.yaml`, 'utf8'),
  ]),
) as Record<Engine, string>;

/** `failover validate` on `text` written to a file of the corpus: the file is named in every line. */
const validateText = (name: string, text: string, names: string[], problems = 1): BadInput => {
  const file = join(corpusDir, `${name}.yaml`);
  return {
    name: `plan: ${name}`,
    names: [file, ...names],
    outcomes: exit2,
    problems,
    run: async () => {
      writeFileSync(file, text);
      return cli(['validate', file]);
    },
  };
};

/** An example plan with one edit: `names` are the field and a word of what is expected. */
const edited = (
  name: string,
  engine: Engine,
  edit: (doc: Doc) => void,
  names: string[],
  problems = 1,
): BadInput => {
  const doc = parse(examples[engine]) as Doc;
  edit(doc);
  return validateText(name, stringify(doc, { lineWidth: 0 }), names, problems);
};

const standby = (name: string, edit: (doc: Doc) => void, ...names: string[]) =>
  edited(name, 'rabbitmq-standby', edit, names);
const shovel = (name: string, edit: (doc: Doc) => void, ...names: string[]) =>
  edited(name, 'rabbitmq-shovel', edit, names);
const rocket = (name: string, edit: (doc: Doc) => void, ...names: string[]) =>
  edited(name, 'rocketmq-controller', edit, names);

const routingControl = (id: string) =>
  `arn:aws:route53-recovery-control::111122223333:controlpanel/0123456789abcdef/routingcontrol/${id}`;

/** A billion laughs: nine aliases of nine, six levels deep. */
const aliasBomb = [
  'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]',
  ...['b', 'c', 'd', 'e', 'f', 'g'].map(
    (name, i) => `${name}: &${name} [${Array(9).fill(`*${'abcdefg'[i]}`).join(', ')}]`,
  ),
].join('\n');

const record = (doc: Doc) => doc['dns'].records[0] as Doc;

export const planCases: BadInput[] = [
  // Files that are no plan.
  validateText('alias-bomb', aliasBomb, ['aliases expand to more than']),
  validateText('alias-inside-its-anchor', 'name: &x [*x]\n', ['alias inside its own anchor']),
  validateText('unclosed-bracket', 'name: a\nengine: [unclosed\n', ['not valid YAML']),
  validateText('duplicate-key', `${examples['rabbitmq-standby']}\nname: again\n`, [
    'not valid YAML',
    'unique',
  ]),
  validateText('two-documents', `${examples['rabbitmq-standby']}\n---\nname: second\n`, [
    'not valid YAML',
    'multiple documents',
  ]),
  validateText('nested-too-deeply', '['.repeat(50_000), ['not valid YAML']),
  validateText(
    'over-the-size-limit',
    `${examples['rabbitmq-standby']}\n${'# a comment\n'.repeat(Math.ceil(yamlBounds.fileBytes / 12))}`,
    ['bytes, over the'],
  ),
  validateText('empty', '', ['(top level)', 'expected a mapping']),
  validateText('a-list', '- name: a\n', ['(top level)', 'expected a mapping, got a list']),
  validateText('a-scalar', 'just text\n', ['(top level)', 'expected a mapping, got "just text"']),
  validateText(
    'binary-bytes',
    Buffer.from(Array.from({ length: 256 }, (_, i) => (i * 37) % 256)).toString('latin1'),
    ['(top level)', 'expected a mapping, got "\\u0000'],
  ),
  validateText(
    'binary-tag',
    examples['rabbitmq-standby'].replace('name: orders-rabbitmq', 'name: !!binary b3JkZXJz'),
    ['name', 'got binary data'],
  ),
  {
    name: 'plan: a directory',
    names: ['examples/plans', 'is a directory'],
    outcomes: exit2,
    run: () => cli(['validate', 'examples/plans']),
  },
  {
    name: 'plan: a missing file',
    names: ['no-such-plan.yaml', 'cannot read the plan file (ENOENT)'],
    outcomes: exit2,
    run: () => cli(['validate', 'no-such-plan.yaml']),
  },

  // Sizes: every valid plan must deploy.
  standby(
    'description-6400-characters',
    (d) => void (d['description'] = 'x'.repeat(6400)),
    'description',
    'at most 1024',
  ),
  edited(
    'whole-plan-too-large',
    'rabbitmq-standby',
    (d) => {
      d['description'] = 'd'.repeat(1024);
      d['triggers'].alarms = Array.from({ length: 5 }, (_, i) => ({
        name: `alarm-${i}`,
        description: 'a'.repeat(1024),
      }));
      d['triggers'].composite = { name: 'all-of-them', description: 'c'.repeat(1024) };
    },
    ['(top level)', 'characters as JSON', 'over 8000'],
  ),
  standby(
    'enum-value-60k',
    (d) => void (d['engine'].teardown.way = 'w'.repeat(60_000)),
    'engine.teardown.way',
    '(60000 characters); expected one of: rolling-restart, live-switch',
  ),
  standby('unknown-key-50k', (d) => void (d['k'.repeat(50_000)] = 1), 'kkkk…', 'unknown field'),
  standby(
    'engine-type-10k',
    (d) => void (d['engine'].type = 't'.repeat(10_000)),
    'engine.type',
    'unknown engine type',
  ),
  standby(
    'alarm-name-300',
    (d) => void (d['triggers'].alarms[0].name = 'a'.repeat(300)),
    'triggers.alarms[0].name',
    'at most 255',
  ),
  standby(
    'dimensions-6',
    (d) =>
      void (d['triggers'].alarms[1].define.metric.dimensions = Object.fromEntries(
        Array.from({ length: 6 }, (_, i) => [`D${i}`, 'v']),
      )),
    'dimensions',
    'at most 5 dimensions',
  ),
  standby(
    'records-11',
    (d) =>
      void (d['dns'].records = Array.from({ length: 11 }, (_, i) => ({
        ...record(d),
        name: `n${i}.example.com`,
      }))),
    'dns.records',
    'at most 10 DNS records',
  ),
  standby(
    'approvers-21',
    (d) => void (d['gate'].approvers = Array.from({ length: 21 }, (_, i) => `group:g${i}`)),
    'gate.approvers',
    'at most 20 approvers',
  ),

  // Two Regions and the data-plane switch.
  standby(
    'regions-the-same',
    (d) => void (d['regions'] = { upstream: 'eu-west-1', downstream: 'eu-west-1' }),
    'regions',
    'two different Regions',
  ),
  standby(
    'alarm-region-without-regions',
    (d) => void (d['triggers'].alarms[0].region = 'eu-central-1'),
    'triggers.alarms[0].region',
    'a plan of one Region',
  ),
  standby(
    'regions-without-downstream-alarm',
    (d) => void (d['regions'] = { upstream: 'eu-west-1', downstream: 'eu-central-1' }),
    'triggers.alarms',
    'no alarm in eu-central-1',
  ),
  standby(
    'alarm-region-not-the-plans',
    (d) => {
      d['regions'] = { upstream: 'eu-west-1', downstream: 'eu-central-1' };
      d['triggers'].alarms[0].region = 'eu-central-1';
      d['triggers'].alarms[1].region = 'us-east-1';
    },
    'triggers.alarms[1].region',
    "one of the plan's Regions",
  ),
  standby(
    'composite-across-regions',
    (d) => {
      d['regions'] = { upstream: 'eu-west-1', downstream: 'eu-central-1' };
      d['triggers'].alarms[0].region = 'eu-central-1';
      d['triggers'].composite = { name: 'orders-both' };
    },
    'triggers.composite',
    'CloudWatch combines alarms of one Region',
  ),
  standby(
    'routing-controls-one-control',
    (d) =>
      void (d['dns'].switch = {
        via: 'routing-controls',
        clusterEndpoints: [{ url: 'https://host-a.us-east-1.example.aws/', region: 'us-east-1' }],
        controls: { upstream: routingControl('aaaa'), downstream: routingControl('aaaa') },
      }),
    'dns.switch.controls',
    'two different routing controls',
  ),
  standby(
    'routing-controls-bad-arn',
    (d) =>
      void (d['dns'].switch = {
        via: 'routing-controls',
        clusterEndpoints: [{ url: 'https://host-a.us-east-1.example.aws/', region: 'us-east-1' }],
        controls: { upstream: 'arn:aws:route53:::healthcheck/abc', downstream: routingControl('bbbb') },
      }),
    'dns.switch.controls.upstream',
    'a routing control ARN',
  ),
  standby(
    'routing-controls-no-endpoints',
    (d) =>
      void (d['dns'].switch = {
        via: 'routing-controls',
        clusterEndpoints: [],
        controls: { upstream: routingControl('aaaa'), downstream: routingControl('bbbb') },
      }),
    'dns.switch.clusterEndpoints',
    "the cluster's endpoints",
  ),
  standby(
    'switch-unknown-way',
    (d) => void (d['dns'].switch = { via: 'weighted' }),
    'dns.switch.via',
    'routing-controls',
  ),

  // DNS values by record type, duplicates and look-alikes.
  standby(
    'a-record-not-an-address',
    (d) =>
      Object.assign(record(d), { type: 'A', upstream: 'upstream.example.com', downstream: '192.0.2.20' }),
    'dns.records[0].upstream',
    'an IPv4 address',
  ),
  standby(
    'a-record-octet-256',
    (d) => Object.assign(record(d), { type: 'A', upstream: '192.0.2.256', downstream: '192.0.2.20' }),
    'dns.records[0].upstream',
    'an IPv4 address',
  ),
  standby(
    'a-record-three-octets',
    (d) => Object.assign(record(d), { type: 'A', upstream: '192.0.2.10', downstream: '192.0.2' }),
    'dns.records[0].downstream',
    'an IPv4 address',
  ),
  standby(
    'aaaa-record-bad-hex',
    (d) => Object.assign(record(d), { type: 'AAAA', upstream: '2001:db8::zz', downstream: '2001:db8::2' }),
    'dns.records[0].upstream',
    'an IPv6 address',
  ),
  standby(
    'aaaa-record-ipv4',
    (d) => Object.assign(record(d), { type: 'AAAA', upstream: '2001:db8::1', downstream: '192.0.2.20' }),
    'dns.records[0].downstream',
    'an IPv6 address',
  ),
  standby(
    'aaaa-record-zone-id',
    (d) => Object.assign(record(d), { type: 'AAAA', upstream: 'fe80::1%eth0', downstream: '2001:db8::2' }),
    'dns.records[0].upstream',
    'an IPv6 address',
  ),
  standby(
    'cname-record-an-address',
    (d) => Object.assign(record(d), { downstream: '192.0.2.20' }),
    'dns.records[0].downstream',
    'a fully qualified DNS name',
  ),
  standby(
    'cname-record-with-space',
    (d) => Object.assign(record(d), { upstream: 'upstream cluster.example.com' }),
    'dns.records[0].upstream',
    'a fully qualified DNS name',
  ),
  standby(
    'record-type-mx',
    (d) => Object.assign(record(d), { type: 'MX' }),
    'dns.records[0].type',
    'expected one of: CNAME, A, AAAA',
  ),
  standby(
    'record-name-not-a-name',
    (d) => Object.assign(record(d), { name: 'amqp;orders' }),
    'dns.records[0].name',
    'a fully qualified DNS name',
  ),
  standby(
    'records-duplicate',
    (d) => void d['dns'].records.push({ ...record(d) }),
    'dns.records[1].name',
    'listed twice',
  ),
  standby(
    'records-duplicate-but-for-case-and-dot',
    (d) => void d['dns'].records.push({ ...record(d), name: 'AMQP.Orders.Example.com.' }),
    'dns.records[1].name',
    'listed twice',
  ),
  standby(
    'cname-beside-an-a-record',
    (d) =>
      void d['dns'].records.push({
        name: 'amqp.orders.example.com',
        type: 'A',
        upstream: '192.0.2.10',
        downstream: '192.0.2.20',
      }),
    'dns.records[1].name',
    'nothing beside a CNAME',
  ),
  standby(
    'flip-equal-but-for-case',
    (d) => Object.assign(record(d), { downstream: record(d)['upstream'].toUpperCase() }),
    'dns.records[0].downstream',
    'the same but for case or a trailing dot',
  ),
  standby(
    'flip-equal-but-for-trailing-dot',
    (d) => Object.assign(record(d), { downstream: `${record(d)['upstream']}.` }),
    'dns.records[0].downstream',
    'the same but for case or a trailing dot',
  ),
  standby(
    'flip-equal-ipv6-spelled-differently',
    (d) => Object.assign(record(d), { type: 'AAAA', upstream: '2001:db8::1', downstream: '2001:DB8:0:0::1' }),
    'dns.records[0].downstream',
    'the flip would change nothing',
  ),
  standby(
    'cname-points-at-itself',
    (d) => Object.assign(record(d), { downstream: 'AMQP.orders.example.com' }),
    'dns.records[0].name',
    'cannot point at its own name',
  ),
  standby('ttl-a-week', (d) => void (record(d)['ttl'] = 604_800), 'dns.records[0].ttl', '86400'),
  standby('ttl-negative', (d) => void (record(d)['ttl'] = -1), 'dns.records[0].ttl', '>=0'),
  standby(
    'ttl-words',
    (d) => void (record(d)['ttl'] = 'sixty'),
    'dns.records[0].ttl',
    'expected number, got "sixty"',
  ),
  standby(
    'ttl-fraction',
    (d) => void (record(d)['ttl'] = 1.5),
    'dns.records[0].ttl',
    'expected an integer, got 1.5',
  ),
  validateText('ttl-infinite', examples['rabbitmq-standby'].replace('ttl: 60', 'ttl: .inf'), [
    'dns.records[0].ttl',
    'Infinity',
  ]),
  standby(
    'hosted-zone-lowercase',
    (d) => void (d['dns'].hostedZoneId = 'z0123456789abcdef'),
    'dns.hostedZoneId',
    'a Route 53 hosted zone id',
  ),

  // Clusters: two sides, each a cluster of its own.
  standby(
    'same-eks-cluster',
    (d) => void (d['clusters'].downstream.eks = { ...d['clusters'].upstream.eks }),
    'clusters.downstream.eks',
    "names the upstream's EKS cluster",
  ),
  standby(
    'same-eks-cluster-but-for-case',
    (d) => void (d['clusters'].downstream.eks = { name: 'SITE-A', region: 'eu-west-1' }),
    'clusters.downstream.eks',
    "names the upstream's EKS cluster",
  ),
  standby(
    'same-context',
    (d) => void (d['clusters'].downstream.context = 'site-a'),
    'clusters.downstream.context',
    "names the upstream's kubeconfig context",
  ),
  shovel(
    'same-context-but-for-case',
    (d) => void (d['clusters'].downstream.context = 'Prod-A'),
    'clusters.downstream.context',
    "names the upstream's kubeconfig context",
  ),
  standby(
    'context-looks-like-a-flag',
    (d) => void (d['clusters'].upstream.context = '--insecure-skip-tls-verify'),
    'clusters.upstream.context',
    'not starting with "-"',
  ),
  standby(
    'context-with-a-newline',
    (d) => void (d['clusters'].upstream.context = 'site-a\nsite-b'),
    'clusters.upstream.context',
    'without control characters',
  ),
  standby(
    'eks-name-shell-characters',
    (d) => void (d['clusters'].upstream.eks.name = 'site-a;rm -rf /'),
    'clusters.upstream.eks.name',
    'an EKS cluster name',
  ),
  standby(
    'eks-region-uppercase',
    (d) => void (d['clusters'].upstream.eks.region = 'EU-WEST-1'),
    'clusters.upstream.eks.region',
    'an AWS region',
  ),
  standby(
    'cluster-with-neither',
    (d) => void (d['clusters'].upstream = {}),
    'clusters.upstream',
    'expected `eks`',
  ),

  // Names as Kubernetes and rabbitmqctl take them.
  standby(
    'container-shell-characters',
    (d) => void (d['engine'].downstream.container = 'rabbitmq; reboot'),
    'engine.downstream.container',
    'a container name',
  ),
  standby(
    'container-uppercase',
    (d) => void (d['engine'].upstream.container = 'RabbitMQ'),
    'engine.upstream.container',
    'a container name',
  ),
  standby(
    'namespace-with-a-dot',
    (d) => void (d['engine'].downstream.namespace = 'tanzu.rabbitmq'),
    'engine.downstream.namespace',
    'a namespace',
  ),
  standby(
    'namespace-64-characters',
    (d) => void (d['engine'].downstream.namespace = 'n'.repeat(64)),
    'engine.downstream.namespace',
    'at most 63',
  ),
  standby(
    'cluster-name-underscore',
    (d) => void (d['engine'].downstream.rabbitmqCluster = 'downstream_cluster'),
    'engine.downstream.rabbitmqCluster',
    'a Kubernetes name',
  ),
  standby(
    'cluster-name-ends-in-dash',
    (d) => void (d['engine'].upstream.rabbitmqCluster = 'upstream-'),
    'engine.upstream.rabbitmqCluster',
    'a Kubernetes name',
  ),
  standby(
    'secret-name-with-slash',
    (d) => void (d['engine'].downstream.upstreamSecret = 'secrets/replicator'),
    'engine.downstream.upstreamSecret',
    'a Kubernetes name',
  ),
  standby(
    'vhost-looks-like-a-flag',
    (d) => void (d['engine'].vhosts = ['-p']),
    'engine.vhosts[0]',
    'not starting with "-"',
  ),
  standby(
    'excluded-vhost-is-a-promote-flag',
    (d) => void (d['engine'].promotion.excludeVirtualHosts = ['--start-from-scratch']),
    'engine.promotion.excludeVirtualHosts[0]',
    'a command would read it as a flag',
  ),
  standby(
    'vhost-with-a-tab',
    (d) => void (d['engine'].vhosts = ['test\tvhost']),
    'engine.vhosts[0]',
    'without control characters',
  ),
  standby(
    'vhost-with-spaces-around',
    (d) => void (d['engine'].vhosts = [' test-vhost-1']),
    'engine.vhosts[0]',
    'without spaces before or after',
  ),
  standby('vhost-empty', (d) => void (d['engine'].vhosts = ['']), 'engine.vhosts[0]', 'not an empty text'),
  standby(
    'vhost-listed-twice',
    (d) => void (d['engine'].vhosts = ['test-vhost-1', 'test-vhost-1']),
    'engine.vhosts[1]',
    'listed twice',
  ),
  standby(
    'endpoint-port-99999',
    (d) => void (d['engine'].upstream.replicationEndpoints.schema = '10.110.224.126:99999'),
    'engine.upstream.replicationEndpoints.schema',
    'a port of 1-65535',
  ),
  standby(
    'endpoint-host-a-flag',
    (d) => void (d['engine'].upstream.replicationEndpoints.stream = '-h:5552'),
    'engine.upstream.replicationEndpoints.stream',
    'host:port',
  ),
  standby(
    'endpoint-with-space',
    (d) =>
      void (d['engine'].downstream.replicationEndpoints.stream = '10.104.27.212:5552, 10.104.27.213:5552'),
    'engine.downstream.replicationEndpoints.stream',
    'host:port',
  ),

  // Timeouts: each must end within its step, or, for a wait the workflow carries, within two hours.
  standby(
    'restart-timeout-beyond-two-hours',
    (d) => void (d['engine'].teardown.restartTimeoutSeconds = 7_201),
    'engine.teardown.restartTimeoutSeconds',
    'at most 7200 s',
    'a person must look',
  ),
  standby(
    'dns-sync-beyond-two-hours',
    (d) => void (d['dns'].syncTimeoutSeconds = 7_201),
    'dns.syncTimeoutSeconds',
    'at most 7200 s',
    'a person must look',
  ),
  standby('dns-sync-zero', (d) => void (d['dns'].syncTimeoutSeconds = 0), 'dns.syncTimeoutSeconds', '>=1'),
  standby(
    'gate-beyond-the-lock',
    (d) => void (d['gate'].timeoutMinutes = 2000),
    'gate.timeoutMinutes',
    'at most 1545 minutes',
  ),
  standby(
    'catch-up-over-an-hour',
    (d) => void (d['switchover'].catchUpTimeoutSeconds = 4000),
    'switchover.catchUpTimeoutSeconds',
    'at most 3600',
  ),
  standby(
    'settle-two-hours',
    (d) => void (d['thresholds'].settleSeconds = 7200),
    'thresholds.settleSeconds',
    'at most 3600',
  ),
  standby(
    'rpo-a-year',
    (d) => void (d['thresholds'].maxReplicationLagSeconds = 31_536_000),
    'thresholds.maxReplicationLagSeconds',
    'at most 86400',
  ),
  standby(
    'rpo-zero',
    (d) => void (d['thresholds'].maxReplicationLagSeconds = 0),
    'thresholds.maxReplicationLagSeconds',
    '>0',
  ),
  standby(
    'cooldown-a-month',
    (d) => void (d['thresholds'].cooldownMinutes = 43_200),
    'thresholds.cooldownMinutes',
    'at most 10080',
  ),
  standby(
    'evaluation-every-day',
    (d) => void (d['evaluation'].everyMinutes = 1440),
    'evaluation.everyMinutes',
    '720',
  ),

  // Other fields.
  standby('name-uppercase', (d) => void (d['name'] = 'Orders'), 'name', '1-40 lowercase letters'),
  standby('name-41-characters', (d) => void (d['name'] = 'o'.repeat(41)), 'name', '1-40 lowercase letters'),
  standby(
    'misspelt-field',
    (d) => void ((d['descripton'] = d['description']), delete d['description']),
    'descripton',
    'unknown field',
  ),
  standby(
    'fencing-maybe',
    (d) => void (d['fencing'] = { whenUnreachable: 'maybe' }),
    'fencing.whenUnreachable',
    'expected one of: halt, proceed',
  ),
  standby(
    'gate-sometimes',
    (d) => void (d['gate'].approval = 'sometimes'),
    'gate.approval',
    'expected one of: always, never, on-risk',
  ),
  standby(
    'gate-on-timeout-proceed',
    (d) => void (d['gate'].onTimeout = 'proceed'),
    'gate.onTimeout',
    'expected one of: abort',
  ),
  standby('approver-unknown-kind', (d) => void (d['gate'].approvers = ['team:orders']), 'gate.approvers[0]'),
  standby(
    'alarm-listed-twice',
    (d) => void d['triggers'].alarms.push({ name: d['triggers'].alarms[0].name }),
    'triggers.alarms[2].name',
    'listed twice',
  ),
  standby(
    'composite-of-one',
    (d) =>
      void ((d['triggers'].alarms = [d['triggers'].alarms[0]]), (d['triggers'].composite = { name: 'all' })),
    'triggers.composite',
    'at least two alarms',
  ),
  standby(
    'period-45-seconds',
    (d) => void (d['triggers'].alarms[1].define.metric.periodSeconds = 45),
    'periodSeconds',
    '10, 30 or a multiple of 60',
  ),
  standby(
    'evaluation-beyond-a-day',
    (d) => void (d['triggers'].alarms[1].define.evaluationPeriods = 2000),
    'triggers.alarms[1].define.evaluationPeriods',
    'one day',
  ),
  standby(
    'threshold-words',
    (d) => void (d['triggers'].alarms[1].define.threshold = 'high'),
    'triggers.alarms[1].define.threshold',
    'expected number, got "high"',
  ),
  standby(
    'statistic-median',
    (d) => void (d['triggers'].alarms[1].define.metric.statistic = 'Median'),
    'statistic',
    'SampleCount',
  ),

  // rabbitmq-shovel.
  shovel(
    'shovel-name-a-flag',
    (d) => void (d['engine'].shovels[1].name = '--all'),
    'engine.shovels[1].name',
    'a command would read it as a flag',
  ),
  shovel(
    'shovel-user-spaces-around',
    (d) => void (d['engine'].shovelUser = 'shovel-dr '),
    'engine.shovelUser',
    'without spaces before or after',
  ),
  shovel(
    'shovel-vhost-control-character',
    (d) => void (d['engine'].shovels[0].vhost = 'pay\u0007ments'),
    'engine.shovels[0].vhost',
    'without control characters',
  ),
  shovel(
    'shovel-queue-a-flag',
    (d) => void (d['engine'].shovels[1].queue = '-q'),
    'engine.shovels[1].queue',
    'not starting with "-"',
  ),
  shovel(
    'amqp-uri-port-70000',
    (d) => void (d['engine'].upstream.amqpUri = 'amqp://payments.prod-a.payments.example.com:70000'),
    'engine.upstream.amqpUri',
    'a port of 1-65535',
  ),
  shovel(
    'amqp-uri-with-credentials',
    (d) => void (d['engine'].downstream.amqpUri = 'amqp://user:secret@dr:5672'),
    'engine.downstream.amqpUri',
    'without credentials',
  ),
  shovel(
    'amqp-uri-same-both-sides',
    (d) =>
      void (
        (d['engine'].upstream.amqpUri = 'amqp://rabbit.example.com:5672'),
        (d['engine'].downstream.amqpUri = 'amqp://RABBIT.example.com:5672')
      ),
    'engine.downstream.amqpUri',
    'onto itself',
  ),
  shovel(
    'drain-beyond-two-hours',
    (d) => void (d['engine'].drain.timeoutSeconds = 7_201),
    'engine.drain.timeoutSeconds',
    'at most 7200 s',
    'a person must look',
  ),
  shovel(
    'backlog-a-trillion',
    (d) => void (d['engine'].maxBacklogMessages = 1e12),
    'engine.maxBacklogMessages',
    'at most 1000000000',
  ),
  shovel(
    'shovels-33',
    (d) =>
      void (d['engine'].shovels = Array.from({ length: 33 }, (_, i) => ({
        name: `s${i}`,
        vhost: 'payments',
      }))),
    'engine.shovels',
    'at most 32 shovels',
  ),
  shovel(
    'container-with-space',
    (d) => void (d['engine'].container = 'rabbit mq'),
    'engine.container',
    'a container name',
  ),
  shovel(
    'declared-by-operator',
    (d) => void (d['engine'].shovels[0].declaredBy = 'operator'),
    'engine.shovels[0].declaredBy',
    'expected one of: topology-operator, parameter',
  ),
  shovel(
    'shovel-listed-twice',
    (d) => void d['engine'].shovels.push({ ...d['engine'].shovels[1] }),
    'engine.shovels[2].name',
    'listed twice',
  ),

  // rocketmq-controller.
  rocket(
    'controller-waits-beyond-two-hours',
    (d) => void (d['engine'].promotion.controllerReadySeconds = 7_201),
    'engine.promotion.controllerReadySeconds',
    'at most 7200 s',
    'a person must look',
  ),
  rocket(
    'election-wait-zero',
    (d) => void (d['engine'].promotion.electionWaitSeconds = 0),
    'engine.promotion.electionWaitSeconds',
    '>=1',
  ),
  rocket(
    'reprotect-sync-beyond-two-hours',
    (d) => void (d['engine'].reprotect.syncTimeoutSeconds = 7_201),
    'engine.reprotect.syncTimeoutSeconds',
    'at most 7200 s',
    'a person must look',
  ),
  rocket(
    'name-server-port-99999',
    (d) => void (d['engine'].nameServers = ['rocketmq-namesrv:99999']),
    'engine.nameServers[0]',
    'a port of 1-65535',
  ),
  rocket(
    'name-server-listed-twice',
    (d) => void d['engine'].nameServers.push(d['engine'].nameServers[0].toUpperCase()),
    'engine.nameServers[1]',
    'listed twice',
  ),
  rocket(
    'broker-cluster-with-space',
    (d) => void (d['engine'].brokerCluster = 'Default Cluster'),
    'engine.brokerCluster',
    'a broker cluster name',
  ),
  rocket(
    'broker-name-a-flag',
    (d) => void (d['engine'].brokerGroups[0].brokerName = '-bn'),
    'engine.brokerGroups[0].brokerName',
    'not starting with "-"',
  ),
  rocket(
    'broker-group-listed-twice',
    (d) => void (d['engine'].brokerGroups[1].brokerName = 'broker-0'),
    'engine.brokerGroups[1].brokerName',
    'listed twice',
  ),
  rocket(
    'broker-pod-listed-twice',
    (d) => void (d['engine'].brokerGroups[1].members[0].pod = 'broker-0-0-0'),
    'engine.brokerGroups[1].members[0].pod',
    'listed twice',
  ),
  rocket(
    'controller-pod-is-a-broker',
    (d) => void (d['engine'].controller.pod = 'broker-2-0-0'),
    'engine.brokerGroups[2].members[0].pod',
    'listed twice',
  ),
  rocket(
    'mqadmin-command-shell',
    (d) => void (d['engine'].mqadmin.command = 'mqadmin; reboot'),
    'engine.mqadmin.command',
    'expected a path',
  ),
  rocket(
    'pod-selector-shell',
    (d) => void (d['engine'].mqadmin.podSelector = 'app=$(id)'),
    'engine.mqadmin.podSelector',
    'a label selector',
  ),
  rocket(
    'target-site-with-space',
    (d) => void (d['engine'].targetSite = 'az 1'),
    'engine.targetSite',
    'a site name',
  ),
  rocket('broker-port-70000', (d) => void (d['engine'].brokerPort = 70_000), 'engine.brokerPort', '<=65535'),
  rocket(
    'namespace-uppercase',
    (d) => void (d['engine'].namespace = 'Mcamel'),
    'engine.namespace',
    'a namespace',
  ),
  rocket(
    'no-member-in-target-site',
    (d) => void (d['engine'].brokerGroups[2].members[0].site = 'az3'),
    'engine.brokerGroups[2].members',
    'no member in the target site az1',
  ),
];
