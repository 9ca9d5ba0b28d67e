// Which writes and execs in a simulated run the given namespaced roles would refuse: how the
// tests prove the generated RBAC covers everything a run does.
import type { PolicyRule } from '../../lambdas/engines/engine.js';
import type { SimLogEntry } from '../../sim/simulation.js';

export interface GrantedRole {
  side: string;
  namespace: string;
  rules: PolicyRule[];
}

export const deniedBy = (roles: readonly GrantedRole[], log: readonly SimLogEntry[]): SimLogEntry[] => {
  const allowed = (
    site: string,
    namespace: string | undefined,
    group: string,
    resource: string,
    verb: string,
    name?: string,
  ) =>
    roles.some(
      (role) =>
        role.side === site &&
        (namespace === undefined || role.namespace === namespace) &&
        role.rules.some(
          (r) =>
            r.apiGroups.includes(group) &&
            r.resources.includes(resource) &&
            r.verbs.includes(verb) &&
            (!r.resourceNames || (name !== undefined && r.resourceNames.includes(name))),
        ),
    );
  return log.filter((e) => {
    // A WebSocket exec is authorized as `get` and `create` on pods/exec (lambdas/engines/engine.ts).
    if (e.kind === 'exec')
      return !(
        allowed(e.site, undefined, '', 'pods/exec', 'get') &&
        allowed(e.site, undefined, '', 'pods/exec', 'create')
      );
    const m = /^\/apis?\/(?:([^/]+)\/)?v[^/]+\/namespaces\/([^/]+)\/([^/]+)(?:\/([^/]+))?/.exec(e.path);
    if (!m) return true;
    const [, group = '', namespace, resource, name] = m;
    const verb = { POST: 'create', PATCH: 'patch', DELETE: 'delete' }[e.method];
    return !allowed(e.site, namespace, group, resource!, verb, name);
  });
};
