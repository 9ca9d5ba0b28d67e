// The two patch formats the simulated API server accepts for custom resources, as the real
// one does: JSON merge patch (RFC 7386) and JSON patch (RFC 6902).

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export class PatchError extends Error {
  override readonly name = 'PatchError';
}

export const isJsonObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const cloneJson = <T extends Json>(value: T): T => structuredClone(value);

/** RFC 7386: objects merge recursively, `null` removes a key, anything else replaces. */
export const applyMergePatch = (target: Json, patch: Json): Json => {
  if (!isJsonObject(patch)) return cloneJson(patch);
  const result: JsonObject = isJsonObject(target) ? cloneJson(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key] ?? null, value);
  }
  return result;
};

interface Operation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  from?: string;
  value?: Json;
}

/** RFC 6902, all six operations; throws PatchError naming the failing operation. */
export const applyJsonPatch = (document: Json, operations: unknown): Json => {
  if (!Array.isArray(operations)) throw new PatchError('a JSON patch must be a list of operations');
  return operations.reduce<Json>(
    (doc, raw, index) => applyOperation(doc, parseOperation(raw, index), index),
    cloneJson(document),
  );
};

const parseOperation = (raw: unknown, index: number): Operation => {
  if (!isJsonObject(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') {
    throw new PatchError(`operation ${index}: expected an object with string "op" and "path"`);
  }
  if (!['add', 'remove', 'replace', 'move', 'copy', 'test'].includes(raw.op))
    throw new PatchError(`operation ${index}: unknown op "${raw.op}"`);
  const op = raw.op as Operation['op'];
  if ((op === 'move' || op === 'copy') && typeof raw.from !== 'string')
    throw new PatchError(`operation ${index}: "${op}" needs "from"`);
  if ((op === 'add' || op === 'replace' || op === 'test') && !('value' in raw))
    throw new PatchError(`operation ${index}: "${op}" needs "value"`);
  return {
    op,
    path: raw.path,
    ...(typeof raw.from === 'string' ? { from: raw.from } : {}),
    ...('value' in raw ? { value: raw.value } : {}),
  } as Operation;
};

const parsePointer = (pointer: string, index: number): string[] => {
  if (pointer === '') return [];
  if (!pointer.startsWith('/'))
    throw new PatchError(`operation ${index}: "${pointer}" is not a JSON pointer`);
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
};

const applyOperation = (doc: Json, op: Operation, index: number): Json => {
  switch (op.op) {
    case 'add':
      return add(doc, parsePointer(op.path, index), cloneJson(op.value as Json), index);
    case 'remove':
      return remove(doc, parsePointer(op.path, index), index).doc;
    case 'replace': {
      const path = parsePointer(op.path, index);
      return add(remove(doc, path, index).doc, path, cloneJson(op.value as Json), index);
    }
    case 'move': {
      const taken = remove(doc, parsePointer(op.from as string, index), index);
      return add(taken.doc, parsePointer(op.path, index), taken.value, index);
    }
    case 'copy':
      return add(
        doc,
        parsePointer(op.path, index),
        cloneJson(read(doc, parsePointer(op.from as string, index), index)),
        index,
      );
    case 'test':
      if (
        JSON.stringify(canonical(read(doc, parsePointer(op.path, index), index))) !==
        JSON.stringify(canonical(op.value as Json))
      ) {
        throw new PatchError(`operation ${index}: test failed: the value at "${op.path}" differs`);
      }
      return doc;
  }
};

const canonical = (value: Json): Json =>
  Array.isArray(value)
    ? value.map(canonical)
    : isJsonObject(value)
      ? Object.fromEntries(
          Object.keys(value)
            .sort()
            .map((k) => [k, canonical(value[k] as Json)]),
        )
      : value;

const read = (doc: Json, path: string[], index: number): Json => {
  let current: Json = doc;
  for (const token of path) {
    const next: Json | undefined = Array.isArray(current)
      ? current[arrayIndex(current, token, false, index)]
      : isJsonObject(current)
        ? current[token]
        : undefined;
    if (next === undefined)
      throw new PatchError(`operation ${index}: path "/${path.join('/')}" does not exist`);
    current = next;
  }
  return current;
};

const arrayIndex = (array: Json[], token: string, forInsert: boolean, index: number): number => {
  if (forInsert && token === '-') return array.length;
  if (!/^(0|[1-9]\d*)$/.test(token))
    throw new PatchError(`operation ${index}: "${token}" is not an array index`);
  const position = Number(token);
  if (position > array.length || (!forInsert && position === array.length))
    throw new PatchError(`operation ${index}: array index ${position} is out of bounds`);
  return position;
};

const parentOf = (doc: Json, path: string[], index: number): { parent: Json; key: string } => {
  const key = path[path.length - 1] as string;
  return { parent: read(doc, path.slice(0, -1), index), key };
};

const add = (doc: Json, path: string[], value: Json, index: number): Json => {
  if (path.length === 0) return value;
  const { parent, key } = parentOf(doc, path, index);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, true, index), 0, value);
  else if (isJsonObject(parent)) parent[key] = value;
  else throw new PatchError(`operation ${index}: cannot add below a scalar at "/${path.join('/')}"`);
  return doc;
};

const remove = (doc: Json, path: string[], index: number): { doc: Json; value: Json } => {
  if (path.length === 0) throw new PatchError(`operation ${index}: cannot remove the whole document`);
  const value = read(doc, path, index);
  const { parent, key } = parentOf(doc, path, index);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, false, index), 1);
  else delete (parent as JsonObject)[key];
  return { doc, value };
};
