// The plan's JSON Schema, generated from the zod schema: editors complete and check plans with it
// (the example plans name it on their first line). It leaves out the refinements zod cannot
// express in JSON Schema (DNS values by record type, names listed twice, the plan's size...):
// `failover validate` stays the authority.
import * as z from 'zod';
import { planSchema } from './schema.js';

/** Where the generated schema is committed (scripts/plan-schema.ts writes it), from the repository root. */
export const planJsonSchemaFile = 'schema/plan.schema.json';

/**
 * As a plan is written, not as it is read: fields with defaults are optional. Draft 7, which
 * editors' YAML language servers and ajv's default build all read.
 */
export const planJsonSchema = () => z.toJSONSchema(planSchema, { io: 'input', target: 'draft-7' });

/** The committed file's text. */
export const planJsonSchemaText = (): string => `${JSON.stringify(planJsonSchema(), null, 2)}\n`;
