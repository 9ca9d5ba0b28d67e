// A plan's triggers: alarms it references or defines, optionally a composite that needs them to
// agree. Problems are reported with the field and what is expected.
import { readFile } from 'node:fs/promises';
import { parse, stringify } from 'yaml';
import { loadPlan, parsePlanYaml, PlanError } from '../../lambdas/plan/load-plan.js';
import type { Plan } from '../../lambdas/plan/schema.js';
import { planAlarmNames, triggerAlarmNames } from '../../lambdas/plan/triggers.js';
import { parseTrigger } from '../../lambdas/steps/alarm-trigger.js';

const examplePlan = 'examples/plans/rabbitmq-standby.yaml';

let example: Record<string, unknown>;
beforeAll(async () => {
  example = parse(await readFile(examplePlan, 'utf8')) as Record<string, unknown>;
});

const withTriggers = (triggers: unknown) => stringify({ ...example, triggers });
const problemsOf = (yaml: string): string[] => {
  try {
    parsePlanYaml(yaml, 'p.yaml');
  } catch (err) {
    if (err instanceof PlanError) return err.problems;
    throw err;
  }
  return [];
};

const defined = {
  metric: {
    namespace: 'AWS/Route53',
    name: 'HealthCheckStatus',
    dimensions: { HealthCheckId: 'abc' },
    statistic: 'Minimum',
    periodSeconds: 60,
  },
  comparison: 'LessThanThreshold',
  threshold: 1,
};

describe('plan triggers', () => {
  it('the example plan references one alarm and defines another, with defaults filled in', async () => {
    const plan = await loadPlan(examplePlan);
    expect(plan.triggers.alarms.map((a) => [a.name, a.define !== undefined])).toEqual([
      ['orders-rabbitmq-upstream-unhealthy', false],
      ['orders-rabbitmq-upstream-nodes-missing', true],
    ]);
    expect(plan.evaluation).toEqual({ everyMinutes: 30 });
    const plain = parsePlanYaml(withTriggers({ alarms: [{ name: 'a', define: defined }] }), 'p.yaml');
    expect(plain.triggers.alarms[0]!.define).toMatchObject({
      evaluationPeriods: 1,
      treatMissingData: 'breaching',
    });
    expect(parsePlanYaml(stringify({ ...example, evaluation: undefined }), 'p.yaml').evaluation).toEqual({
      everyMinutes: 30,
    });
  });

  it('without a composite, any alarm starts the failover; with one, only the composite does', () => {
    const plain = parsePlanYaml(
      withTriggers({ alarms: [{ name: 'a' }, { name: 'b', define: defined }] }),
      'p.yaml',
    );
    expect(triggerAlarmNames(plain)).toEqual(['a', 'b']);
    const agreeing = parsePlanYaml(
      withTriggers({ alarms: [{ name: 'a' }, { name: 'b', define: defined }], composite: { name: 'both' } }),
      'p.yaml',
    );
    expect(triggerAlarmNames(agreeing)).toEqual(['both']);
    expect(planAlarmNames(agreeing)).toEqual(['a', 'b', 'both']);
  });

  it('the workflow accepts an event of the composite, and refuses one of an alarm the plan does not name', () => {
    const plan: Plan = parsePlanYaml(
      withTriggers({ alarms: [{ name: 'a' }, { name: 'b' }], composite: { name: 'both', atLeast: 2 } }),
      'p.yaml',
    );
    const event = (alarmName: string) => ({
      source: 'aws.cloudwatch',
      'detail-type': 'CloudWatch Alarm State Change',
      time: '2026-03-01T10:00:00Z',
      detail: { alarmName, state: { value: 'ALARM' } },
    });
    expect(parseTrigger(event('both'), plan)).toMatchObject({
      kind: 'alarm',
      event: { detail: { alarmName: 'both' } },
    });
    expect(() => parseTrigger(event('c'), plan)).toThrow(
      "alarm c is not one of plan orders-rabbitmq's triggers (a, b, both)",
    );
  });

  it('names each problem with its field and what is expected', () => {
    expect(
      problemsOf(
        withTriggers({
          alarms: [
            {
              name: 'a',
              define: {
                ...defined,
                metric: { ...defined.metric, periodSeconds: 90, statistic: 'Median' },
                comparison: 'Below',
              },
            },
          ],
        }),
      ),
    ).toEqual([
      'p.yaml: triggers.alarms[0].define.metric.statistic: expected Average, Minimum, Maximum, Sum, SampleCount or a percentile such as p99',
      'p.yaml: triggers.alarms[0].define.metric.periodSeconds: expected 10, 30 or a multiple of 60 seconds',
      'p.yaml: triggers.alarms[0].define.comparison: got "Below"; expected one of: GreaterThanOrEqualToThreshold, GreaterThanThreshold, LessThanThreshold, LessThanOrEqualToThreshold',
    ]);
    // Fields that depend on each other are checked once each is well-formed.
    expect(
      problemsOf(
        withTriggers({
          alarms: [
            { name: 'a', define: { ...defined, evaluationPeriods: 2, datapointsToAlarm: 3 } },
            { name: 'a' },
          ],
          composite: { name: 'a', atLeast: 3 },
        }),
      ),
    ).toEqual([
      'p.yaml: triggers.alarms[0].define.datapointsToAlarm: expected at most evaluationPeriods',
      'p.yaml: triggers.alarms[1].name: alarm a is listed twice',
      'p.yaml: triggers.composite.name: expected a name different from every alarm it combines',
      'p.yaml: triggers.composite.atLeast: expected at most the number of alarms (2)',
    ]);
    expect(problemsOf(withTriggers({ alarms: [{ name: 'a' }], composite: { name: 'c' } }))).toEqual([
      'p.yaml: triggers.composite: a composite alarm combines several signals: list at least two alarms',
    ]);
    expect(
      problemsOf(withTriggers({ alarms: [{ name: 'a', define: { ...defined, evaluationPeriods: 1441 } }] })),
    ).toEqual([
      'p.yaml: triggers.alarms[0].define.evaluationPeriods: evaluationPeriods x metric.periodSeconds exceeds one day, the longest CloudWatch evaluates',
    ]);
    expect(problemsOf(stringify({ ...example, evaluation: { everyMinutes: 0 } }))).toEqual([
      expect.stringMatching(/^p\.yaml: evaluation\.everyMinutes: /),
    ]);
  });
});
