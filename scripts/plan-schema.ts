// `npm run plan-schema`: writes the plan's JSON Schema (schema/plan.schema.json) and the
// plan reference in docs/plan.md, both from the zod schema. test/plan/plan-schema.test.ts fails
// while either differs from what this writes.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { planJsonSchema, planJsonSchemaFile, planJsonSchemaText } from '../lambdas/plan/json-schema.js';
import { renderPlanReference, withPlanReference } from '../lambdas/plan/plan-reference.js';

const fromRoot = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));
const schemaPath = fromRoot(planJsonSchemaFile);
const planDocPath = fromRoot('docs/plan.md');

await mkdir(dirname(schemaPath), { recursive: true });
await writeFile(schemaPath, planJsonSchemaText());
await writeFile(
  planDocPath,
  withPlanReference(await readFile(planDocPath, 'utf8'), renderPlanReference(planJsonSchema())),
);
process.stdout.write(`wrote ${planJsonSchemaFile} and the plan reference in docs/plan.md\n`);
