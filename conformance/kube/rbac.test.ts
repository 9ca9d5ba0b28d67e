// RBAC for real: for every example plan, what `failover rbac PLAN` prints (rbacFor, the function
// the CLI calls) is applied to a real kube-apiserver as it is, and each Role is also bound to the
// plain client-certificate user failover-user by one extra RoleBinding (the generated binding names
// the EKS access entries' group, which that certificate does not carry; a SubjectAccessReview shows
// the group binding grants the same). As failover-user, through the Kube port over
// @kubernetes/client-node, on real objects, none of these may be denied: every operation the plan's
// engine declares it needs, and every request its round trip on the simulated clusters made
// (engine-calls.ts), which catches a need the engine uses without declaring it. Operations beyond
// the plan must get a real 403, and a Role with one verb removed must make exactly that verb's
// operations fail.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  ApiException,
  AuthorizationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  RbacAuthorizationV1Api,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import { createKubeApi } from '../../lambdas/adapters/kube/kube-api.js';
import type { KubernetesAccessNeed, PolicyRule } from '../../lambdas/engines/engine.js';
import { engineFor } from '../../lambdas/engines/registry.js';
import { loadPlan } from '../../lambdas/plan/load-plan.js';
import { DEFAULT_KUBERNETES_GROUP, rbacFor, type NamespaceRbac } from '../../lambdas/plan/rbac.js';
import type { Plan } from '../../lambdas/plan/schema.js';
import { KubeApiError, type KubePort } from '../../lambdas/ports/kube.js';
import { PLAIN_USER } from './certificates.js';
import { startControlPlane, type ControlPlane } from './control-plane.js';
import { roundTripCalls, type RecordedCall } from './engine-calls.js';
import {
  applyRbac,
  createNamespaces,
  createReadyPods,
  ignoreConflict,
  installCrds,
  RBAC_API,
} from './cluster-objects.js';
import { engineCrds, type EngineCrd } from './engine-crds.js';
import { measured, ranAgainst } from '../record.js';

const PLANS_DIR = 'examples/plans';
/** Where operations beyond every plan's namespaces are tried: it holds the same objects. */
const ELSEWHERE = 'elsewhere';
/** The pod that pod operations act on where a Role names none. */
const SERVER_POD = 'server-0';
const FIXTURE_LABELS = { 'app.kubernetes.io/name': 'rbac-fixture' };
const FIXTURE_SELECTOR = 'app.kubernetes.io/name=rbac-fixture';

/** One API call, as RBAC sees it: verb, resource (with subresource), namespace and name. */
interface Operation {
  group: string;
  resource: string;
  verb: string;
  namespace: string;
  name?: string;
}

const labelOf = (op: Operation): string =>
  `${op.verb} ${op.resource}${op.group === '' ? '' : `.${op.group}`} ${op.namespace}${op.name === undefined ? '' : `/${op.name}`}`;

const uniqueOperations = (ops: Operation[]): Operation[] => [
  ...new Map(ops.map((op) => [labelOf(op), op])).values(),
];

// Reads before writes, deletes last: a delete must not take away what another operation acts on.
const VERB_ORDER = ['list', 'get', 'create', 'patch', 'delete'];

/**
 * An exec is one call, a WebSocket upgrade of a GET, which the API server authorizes as `get` on
 * pods/exec and (since 1.35) as `create` too: a rule naming either verb asks for that one call.
 */
const EXEC_VERBS = ['get', 'create'];
const verbsCheckedFor = (op: Operation): string[] => (op.resource === 'pods/exec' ? EXEC_VERBS : [op.verb]);

/** One call for every verb on every resource (and every name, where the rule names them) that the rules grant. */
const operationsOf = (namespace: string, rules: PolicyRule[]): Operation[] =>
  uniqueOperations(
    rules.flatMap((rule) =>
      rule.apiGroups.flatMap((group) =>
        rule.resources.flatMap((resource) =>
          rule.verbs.flatMap((ruleVerb) => {
            const verb = resource === 'pods/exec' && EXEC_VERBS.includes(ruleVerb) ? 'create' : ruleVerb;
            return verb === 'list'
              ? [{ group, resource, verb, namespace }]
              : (rule.resourceNames ?? [SERVER_POD]).map((name) => ({
                  group,
                  resource,
                  verb,
                  namespace,
                  name,
                }));
          }),
        ),
      ),
    ),
  ).sort((a, b) => VERB_ORDER.indexOf(a.verb) - VERB_ORDER.indexOf(b.verb));

