// The shared RabbitMQ health parsers on outputs captured from real RabbitMQ 3.10.8 and 4.0.5
// nodes (the real-node tests in conformance/rabbitmq/ run the same parsers against live ones).
import {
  LOCAL_NODE,
  parseClusterStatus,
  parseMetadataStore,
  parseMirrors,
  parseQueueBindings,
  parseQuorumCritical,
  parseServedQueues,
} from '../../lambdas/engines/rabbitmq/health-commands.js';
import { parseServerVersion, rulesFor } from '../../lambdas/engines/rabbitmq/server-version.js';
import { checkClusterHealth } from '../../lambdas/engines/rabbitmq/cluster-health.js';
import type { ExecResult, KubePort } from '../../lambdas/ports/kube.js';
import {
  HEALTH_COMMANDS,
  runHealthCommand,
  type ClusterHealthState,
} from '../../sim/models/rabbitmq-health.js';
import { execInRabbitPod } from '../../sim/models/rabbitmq-pod-exec.js';

// `rabbitmqctl cluster_status --formatter json` on a 3-node cluster with c stopped and a memory
// alarm on b (feature_flags and listeners shortened).
const clusterStatus = JSON.stringify({
  alarms: [{ node: 'fo6c2@localhost', resource: 'memory', type: 'resource_limit' }],
  cluster_name: 'fo6c1@vm',
  disk_nodes: ['fo6c1@localhost', 'fo6c2@localhost', 'fo6c3@localhost'],
  feature_flags: [
    {
      desc: 'Support setting version for classic mirrored queues',
      doc_url: '',
      name: 'classic_mirrored_queue_version',
      provided_by: 'rabbit',
      stability: 'stable',
      state: 'enabled',
    },
  ],
  listeners: {},
  maintenance_status: {
    'fo6c1@localhost': 'not under maintenance',
    'fo6c2@localhost': 'not under maintenance',
  },
  partitions: {},
  ram_nodes: [],
  running_nodes: ['fo6c2@localhost', 'fo6c1@localhost'],
  versions: {},
});

describe('RabbitMQ health outputs (3.10)', () => {
  it('cluster_status: members (disc and RAM), running nodes, partitions, alarms', () => {
    expect(parseClusterStatus(`${clusterStatus}\n`)).toEqual({
      members: ['fo6c1@localhost', 'fo6c2@localhost', 'fo6c3@localhost'],
      running: ['fo6c2@localhost', 'fo6c1@localhost'],
      partitions: {},
      alarms: [{ node: 'fo6c2@localhost', resource: 'memory' }],
      versions: {},
    });
    const partitioned = JSON.stringify({
      disk_nodes: ['a@h', 'b@h'],
      ram_nodes: ['c@h'],
      running_nodes: ['a@h', 'b@h', 'c@h'],
      partitions: { 'a@h': ['b@h'], 'c@h': [] },
      alarms: [],
    });
    expect(parseClusterStatus(partitioned)).toMatchObject({
      members: ['a@h', 'b@h', 'c@h'],
      partitions: { 'a@h': ['b@h'] },
    });
  });

  it('cluster_status: anything but the JSON document is not mistaken for a healthy cluster', () => {
    expect(() =>
      parseClusterStatus("Error: this command requires the 'rabbit' app to be running on the target node."),
    ).toThrow(/does not recognise/);
  });

  it('check_if_node_is_quorum_critical: ok, not applicable on a single node, critical with the queues, or no answer', () => {
    expect(parseQuorumCritical({ exitCode: 0, stdout: '{"result":"ok"}\n', stderr: '' })).toEqual({
      critical: false,
    });
    expect(
      parseQuorumCritical({
        exitCode: 0,
        stdout:
          '{"message":"Target node seems to be the only one in a single node cluster, the check does not apply","result":"ok"}\n',
        stderr: '',
      }),
    ).toEqual({ critical: false });
    // Exit 69 with the JSON on stderr.
    const critical =
      '{"message":"Node fo6c1@localhost reported local queues with minimum online quorum","queues":[{"name":"qq1","readable_name":"queue \'qq1\' in vhost \'/\'","type":"quorum","virtual_host":"/"}],"result":"error"}';
    expect(parseQuorumCritical({ exitCode: 69, stdout: '', stderr: critical })).toEqual({
      critical: true,
      queues: ["queue 'qq1' in vhost '/'"],
      streams: [],
      components: [],
    });
    // Also 69, but the node is down: not an answer about quorum.
    expect(
      parseQuorumCritical({
        exitCode: 69,
        stdout: '',
        stderr: "Error: unable to perform an operation on node 'fo6c3@localhost'.",
      }),
    ).toBeUndefined();
  });

  it('list_queues name slave_pids synchronised_slave_pids: mirrors by node, unsynchronised ones named; quorum queues left out', () => {
    const output = [
      'name\tslave_pids\tsynchronised_slave_pids',
      'ha.q1\t[<fo6c2@localhost.1795296100.1935.0>, <fo6c3@localhost.1795296100.4134.0>]\t[<fo6c2@localhost.1795296100.1935.0>]',
      'qq1\t\t',
      '',
    ].join('\n');
    expect(parseMirrors('/', output)).toEqual([
      { name: 'ha.q1', mirrors: ['fo6c2@localhost', 'fo6c3@localhost'], unsynchronised: ['fo6c3@localhost'] },
    ]);
    // Node names with dots, as the Cluster Operator names them.
    const k8s =
      'name\tslave_pids\tsynchronised_slave_pids\nq\t[<rabbit@c-server-1.c-nodes.ns.1795296100.7.0>]\t[<rabbit@c-server-1.c-nodes.ns.1795296100.7.0>]\n';
    expect(parseMirrors('/', k8s)).toEqual([
      { name: 'q', mirrors: ['rabbit@c-server-1.c-nodes.ns'], unsynchronised: [] },
    ]);
    // A vhost that does not exist prints nothing at all.
    expect(parseMirrors('nosuch', '')).toEqual([]);
  });
});

