// The shared RabbitMQ health parsers on outputs captured from real RabbitMQ 3.10.8 nodes (the
// real-node tests in conformance/rabbitmq/ run the same parsers against live ones).
import {
  parseClusterStatus,
  parseMirrors,
  parseQuorumCritical,
} from '../../lambdas/engines/rabbitmq/health-commands.js';

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
