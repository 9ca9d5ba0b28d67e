// `failover run`: the workflow from an operator's machine, through kubeconfig contexts, here
// pointed at the simulated clusters (and the simulator's zone standing in for Route 53). Before
// its first change a run checks every port it needs; one it cannot use stops it with nothing
// changed, and `--dry-run` names the same.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadPlan } from '../../lambdas/plan/load-plan.js';
import { breakGlass } from '../../local/break-glass.js';
import { main } from '../../local/cli.js';
import { contextsOf, kubePortsFor } from '../../local/kube-contexts.js';
import { parseScenario } from '../../sim/scenario.js';
import { startSimulation, type Simulation } from '../../sim/simulation.js';
import { mutating } from '../workflow/run-drill.js';

const planFile = 'examples/plans/rabbitmq-standby.yaml';
const record = 'amqp.orders.example.com';
let simulation: Simulation;
let kubeconfig: string;

/** The simulated sites for one test: healthy, or as `scenario` makes them (e.g. its DNS faults). */
const start = async (scenario: Record<string, unknown> = {}, file = planFile) => {
  const plan = await loadPlan(file);
  simulation = await startSimulation(plan, parseScenario(scenario, 'break-glass', plan));
  // The plan's contexts (site-a, site-b) in a kubeconfig of their own, pointing at the simulator.
  const entry = (name: string, side: 'upstream' | 'downstream') => ({ name, server: simulation.urlOf(side) });
  const clusters = [entry('site-a', 'upstream'), entry('site-b', 'downstream')];
  kubeconfig = join(await mkdtemp(join(tmpdir(), 'kube-')), 'config');
  await writeFile(
    kubeconfig,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: clusters.map((c) => ({
        name: c.name,
        cluster: { server: c.server, 'insecure-skip-tls-verify': true },
      })),
      users: [{ name: 'operator', user: { token: 'operator-token' } }],
      contexts: clusters.map((c) => ({ name: c.name, context: { cluster: c.name, user: 'operator' } })),
      'current-context': 'site-b',
    }),
  );
};
beforeEach(() => start());
afterEach(async () => {
  await simulation.stop();
});

/** Restarts the sites with `scenario` in place of the healthy one. */
const restart = async (scenario: Record<string, unknown>, file = planFile) => {
  await simulation.stop();
  await start(scenario, file);
};

/** Nothing was fenced, promoted or pointed elsewhere: the sites and the zone are as they started. */
const expectNothingChanged = () => {
  const state = simulation.state();
  expect(mutating(state)).toEqual([]);
  expect(state.downstream.promoted).toBe(false);
  expect(state.upstream.access.limits['test-vhost-1']?.['max-connections']).not.toBe(0);
  expect([...simulation.dns.records().values()][0]!.values).toEqual([
    'upstream-cluster.site-a.orders.example.com',
  ]);
};

const capture = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
};

const portsFor = async (file = planFile) => {
  const plan = await loadPlan(file);
  const { routingControls } = simulation;
  return {
    kube: kubePortsFor(plan, contextsOf(plan, {}), kubeconfig),
    dns: simulation.dns,
    ...(routingControls ? { routingControlsFor: () => routingControls, answers: simulation.answers } : {}),
  };
};

it('--dry-run runs every check, lists every change, and changes nothing', async () => {
  const { io, out } = capture();
  expect(await breakGlass({ planFile, dryRun: true, kubeconfig }, io, await portsFor())).toBe(0);
  expect(out).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^ {2}pass {2}downstream-api .*context site-b/),
      expect.stringMatching(/^ {2}pass {2}downstream-exec /),
      expect.stringMatching(/^ {2}pass {2}upstream-api .*context site-a/),
      expect.stringMatching(/^ {2}pass {2}upstream-exec /),
      `  pass  dns-read:${record} hosted zone Z0123456789ABCDEFGHIJ: CNAME ${record} holds upstream-cluster.site-a.orders.example.com (TTL 60 s)`,
      `  pass  dns-change:${record} hosted zone Z0123456789ABCDEFGHIJ: CNAME ${record} may be changed (asked without changing it)`,
      expect.stringMatching(/^ {2}pass {2}replication-lag/),
      expect.stringMatching(/^ {2}- promote tanzu-rabbitmq\/downstream-cluster/),
      expect.stringMatching(
        /^ {2}- point CNAME amqp\.orders\.example\.com from .* to downstream-cluster\.site-b/,
      ),
      'Dry run: nothing was changed. The standby is ready.',
    ]),
  );
  expect(mutating(simulation.state())).toEqual([]);
  expect([...simulation.dns.records().values()][0]!.values).toEqual([
    'upstream-cluster.site-a.orders.example.com',
  ]);
});