describe('RabbitMQ health outputs (4.0.5, and what both versions share)', () => {
  it('server_version: the node says its version (3.10 and 4.0 alike); anything else fails closed', () => {
    expect(parseServerVersion('{"result":"ok","value":"4.0.5"}\n')).toEqual({
      text: '4.0.5',
      major: 4,
      minor: 0,
      patch: 5,
    });
    expect(parseServerVersion('{"result":"ok","value":"3.10.8"}\n')).toMatchObject({ major: 3, minor: 10 });
    // 4.0.5 asked about a node that is gone: exit 0, result ok, and no version at all.
    expect(() => parseServerVersion('{"result":"ok","value":["badrpc","nodedown"]}\n')).toThrow(
      /does not recognise/,
    );
    // The table form (no --formatter json) and an error are not read either.
    expect(() => parseServerVersion('Asking node a@h for its RabbitMQ version...\n4.0.5\n')).toThrow(
      /does not recognise/,
    );
    expect(() => parseServerVersion("Error: unable to perform an operation on node 'a@h'.")).toThrow(
      /does not recognise/,
    );
  });

  it('the version rules: mirrors before 4.0 only, the metadata store asked from 4.0, other majors not judged', () => {
    const v3 = rulesFor(parseServerVersion('{"result":"ok","value":"3.10.8"}'))!;
    const v4 = rulesFor(parseServerVersion('{"result":"ok","value":"4.0.5"}'))!;
    expect([v3.mirroring, v3.metadataStoreStatus, v4.mirroring, v4.metadataStoreStatus]).toEqual([
      true,
      false,
      false,
      true,
    ]);
    expect(v4.notes).toContain(
      'RabbitMQ 4.0.5: classic mirroring does not exist (removed in 4.0); not checked',
    );
    expect(rulesFor(parseServerVersion('{"result":"ok","value":"5.0.0"}'))).toBeUndefined();
    expect(rulesFor(parseServerVersion('{"result":"ok","value":"2.8.7"}'))).toBeUndefined();
  });

  it("cluster_status (4.0.5): the same fields; the file descriptor alarm is the asked node's own", () => {
    const status = {
      alarms: [{ node: 'try42@localhost', type: 'resource_limit', resource: 'memory' }],
      cluster_tags: [],
      cluster_name: 'try4@vm',
      disk_nodes: ['try42@localhost', 'try43@localhost', 'try4@localhost'],
      ram_nodes: [],
      running_nodes: ['try42@localhost', 'try4@localhost'],
      versions: {
        'try4@localhost': {
          erlang_version: '27.3.4.1',
          rabbitmq_name: 'RabbitMQ',
          rabbitmq_version: '4.0.5',
        },
      },
      partitions: {},
      maintenance_status: { 'try4@localhost': 'not under maintenance' },
      feature_flags: [{ name: 'khepri_db', state: 'disabled', stability: 'experimental' }],
    };
    expect(parseClusterStatus(JSON.stringify(status))).toEqual({
      members: ['try42@localhost', 'try43@localhost', 'try4@localhost'],
      running: ['try42@localhost', 'try4@localhost'],
      partitions: {},
      alarms: [{ node: 'try42@localhost', resource: 'memory' }],
      versions: { 'try4@localhost': '4.0.5' },
    });
    // The CLI (3.10 and 4.0: RabbitMQ.CLI.Core.Alarms.alarm_map) renders the server's
    // file_descriptor_limit alarm as resource file_descriptors with the CLI's own node name.
    const fd = {
      ...status,
      alarms: [{ node: 'rabbitmqcli-737-rabbit@vm', type: 'resource_limit', resource: 'file_descriptors' }],
    };
    expect(parseClusterStatus(JSON.stringify(fd)).alarms).toEqual([
      { node: LOCAL_NODE, resource: 'file_descriptors' },
    ]);
  });

  it('check_if_node_is_quorum_critical (4.0.5): queues, streams and components told apart', () => {
    // One of three nodes stopped, under Khepri, with a quorum queue and a stream.
    const stderr =
      '{"message":"Node try4@localhost reported local queues with minimum online quorum","queues":[{"name":"orders.qq","readable_name":"queue \'orders.qq\' in vhost \'payments\'","type":"rabbit_quorum_queue","virtual_host":"payments"},{"name":"orders.stream","readable_name":"queue \'orders.stream\' in vhost \'payments\'","type":"rabbit_stream_queue","virtual_host":"payments"},{"name":"rabbit_stream_coordinator","readable_name":"rabbit_stream_coordinator","type":"process","virtual_host":"(not applicable)"},{"name":"rabbitmq_metadata","readable_name":"rabbitmq_metadata","type":"process","virtual_host":"(not applicable)"}],"result":"error"}';
    expect(parseQuorumCritical({ exitCode: 69, stdout: '', stderr })).toEqual({
      critical: true,
      queues: ["queue 'orders.qq' in vhost 'payments'"],
      streams: ["queue 'orders.stream' in vhost 'payments'"],
      components: ['rabbit_stream_coordinator', 'rabbitmq_metadata'],
    });
    // An item of a type not known here is no answer (the check then fails, naming the output).
    expect(
      parseQuorumCritical({
        exitCode: 69,
        stdout: '',
        stderr:
          '{"queues":[{"name":"x","readable_name":"x","type":"rabbit_new_queue_type"}],"result":"error"}',
      }),
    ).toBeUndefined();
    // Critical without naming anything is no answer either.
    expect(
      parseQuorumCritical({ exitCode: 69, stdout: '', stderr: '{"queues":[],"result":"error"}' }),
    ).toBeUndefined();
  });

  it('metadata_store_status (4.0.5): Mnesia, or the Khepri members the node reaches; anything else fails closed', () => {
    expect(parseMetadataStore('[\n{"Metadata Store":"mnesia"}\n]\n')).toEqual({ store: 'mnesia' });
    // Under Khepri with try43 stopped: only the members this node reaches are listed.
    const khepri =
      '[\n{"Node Name":"try42@localhost","Raft State":"follower","Membership":"voter","Last Log Index":85,"Last Written":85,"Last Applied":85,"Commit Index":85,"Snapshot Index":-1,"Term":1,"Machine Version":1}\n,{"Node Name":"try4@localhost","Raft State":"leader","Membership":"voter","Last Log Index":85,"Last Written":85,"Last Applied":85,"Commit Index":85,"Snapshot Index":-1,"Term":1,"Machine Version":1}\n]\n';
    expect(parseMetadataStore(khepri)).toEqual({
      store: 'khepri',
      members: [
        { node: 'try42@localhost', raftState: 'follower', membership: 'voter' },
        { node: 'try4@localhost', raftState: 'leader', membership: 'voter' },
      ],
    });
    // 3.10 has no such command: its usage text is not a metadata store.
    expect(() => parseMetadataStore("\nCommand 'metadata_store_status' not found. \n")).toThrow(
      /does not recognise/,
    );
    expect(() => parseMetadataStore('[\n]\n')).toThrow(/does not recognise/);
  });

  it('list_queues name type leader members online: served queues (3.10 and 4.0 forms)', () => {
    // 4.0.5, node b stopped: solo.qq (its only member on b) is not listed at all.
    const v4 =
      '[\n{"name":"ha.orders","type":"classic","leader":"cap4a@localhost","members":["cap4a@localhost"],"online":""}\n,{"name":"orders.qq","type":"quorum","leader":"cap4a@localhost","members":["cap4a@localhost","cap4b@localhost"],"online":["cap4a@localhost"]}\n]\n';
    expect(parseServedQueues('payments', v4)).toEqual([
      { name: 'ha.orders', type: 'classic', leader: 'cap4a@localhost', online: [] },
      { name: 'orders.qq', type: 'quorum', leader: 'cap4a@localhost', online: ['cap4a@localhost'] },
    ]);
    // 3.10.8 leaves a classic queue's leader empty.
    const v3 =
      '[\n{"name":"ha.orders","type":"classic","leader":"","members":"","online":""}\n,{"name":"orders.qq","type":"quorum","leader":"cap3a@localhost","members":["cap3a@localhost","cap3b@localhost"],"online":["cap3a@localhost"]}\n]\n';
    expect(parseServedQueues('payments', v3).map((q) => [q.name, q.leader])).toEqual([
      ['ha.orders', ''],
      ['orders.qq', 'cap3a@localhost'],
    ]);
    expect(parseServedQueues('nosuch', '[\n]\n')).toEqual([]);
    expect(() => parseServedQueues('payments', 'Error: vhost not found')).toThrow(/does not recognise/);
  });

  it('list_bindings source_name destination_name destination_kind: every queue the metadata store holds', () => {
    // The same on 3.10.8 and 4.0.5, with b stopped: solo.qq is still there.
    const out =
      '[\n{"source_name":"","destination_name":"solo.qq","destination_kind":"queue"}\n,{"source_name":"","destination_name":"ha.orders","destination_kind":"queue"}\n,{"source_name":"","destination_name":"orders.qq","destination_kind":"queue"}\n,{"source_name":"amq.topic","destination_name":"orders.qq","destination_kind":"queue"}\n]\n';
    expect(parseQueueBindings('payments', out)).toEqual(['solo.qq', 'ha.orders', 'orders.qq']);
    expect(parseQueueBindings('nosuch', '[\n]\n')).toEqual([]);
    expect(() => parseQueueBindings('payments', '')).toThrow(/does not recognise/);
  });
});

