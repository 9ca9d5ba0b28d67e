// The Warm Standby model, driven through the real Kubernetes API adapter the way the
// orchestrator drives a real cluster; outputs compared with seed 000.
import type { KubePort } from '../../lambdas/ports/kube.js';
import {
  downstreamCluster,
  eventually,
  schemaReplication,
  standbyReplication,
  startSim,
  type SimFixture,
} from './start-sim.js';

const DS = 'tanzu-rabbitmq';
const US = 'vmware-rabbitmq';
const ds = (i: number): string => `downstream-cluster-server-${i}`;
const node = (i: number): string => `rabbit@${ds(i)}.downstream-cluster-nodes.${DS}`;
const ctl = (...args: string[]): string[] => ['rabbitmqctl', ...args];
const diag = (...args: string[]): string[] => ['rabbitmq-diagnostics', ...args];

const run = async (kube: KubePort, namespace: string, pod: string, argv: string[]): Promise<string> => {
  const result = await kube.exec(namespace, pod, argv, { container: 'rabbitmq' });
  if (result.exitCode !== 0) throw new Error(`${argv.join(' ')} exited ${result.exitCode}: ${result.stderr}`);
  return result.stdout;
};

const promotedRow = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\t(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\t3\ttest-vhost-1$/;

describe('rabbitmq-standby model', () => {
  let fx: SimFixture | undefined;
  afterEach(async () => {
    await fx?.sim.stop();
    fx = undefined;
  });

  it('prints the status and inspection outputs seed 000 shows', async () => {
    fx = await startSim({ clusters: { downstream: { lagSeconds: 5 } } });
    const down = fx.kube('downstream');
    const up = fx.kube('upstream');

    expect(await run(up, US, 'upstream-cluster-server-0', ctl('schema_replication_status'))).toBe(
      'Schema replication status on node rabbit@upstream-cluster-server-0.upstream-cluster-nodes.vmware-rabbitmq\n' +
        'Operating mode: upstream\nState: syncing\nUpstream endpoint(s): 10.110.224.126:5672\nUpstream username: replicator\n',
    );
    expect(await run(down, DS, ds(0), ctl('schema_replication_status'))).toBe(
      `Schema replication status on node ${node(0)}\nOperating mode: downstream\nState: syncing\nUpstream endpoint(s): 10.110.224.126:5672\nUpstream username: replicator\n`,
    );
    expect(await run(down, DS, ds(0), ctl('-q', 'schema_replication_status'))).toBe(
      'Operating mode: downstream\nState: syncing\nUpstream endpoint(s): 10.110.224.126:5672\nUpstream username: replicator\n',
    );
    expect(await run(down, DS, ds(0), ctl('list_vhosts_available_for_standby_replication_recovery'))).toBe(
      `Listing virtual hosts available for multi-DC replication recovery on node ${node(0)}\ntest-vhost-1\n`,
    );

    const metrics = await run(down, DS, ds(0), diag('inspect_standby_downstream_metrics'));
    const [, stamp] =
      /^Inspecting standby downstream metrics related to recovery\.\.\.\nqueue\ttimestamp\tvhost\nq1\.quorum\t(\d{13})\ttest-vhost-1\n$/.exec(
        metrics,
      ) ?? [];
    expect(Date.now() - Number(stamp)).toBeGreaterThanOrEqual(5000);
    expect(Date.now() - Number(stamp)).toBeLessThan(6500);

    expect(await run(up, US, 'upstream-cluster-server-2', diag('inspect_standby_upstream_metrics'))).toMatch(
      /^Inspecting standby upstream metrics related to recovery\.\.\.\nqueue\ttimestamp\tvhost\nq1\.quorum\t\d{13}\ttest-vhost-1\n$/,
    );
    expect(await run(up, US, 'upstream-cluster-server-0', diag('inspect_standby_upstream_metrics'))).toBe(
      'Inspecting standby upstream metrics related to recovery...\nqueue\ttimestamp\tvhost\n',
    );
    expect(
      await run(down, DS, ds(0), diag('inspect_local_data_available_for_standby_replication_recovery')),
    ).toBe(
      'Inspecting local data replicated for multi-DC recovery\nexchange\tmessages\trouting_key\tvhost\n' +
        'test1.fanout\t1\ttest3\ttest-vhost-1\ntest1.fanout\t1\ttest2\ttest-vhost-1\ntest1.fanout\t1\ttest1\ttest-vhost-1\n',
    );
    expect(await run(down, DS, ds(2), ctl('display_disk_space_used_by_standby_replication_data'))).toBe(
      `Listing disk space (in gb) used by multi-DC replication\nnode\tsize\tunit\tvhost\n${node(0)}\t0.0\tgb\ttest-vhost-1\n`,
    );
    expect(await run(down, DS, ds(0), ctl('-s', 'display_standby_promotion_summary'))).toBe('');
  });

  it('promotes: buffered messages become visible; running it again recovers only newer messages unless from scratch', async () => {
    fx = await startSim();
    const down = fx.kube('downstream');
    expect(fx.sim.state().downstream.queues).toEqual([
      { vhost: 'test-vhost-1', name: 'q1.quorum', messages: 0 },
    ]);

    const lines = (await run(down, DS, ds(0), ctl('promote_standby_replication_downstream_cluster'))).split(
      '\n',
    );
    expect(lines[0]).toBe('Will promote cluster to upstream...');
    expect(lines[1]).toBe('first_timestamp\tlast_timestamp\tmessage_count\tvirtual_host');
    const [, first, last] = promotedRow.exec(lines[2] ?? '') ?? [];
    expect(Date.parse(`${last}Z`) - Date.parse(`${first}Z`)).toBe(10_000);
    expect(lines.slice(3)).toEqual(['']);

    expect(await run(down, DS, ds(1), ctl('display_standby_promotion_summary'))).toBe(
      `Displaying standby promotion summary...\nfirst_timestamp\tlast_timestamp\tmessage_count\tvirtual_host\n${lines[2]}\n`,
    );
    let state = fx.sim.state();
    expect(state.downstream).toMatchObject({
      promoted: true,
      queues: [{ name: 'q1.quorum', messages: 3 }],
      promotionSummary: [{ messageCount: 3, virtualHost: 'test-vhost-1' }],
    });
    expect(state.duplicatePromotions).toBe(0);

    const again = (
      await run(down, DS, ds(2), ctl('-q', 'promote_standby_replication_downstream_cluster'))
    ).split('\n');
    expect(again[1]).toMatch(/^\S+ \S+\t\S+ \S+\t0\ttest-vhost-1$/);
    state = fx.sim.state();
    expect(state.duplicatePromotions).toBe(1);
    expect(state.downstream.queues[0]?.messages).toBe(3);
    expect(state.downstream.promotionHistory.map((p) => p.redelivered)).toEqual([false, false]);

    await run(down, DS, ds(2), ctl('promote_standby_replication_downstream_cluster', '--start-from-scratch'));
    state = fx.sim.state();
    expect(state.duplicatePromotions).toBe(2);
    expect(state.downstream.queues[0]?.messages).toBe(6);
    expect(state.downstream.promotionHistory.map((p) => p.redelivered)).toEqual([false, false, true]);
  });

  it('leaves out excluded vhosts and refuses to promote an upstream', async () => {
    fx = await startSim();
    const excluded = await run(
      fx.kube('downstream'),
      DS,
      ds(0),
      ctl('promote_standby_replication_downstream_cluster', '--exclude-virtual-hosts', 'test-vhost-1'),
    );
    expect(excluded).toBe(
      'Will promote cluster to upstream...\nfirst_timestamp\tlast_timestamp\tmessage_count\tvirtual_host\n',
    );
    const onUpstream = await fx
      .kube('upstream')
      .exec(US, 'upstream-cluster-server-0', ctl('promote_standby_replication_downstream_cluster'));
    expect(onUpstream.exitCode).toBe(70);
    const badFlag = await fx
      .kube('downstream')
      .exec(DS, ds(0), ctl('promote_standby_replication_downstream_cluster', '--everything'));
    expect(badFlag).toMatchObject({ exitCode: 64 });
    expect(badFlag.stderr).toContain(
      'Error (argument validation): Invalid options for this command:\n--everything : ',
    );
  });

  it('switches without a restart (seed way 2): disconnect on the link node, mode per pod, delete data', async () => {
    fx = await startSim();
    const down = fx.kube('downstream');
    await run(down, DS, ds(0), ctl('promote_standby_replication_downstream_cluster'));
    expect(await down.deleteCustomObject(standbyReplication)).toBe('deleted');
    expect(await down.deleteCustomObject(schemaReplication)).toBe('deleted');

    expect(await run(down, DS, ds(1), ctl('disconnect_standby_replication_downstream'))).toBe(
      `Will disconnect standby message replication on node ${node(1)} from its upstream\nError:\nfalse\n`,
    );
    expect(fx.sim.state().downstream.streamLinkConnected).toBe(true);
    expect(await run(down, DS, ds(0), ctl('disconnect_standby_replication_downstream'))).toBe(
      `Will disconnect standby message replication on node ${node(0)} from its upstream\nError:\ntrue\n`,
    );
    expect(fx.sim.state().downstream.streamLinkConnected).toBe(false);

    for (const i of [0, 1, 2]) {
      expect(await run(down, DS, ds(i), ctl('set_schema_replication_mode', 'upstream'))).toBe(
        `Will set schema replication mode on node ${node(i)} to upstream\nDone\n`,
      );
    }
    expect(await run(down, DS, ds(0), ctl('schema_replication_status'))).toBe(
      `Schema replication status on node ${node(0)}\nOperating mode: upstream\nState: recover\nUpstream endpoint(s):\nUpstream username: default_user_reCbFdqSCIKNlG4vKSv\n`,
    );
    expect(await run(down, DS, ds(0), ctl('delete_all_data_on_standby_replication_cluster'))).toBe(
      `Will delete all data on the standby message replication cluster\nnode\tvhost\n${node(0)}\ttest-vhost-1\n`,
    );
    expect(
      await run(down, DS, ds(0), ctl('-q', 'list_vhosts_available_for_standby_replication_recovery')),
    ).toBe('');

    const state = fx.sim.state().downstream;
    expect(state).toMatchObject({
      standbyReplicationExists: false,
      schemaReplicationExists: false,
      bufferedMessages: 0,
      vhostsAvailable: [],
    });
    expect(state.pods.map((p) => p.schemaMode)).toEqual(['upstream', 'upstream', 'upstream']);
    expect((await down.exec(DS, ds(0), ctl('set_schema_replication_mode', 'sideways'))).exitCode).toBe(64);
  });

  it('restarts the pods one by one after an additionalConfig change (seed way 1); modes follow the config', async () => {
    fx = await startSim({ latency: { restartSecondsPerPod: 0.15 } });
    const down = fx.kube('downstream');
    const promotedConfig =
      'schema_definition_sync.operating_mode = upstream\nstandby.replication.operating_mode = upstream\n';

    const patched = await down.mergePatchCustomObject(downstreamCluster, {
      spec: { rabbitmq: { additionalConfig: promotedConfig } },
    });
    expect(patched).toMatchObject({ metadata: { generation: 2 } });
    const during = await down.listPods(DS, 'app.kubernetes.io/name=downstream-cluster');
    expect(during.map((p) => [p.name, p.phase, p.ready])).toEqual([
      [ds(0), 'Running', true],
      [ds(1), 'Running', true],
      [ds(2), 'Pending', false],
    ]);
    expect(fx.sim.state().downstream.rabbitmqCluster).toMatchObject({
      generation: 2,
      observedGeneration: 1,
      conditions: { AllReplicasReady: 'False', ClusterAvailable: 'True' },
    });

    await eventually(
      () => fx?.sim.state().downstream.rabbitmqCluster?.observedGeneration === 2,
      3000,
      'the rollout to finish',
    );
    const after = fx.sim.state().downstream;
    expect(after.rabbitmqCluster).toMatchObject({
      additionalConfig: promotedConfig,
      conditions: { AllReplicasReady: 'True' },
    });
    expect(after.pods.map((p) => [p.name, p.ready, p.schemaMode, p.standbyMode])).toEqual(
      [0, 1, 2].map((i) => [ds(i), true, 'upstream', 'upstream']),
    );
    expect(after.streamLinkConnected).toBe(false);
    expect((await down.listPods(DS, 'app.kubernetes.io/name=downstream-cluster')).every((p) => p.ready)).toBe(
      true,
    );
  });

  it('loses a runtime set_schema_replication_mode when the pod restarts, as the seed warns', async () => {
    fx = await startSim({ latency: { restartSecondsPerPod: 0.02 } });
    const down = fx.kube('downstream');
    await run(down, DS, ds(0), ctl('set_schema_replication_mode', 'upstream'));
    const cluster = (await down.getCustomObject(downstreamCluster)) as {
      spec: { rabbitmq: { additionalConfig: string } };
    };
    const config = cluster.spec.rabbitmq.additionalConfig;
    await down.mergePatchCustomObject(downstreamCluster, {
      spec: { rabbitmq: { additionalConfig: `${config}# restart\n` } },
    });
    await eventually(
      () => fx?.sim.state().downstream.rabbitmqCluster?.observedGeneration === 2,
      3000,
      'the rollout to finish',
    );
    expect(await run(down, DS, ds(0), ctl('-q', 'schema_replication_status'))).toMatch(
      /^Operating mode: downstream\nState: syncing\n/,
    );
    expect(fx.sim.state().downstream.streamLinkConnected).toBe(true);
  });

  it('stalls the rollout at a pod that does not come back Ready', async () => {
    fx = await startSim({
      latency: { restartSecondsPerPod: 0.02 },
      clusters: { downstream: { notReadyPods: [ds(1)], conditions: { NoWarnings: 'False' } } },
    });
    const down = fx.kube('downstream');
    expect(fx.sim.state().downstream.rabbitmqCluster?.conditions).toEqual({
      AllReplicasReady: 'False',
      ClusterAvailable: 'True',
      NoWarnings: 'False',
      ReconcileSuccess: 'True',
    });
    await down.mergePatchCustomObject(downstreamCluster, {
      spec: { rabbitmq: { additionalConfig: 'standby.replication.operating_mode = upstream\n' } },
    });
    await eventually(
      () => fx?.sim.state().downstream.pods.find((p) => p.name === ds(1))?.phase === 'Running',
      3000,
      'server-1 to come back',
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const state = fx.sim.state().downstream;
    expect(state.rabbitmqCluster?.observedGeneration).toBe(1);
    expect(state.pods.map((p) => p.standbyMode)).toEqual(['downstream', 'upstream', 'upstream']);
  });

  it('freezes the replication point when the upstream is lost, so the lag grows', async () => {
    fx = await startSim({ clusters: { downstream: { lagSeconds: 1 } } });
    const down = fx.kube('downstream');
    fx.sim.setReachable('upstream', false);
    await new Promise((resolve) => setTimeout(resolve, 400));
    const metrics = await run(down, DS, ds(0), diag('-q', 'inspect_standby_downstream_metrics'));
    const stamp = Number(/q1\.quorum\t(\d+)\t/.exec(metrics)?.[1]);
    expect(Date.now() - stamp).toBeGreaterThanOrEqual(1350);
  });

  it('fails a promote after it took effect when the fault says afterEffect; a retry promotes twice but recovers nothing more', async () => {
    fx = await startSim({
      faults: [
        {
          target: 'exec',
          site: 'downstream',
          command: 'promote_standby_replication_downstream_cluster',
          exitCode: 70,
          afterEffect: true,
        },
      ],
    });
    const down = fx.kube('downstream');
    const crashed = await down.exec(DS, ds(0), ctl('promote_standby_replication_downstream_cluster'));
    expect(crashed.exitCode).toBe(70);
    expect(crashed.stderr).toBe(
      `Error: operation promote_standby_replication_downstream_cluster on node ${node(0)} timed out. Timeout value used: 60000\n`,
    );
    expect(fx.sim.state().downstream.promoted).toBe(true);
    await run(down, DS, ds(0), ctl('promote_standby_replication_downstream_cluster'));
    expect(fx.sim.state().duplicatePromotions).toBe(1);
    expect(fx.sim.state().downstream.queues[0]?.messages).toBe(3);
    const execs = fx.sim
      .state()
      .log.flatMap((e) => (e.kind === 'exec' ? [[e.argv.at(-1), e.exitCode, e.fault]] : []));
    expect(execs).toEqual([
      ['promote_standby_replication_downstream_cluster', 70, true],
      ['promote_standby_replication_downstream_cluster', 0, false],
    ]);
  });
});
