// What a real API server does with a custom resource's structural schema on every client write:
// it drops the fields the schema does not name (pruning), fills in a field the schema gives a
// default for when the object around it is there but the field is not (defaulting: the messaging
// topology operator's Shovel defaults `vhost` to "/"), then refuses the object with 422 Invalid
// when a field has the wrong type, a required field is missing or a value is not in its enum.
// Covers the schema keywords CRDs here use: type, properties, required, items, enum, default and
// x-kubernetes-preserve-unknown-fields.
import { isJsonObject, type Json, type JsonObject } from './json-patch.js';

export interface SchemaCause extends JsonObject {
  reason: string;
  message: string;
  field: string;
}

/** apiVersion, kind and metadata are the server's, whatever the schema says. */
const ROOT_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

export const pruneAndDefault = (schema: JsonObject, obj: JsonObject): JsonObject => {
  const pruned = prune(schema, obj, true);
  return isJsonObject(pruned) ? pruned : obj;
};

const prune = (schema: JsonObject, value: Json, root = false): Json => {
  if (Array.isArray(value)) {
    const items = schema.items;
    return isJsonObject(items) ? value.map((item) => prune(items, item)) : value;
  }
  if (!isJsonObject(value) || schema['x-kubernetes-preserve-unknown-fields'] === true) return value;
  const properties = isJsonObject(schema.properties) ? schema.properties : {};
  const kept: JsonObject = {};
  for (const [key, field] of Object.entries(value)) {
    const fieldSchema = properties[key];
    if (root && ROOT_FIELDS.has(key)) kept[key] = field;
    else if (isJsonObject(fieldSchema)) kept[key] = prune(fieldSchema, field);
  }
  for (const [key, fieldSchema] of Object.entries(properties))
    if (kept[key] === undefined && isJsonObject(fieldSchema) && fieldSchema.default !== undefined)
      kept[key] = structuredClone(fieldSchema.default);
  return kept;
};

export const schemaViolations = (schema: JsonObject, obj: JsonObject): SchemaCause[] => {
  const causes: SchemaCause[] = [];
  const { metadata: _metadata, apiVersion: _apiVersion, kind: _kind, ...rest } = obj;
  check(schema, rest, '', causes);
  return causes;
};

const typeOf = (value: Json): string => {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
};

const fits = (type: string, value: Json): boolean => {
  const actual = typeOf(value);
  return actual === type || (type === 'number' && actual === 'integer');
};

const quoted = (value: Json): string => JSON.stringify(value);

const check = (schema: JsonObject, value: Json, path: string, causes: SchemaCause[]): void => {
  const field = path === '' ? '<root>' : path;
  const type = typeof schema.type === 'string' ? schema.type : undefined;
  if (type !== undefined && !fits(type, value)) {
    const actual = typeOf(value);
    causes.push({
      reason: 'FieldValueTypeInvalid',
      message: `Invalid value: "${actual}": ${field} in body must be of type ${type}: "${actual}"`,
      field,
    });
    return;
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((allowed) => allowed === value)) {
    causes.push({
      reason: 'FieldValueNotSupported',
      message: `Unsupported value: ${quoted(value)}: supported values: ${schema.enum.map(quoted).join(', ')}`,
      field,
    });
  }
  if (Array.isArray(value) && isJsonObject(schema.items)) {
    const items = schema.items;
    value.forEach((item, index) => check(items, item, `${field}[${index}]`, causes));
  }
  if (!isJsonObject(value)) return;
  const prefix = path === '' ? '' : `${path}.`;
  if (Array.isArray(schema.required))
    for (const name of schema.required)
      if (typeof name === 'string' && value[name] === undefined)
        causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: `${prefix}${name}` });
  const properties = isJsonObject(schema.properties) ? schema.properties : {};
  for (const [key, fieldValue] of Object.entries(value)) {
    const fieldSchema = properties[key];
    if (isJsonObject(fieldSchema)) check(fieldSchema, fieldValue, `${prefix}${key}`, causes);
  }
};
