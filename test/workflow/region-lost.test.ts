// The failure the orchestrator must survive: the upstream's AWS Region lost, and with it Route 53's
// control plane. A plan of two Regions fails over from the standby's Region through ARC routing
// controls (the data plane); a plan that changes records halts before any change, saying why.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drillAlarmEvent } from '../../lambdas/plan/alarm-event.js';
import { loadPlan } from '../../lambdas/plan/load-plan.js';
import { autoApprovals, drillEnvironment, seededCoordination } from '../../local/drill-deps.js';
import { runWorkflow } from '../../local/run-workflow.js';
import { parseScenario } from '../../sim/scenario.js';
import { startSimulation } from '../../sim/simulation.js';
import { downstreamTarget, dnsRecord, mutating, runDrill, scenario, upstreamTarget } from './run-drill.js';

const twoRegionPlan = 'examples/two-regions/rabbitmq-standby.yaml';
const recordsPlan = 'examples/plans/rabbitmq-standby.yaml';
const name = 'amqp.orders.example.com';
const control = (id: string) =>
  `arn:aws:route53-recovery-control::111122223333:controlpanel/0123456789abcdef0123456789abcdef/routingcontrol/${id}`;
const upstreamControl = control('0123456789abcdef');
const downstreamControl = control('fedcba9876543210');