it('a run fails over through the same workflow and records the operator and reason', async () => {
  const { io, out } = capture();
  expect(
    await breakGlass(
      { planFile, dryRun: false, kubeconfig, reason: 'eu-west-1 control plane down, INC-42' },
      io,
      await portsFor(),
    ),
  ).toBe(0);
  expect(out).toContain('Outcome: SUCCEEDED');
  expect(
    out.some((l) =>
      /^ {2}ok {3}approval .*approved by .* \(failover run\): eu-west-1 control plane down, INC-42/.test(l),
    ),
  ).toBe(true);
  const state = simulation.state();
  expect(state.downstream.promoted).toBe(true);
  expect(state.upstream.access.limits['test-vhost-1']).toEqual({ 'max-connections': 0 });
  expect([...simulation.dns.records().values()][0]!.values).toEqual([
    'downstream-cluster.site-b.orders.example.com',
  ]);
});

it('refuses a real run without a reason, and a context the kubeconfig lacks, changing nothing', async () => {
  const { io, err } = capture();
  expect(await main(['run', planFile, '--kubeconfig', kubeconfig], io)).toBe(2);
  expect(err[0]).toMatch(/^pass --dry-run or --reason: a break-glass run changes production/);
  expect(
    await main(['run', planFile, '--kubeconfig', kubeconfig, '--context', 'site-z', '--dry-run'], io),
  ).toBe(2);
  expect(err[1]).toMatch(/site-z/);
  expect(simulation.state().log).toEqual([]);
});

describe('the preflight: a port a run needs and cannot use stops it before its first change', () => {
  it.each([
    [
      'refuses the read (403)',
      { status: 403, times: 5 },
      /AccessDenied: .*route53:ListResourceRecordSets/,
      /use AWS credentials allowed route53:ListResourceRecordSets on arn:aws:route53:::hostedzone\/Z0123456789ABCDEFGHIJ/,
    ],
    [
      'does not answer',
      { status: 'timeout', times: 5 },
      /request timed out/,
      /make Route 53 answer from this machine/,
    ],
  ])('--dry-run exits 3 naming what is missing when Route 53 %s', async (_case, fault, error, remedy) => {
    await restart({ faults: [{ target: 'dns', operation: 'get', ...fault }] });
    const { io, out } = capture();

    expect(await breakGlass({ planFile, dryRun: true, kubeconfig }, io, await portsFor())).toBe(3);

    expect(out).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          new RegExp(`^ {2}FAIL {2}dns-read:${record} hosted zone Z0123456789ABCDEFGHIJ: .*${error.source}`),
        ),
        `  FAIL  dns-change:${record} hosted zone Z0123456789ABCDEFGHIJ: CNAME ${record}: not asked, the record cannot be read`,
        `    (${record} cannot be read)`,
        'Missing (a run changes nothing until each is fixed):',
        expect.stringMatching(
          new RegExp(`^ {2}- dns-read:${record} at hosted zone Z0123456789ABCDEFGHIJ: .*${error.source}`),
        ),
        expect.stringMatching(new RegExp(`^ {6}to do: ${remedy.source}`)),
        `  - dns-change:${record} at hosted zone Z0123456789ABCDEFGHIJ: CNAME ${record}: not asked, the record cannot be read`,
        `      to do: fix dns-read:${record} first`,
        `A run would stop before its first change: missing dns-read:${record}, dns-change:${record}.`,
      ]),
    );
    // The clusters were usable all along: only DNS is named.
    expect(out.filter((l) => /^ {2}FAIL {2}(downstream|upstream)-/.test(l))).toEqual([]);
    expectNothingChanged();
  });

  it('a run while Route 53 refuses the read fences nothing, promotes nothing and leaves DNS alone', async () => {
    await restart({ faults: [{ target: 'dns', operation: 'get', status: 403, times: 50 }] });
    const { io, out } = capture();

    expect(
      await breakGlass(
        { planFile, dryRun: false, kubeconfig, reason: 'drill: no Route 53 read' },
        io,
        await portsFor(),
      ),
    ).toBe(3);

    expect(out).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^ {2}- dns-read:${record} at .*AccessDenied`)),
        'Nothing was changed: a run needs all of the above before its first change.',
      ]),
    );
    // The workflow never started: no step ran, so there is no outcome.
    expect(out.some((l) => l.startsWith('Outcome:'))).toBe(false);
    expectNothingChanged();
  });

  it('a run whose credentials may read but not change the record changes nothing', async () => {
    await restart({ faults: [{ target: 'dns', operation: 'upsert', status: 403 }] });
    const { io, out } = capture();

    expect(
      await breakGlass(
        { planFile, dryRun: false, kubeconfig, reason: 'drill: no Route 53 change' },
        io,
        await portsFor(),
      ),
    ).toBe(3);

    expect(out).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^ {2}pass {2}dns-read:${record} `)),
        expect.stringMatching(
          new RegExp(
            `^ {2}- dns-change:${record} at hosted zone Z0123456789ABCDEFGHIJ: CNAME ${record} may not be changed by these credentials: AccessDenied: .*route53:ChangeResourceRecordSets`,
          ),
        ),
        expect.stringMatching(
          /^ {6}to do: use AWS credentials allowed route53:ChangeResourceRecordSets on arn:aws:route53:::hostedzone\/Z0123456789ABCDEFGHIJ for amqp\.orders\.example\.com \(actions UPSERT and DELETE/,
        ),
        'Nothing was changed: a run needs all of the above before its first change.',
      ]),
    );
    expectNothingChanged();
  });

  it('a Kubernetes permission the run needs and lacks is named, with the RBAC to grant', async () => {
    await restart({
      faults: [
        {
          target: 'api',
          site: 'downstream',
          method: 'GET',
          resource: 'rabbitmqclusters',
          status: 403,
          times: 20,
        },
      ],
    });
    const { io, out } = capture();

    expect(
      await breakGlass(
        { planFile, dryRun: false, kubeconfig, reason: 'drill: no RBAC' },
        io,
        await portsFor(),
      ),
    ).toBe(3);

    expect(out).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^ {2}- downstream-api at downstream cluster \(context site-b\), namespace tanzu-rabbitmq: refused: .*403/,
        ),
        "      to do: grant the context's user the Role that `failover rbac PLAN --side downstream` prints for plan orders-rabbitmq",
      ]),
    );
    expectNothingChanged();
  });

  it('an unreachable upstream is reported, and left to the fence step: under fencing.whenUnreachable: halt it halts there', async () => {
    simulation.setReachable('upstream', false);
    const dry = capture();
    expect(await breakGlass({ planFile, dryRun: true, kubeconfig }, dry.io, await portsFor())).toBe(3);
    expect(dry.out).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^ {2}WARN {2}upstream-api .*not shown to answer .*connection failed.*fencing\.whenUnreachable: proceed \(this plan: halt\)/,
        ),
        'Not reachable: upstream-api, upstream-exec (see WARN above).',
      ]),
    );
    expect(dry.out.some((l) => l.startsWith('Missing'))).toBe(false);

    const run = capture();
    expect(
      await breakGlass(
        { planFile, dryRun: false, kubeconfig, reason: 'drill: site-a lost' },
        run.io,
        await portsFor(),
      ),
    ).toBe(3);
    expect(run.out).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Outcome: HALTED - FenceUnverified: /)]),
    );
    expectNothingChanged();
  });
});

