// The Kubernetes RBAC the orchestrator needs for one plan, generated from what the plan's engine
// declares it uses (`Engine.kubernetesAccess`): per side and namespace one Role with exactly those
// rules and one RoleBinding to the group that the EKS access entries map the Kubernetes worker's
// IAM role to. No ClusterRole: every need is namespaced, so nothing reaches beyond it.
import { stringify } from 'yaml';
import type { PolicyRule } from '../engines/engine.js';
import { describeEngine } from '../engines/catalog.js';
import type { Plan, Side } from './schema.js';

/** The Kubernetes group of the EKS access entries; `failover rbac --group` and the construct's prop override it. */
export const DEFAULT_KUBERNETES_GROUP = 'failover-orchestrator';

const RBAC_API = 'rbac.authorization.k8s.io';

interface Metadata {
  name: string;
  namespace: string;
  labels: Record<string, string>;
}

export interface Role {
  apiVersion: `${typeof RBAC_API}/v1`;
  kind: 'Role';
  metadata: Metadata;
  rules: PolicyRule[];
}

export interface RoleBinding {
  apiVersion: `${typeof RBAC_API}/v1`;
  kind: 'RoleBinding';
  metadata: Metadata;
  roleRef: { apiGroup: typeof RBAC_API; kind: 'Role'; name: string };
  subjects: Array<{ apiGroup: typeof RBAC_API; kind: 'Group'; name: string }>;
}

/** What to apply in one namespace of one side's cluster. */
export interface NamespaceRbac {
  side: Side;
  namespace: string;
  role: Role;
  binding: RoleBinding;
}

/** Kubernetes refuses to bind `system:` groups this way, and EKS access entries refuse them too. */
export const checkKubernetesGroup = (group: string): string | undefined =>
  group.length === 0 || group.startsWith('system:')
    ? `"${group}" cannot be the orchestrator's Kubernetes group: expected a non-empty name not starting with "system:"`
    : undefined;

export const rbacFor = (plan: Plan, group = DEFAULT_KUBERNETES_GROUP): NamespaceRbac[] => {
  const problem = checkKubernetesGroup(group);
  if (problem) throw new Error(problem);
  // An engine may declare one namespace in several needs: they share one Role, rules in order.
  const byNamespace = new Map<string, { side: Side; namespace: string; rules: PolicyRule[] }>();
  for (const need of describeEngine(plan).kubernetesAccess(plan)) {
    const key = `${need.side}/${need.namespace}`;
    const entry = byNamespace.get(key) ?? { side: need.side, namespace: need.namespace, rules: [] };
    entry.rules.push(...need.rules.map(copyRule));
    byNamespace.set(key, entry);
  }
  const name = `failover-${plan.name}`;
  return [...byNamespace.values()].map(({ side, namespace, rules }) => {
    const metadata = (): Metadata => ({
      name,
      namespace,
      labels: {
        'app.kubernetes.io/managed-by': 'failover-orchestrator',
        'failover-orchestrator/plan': plan.name,
        'failover-orchestrator/side': side,
      },
    });
    return {
      side,
      namespace,
      role: { apiVersion: `${RBAC_API}/v1`, kind: 'Role', metadata: metadata(), rules },
      binding: {
        apiVersion: `${RBAC_API}/v1`,
        kind: 'RoleBinding',
        metadata: metadata(),
        roleRef: { apiGroup: RBAC_API, kind: 'Role', name },
        subjects: [{ apiGroup: RBAC_API, kind: 'Group', name: group }],
      },
    };
  });
};

const copyRule = (rule: PolicyRule): PolicyRule => ({
  apiGroups: [...rule.apiGroups],
  resources: [...rule.resources],
  verbs: [...rule.verbs],
  ...(rule.resourceNames ? { resourceNames: [...rule.resourceNames] } : {}),
});

/** Where a side's objects go, for the comment above them. */
const clusterOf = (plan: Plan, side: Side): string => {
  const { eks, context } = plan.clusters[side];
  return [
    eks ? `EKS ${eks.name} (${eks.region})` : undefined,
    context ? `kubeconfig context ${context}` : undefined,
  ]
    .filter(Boolean)
    .join(', ');
};

/** `---`-separated YAML documents, each side's preceded by a comment naming its cluster. */
export const rbacYaml = (plan: Plan, manifests: NamespaceRbac[]): string =>
  manifests
    .flatMap(({ side, namespace, role, binding }) => [
      `# plan ${plan.name}: ${side} cluster, ${clusterOf(plan, side)}; namespace ${namespace}\n${stringify(role)}`,
      stringify(binding),
    ])
    .join('---\n');
