// `failover rbac PLAN`: valid Kubernetes RBAC with exactly the rules the plan's engine declares,
// bound to the group of the EKS access entries, and enough for everything a failover does.
import { deniedBy } from './rbac-denials.js';
import { parseAllDocuments } from 'yaml';
import type { PolicyRule } from '../../lambdas/engines/engine.js';
import { engineFor } from '../../lambdas/engines/registry.js';
import { loadPlan } from '../../lambdas/plan/load-plan.js';
import type { Plan } from '../../lambdas/plan/schema.js';
import { main } from '../../local/cli.js';
import type { Io } from '../../local/io.js';
import { examplePlan, runDrill, scenario } from '../workflow/run-drill.js';

type Json = Record<string, any>;

const run = async (...args: string[]) => {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l) };
  const code = await main(['rbac', ...args], io);
  return { code, out: out.join('\n'), err: err.join('\n') };
};

const documents = (yaml: string): Json[] => {
  const docs = parseAllDocuments(yaml);
  for (const d of docs as Array<{ errors: unknown[] }>) expect(d.errors).toEqual([]);
  return (docs as Array<{ toJS(): Json }>).map((d) => d.toJS());
};

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const VERBS = new Set(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection']);

/** Role rules by `side/namespace`, read from the side label the generator sets. */
const rulesBySide = (docs: Json[]) =>
  Object.fromEntries(
    docs
      .filter((d) => d.kind === 'Role')
      .map((d) => [
        `${d.metadata.labels['failover-orchestrator/side']}/${d.metadata.namespace}`,
        d.rules as PolicyRule[],
      ]),
  );

const declaredBySide = (plan: Plan) => {
  const declared: Record<string, PolicyRule[]> = {};
  for (const need of engineFor(plan).kubernetesAccess(plan))
    (declared[`${need.side}/${need.namespace}`] ??= []).push(...need.rules);
  return declared;
};

describe('failover rbac', () => {
  let plan: Plan;
  beforeAll(async () => {
    plan = await loadPlan(examplePlan);
  });

  it('prints exactly the rules the engine declares, per side and namespace', async () => {
    const { code, out } = await run(examplePlan);
    expect(code).toBe(0);
    expect(rulesBySide(documents(out))).toEqual(declaredBySide(plan));
  });

  it('prints valid Roles and RoleBindings, and nothing else: no ClusterRole, no wildcard', async () => {
    const docs = documents((await run(examplePlan)).out);
    expect(docs.map((d) => d.kind)).toEqual(['Role', 'RoleBinding', 'Role', 'RoleBinding']);
    for (const d of docs) {
      expect(d.apiVersion).toBe('rbac.authorization.k8s.io/v1');
      expect(d.metadata.name).toMatch(DNS_LABEL);
      expect(d.metadata.namespace).toMatch(DNS_LABEL);
      for (const [key, value] of Object.entries(d.metadata.labels as Record<string, string>)) {
        expect(key).toMatch(/^([a-z0-9.-]+\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/);
        expect(value).toMatch(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/);
      }
    }
    for (const role of docs.filter((d) => d.kind === 'Role')) {
      expect(Object.keys(role).sort()).toEqual(['apiVersion', 'kind', 'metadata', 'rules']);
      for (const rule of role.rules as Json[]) {
        expect(
          Object.keys(rule).every((k) => ['apiGroups', 'resources', 'verbs', 'resourceNames'].includes(k)),
        ).toBe(true);
        expect(rule.verbs.every((v: string) => VERBS.has(v))).toBe(true);
        expect(
          [...rule.apiGroups, ...rule.resources, ...rule.verbs, ...(rule.resourceNames ?? [])].some(
            (v: string) => v.includes('*'),
          ),
        ).toBe(false);
      }
    }
    for (const binding of docs.filter((d) => d.kind === 'RoleBinding')) {
      const role = docs.find(
        (d) => d.kind === 'Role' && d.metadata.namespace === binding.metadata.namespace,
      )!;
      expect(binding.roleRef).toEqual({
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'Role',
        name: role.metadata.name,
      });
      expect(binding.subjects).toEqual([
        { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'failover-orchestrator' },
      ]);
    }
  });

  it('says above each side which cluster it belongs to, and prints one side on request', async () => {
    const all = (await run(examplePlan)).out;
    expect(all).toContain(
      '# plan orders-rabbitmq: downstream cluster, EKS site-b (eu-central-1), kubeconfig context site-b; namespace tanzu-rabbitmq',
    );
    const { code, out } = await run(examplePlan, '--side', 'upstream', '--group', 'dr-automation');
    expect(code).toBe(0);
    const docs = documents(out);
    expect(docs.map((d) => d.metadata.namespace)).toEqual(['vmware-rabbitmq', 'vmware-rabbitmq']);
    expect(docs[1]!.subjects[0].name).toBe('dr-automation');
  });

  it('exits 2 on bad input, naming it', async () => {
    expect(await run('no-such-plan.yaml')).toMatchObject({
      code: 2,
      err: expect.stringContaining('no-such-plan.yaml: cannot read the plan file'),
    });
    expect(await run(examplePlan, '--side', 'sideways')).toMatchObject({
      code: 2,
      err: '--side sideways: expected upstream or downstream',
    });
    expect(await run(examplePlan, '--group', 'system:masters')).toMatchObject({
      code: 2,
      err: expect.stringContaining('cannot be the orchestrator'),
    });
    expect(await run()).toMatchObject({ code: 2, err: expect.stringContaining('usage: failover rbac PLAN') });
  });

  // The declared needs are only useful if they are enough: every write and exec of a whole
  // failover (readiness, fence, promote, verify, rolling-restart teardown) must be allowed.
  it('allows every write and exec a whole failover makes in the simulated clusters', async () => {
    const drill = await runDrill({ scenarioFile: scenario('healthy') });
    expect(drill.exitCode).toBe(0);
    const docs = documents((await run(examplePlan)).out);
    const roles = docs.filter((d) => d.kind === 'Role');
    const denied = deniedBy(
      roles.map((r) => ({
        side: r.metadata.labels['failover-orchestrator/side'],
        namespace: r.metadata.namespace,
        rules: r.rules as PolicyRule[],
      })),
      drill.state.log,
    );
    expect(drill.state.log.some((e) => e.kind === 'api')).toBe(true);
    expect(drill.state.log.some((e) => e.kind === 'exec' && e.site === 'upstream')).toBe(true);
    expect(denied).toEqual([]);
  });
});