describe('a plan that switches traffic by ARC routing controls, with Route 53 control plane down', () => {
  const twoRegions = 'examples/two-regions/rabbitmq-standby.yaml';
  const down = { aws: { unavailable: { route53ControlPlane: true } } };

  it('--dry-run reads the controls (and nothing of Route 53), lists the flip, and changes nothing', async () => {
    await restart(down, twoRegions);
    const { io, out } = capture();
    expect(
      await breakGlass({ planFile: twoRegions, dryRun: true, kubeconfig }, io, await portsFor(twoRegions)),
    ).toBe(0);
    expect(out).toEqual(
      expect.arrayContaining([
        '  pass  arc-read             ARC cluster (5 endpoints): upstream control On, downstream control Off',
        expect.stringMatching(
          /^ {2}- turn the downstream's routing control On and the upstream's Off \(ARC, one request\)/,
        ),
        'Dry run: nothing was changed. The standby is ready.',
      ]),
    );
    expect(simulation.routingControls?.states().get(twoRegionControls.upstream)).toBe('On');
  });

  it('a run flips the controls, never the records', async () => {
    await restart(down, twoRegions);
    const { io, out } = capture();
    expect(
      await breakGlass(
        { planFile: twoRegions, dryRun: false, kubeconfig, reason: 'eu-west-1 lost, INC-43' },
        io,
        await portsFor(twoRegions),
      ),
    ).toBe(0);
    expect(out).toContain('Outcome: SUCCEEDED');
    expect(simulation.routingControls?.states()).toEqual(
      new Map([
        [twoRegionControls.upstream, 'Off'],
        [twoRegionControls.downstream, 'On'],
      ]),
    );
    expect([...simulation.dns.records().values()][0]!.values).toEqual([
      'upstream-cluster.site-a.orders.example.com',
    ]);
  });
});

const twoRegionControls = {
  upstream:
    'arn:aws:route53-recovery-control::111122223333:controlpanel/0123456789abcdef0123456789abcdef/routingcontrol/0123456789abcdef',
  downstream:
    'arn:aws:route53-recovery-control::111122223333:controlpanel/0123456789abcdef0123456789abcdef/routingcontrol/fedcba9876543210',
};