/** The health check against the simulator's model of a 3-node cluster (every pod Ready). */
const checkModel = (
  state: ClusterHealthState,
  override?: (pod: number, argv: string[]) => ExecResult | undefined,
) => {
  const unused = () => Promise.reject(new Error('not used by the health check'));
  const kube: KubePort = {
    describe: 'model',
    getCustomObject: unused,
    mergePatchCustomObject: unused,
    deleteCustomObject: unused,
    deletePod: unused,
    listPods: () =>
      Promise.resolve(
        state.nodes.map((_, i) => ({ name: `m-server-${i}`, phase: 'Running', ready: true, labels: {} })),
      ),
    exec: async (_ns, pod, argv) => {
      const i = Number(/-(\d+)$/.exec(pod)![1]);
      return (
        override?.(i, argv) ??
        execInRabbitPod({
          pod: { name: pod, appDown: false },
          podName: pod,
          argv,
          realNode: undefined,
          commands: HEALTH_COMMANDS,
          nodeOf: () => state.nodes[i]!.name,
          run: (parsed) => runHealthCommand(parsed, state.nodes[i]!.name, state),
        })
      );
    },
  };
  return checkClusterHealth({ kube, namespace: 'ns', cluster: 'm', container: 'rabbitmq' }, ['payments']);
};

