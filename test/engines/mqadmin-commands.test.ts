// mqadmin parsers on RocketMQ 5.1 outputs, as the tool's source prints them (and, for
// clusterList, as published samples of real 5.x clusters show them).
import {
  failureOf,
  parseBrokerConfig,
  parseClusterList,
  parseControllerMetaData,
  parseElectMaster,
  parseSyncStateSets,
  responseCodeOf,
} from '../../lambdas/engines/rocketmq-controller/commands.js';

describe('mqadmin outputs (RocketMQ 5.1)', () => {
  it('clusterList: BID 0 is the master; columns with spaces inside (#Timer) do not shift the fields', () => {
    const output = [
      '#Cluster Name           #Broker Name            #BID  #Addr                  #Version              #InTPS(LOAD)     #OutTPS(LOAD)  #Timer(Progress)        #PCWait(ms)  #Hour         #SPACE    #ACTIVATED',
      'DefaultCluster          broker-a                0     192.168.65.170:10911   V5_1_4                 0.00(0,0ms)       0.00(0,0ms)  0-0(0.0w, 0.0, 0.0)               0  479168.95     0.1100          true',
      'DefaultCluster          broker-a                1     192.168.65.193:11011   V5_1_4                 0.00(0,0ms)       0.00(0,0ms)  3-0(0.0w, 0.0, 0.0)               0  479168.95     0.1100         false',
      '',
    ].join('\n');
    expect(parseClusterList(output)).toEqual([
      {
        cluster: 'DefaultCluster',
        brokerName: 'broker-a',
        brokerId: 0,
        address: '192.168.65.170:10911',
        version: 'V5_1_4',
        activated: true,
      },
      {
        cluster: 'DefaultCluster',
        brokerName: 'broker-a',
        brokerId: 1,
        address: '192.168.65.193:11011',
        version: 'V5_1_4',
        activated: false,
      },
    ]);
    // 4.x has no #ACTIVATED column.
    expect(
      parseClusterList(
        '#Cluster Name     #Broker Name            #BID  #Addr                  #Version                #InTPS(LOAD)       #OutTPS(LOAD) #PCWait(ms) #Hour #SPACE\nDefaultCluster    broker-a                0     10.0.0.1:10911         V4_9_4                   0.00(0,0ms)         0.00(0,0ms)          0 46.64 0.3500\n',
      ),
    ).toEqual([
      {
        cluster: 'DefaultCluster',
        brokerName: 'broker-a',
        brokerId: 0,
        address: '10.0.0.1:10911',
        version: 'V4_9_4',
      },
    ]);
    expect(parseClusterList('')).toBeUndefined();
  });

  it('getSyncStateSet: master, epochs, in-sync and not-in-sync replicas; a group without a master', () => {
    const output = [
      '',
      '#brokerName\tbroker-0',
      '#MasterBrokerId\t2',
      '#MasterAddr\t10.1.1.15:10911',
      '#MasterEpoch\t2',
      '#SyncStateSetEpoch\t2',
      '#SyncStateSetNums\t1',
      '',
      "InSyncReplica:\tReplicaIdentity{brokerName='broker-0', brokerId=2, brokerAddress='10.1.1.15:10911', alive=true}",
      '',
      "NotInSyncReplica:\tReplicaIdentity{brokerName='broker-0', brokerId=1, brokerAddress='10.2.1.14:10911', alive=false}",
      '',
      '#brokerName\tbroker-1',
      '#MasterBrokerId\tnull',
      '#MasterAddr\tnull',
      '#MasterEpoch\t1',
      '#SyncStateSetEpoch\t1',
      '#SyncStateSetNums\t1',
      '',
      "InSyncReplica:\tReplicaIdentity{brokerName='broker-1', brokerId=2, brokerAddress='10.1.1.17:10911', alive=true}",
      '',
    ].join('\n');
    expect(parseSyncStateSets(output)).toEqual([
      {
        brokerName: 'broker-0',
        masterBrokerId: 2,
        masterAddress: '10.1.1.15:10911',
        masterEpoch: 2,
        syncStateSetEpoch: 2,
        inSync: [{ brokerName: 'broker-0', brokerId: 2, address: '10.1.1.15:10911', alive: true }],
        notInSync: [{ brokerName: 'broker-0', brokerId: 1, address: '10.2.1.14:10911', alive: false }],
      },
      {
        brokerName: 'broker-1',
        masterEpoch: 1,
        syncStateSetEpoch: 1,
        inSync: [{ brokerName: 'broker-1', brokerId: 2, address: '10.1.1.17:10911', alive: true }],
        notInSync: [],
      },
    ]);
    expect(parseSyncStateSets('')).toBeUndefined();
  });

  it('electMaster: the new master and the members; getControllerMetaData; getBrokerConfig', () => {
    expect(
      parseElectMaster(
        '\n#ClusterName\tDefaultCluster\n#BrokerName\tbroker-0\n#BrokerMasterAddr\t10.1.1.15:10911\n#MasterEpoch\t2\n#SyncStateSetEpoch\t2\n\t#Broker\t1\t10.2.1.14:10911\n\t#Broker\t2\t10.1.1.15:10911\n',
      ),
    ).toEqual({
      brokerName: 'broker-0',
      masterAddress: '10.1.1.15:10911',
      masterEpoch: 2,
      members: [
        { brokerId: 1, address: '10.2.1.14:10911' },
        { brokerId: 2, address: '10.1.1.15:10911' },
      ],
    });
    expect(
      parseControllerMetaData(
        '\n#ControllerGroup\tDefaultControllerGroup\n#ControllerLeaderId\tn0\n#ControllerLeaderAddress\t10.1.1.13:9878\n#Peer:\tn0-10.1.1.13:9878',
      ),
    ).toEqual({
      group: 'DefaultControllerGroup',
      leaderId: 'n0',
      leaderAddress: '10.1.1.13:9878',
      peers: ['n0-10.1.1.13:9878'],
    });
    const config = `============10.2.1.14:10911============\n${'brokerName'.padEnd(50)}=  broker-0\n${'brokerPermission'.padEnd(50)}=  4\n\n`;
    expect(parseBrokerConfig(config)).toEqual({ brokerName: 'broker-0', brokerPermission: '4' });
  });

  it('a failed sub-command exits 0 with a stack trace: the exception, its root cause and the controller response code are read from it', () => {
    const stderr = [
      'org.apache.rocketmq.tools.command.SubCommandException: ReElectMasterSubCommand command failed',
      '\tat org.apache.rocketmq.tools.command.controller.ReElectMasterSubCommand.execute(ReElectMasterSubCommand.java:95)',
      'Caused by: org.apache.rocketmq.client.exception.MQBrokerException: CODE: 2011  DESC: The old master 1 is still alive, not need to elect new master for broker broker-0',
      'For more information, please visit the url, http://rocketmq.apache.org/docs/faq/',
      '',
    ].join('\n');
    expect(failureOf('', stderr)).toBe(
      'org.apache.rocketmq.tools.command.SubCommandException: ReElectMasterSubCommand command failed <- org.apache.rocketmq.client.exception.MQBrokerException: CODE: 2011  DESC: The old master 1 is still alive, not need to elect new master for broker broker-0',
    );
    expect(responseCodeOf(stderr)).toEqual({
      code: 2011,
      desc: 'The old master 1 is still alive, not need to elect new master for broker broker-0',
    });
    expect(parseElectMaster('')).toBeUndefined();
  });
});
