// The plan reference in docs/plan.md, rendered from the plan's JSON Schema (json-schema.ts): one row
// per field with its type, default and description. The descriptions live in the zod schema, so
// the reference says what the schema says; scripts/plan-schema.ts writes it between the markers.
import type { z } from 'zod';

type Schema = z.core.JSONSchema.JSONSchema;

interface Row {
  field: string;
  type: string;
  default: string;
  description: string;
}

/** The plan's fields, or those of one variant of a union (an engine), with what the variant is. */
interface Table {
  caption?: string;
  rows: Row[];
}

const referenceMarkers = {
  start: '<!-- plan-reference:start -->',
  end: '<!-- plan-reference:end -->',
} as const;

const objectSchema = (
  s: z.core.JSONSchema._JSONSchema | z.core.JSONSchema._JSONSchema[] | undefined,
): Schema | undefined => (typeof s === 'object' && !Array.isArray(s) ? s : undefined);

const code = (value: unknown): string => `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``;

/** zod bounds every integer to the safe range: that bound says nothing to a reader. */
const said = (bound: number | boolean | undefined): number | undefined =>
  typeof bound === 'number' && Math.abs(bound) < Number.MAX_SAFE_INTEGER ? bound : undefined;

/** "1–10", "≥ 1", "> 0, ≤ 86400", or nothing. */
const range = (min: number | undefined, max: number | undefined, exclusiveMin?: number): string => {
  if (min !== undefined && max !== undefined) return `${min}–${max}`;
  return [
    min !== undefined ? `≥ ${min}` : exclusiveMin !== undefined ? `> ${exclusiveMin}` : undefined,
    max !== undefined ? `≤ ${max}` : undefined,
  ]
    .filter((part) => part !== undefined)
    .join(', ');
};

const bounded = (type: string, bounds: string, unit = '') => (bounds ? `${type} ${bounds}${unit}` : type);

/** The property of every variant whose value is a constant: what picks the variant. */
const discriminator = (variants: Schema[]): string | undefined =>
  Object.keys(variants[0]?.properties ?? {}).find((key) =>
    variants.every((v) => objectSchema(v.properties?.[key])?.const !== undefined),
  );

const typeOf = (s: Schema): string => {
  if (s.const !== undefined) return code(s.const);
  if (s.enum) return s.enum.map(code).join(' | ');
  const variants = s.oneOf ?? s.anyOf;
  if (variants) return `one of the tables below, by ${code(discriminator(variants))}`;
  switch (s.type) {
    case 'string':
      return bounded('string', range(s.minLength, s.maxLength), ' chars');
    case 'integer':
    case 'number': {
      const exclusiveMin = said(s.exclusiveMinimum);
      // An integer above n is at least n + 1.
      const min = s.type === 'integer' && exclusiveMin !== undefined ? exclusiveMin + 1 : said(s.minimum);
      return bounded(s.type, range(min, said(s.maximum), min === undefined ? exclusiveMin : undefined));
    }
    case 'array': {
      const items = objectSchema(s.items);
      const of = items?.type === 'object' ? 'objects' : items ? typeOf(items) : 'anything';
      const size = range(s.minItems, s.maxItems);
      return `list${size ? ` (${size})` : ''} of ${of}`;
    }
    case 'object': {
      const values = objectSchema(s.additionalProperties);
      return values ? `map of string to ${typeOf(values)}` : 'object';
    }
    default:
      return String(s.type);
  }
};

/** Required where its block is given; a value it takes when left out; or optional (the description says what then). */
const defaultOf = (s: Schema, required: boolean): string => {
  if (required) return 'required';
  if (s.default !== undefined && (typeof s.default !== 'object' || Array.isArray(s.default)))
    return code(s.default);
  return 'optional';
};

const collectFields = (object: Schema, prefix: string, rows: Row[], tables: Table[]): void => {
  for (const [name, property] of Object.entries(object.properties ?? {})) {
    const field = objectSchema(property);
    if (!field) continue;
    const path = `${prefix}${name}`;
    rows.push({
      field: code(path),
      type: typeOf(field),
      default: defaultOf(field, object.required?.includes(name) ?? false),
      description: field.description ?? '',
    });
    const variants = field.oneOf ?? field.anyOf;
    const items = objectSchema(field.items);
    if (variants) {
      const key = discriminator(variants);
      for (const variant of variants) {
        const picked =
          key === undefined ? path : `${path}.${key}: ${objectSchema(variant.properties?.[key])?.const}`;
        const table: Table = { caption: `**${code(picked)}**: ${variant.description ?? ''}`, rows: [] };
        tables.push(table);
        collectFields(variant, `${path}.`, table.rows, tables);
      }
    } else if (field.properties) {
      collectFields(field, `${path}.`, rows, tables);
    } else if (items?.properties) {
      collectFields(items, `${path}[].`, rows, tables);
    }
  }
};

/** A markdown table cell: one line, its pipes escaped. */
const cell = (text: string): string => text.replace(/\s+/g, ' ').trim().replace(/\|/g, '\\|');

const renderTable = ({ caption, rows }: Table): string =>
  [
    ...(caption ? [cell(caption), ''] : []),
    '| field | type | default | description |',
    '| --- | --- | --- | --- |',
    ...rows.map((r) => `| ${[r.field, r.type, r.default, r.description].map(cell).join(' | ')} |`),
  ].join('\n');

/** The reference: the plan's fields, then those of each variant of a union (each engine). */
export const renderPlanReference = (schema: Schema): string => {
  const main: Table = { rows: [] };
  const tables: Table[] = [main];
  collectFields(schema, '', main.rows, tables);
  return [
    '<!-- Generated from the plan schema (lambdas/plan/schema.ts, lambdas/engines/*/plan.ts) by `npm run plan-schema`: edit the descriptions there. -->',
    '',
    '`required`: the field must be given whenever its block is; `optional`: it may be left out (its description says what then); any other default is the value taken when it is left out.',
    '',
    tables.map(renderTable).join('\n\n'),
  ].join('\n');
};

/** `doc` (docs/plan.md) with `reference` between the markers; throws when they are missing or out of order. */
export const withPlanReference = (doc: string, reference: string): string => {
  const start = doc.indexOf(referenceMarkers.start);
  const end = doc.indexOf(referenceMarkers.end);
  if (start < 0 || end < start)
    throw new Error(`expected ${referenceMarkers.start} and, after it, ${referenceMarkers.end}`);
  return `${doc.slice(0, start + referenceMarkers.start.length)}\n${reference}\n${doc.slice(end)}`;
};
