// The plan's JSON Schema and the plan reference in docs/plan.md are generated from the zod schema: the
// committed ones are what scripts/plan-schema.ts writes now, every field is described, the
// example plans pass the JSON Schema, and what it can express it refuses.
import { readdir, readFile } from 'node:fs/promises';
import { Ajv, type ErrorObject } from 'ajv';
import { parse } from 'yaml';
import type { z } from 'zod';
import { planJsonSchema, planJsonSchemaFile, planJsonSchemaText } from '../../lambdas/plan/json-schema.js';
import { renderPlanReference, withPlanReference } from '../../lambdas/plan/plan-reference.js';

type Schema = z.core.JSONSchema.JSONSchema;

const regenerate = 'run `npm run plan-schema` and commit what it writes';
const examplesDir = 'examples/plans';

/** Every property of the schema, however deeply nested (in objects, lists, maps and unions), by path. */
const properties = (schema: unknown, path = ''): Array<[string, Schema]> => {
  if (typeof schema !== 'object' || schema === null) return [];
  const s = schema as Schema;
  const own = Object.entries(s.properties ?? {}).flatMap(([name, property]): Array<[string, Schema]> => [
    [`${path}${name}`, property as Schema],
    ...properties(property, `${path}${name}.`),
  ]);
  const nested = [s.items, s.additionalProperties, ...(s.oneOf ?? []), ...(s.anyOf ?? [])].flatMap((child) =>
    properties(child, path),
  );
  return [...own, ...nested];
};

const validator = () => new Ajv({ allErrors: true }).compile(planJsonSchema());
const said = (errors: ErrorObject[] | null | undefined) =>
  (errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);

const examplePlan = async (file: string): Promise<Record<string, unknown>> =>
  parse(await readFile(`${examplesDir}/${file}`, 'utf8'));

describe('the plan schema', () => {
  it(`is committed as ${planJsonSchemaFile} as the script generates it`, async () => {
    const committed = await readFile(planJsonSchemaFile, 'utf8');
    if (committed !== planJsonSchemaText())
      throw new Error(`${planJsonSchemaFile} differs from the zod schema: ${regenerate}`);
  });

  it("docs/plan.md's plan reference is the one rendered from it", async () => {
    const planDoc = await readFile('docs/plan.md', 'utf8');
    if (withPlanReference(planDoc, renderPlanReference(planJsonSchema())) !== planDoc) {
      throw new Error(`the plan reference in docs/plan.md differs from the zod schema: ${regenerate}`);
    }
  });

  it('describes every field', () => {
    const all = properties(planJsonSchema());
    expect(all.length).toBeGreaterThan(100);
    expect(all.filter(([, s]) => !s.description?.trim()).map(([path]) => path)).toEqual([]);
  });

  it('accepts every example plan, each naming it for the editor on its first line', async () => {
    const validate = validator();
    const files = (await readdir(examplesDir)).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const text = await readFile(`${examplesDir}/${file}`, 'utf8');
      expect([file, text.split('\n')[0]]).toEqual([
        file,
        '# yaml-language-server: $schema=../../schema/plan.schema.json',
      ]);
      validate(parse(text));
      expect([file, said(validate.errors)]).toEqual([file, []]);
    }
  });

  it('refuses what JSON Schema can express: an unknown field, a value outside its choices, a missing field', async () => {
    const validate = validator();
    const plan = await examplePlan('rabbitmq-standby.yaml');
    const refused = (bad: unknown) => (validate(bad) ? [] : said(validate.errors));

    expect(refused({ ...plan, owner: 'team-orders' })).toContainEqual(
      expect.stringContaining('must NOT have additional properties {"additionalProperty":"owner"}'),
    );
    expect(refused({ ...plan, gate: { approval: 'sometimes' } })).toContainEqual(
      expect.stringMatching(/^\/gate\/approval must be equal to one of the allowed values/),
    );
    expect(refused({ ...plan, engine: { ...(plan.engine as object), type: 'kafka-mirror' } })).toContainEqual(
      expect.stringMatching(/^\/engine\/type must be equal to constant/),
    );
    const { thresholds: _, ...withoutThresholds } = plan;
    expect(refused(withoutThresholds)).toContainEqual(
      expect.stringContaining("must have required property 'thresholds'"),
    );
    expect(refused({ ...plan, evaluation: { everyMinutes: 0 } })).toContainEqual(
      expect.stringMatching(/^\/evaluation\/everyMinutes must be >= 1/),
    );
  });
});