/** `rabbitmqctl cluster_status --formatter json`, as the CLI parses it (for a test that rewrites its answer). */
const parsedClusterStatus = {
  tool: 'rabbitmqctl' as const,
  command: 'cluster_status',
  positionals: [],
  flags: new Set<string>(),
  lists: new Map<string, string[]>(),
  values: new Map([['--formatter', 'json']]),
  quiet: false,
  silent: false,
  given: '',
  usage: '',
};

const cluster = (change: Partial<ClusterHealthState> = {}): ClusterHealthState => ({
  nodes: ['a@h', 'b@h', 'c@h'].map((name) => ({ name, running: true })),
  alarms: [],
  partitions: {},
  queues: [{ vhost: 'payments', name: 'orders.qq', type: 'quorum', messages: 0 }],
  ...change,
});

describe('the version-aware health check (on the simulator model)', () => {
  it('3.10.8 by default: mirrors and partitions are checked, and the evidence says so', async () => {
    const check = await checkModel(cluster({ partitions: { 'a@h': ['c@h'] } }));
    expect(check.passed).toBe(false);
    expect(check.summary).toBe('a@h partitioned from c@h');
    expect(check.evidence).toMatchObject({ version: '3.10.8', metadataStore: 'mnesia', mirroredQueues: [] });
  });

  it('4.0.5 under Khepri: a reported partition is impossible, the metadata store is what is judged', async () => {
    const state = cluster({ version: '4.0.5', metadataStore: 'khepri' });
    const healthy = await checkModel(state);
    expect(healthy.summary).toBe(
      'RabbitMQ 4.0.5: 3/3 nodes running, metadata store Khepri led by a@h, every member a voter (partitions are not reported under Khepri), no alarms, no quorum-critical node, every queue served',
    );
    expect((healthy.evidence as { mirroredQueues?: unknown }).mirroredQueues).toBeUndefined();
    const stopped = await checkModel({
      ...state,
      nodes: state.nodes.map((n) => ({ ...n, running: n.name !== 'c@h' })),
    });
    expect(stopped.passed).toBe(false);
    expect(stopped.summary).toContain(
      'c@h is not a voter of the metadata store (Khepri) that m-server-0, m-server-1 can reach',
    );
    expect(stopped.summary).toContain(
      "m-server-0 is quorum-critical (queue 'orders.qq' in vhost 'payments', component rabbitmq_metadata)",
    );
  });

  it('a metadata store without a leader, or two leaders, fails', async () => {
    const state = cluster({ version: '4.0.5', metadataStore: 'khepri' });
    const rows = (leader: string | undefined) =>
      `[\n${['a@h', 'b@h', 'c@h'].map((n, i) => `${i ? ',' : ''}{"Node Name":"${n}","Raft State":"${n === leader ? 'leader' : 'follower'}","Membership":"voter"}\n`).join('')}]\n`;
    const store = (leaderOf: (pod: number) => string | undefined) => (pod: number, argv: string[]) =>
      argv.includes('metadata_store_status')
        ? { exitCode: 0, stdout: rows(leaderOf(pod)), stderr: '' }
        : undefined;
    const none = await checkModel(
      state,
      store(() => undefined),
    );
    expect(none.summary).toContain('m-server-0 sees no leader of the metadata store (Khepri)');
    const split = await checkModel(
      state,
      store((pod) => (pod === 2 ? 'c@h' : 'a@h')),
    );
    expect(split.summary).toBe(
      'the nodes see different leaders of the metadata store (Khepri): m-server-0: a@h, m-server-1: a@h, m-server-2: c@h',
    );
  });

  it('a quorum queue without a majority is left out of list_queues and named as not served', async () => {
    const check = await checkModel(
      cluster({
        version: '4.0.5',
        nodes: ['a@h', 'b@h', 'c@h'].map((name) => ({ name, running: name === 'a@h' })),
      }),
    );
    expect(check.summary).toContain(
      'payments/orders.qq is not served by any running node (a quorum queue without an elected leader, or a queue whose node is down)',
    );
  });

  it('fails closed: a version it cannot read, or a major version it has no rules for', async () => {
    // cluster_status without versions: one node is asked, and 4.0.5's answer for a node that is gone is no version.
    const withoutVersions = (pod: number, argv: string[]) => {
      if (argv.includes('server_version'))
        return { exitCode: 0, stdout: '{"result":"ok","value":["badrpc","nodedown"]}\n', stderr: '' };
      if (!argv.includes('cluster_status')) return undefined;
      const real = runHealthCommand(
        { ...parsedClusterStatus, given: argv.join(' ') },
        `${'abc'[pod]}@h`,
        cluster(),
      );
      const status = JSON.parse(real.stdout) as Record<string, unknown>;
      delete status['versions'];
      return { exitCode: 0, stdout: JSON.stringify(status), stderr: '' };
    };
    const badrpc = await checkModel(cluster(), withoutVersions);
    expect(badrpc.passed).toBe(false);
    expect(badrpc.summary).toMatch(
      /server_version --formatter json` printed something this orchestrator does not recognise/,
    );
    const five = await checkModel(cluster({ version: '5.0.0' }));
    expect(five.passed).toBe(false);
    expect(five.summary).toBe(
      'RabbitMQ 5.0.0: no health rules for this major version (3.x and 4.x are known); not judged',
    );
    const odd = await checkModel(cluster({ version: '4.x-snapshot' }));
    expect(odd.summary).toBe(
      'cluster_status reports versions this orchestrator does not recognise: a@h: "4.x-snapshot", b@h: "4.x-snapshot", c@h: "4.x-snapshot"',
    );
  });

  it('nodes of different versions (a rolling upgrade): named, and judged by the oldest', async () => {
    const state = cluster({ version: '4.0.5' });
    const check = await checkModel(state, (pod, argv) => {
      if (!argv.includes('cluster_status')) return undefined;
      const out = runHealthCommand(
        { ...parsedClusterStatus, given: argv.join(' ') },
        `${'abc'[pod]}@h`,
        state,
      );
      return {
        ...out,
        stdout: out.stdout.replace(
          /"b@h":\{([^}]*)"rabbitmq_version":"4.0.5"/,
          '"b@h":{$1"rabbitmq_version":"3.13.7"',
        ),
      };
    });
    expect(check.passed).toBe(false);
    expect(check.summary).toContain(
      "the nodes run different RabbitMQ versions (a@h: 4.0.5, b@h: 3.13.7, c@h: 4.0.5): a rolling upgrade in progress; judged by the oldest's rules",
    );
    expect(check.evidence).toMatchObject({ version: '3.13.7' });
  });

  it('on 4.x the model refuses the mirror columns as the real 4.0.5 does', () => {
    const out = execInRabbitPod({
      pod: { name: 'm-server-0', appDown: false },
      podName: 'm-server-0',
      argv: [
        'rabbitmqctl',
        'list_queues',
        '-p',
        'payments',
        'name',
        'slave_pids',
        'synchronised_slave_pids',
        '-q',
      ],
      realNode: undefined,
      commands: HEALTH_COMMANDS,
      nodeOf: () => 'a@h',
      run: (parsed) => runHealthCommand(parsed, 'a@h', cluster({ version: '4.0.5' })),
    }) as ExecResult;
    expect(out.exitCode).toBe(64);
    expect(out.stderr.split('\n').slice(0, 3)).toEqual([
      'Error (argument validation): Info key(s) slave_pids,synchronised_slave_pids are not supported',
      'Arguments given:',
      // As the real one echoes it (there with `-n <node>` first, which a pod's exec does not pass).
      '\tlist_queues -p payments name slave_pids synchronised_slave_pids -q',
    ]);
  });
});