describe('the upstream Region and Route 53 control plane lost', () => {
  it('a plan of two Regions fails over from eu-central-1 through the routing controls and exits 0', async () => {
    const run = await runDrill({ planFile: twoRegionPlan, scenarioFile: scenario('region-lost') });
    expect(run.exitCode).toBe(0);
    expect(run.report?.status).toBe('SUCCEEDED');
    expect(run.report?.actedFrom).toBe('eu-central-1');
    expect(run.report?.trafficSwitch).toBe('routing-controls');
    // The alarm that can still fire: the one in the Region that acts.
    expect(run.out).toContain(
      '  alarm orders-rabbitmq-dr-upstream-unreachable-from-eu-central-1 -> ALARM; settle time 60 s (shortened to 0 s in a drill); gate: on-risk (answered by --auto-approve)',
    );
    expect(run.out).toContain('Acted from: eu-central-1 (the orchestrator there ran every step)');
    expect(run.state.downstream.promoted).toBe(true);
    expect(run.state.duplicatePromotions).toBe(0);
    // Traffic moved by the data plane: the controls, through an endpoint outside eu-west-1; the
    // zone's records (the control plane) were never changed.
    expect(run.controls).toEqual(
      new Map([
        [upstreamControl, 'Off'],
        [downstreamControl, 'On'],
      ]),
    );
    expect(run.answers?.get(name)).toEqual([downstreamTarget]);
    expect(run.dns?.get(dnsRecord)?.values).toEqual([upstreamTarget]);
    const flip = run.report!.steps.find((s) => s.name === 'flip-dns' && s.outcome === 'succeeded');
    expect(flip?.summary).toMatch(/by routing controls .*through https:\/\/host-aaaaaa\.us-east-1\./);
    expect(run.report!.sideEffects.map((e) => e.action)).toContainEqual(
      expect.stringMatching(
        /^turned the downstream's routingcontrol\/fedcba9876543210 On and the upstream's routingcontrol\/0123456789abcdef Off/,
      ),
    );
    expect(run.out).toContain(
      `Resolvers get: ${name} -> ${downstreamTarget} (failover records whose health checks follow the ARC routing controls)`,
    );
  });

  it('a plan that changes records halts at check-dns before any change, saying the control plane does not answer (exit 3)', async () => {
    const run = await runDrill({ planFile: recordsPlan, scenarioFile: scenario('region-lost') });
    expect(run.exitCode).toBe(3);
    expect(run.report?.status).toBe('HALTED');
    expect(run.report?.steps.at(-1)).toMatchObject({ name: 'check-dns', outcome: 'failed' });
    expect(run.report?.reason).toMatch(
      /^NotReady: the traffic switch could not be made: dns-read:amqp\.orders\.example\.com: .*Route 53's control plane, does not answer.*Nothing was changed\. The record-change switch needs Route 53's control plane .* uses `dns\.switch\.via: routing-controls`/,
    );
    expect(run.report?.sideEffects).toEqual([]);
    expect(mutating(run.state)).toEqual([]);
    expect(run.dns?.get(dnsRecord)?.values).toEqual([upstreamTarget]);
  });

  it('with no endpoint of the ARC cluster answering, the two-Region plan halts at check-dns before any change', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'region-lost-'));
    const file = join(dir, 'arc-down.yaml');
    await writeFile(
      file,
      'aws: { unavailable: { regions: [eu-west-1, us-east-1, ap-southeast-2, us-west-2, ap-northeast-1] } }\nclusters: { upstream: { reachable: false } }\n',
    );
    const run = await runDrill({ planFile: twoRegionPlan, scenarioFile: file });
    expect(run.exitCode).toBe(3);
    expect(run.report?.reason).toMatch(
      /^NotReady: the traffic switch could not be made: arc-read: the routing controls cannot be read: ARC GetRoutingControlState: no cluster endpoint answered: https:\/\/host-cccccc\.eu-west-1\.example-arc-cluster\.aws\/ \(eu-west-1\): request timed out;/,
    );
    expect(run.report?.sideEffects).toEqual([]);
    expect(mutating(run.state)).toEqual([]);
    expect(run.controls?.get(upstreamControl)).toBe('On');
  });

  it("the upstream Region's orchestrator does not run the failover: BLOCKED before the lock, nothing changed", async () => {
    const plan = await loadPlan(twoRegionPlan);
    const healthy = parseScenario({}, 'healthy', plan);
    const simulation = await startSimulation(plan, healthy);
    try {
      const coordination = await seededCoordination(plan, healthy);
      const env = drillEnvironment({
        plan,
        scenario: healthy,
        simulation,
        coordination,
        approvals: autoApprovals('approve'),
        progress: () => undefined,
        region: 'eu-west-1',
      });
      const run = await runWorkflow({
        plan,
        trigger: drillAlarmEvent(plan.triggers.alarms[0]!.name, new Date(), undefined, 'eu-west-1'),
        workers: env.workers,
        journal: env.journal,
        settleMs: 0,
        retryIntervalMs: 10,
      });
      expect(run.report.status).toBe('BLOCKED');
      expect(run.report.actedFrom).toBe('eu-west-1');
      expect(run.report.reason).toMatch(
        /^Blocked: ungraceful failover upstream -> downstream of orders-rabbitmq-dr acts from eu-central-1, the Region of the side it moves to; this orchestrator runs in eu-west-1\. Nothing was changed/,
      );
      expect(coordination.lockOf(plan.name)).toBeUndefined();
      expect(simulation.state().log.filter((e) => e.kind === 'exec')).toEqual([]);
      expect(simulation.routingControls?.states().get(upstreamControl)).toBe('On');
    } finally {
      await simulation.stop();
    }
  });
});

describe('a plan of two Regions, round trip', () => {
  it('each leg acts from the Region of the side it moves to, and the failback turns the controls back', async () => {
    const run = await runDrill({
      planFile: twoRegionPlan,
      scenarioFile: scenario('healthy'),
      roundTrip: true,
    });
    expect(run.exitCode).toBe(0);
    expect(run.reports?.map((r) => [r.leg?.action, r.status, r.actedFrom])).toEqual([
      ['failover', 'SUCCEEDED', 'eu-central-1'],
      ['reprotect', 'SUCCEEDED', 'eu-central-1'],
      ['failover', 'SUCCEEDED', 'eu-west-1'],
    ]);
    expect(run.controls).toEqual(
      new Map([
        [upstreamControl, 'On'],
        [downstreamControl, 'Off'],
      ]),
    );
    expect(run.answers?.get(name)).toEqual([upstreamTarget]);
  });
});
