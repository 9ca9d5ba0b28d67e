// Scenarios `failover drill` must refuse before it starts anything.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { yamlBounds } from '../../lambdas/plan/yaml-input.js';
import { cli, corpusDir, exit2, type BadInput } from './case.js';

const plan = 'examples/plans/rabbitmq-standby.yaml';

/** A drill of the example plan on `text` as its scenario: the scenario file is named in every line. */
const drillOn = (name: string, text: string, ...names: string[]): BadInput => {
  const file = join(corpusDir, `scenario-${name}.yaml`);
  return {
    name: `scenario: ${name}`,
    names: [file, ...names],
    outcomes: exit2,
    run: async () => {
      writeFileSync(file, text);
      return cli(['drill', '--plan', plan, '--scenario', file, '--auto-approve']);
    },
  };
};

export const scenarioCases: BadInput[] = [
  drillOn(
    'alias-bomb',
    [
      'a: &a [x, x, x, x, x, x, x, x, x]',
      ...'bcdefg'.split('').map((n, i) => `${n}: &${n} [${Array(9).fill(`*${'abcdefg'[i]}`).join(', ')}]`),
    ].join('\n'),
    'aliases expand to more than',
  ),
  drillOn('not-yaml', 'clusters: {upstream: [\n', 'not valid YAML'),
  drillOn(
    'over-the-size-limit',
    `description: big\n${'# padding\n'.repeat(Math.ceil(yamlBounds.fileBytes / 10))}`,
    'bytes, over the',
  ),
  drillOn(
    'unknown-field',
    'alarms: {state: ALARM}\n',
    'alarms',
    'unknown field',
    'examples/scenarios/README.md',
  ),
  drillOn(
    'alarm-state-red',
    'alarm: {state: RED}\n',
    'alarm.state',
    'expected one of: ALARM, OK, INSUFFICIENT_DATA',
  ),
  drillOn('latency-negative', 'latency: {apiMs: -5}\n', 'latency.apiMs', '>=0'),
  drillOn('latency-an-hour', 'latency: {execMs: 3600000}\n', 'latency.execMs', 'at most 60000 ms'),
  drillOn(
    'fault-unknown-target',
    'faults: [{target: disk, site: upstream}]\n',
    'faults[0].target',
    'unknown fault target',
  ),
  drillOn(
    'fault-times-5000',
    'faults: [{target: api, site: upstream, status: 500, times: 5000}]\n',
    'faults[0].times',
    'at most 1000',
  ),
  drillOn(
    'fault-never-insync-on-get',
    'faults: [{target: dns, operation: get, status: never-insync}]\n',
    'faults[0].status',
    'upsert only',
  ),
  drillOn(
    'fault-status-200',
    'faults: [{target: api, site: downstream, status: 200}]\n',
    'faults[0].status',
    'an HTTP error status',
  ),
  drillOn('description-10k', `description: ${'d'.repeat(10_000)}\n`, 'description', 'at most 4096'),
  drillOn(
    'cooldown-a-year',
    'coordination: {cooldownMinutesLeft: 525600}\n',
    'coordination.cooldownMinutesLeft',
    'at most 10080',
  ),
  {
    name: 'scenario: a directory',
    names: ['examples/scenarios', 'is a directory'],
    outcomes: exit2,
    run: () => cli(['drill', '--plan', plan, '--scenario', 'examples/scenarios', '--auto-approve']),
  },
];
