// The rabbitmq-shovel engine through the ASL file (local runner, real handlers, simulated
// clusters). Assertions read the simulated clusters' end state and the DNS zone.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runEngineDrill, stepsOf, summaryOf } from './run-engine-drill.js';

const planFile = 'examples/plans/rabbitmq-shovel.yaml';
const scenario = (name: string) => `examples/scenarios/rabbitmq-shovel/${name}.yaml`;
const record = 'Z0123456789ABCDEFGHIJ/amqp.payments.example.com/CNAME';
const drillOf = (options: { scenarioFile?: string; planFile?: string }) =>
  runEngineDrill('rabbitmq-shovel', { planFile, ...options });

describe('rabbitmq-shovel failover (ASL file, simulated clusters)', () => {
  it('healthy (the default scenario): fences production, drains the backlog, removes both shovels their way, moves DNS; nothing published is lost', async () => {
    const run = await drillOf({});
    expect(run.exitCode).toBe(0);
    expect(run.out[0]).toBe(
      `Failover drill: plan payments-rabbitmq (${planFile}), scenario ${scenario('healthy')}`,
    );
    // The drain takes a few seconds; on a loaded machine promote may hand its wait to the
    // workflow before it ends: an invocation that waited is not an outcome.
    expect(stepsOf(run).filter((s) => !s.endsWith(':waiting'))).toEqual([
      'admit:succeeded',
      'confirm-alarm:succeeded',
      'check-dns:succeeded',
      'readiness:succeeded',
      'approval:succeeded',
      'confirm-alarm:succeeded',
      'readiness:succeeded',
      'fence:succeeded',
      'promote:succeeded',
      'verify-promotion:succeeded',
      'flip-dns:succeeded',
      'verify-dns:succeeded',
      'teardown:succeeded',
    ]);
    // Each check and action is in the report.
    const checks = run.report!.steps.find((s) => s.name === 'readiness')!.detail as {
      checks: Array<{ name: string; passed: boolean }>;
    };
    expect(checks.checks.map((c) => [c.name, c.passed])).toEqual([
      ['downstream-present', true],
      ['upstream-present', true],
      ['cluster-health', true],
      ['shovels-running', true],
      ['upstream-backlog', true],
    ]);
    expect(
      run.out.some((l) =>
        /^ {4}\.\.\. waiting for the upstream's backlog to drain: \d+ messages to drain/.test(l),
      ),
    ).toBe(true);

    // Production takes no client: its vhost refuses connections, and none is open.
    expect(run.state.upstream.access.limits).toEqual({ payments: { 'max-connections': 0 } });
    expect(run.state.upstream.access.connections).toEqual([]);
    // Both shovels are gone for good: the resource deleted (so the operator does not put it back), the parameter cleared.
    expect(run.state.downstream.shovels).toEqual([
      {
        name: 'payments-orders',
        vhost: 'payments',
        state: 'absent',
        parameter: false,
        resource: false,
        puts: 0,
      },
      {
        name: 'payments-audit',
        vhost: 'payments',
        state: 'absent',
        parameter: false,
        resource: false,
        puts: 0,
      },
    ]);
    // Everything the clients published reached DR before the links were cut.
    expect(run.state.messages.stillUpstream).toBe(0);
    expect(run.state.messages.delivered).toBe(run.state.messages.published);
    expect(run.dns?.get(record)?.values).toEqual(['payments-dr.dr-b.payments.example.com']);
    expect(run.report!.sideEffects.map((e) => e.action)).toEqual([
      'fenced vhost payments: max-connections 0 (was unlimited)',
      'closed 2 client connections of vhost payments',
      'deleted shovels.rabbitmq.com payments-orders',
      'cleared shovel parameter payments-audit in vhost payments (rabbitmqctl clear_parameter)',
      expect.stringMatching(
        /^pointed CNAME amqp\.payments\.example\.com at payments-dr\.dr-b\.payments\.example\.com \(was payments\.prod-a\.payments\.example\.com\) in change \/change\/LOCAL\d+$/,
      ),
    ]);
  });

  it('shovel-down: halts at readiness naming the terminated shovel, and changes nothing', async () => {
    const run = await drillOf({ scenarioFile: scenario('shovel-down') });
    expect(run.exitCode).toBe(3);
    expect(run.report?.reason).toMatch(
      /^NotReady: downstream not ready: shovels-running: payments-audit is terminated \(\{shutdown,\{server_initiated_close,404/,
    );
    expect(run.report!.sideEffects).toEqual([]);
    expect(run.state.downstream.shovels.map((s) => [s.name, s.parameter])).toEqual([
      ['payments-orders', true],
      ['payments-audit', true],
    ]);
    expect(run.dns?.get(record)?.values).toEqual(['payments.prod-a.payments.example.com']);
  });

  it('upstream-lost: the backlog is unknown and the shovels cannot run; readiness halts and says why', async () => {
    const run = await drillOf({ scenarioFile: scenario('upstream-lost') });
    expect(run.exitCode).toBe(3);
    expect(run.report?.reason).toContain('payments-orders is starting');
    expect(run.report?.reason).toMatch(
      /upstream-backlog: the upstream did not answer \(.*\): what the shovels have not moved yet is unknown and would be lost/,
    );
    expect(run.report!.sideEffects).toEqual([]);
  });

  it('a Shovel resource with deletionPolicy retain: deleting it leaves the shovel running, so its parameter is cleared too', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'shovel-'));
    const file = join(dir, 'retain.yaml');
    await writeFile(
      file,
      'clusters:\n  shovels:\n    payments-orders: { deletionPolicy: retain, backlog: 10 }\n',
    );
    const run = await drillOf({ scenarioFile: file });
    expect(run.exitCode).toBe(0);
    expect(run.state.downstream.shovels.find((s) => s.name === 'payments-orders')).toEqual({
      name: 'payments-orders',
      vhost: 'payments',
      state: 'absent',
      parameter: false,
      resource: false,
      puts: 0,
    });
    expect(summaryOf(run, 'promote')).toContain(
      'payments-orders (Shovel resource payments-orders deleted, parameter cleared (deletionPolicy retain))',
    );
  });

  it('a shovel with ack-mode on-publish fails readiness: what it holds in flight can be lost', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'shovel-'));
    const file = join(dir, 'on-publish.yaml');
    await writeFile(file, 'clusters:\n  shovels:\n    payments-audit: { ackMode: on-publish }\n');
    const run = await drillOf({ scenarioFile: file });
    expect(run.exitCode).toBe(3);
    expect(run.report?.reason).toContain(
      'payments-audit uses ack-mode on-publish: messages in flight can be lost; on-confirm is required',
    );
  });

  it('a clear_parameter that took effect but reported failure is retried safely: each shovel is removed once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'shovel-'));
    const file = join(dir, 'crash.yaml');
    await writeFile(
      file,
      'faults:\n  - { target: exec, site: downstream, command: clear_parameter, exitCode: 137, afterEffect: true }\n',
    );
    const run = await drillOf({ scenarioFile: file });
    expect(run.exitCode).toBe(0);
    expect(
      run.report!.steps.filter((s) => s.name === 'promote' && s.outcome !== 'waiting').map((s) => s.outcome),
    ).toEqual(['failed', 'succeeded']);
    // The retry read that payments-audit was gone and did not clear it again.
    expect(
      run.state.log
        .filter((e) => e.kind === 'exec' && e.argv.includes('clear_parameter'))
        .map((e) => e.kind === 'exec' && e.argv.at(-1)),
    ).toEqual(['payments-audit']);
    expect(run.state.downstream.shovels.every((s) => !s.parameter && !s.resource)).toBe(true);
  });
});
