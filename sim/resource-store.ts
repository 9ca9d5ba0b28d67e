// The simulated API server's storage: objects keyed by group/version/plural/namespace/name,
// with the bookkeeping clients rely on (resourceVersion, generation, label selectors,
// optimistic-concurrency conflicts) and Kubernetes `Status` errors.
import { randomUUID } from 'node:crypto';
import { pruneAndDefault, schemaViolations } from './crd-schema.js';
import {
  applyJsonPatch,
  applyMergePatch,
  cloneJson,
  isJsonObject,
  PatchError,
  type Json,
  type JsonObject,
} from './json-patch.js';

export interface ResourceType {
  /** '' for the core API (`/api/v1`). */
  group: string;
  version: string;
  plural: string;
  kind: string;
  /** A custom resource's structural schema (`openAPIV3Schema`): writes are pruned and validated by it. */
  schema?: JsonObject;
}

export interface ObjectKey {
  group: string;
  version: string;
  plural: string;
  namespace: string;
  name: string;
}

export type PatchType = 'merge' | 'json';

/** An API failure as the real server reports it: an HTTP status and a `Status` body. */
export class KubeStatusError extends Error {
  override readonly name = 'KubeStatusError';
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details: JsonObject = {},
  ) {
    super(message);
  }

  toStatus(): JsonObject {
    return statusBody(this.code, this.reason, this.message, this.details);
  }
}

export const statusBody = (
  code: number,
  reason: string,
  message: string,
  details: JsonObject = {},
): JsonObject => ({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message,
  reason,
  details,
  code,
});

/** `rabbitmqclusters.rabbitmq.com`, or just `pods` in the core group: how the API names a resource in messages. */
export const qualifiedResource = (group: string, plural: string): string =>
  group === '' ? plural : `${plural}.${group}`;

export class ResourceStore {
  private readonly types = new Map<string, ResourceType>();
  private readonly objects = new Map<string, JsonObject>();
  private revision = 0;

  register(type: ResourceType): void {
    this.types.set(`${type.group}/${type.version}/${type.plural}`, type);
  }

  registeredTypes(): ResourceType[] {
    return [...this.types.values()];
  }

  typeOf(group: string, version: string, plural: string): ResourceType | undefined {
    return this.types.get(`${group}/${version}/${plural}`);
  }

  find(key: ObjectKey): JsonObject | undefined {
    const found = this.objects.get(storageKey(key));
    return found === undefined ? undefined : cloneJson(found);
  }

  get(key: ObjectKey): JsonObject {
    const found = this.find(key);
    if (found === undefined) throw notFound(key);
    return found;
  }

