// Property tests: whatever arrives as a plan or as a trigger event, the answer is either a
// valid value or a clear, typed error, never a crash and never a side effect.
import fc from 'fast-check';
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { BadInputError } from '../../lambdas/errors.js';
import { parsePlan, PlanError } from '../../lambdas/plan/load-plan.js';
import type { Plan } from '../../lambdas/plan/schema.js';
import { parseTrigger } from '../../lambdas/steps/alarm-trigger.js';

let example: Record<string, unknown>;
let plan: Plan;
beforeAll(async () => {
  example = parse(await readFile('examples/plans/rabbitmq-standby.yaml', 'utf8')) as Record<string, unknown>;
  plan = parsePlan(example);
});

const problemLine = /^p\.yaml: \S.*: \S/;

/** Every path to a value inside a document, e.g. ['dns', 'records', 0, 'ttl']. */
const pathsOf = (value: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> =>
  value !== null && typeof value === 'object'
    ? Object.entries(value).flatMap(([k, v]) => [
        [...prefix, Array.isArray(value) ? Number(k) : k],
        ...pathsOf(v, [...prefix, Array.isArray(value) ? Number(k) : k]),
      ])
    : [];

const setAt = (doc: unknown, path: Array<string | number>, value: unknown): unknown => {
  const copy = structuredClone(doc) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path.at(-1)!] = value;
  return copy;
};

describe('plan schema', () => {
  it('any JSON document is a plan or a PlanError listing file: path: problem lines', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (doc) => {
        try {
          parsePlan(doc, 'p.yaml');
        } catch (err) {
          expect(err).toBeInstanceOf(PlanError);
          expect((err as PlanError).problems.length).toBeGreaterThan(0);
          for (const line of (err as PlanError).problems) expect(line).toMatch(problemLine);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('changing one field of the example plan to any value either keeps it valid or names that field', () => {
    const paths = pathsOf(example);
    fc.assert(
      fc.property(fc.constantFrom(...paths), fc.jsonValue({ maxDepth: 2 }), (path, value) => {
        let problems: string[] = [];
        try {
          parsePlan(setAt(example, path, value), 'p.yaml');
        } catch (err) {
          expect(err).toBeInstanceOf(PlanError);
          problems = (err as PlanError).problems;
        }
        for (const line of problems) expect(line).toMatch(problemLine);
        // The problem is reported at the changed field or at one of its enclosing fields.
        const top = String(path[0]);
        if (problems.length > 0)
          expect(
            problems.some((l) => l.startsWith(`p.yaml: ${top}`) || l.startsWith('p.yaml: (top level)')),
          ).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('trigger events', () => {
  it("any JSON as a trigger is either this plan's CloudWatch alarm event or BadInput", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (event) => {
        try {
          parseTrigger(event, plan);
        } catch (err) {
          expect(err).toBeInstanceOf(BadInputError);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('well-formed alarm events are admitted exactly when the alarm belongs to the plan', () => {
    const names = plan.triggers.alarms.map((a) => a.name);
    fc.assert(
      fc.property(
        fc.oneof(fc.constantFrom(...names), fc.string({ minLength: 1 })),
        fc.constantFrom('ALARM', 'OK', 'INSUFFICIENT_DATA'),
        fc.uuid(),
        (alarmName, state, id) => {
          const event = {
            id,
            source: 'aws.cloudwatch',
            'detail-type': 'CloudWatch Alarm State Change',
            time: new Date().toISOString(),
            detail: { alarmName, state: { value: state } },
          };
          if (names.includes(alarmName))
            expect(parseTrigger(event, plan)).toMatchObject({
              kind: 'alarm',
              event: { detail: { alarmName } },
            });
          else expect(() => parseTrigger(event, plan)).toThrow(BadInputError);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('events from other sources or of other types are refused', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (source, type) => {
        fc.pre(source !== 'aws.cloudwatch' || type !== 'CloudWatch Alarm State Change');
        const event = {
          source,
          'detail-type': type,
          time: 'now',
          detail: { alarmName: plan.triggers.alarms[0]!.name, state: { value: 'ALARM' } },
        };
        expect(() => parseTrigger(event, plan)).toThrow(BadInputError);
      }),
    );
  });
});