const crdOf = (op: Operation): EngineCrd | undefined =>
  engineCrds().find((c) => c.names.group === op.group && c.names.plural === op.resource);

/** What a user acts through: the port the engines use, and raw clients for what the port does not do. */
interface Actor {
  kube: KubePort;
  core: CoreV1Api;
  rbac: RbacAuthorizationV1Api;
}

const actorOf = (kc: KubeConfig): Actor => ({
  kube: createKubeApi(kc, 'real kube-apiserver', { requestTimeoutMs: 10_000, execTimeoutMs: 20_000 }),
  core: kc.makeApiClient(CoreV1Api),
  rbac: kc.makeApiClient(RbacAuthorizationV1Api),
});

const expectThat = (ok: boolean, what: string): void => {
  if (!ok) throw new Error(what);
};

/**
 * Performs the operation for real, through the port where the engines use the port for it, and
 * checks that an allowed one did what it says (an object not found is a broken fixture, not a pass).
 */
const perform = async ({ kube, core }: Actor, op: Operation): Promise<void> => {
  const { namespace } = op;
  const name = op.name ?? '';
  const label = labelOf(op);
  const crd = crdOf(op)?.names;
  if (crd !== undefined) {
    const ref = { group: crd.group, version: crd.version, plural: crd.plural, namespace, name };
    if (op.verb === 'get')
      return expectThat((await kube.getCustomObject(ref)) !== undefined, `${label}: not found`);
    if (op.verb === 'patch') {
      await kube.mergePatchCustomObject(ref, { metadata: { labels: { 'rbac-check': 'patched' } } });
      return;
    }
    if (op.verb === 'delete')
      return expectThat((await kube.deleteCustomObject(ref)) === 'deleted', `${label}: absent`);
  }
  if (op.group === '' && op.resource === 'pods') {
    if (op.verb === 'list')
      return expectThat((await kube.listPods(namespace, FIXTURE_SELECTOR)).length > 0, `${label}: none`);
    if (op.verb === 'get') {
      await core.readNamespacedPod({ namespace, name });
      return;
    }
    if (op.verb === 'delete')
      return expectThat(
        (await kube.deletePod(namespace, name, { gracePeriodSeconds: 0 })) === 'deleted',
        `${label}: absent`,
      );
    if (op.verb === 'create') {
      await core.createNamespacedPod({
        namespace,
        body: {
          metadata: { name: `${name}-copy` },
          spec: { containers: [{ name: 'server', image: 'unused' }] },
        },
      });
      return;
    }
    if (op.verb === 'patch') {
      await core.patchNamespacedPod(
        { namespace, name, body: { metadata: { labels: { 'rbac-check': 'patched' } } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      return;
    }
  }
  if (op.group === '' && op.resource === 'pods/exec' && op.verb === 'create') {
    const result = await kube.exec(namespace, name, ['true']);
    return expectThat(result.exitCode === 0, `${label}: exit ${result.exitCode}: ${result.stderr}`);
  }
  if (op.group === '' && op.resource === 'secrets') {
    if (op.verb === 'get') {
      await core.readNamespacedSecret({ namespace, name });
      return;
    }
    if (op.verb === 'list') {
      await core.listNamespacedSecret({ namespace });
      return;
    }
  }
  // A need no case above performs: this test must learn it before the RBAC can be said to cover it.
  throw new Error(`${label}: no way to perform this operation here`);
};

const isForbidden = (err: unknown): boolean =>
  (err instanceof KubeApiError && err.statusCode === 403) ||
  (err instanceof ApiException && err.code === 403);

/** `allowed`, or `denied` on a real 403; any other failure is thrown. */
const outcomeOf = async (call: () => Promise<unknown>): Promise<'allowed' | 'denied'> => {
  try {
    await call();
    return 'allowed';
  } catch (err) {
    if (isForbidden(err)) return 'denied';
    throw err;
  }
};

const outcomes = async (actor: Actor, ops: Operation[]): Promise<Record<string, 'allowed' | 'denied'>> => {
  const results: Record<string, 'allowed' | 'denied'> = {};
  for (const op of ops) results[labelOf(op)] = await outcomeOf(() => perform(actor, op));
  return results;
};

/** As admin: the cluster objects the operations act on, made once per namespace and name. */
const createFixtures = async (plane: ControlPlane, ops: Operation[]): Promise<void> => {
  const kc = plane.kubeConfig('admin');
  const core = kc.makeApiClient(CoreV1Api);
  const objects = kc.makeApiClient(CustomObjectsApi);
  await createNamespaces(
    kc,
    ops.map((op) => op.namespace),
  );
  const pods = uniqueBy(
    ops
      .filter((op) => op.group === '' && op.resource.startsWith('pods'))
      .map((op) => ({ namespace: op.namespace, name: op.name ?? SERVER_POD })),
  );
  const custom = uniqueBy(
    ops.flatMap((op) => {
      const crd = crdOf(op);
      return crd === undefined || op.name === undefined
        ? []
        : [{ namespace: op.namespace, name: op.name, crd }];
    }),
  );
  const secrets = uniqueBy(
    ops.flatMap((op) =>
      op.group === '' && op.resource === 'secrets' && op.name !== undefined
        ? [{ namespace: op.namespace, name: op.name }]
        : [],
    ),
  );
  await Promise.all([
    createReadyPods(
      plane,
      pods.map((pod) => ({ ...pod, labels: FIXTURE_LABELS, container: 'server' })),
    ),
    ...custom.map(({ namespace, name, crd }) =>
      objects
        .createNamespacedCustomObject({
          group: crd.names.group,
          version: crd.names.version,
          plural: crd.names.plural,
          namespace,
          body: {
            apiVersion: `${crd.names.group}/${crd.names.version}`,
            kind: crd.names.kind,
            metadata: { name },
            spec: crd.exampleSpec,
          },
        })
        .catch(ignoreConflict),
    ),
    ...secrets.map(({ namespace, name }) =>
      core
        .createNamespacedSecret({
          namespace,
          body: { metadata: { name }, stringData: { password: 'secret' } },
        })
        .catch(ignoreConflict),
    ),
  ]);
};

const uniqueBy = <T extends { namespace: string; name: string }>(items: T[]): T[] => [
  ...new Map(items.map((item) => [`${item.namespace}/${item.name}`, item])).values(),
];

/** Whether a rule of the Role grants the operation: used only to choose operations that must be denied. */
const grants = (rules: PolicyRule[], op: Operation): boolean =>
  rules.some(
    (r) =>
      r.apiGroups.includes(op.group) &&
      r.resources.includes(op.resource) &&
      r.verbs.includes(op.verb) &&
      (r.resourceNames === undefined || (op.name !== undefined && r.resourceNames.includes(op.name))),
  );

/** Beyond what the Role grants in its own namespace: other names, secrets, pod writes it does not name. */
const outOfScopeIn = (namespace: string, rules: PolicyRule[]): Operation[] => {
  const named = operationsOf(namespace, rules).flatMap((op) =>
    rules.some((r) => r.resourceNames?.includes(op.name ?? '')) ? [{ ...op, name: `other-${op.name}` }] : [],
  );
  const core: Operation[] = [
    { group: '', resource: 'secrets', verb: 'list', namespace },
    { group: '', resource: 'secrets', verb: 'get', namespace, name: 'credentials' },
    ...['create', 'patch', 'delete', 'get'].map((verb) => ({
      group: '',
      resource: 'pods',
      verb,
      namespace,
      name: SERVER_POD,
    })),
  ];
  return uniqueOperations([...named, ...core.filter((op) => !grants(rules, op))]);
};

/** Cluster-scoped writes and reads, and granting itself more: none is in any plan. */
const clusterWide = (
  actor: Actor,
  nodeName: string,
  namespace: string,
): Record<string, () => Promise<unknown>> => ({
  'create clusterroles': () =>
    actor.rbac.createClusterRole({
      body: {
        metadata: { name: 'failover-escalation' },
        rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }],
      },
    }),
  'create clusterrolebindings': () =>
    actor.rbac.createClusterRoleBinding({
      body: {
        metadata: { name: 'failover-escalation' },
        roleRef: { apiGroup: RBAC_API, kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [{ apiGroup: RBAC_API, kind: 'User', name: PLAIN_USER }],
      },
    }),
  [`create rolebindings ${namespace}`]: () =>
    actor.rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: 'failover-escalation' },
        roleRef: { apiGroup: RBAC_API, kind: 'ClusterRole', name: 'admin' },
        subjects: [{ apiGroup: RBAC_API, kind: 'User', name: PLAIN_USER }],
      },
    }),
  [`patch nodes ${nodeName}`]: () =>
    actor.core.patchNode(
      { name: nodeName, body: { metadata: { labels: { 'rbac-check': 'patched' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    ),
  'create namespaces': () =>
    actor.core.createNamespace({ body: { metadata: { name: 'failover-escalation' } } }),
  'list secrets (all namespaces)': () => actor.core.listSecretForAllNamespaces(),
  'list pods (all namespaces)': () => actor.core.listPodForAllNamespaces(),
});

interface PlanRbac {
  plan: Plan;
  needs: KubernetesAccessNeed[];
  entries: NamespaceRbac[];
  /** Every Kubernetes request of the plan's round trip on the simulated clusters. */
  calls: RecordedCall[];
}

/** The plans with their generated RBAC, each plan's round trip run meanwhile (in parallel). */
const loadPlans = async (): Promise<PlanRbac[]> =>
  Promise.all(
    readdirSync(PLANS_DIR)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map(async (file) => {
        const planFile = join(PLANS_DIR, file);
        const plan = await loadPlan(planFile);
        const calls = await roundTripCalls(planFile);
        return { plan, needs: engineFor(plan).kubernetesAccess(plan), entries: rbacFor(plan), calls };
      }),
  );

// The core group's paths capture an empty group, so both read alike: group, namespace, plural, name, subresource.
const CORE_PATH = /^\/api()\/v1\/namespaces\/([^/]+)\/([^/]+)(?:\/([^/]+)(?:\/([^/]+))?)?$/;
const GROUP_PATH = /^\/apis\/([^/]+)\/[^/]+\/namespaces\/([^/]+)\/([^/]+)(?:\/([^/]+)(?:\/([^/]+))?)?$/;
const METHOD_VERBS: Record<string, string> = {
  POST: 'create',
  PUT: 'update',
  PATCH: 'patch',
  DELETE: 'delete',
};

/** The operation RBAC sees in a request; undefined for one this test cannot read (it fails then). */
const operationOfCall = (call: RecordedCall): Operation | undefined => {
  const match = CORE_PATH.exec(call.path) ?? GROUP_PATH.exec(call.path);
  if (match === null) return undefined;
  const [, group = '', namespace = '', plural = '', name, subresource] = match;
  const resource = subresource === undefined ? plural : `${plural}/${subresource}`;
  const verb =
    resource === 'pods/exec'
      ? 'create'
      : call.method === 'GET'
        ? name === undefined
          ? 'list'
          : 'get'
        : METHOD_VERBS[call.method];
  if (verb === undefined) return undefined;
  return { group, resource, verb, namespace, ...(name === undefined ? {} : { name }) };
};

/** What the plans' round trips asked of Kubernetes, as operations (reads before writes, deletes last). */
const roundTripOperations = (plans: PlanRbac[]): Operation[] =>
  uniqueOperations(plans.flatMap(({ calls }) => calls.flatMap((call) => operationOfCall(call) ?? []))).sort(
    (a, b) => VERB_ORDER.indexOf(a.verb) - VERB_ORDER.indexOf(b.verb),
  );

/** The operations each plan's engine declares, per namespace it names. */
const declaredOperations = (plans: PlanRbac[]): Operation[] =>
  uniqueOperations(
    plans.flatMap(({ needs }) => needs.flatMap((need) => operationsOf(need.namespace, need.rules))),
  );

/** A Role that lost one verb on one resource, to show the check fails then. */
interface Mutation {
  resource: string;
  verb: string;
}

const MUTATIONS: Mutation[] = [
  { resource: 'pods/exec', verb: 'create' },
  { resource: 'pods/exec', verb: 'get' },
  { resource: 'rabbitmqclusters', verb: 'patch' },
];

const without = (rules: PolicyRule[], { resource, verb }: Mutation): PolicyRule[] =>
  rules.flatMap((rule) => {
    if (!rule.resources.includes(resource)) return [rule];
    const verbs = rule.verbs.filter((v) => v !== verb);
    // A rule without verbs is invalid: dropping the last one drops the rule.
    return verbs.length === 0 ? [] : [{ ...rule, verbs }];
  });

let plane: ControlPlane | undefined;
let plans: PlanRbac[] = [];
let user: Actor;
let allowedCount: number | undefined;
let deniedCount: number | undefined;

beforeAll(async () => {
  const started = Date.now();
  [plane, plans] = await Promise.all([startControlPlane(), loadPlans()]);
  const admin = plane.kubeConfig('admin');
  await installCrds(admin);
  const declared = uniqueOperations([...declaredOperations(plans), ...roundTripOperations(plans)]);
  const elsewhere = declared.map((op) => ({ ...op, namespace: ELSEWHERE }));
  const beyond = plans.flatMap(({ entries }) =>
    entries.flatMap((e) => outOfScopeIn(e.namespace, e.role.rules)),
  );
  await createFixtures(plane, [...declared, ...elsewhere, ...beyond]);
  for (const { entries } of plans) for (const entry of entries) await applyRbac(admin, entry);
  user = actorOf(plane.kubeConfig('user'));
  ranAgainst('kube-apiserver', plane.versions.kubeApiserver);
  console.log(
    `${plans.length} plans' round trips on the simulated clusters (${plans.reduce((n, p) => n + p.calls.length, 0)} Kubernetes requests) and kube-apiserver ${plane.versions.kubeApiserver} with their RBAC and objects, in ${Date.now() - started} ms`,
  );
});

afterAll(async () => {
  if (allowedCount !== undefined && deniedCount !== undefined)
    measured(`rbac: ${allowedCount} operations allowed, ${deniedCount} out-of-scope denied`);
  await plane?.stop();
});

describe('the generated RBAC on a real kube-apiserver', () => {
  it('covers every example plan, each Role in the namespaces its engine names', () => {
    expect(plans.map(({ plan }) => plan.engine.type).sort()).toEqual([
      'rabbitmq-shovel',
      'rabbitmq-standby',
      'rocketmq-controller',
    ]);
    for (const { needs, entries } of plans)
      expect(entries.map((e) => e.namespace).sort()).toEqual(
        [...new Set(needs.map((n) => n.namespace))].sort(),
      );
  });

  it('binds the EKS access entries group as generated: a SubjectAccessReview allows it every declared operation', async () => {
    const reviews = plane!.kubeConfig('admin').makeApiClient(AuthorizationV1Api);
    const refused: string[] = [];
    const checks = declaredOperations(plans).flatMap((op) =>
      verbsCheckedFor(op).map((verb) => ({ ...op, verb })),
    );
    for (const op of checks) {
      const [resource, subresource] = op.resource.split('/');
      const review = await reviews.createSubjectAccessReview({
        body: {
          spec: {
            user: 'eks-kubernetes-worker',
            groups: [DEFAULT_KUBERNETES_GROUP],
            resourceAttributes: {
              namespace: op.namespace,
              verb: op.verb,
              group: op.group,
              resource,
              ...(subresource === undefined ? {} : { subresource }),
              ...(op.name === undefined ? {} : { name: op.name }),
            },
          },
        },
      });
      if (review.status?.allowed !== true)
        refused.push(`${labelOf(op)}: ${review.status?.reason ?? 'no reason'}`);
    }
    expect(refused).toEqual([]);
  });

  it(`allows ${PLAIN_USER}, through the Kube port, every operation each engine declares: zero denials`, async () => {
    const ops = declaredOperations(plans);
    await createFixtures(plane!, ops);
    const results = await outcomes(user, ops);
    expect(Object.entries(results).filter(([, outcome]) => outcome === 'denied')).toEqual([]);
    expect(ops.some((op) => op.resource === 'pods/exec')).toBe(true);
  });

  it(`allows ${PLAIN_USER} every call each engine makes in a simulated round trip, reads included, on the side it names a Role for`, async () => {
    const unread = plans.flatMap(({ calls }) => calls.filter((call) => operationOfCall(call) === undefined));
    expect(unread).toEqual([]);
    const sideless = plans.flatMap(({ plan, entries, calls }) =>
      calls
        .filter(
          (call) =>
            !entries.some((e) => e.side === call.side && e.namespace === operationOfCall(call)?.namespace),
        )
        .map((call) => `${plan.name}: ${call.side}: ${call.method} ${call.path}`),
    );
    expect(sideless).toEqual([]);
    const ops = roundTripOperations(plans);
    expect(ops.some((op) => op.resource === 'pods/exec')).toBe(true);
    expect(ops.some((op) => op.verb === 'list')).toBe(true);
    // The operations above deleted some of what these act on.
    await createFixtures(plane!, ops);
    const results = await outcomes(user, ops);
    expect(Object.entries(results).filter(([, outcome]) => outcome === 'denied')).toEqual([]);
    allowedCount = uniqueOperations([...declaredOperations(plans), ...ops]).length;
  });

  it('denies with a real 403 what lies beyond the plans: another namespace, other names, secrets, pod writes, cluster-scoped writes', async () => {
    const scoped = uniqueOperations([
      ...declaredOperations(plans).map((op) => ({ ...op, namespace: ELSEWHERE })),
      ...plans.flatMap(({ entries }) => entries.flatMap((e) => outOfScopeIn(e.namespace, e.role.rules))),
    ]);
    const results = await outcomes(user, scoped);
    const cluster = clusterWide(user, plane!.nodeName, plans[0]!.entries[0]!.namespace);
    for (const [label, call] of Object.entries(cluster)) results[label] = await outcomeOf(call);
    expect(Object.entries(results).filter(([, outcome]) => outcome === 'allowed')).toEqual([]);
    expect(scoped.some((op) => op.resource === 'secrets')).toBe(true);
    expect(scoped.some((op) => op.name?.startsWith('other-'))).toBe(true);
    deniedCount = Object.keys(results).length;
  });

  it.each(MUTATIONS)(
    'fails when the Role lacks one verb: without $verb on $resource exactly those operations are denied',
    async (mutation) => {
      const source = plans
        .flatMap(({ entries }) => entries)
        .find((e) =>
          e.role.rules.some(
            (r) => r.resources.includes(mutation.resource) && r.verbs.includes(mutation.verb),
          ),
        );
      expect(source).toBeDefined();
      const namespace = `mutated-${mutation.resource.replace(/\W/g, '-')}-${mutation.verb}`;
      const rules = source!.role.rules;
      const ops = operationsOf(namespace, rules);
      await createFixtures(plane!, ops);
      const mutated = without(rules, mutation);
      await applyRbac(plane!.kubeConfig('admin'), {
        ...source!,
        namespace,
        role: { ...source!.role, metadata: { ...source!.role.metadata, namespace }, rules: mutated },
        binding: { ...source!.binding, metadata: { ...source!.binding.metadata, namespace } },
      });
      const results = await outcomes(user, ops);
      const denied = Object.entries(results)
        .filter(([, outcome]) => outcome === 'denied')
        .map(([label]) => label);
      const expected = ops
        .filter((op) => op.resource === mutation.resource && verbsCheckedFor(op).includes(mutation.verb))
        .map(labelOf);
      expect(expected.length).toBeGreaterThan(0);
      expect(denied).toEqual(expected);
    },
  );
});