  list(
    group: string,
    version: string,
    plural: string,
    /** Undefined: every namespace. */
    namespace: string | undefined,
    labelSelector = '',
  ): { items: JsonObject[]; resourceVersion: string } {
    const matches = parseLabelSelector(labelSelector);
    const prefix = `${group}/${version}/${plural}/${namespace === undefined ? '' : `${namespace}/`}`;
    // Sorted by name, as etcd's key order makes the real API list them.
    const items = [...this.objects.entries()]
      .filter(([key, obj]) => key.startsWith(prefix) && matches(labelsOf(obj)))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, obj]) => cloneJson(obj));
    return { items, resourceVersion: String(this.revision) };
  }

  /** A client create; like `patch`, it leaves `status` to the server. */
  create(key: Omit<ObjectKey, 'name'>, body: Json): JsonObject {
    if (!isJsonObject(body))
      throw new KubeStatusError(400, 'BadRequest', 'the request body must be a JSON object');
    const type = this.requireType(key);
    const metadata = isJsonObject(body.metadata) ? body.metadata : {};
    const name = metadata.name;
    if (typeof name !== 'string' || name === '') {
      throw new KubeStatusError(
        422,
        'Invalid',
        `${type.kind}${type.group ? `.${type.group}` : ''} "" is invalid: metadata.name: Required value: name or generateName is required`,
      );
    }
    const full = { ...key, name };
    if (this.objects.has(storageKey(full))) {
      throw new KubeStatusError(
        409,
        'AlreadyExists',
        `${qualifiedResource(key.group, key.plural)} "${name}" already exists`,
        details(full, type),
      );
    }
    const { status: _clientStatus, ...fields } = cloneJson(body);
    const obj: JsonObject = {
      ...fields,
      apiVersion: key.group === '' ? key.version : `${key.group}/${key.version}`,
      kind: type.kind,
      metadata: {
        ...cloneJson(metadata),
        name,
        namespace: key.namespace,
        uid: randomUUID(),
        creationTimestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        generation: 1,
        resourceVersion: this.nextRevision(),
      },
    };
    const admitted = admit(full, type, obj);
    this.objects.set(storageKey(full), admitted);
    return cloneJson(admitted);
  }

  /**
   * A client patch. Every kind served here has a status subresource, so a patch of the object
   * leaves `status` alone and a patch of its `status` subresource changes nothing else.
   */
  patch(key: ObjectKey, type: PatchType, body: Json, subresource?: 'status'): JsonObject {
    const current = this.get(key);
    const currentVersion = metadataOf(current).resourceVersion;
    if (type === 'merge' && isJsonObject(body) && isJsonObject(body.metadata)) {
      const wanted = body.metadata.resourceVersion;
      if (wanted !== undefined && wanted !== currentVersion) throw conflict(key, this.requireType(key));
    }
    let patched: Json;
    try {
      patched = type === 'merge' ? applyMergePatch(current, body) : applyJsonPatch(current, body);
    } catch (err) {
      if (err instanceof PatchError)
        throw new KubeStatusError(
          422,
          'Invalid',
          `the patch could not be applied: ${err.message}`,
          details(key, this.requireType(key)),
        );
      throw err;
    }
    if (!isJsonObject(patched))
      throw new KubeStatusError(
        422,
        'Invalid',
        'the patched object is not a JSON object',
        details(key, this.requireType(key)),
      );
    if (type === 'json' && metadataOf(patched).resourceVersion !== currentVersion)
      throw conflict(key, this.requireType(key));
    const resourceType = this.requireType(key);
    if (subresource === 'status') {
      const { status: _currentStatus, ...unchanged } = current;
      return this.commit(
        key,
        current,
        admit(key, resourceType, {
          ...unchanged,
          ...(patched.status === undefined ? {} : { status: patched.status }),
        }),
      );
    }
    const { status: _clientStatus, ...rest } = patched;
    return this.commit(
      key,
      current,
      admit(key, resourceType, {
        ...rest,
        ...(current.status === undefined ? {} : { status: current.status }),
      }),
    );
  }

  delete(key: ObjectKey): JsonObject {
    const current = this.get(key);
    this.objects.delete(storageKey(key));
    this.revision += 1;
    return current;
  }

  /** A server-side write (a controller, the kubelet): no preconditions, status included. */
  update(key: ObjectKey, mutate: (obj: JsonObject) => void): JsonObject {
    const current = this.get(key);
    const next = cloneJson(current);
    mutate(next);
    return this.commit(key, current, next);
  }

  private commit(key: ObjectKey, before: JsonObject, after: JsonObject): JsonObject {
    const beforeMeta = metadataOf(before);
    const generation = typeof beforeMeta.generation === 'number' ? beforeMeta.generation : 1;
    const obj: JsonObject = {
      ...after,
      apiVersion: before.apiVersion ?? null,
      kind: before.kind ?? null,
      metadata: {
        ...metadataOf(after),
        name: beforeMeta.name ?? key.name,
        namespace: beforeMeta.namespace ?? key.namespace,
        uid: beforeMeta.uid ?? null,
        creationTimestamp: beforeMeta.creationTimestamp ?? null,
        generation: specChanged(before, after) ? generation + 1 : generation,
        resourceVersion: this.nextRevision(),
      },
    };
    this.objects.set(storageKey(key), obj);
    return cloneJson(obj);
  }

  private requireType(key: Pick<ObjectKey, 'group' | 'version' | 'plural'>): ResourceType {
    const type = this.typeOf(key.group, key.version, key.plural);
    if (type === undefined)
      throw new KubeStatusError(404, 'NotFound', 'the server could not find the requested resource');
    return type;
  }

  private nextRevision(): string {
    this.revision += 1;
    return String(this.revision);
  }
}

/** A client write as the server stores it: pruned and defaulted by the type's schema, or refused with 422 Invalid. */
const admit = (key: ObjectKey, type: ResourceType, obj: JsonObject): JsonObject => {
  if (type.schema === undefined) return obj;
  const pruned = pruneAndDefault(type.schema, obj);
  const causes = schemaViolations(type.schema, pruned);
  if (causes.length === 0) return pruned;
  const listed = causes.map((c) => `${c.field}: ${c.message}`);
  throw new KubeStatusError(
    422,
    'Invalid',
    `${type.kind}.${type.group} "${key.name}" is invalid: ${listed.length === 1 ? listed[0] : `[${listed.join(', ')}]`}`,
    { name: key.name, group: key.group, kind: type.kind, causes },
  );
};

const storageKey = (key: ObjectKey): string =>
  `${key.group}/${key.version}/${key.plural}/${key.namespace}/${key.name}`;

export const metadataOf = (obj: JsonObject): JsonObject => (isJsonObject(obj.metadata) ? obj.metadata : {});

const labelsOf = (obj: JsonObject): Record<string, string> => {
  const labels = metadataOf(obj).labels;
  return isJsonObject(labels)
    ? (Object.fromEntries(Object.entries(labels).filter(([, v]) => typeof v === 'string')) as Record<
        string,
        string
      >)
    : {};
};

/** Generation counts changes to anything but metadata and status, as for custom resources. */
const specChanged = (before: JsonObject, after: JsonObject): boolean => {
  const strip = ({ metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest }: JsonObject): string =>
    JSON.stringify(rest);
  return strip(before) !== strip(after);
};

const details = (key: ObjectKey, type: ResourceType): JsonObject => ({
  name: key.name,
  group: key.group,
  kind: type.plural,
});

const notFound = (key: ObjectKey): KubeStatusError =>
  new KubeStatusError(
    404,
    'NotFound',
    `${qualifiedResource(key.group, key.plural)} "${key.name}" not found`,
    { name: key.name, group: key.group, kind: key.plural },
  );

const conflict = (key: ObjectKey, type: ResourceType): KubeStatusError =>
  new KubeStatusError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(key.group, key.plural)} "${key.name}": the object has been modified; please apply your changes to the latest version and try again`,
    details(key, type),
  );

type LabelTest = (labels: Record<string, string>) => boolean;

/** Equality (`a=b`, `a==b`, `a!=b`), existence (`a`, `!a`) and set (`a in (x,y)`, `a notin (x)`) requirements, ANDed. */
export const parseLabelSelector = (selector: string): LabelTest => {
  const requirements = splitRequirements(selector).map(parseRequirement);
  return (labels) => requirements.every((test) => test(labels));
};

const splitRequirements = (selector: string): string[] => {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth += 1;
    if (ch === ')') depth -= 1;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
};

const LABEL_KEY = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?$/;
const LABEL_VALUE = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?)?$/;

const parseRequirement = (requirement: string): LabelTest => {
  const invalid = (): KubeStatusError =>
    new KubeStatusError(
      400,
      'BadRequest',
      `unable to parse requirement: invalid label selector "${requirement}"`,
    );
  const checkKey = (key: string): string => {
    if (!LABEL_KEY.test(key)) throw invalid();
    return key;
  };
  const checkValue = (value: string): string => {
    if (!LABEL_VALUE.test(value)) throw invalid();
    return value;
  };
  const set = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(requirement);
  if (set) {
    const key = checkKey(set[1] as string);
    const values = new Set((set[3] as string).split(',').map((v) => checkValue(v.trim())));
    return set[2] === 'in'
      ? (l) => l[key] !== undefined && values.has(l[key])
      : (l) => l[key] === undefined || !values.has(l[key]);
  }
  const equality = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(requirement);
  if (equality) {
    const key = checkKey(equality[1] as string);
    const value = checkValue(equality[3] as string);
    return equality[2] === '!=' ? (l) => l[key] !== value : (l) => l[key] === value;
  }
  if (requirement.startsWith('!')) {
    const key = checkKey(requirement.slice(1).trim());
    return (l) => l[key] === undefined;
  }
  const key = checkKey(requirement);
  return (l) => l[key] !== undefined;
};
