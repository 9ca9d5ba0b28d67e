// mqadmin parsers on RocketMQ 5.x outputs: 5.1.4's as a real cluster printed them
// (conformance/rocketmq/ runs them), getSyncStateSet's older formats as the tool's source prints
// them at 5.0.0 and 5.1.0 (GetSyncStateSetSubCommand.printData with InSyncStateData.InSyncMember
// and BrokerReplicasInfo.ReplicaIdentity of those tags).
import {
  controllerLeaderMissing,
  exceptionOf,
  failureOf,
  parseBrokerConfig,
  parseClusterList,
  parseControllerMetaData,
  parseElectMaster,
  parseSyncStateSets,
  responseCodeOf,
} from '../../lambdas/engines/rocketmq-controller/commands.js';

describe('mqadmin outputs (RocketMQ 5.x)', () => {
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
        format: '5.1.1+',
        masterBrokerId: 2,
        masterAddress: '10.1.1.15:10911',
        masterEpoch: 2,
        syncStateSetEpoch: 2,
        inSync: [{ brokerName: 'broker-0', brokerId: 2, address: '10.1.1.15:10911', alive: true }],
        notInSync: [{ brokerName: 'broker-0', brokerId: 1, address: '10.2.1.14:10911', alive: false }],
      },
      {
        brokerName: 'broker-1',
        format: '5.1.1+',
        masterEpoch: 1,
        syncStateSetEpoch: 1,
        inSync: [{ brokerName: 'broker-1', brokerId: 2, address: '10.1.1.17:10911', alive: true }],
        notInSync: [],
      },
    ]);
    expect(parseSyncStateSets('')).toBeUndefined();
  });

  it('getSyncStateSet in 5.1.0 (no master id, no liveness, a leading space) and 5.0 (the SyncStateSet alone) reads every replica', () => {
    const v510 = [
      '',
      '#brokerName\tbroker-0',
      '#MasterAddr\t10.2.1.14:10911',
      '#MasterEpoch\t1',
      '#SyncStateSetEpoch\t2',
      '#SyncStateSetNums\t1',
      '',
      " InSyncReplica:\t{address='10.2.1.14:10911', brokerId=1}",
      '',
      " NotInSyncReplica:\t{address='10.1.1.15:10911', brokerId=2}",
      '',
    ].join('\n');
    expect(parseSyncStateSets(v510)).toEqual([
      {
        brokerName: 'broker-0',
        format: '5.1.0',
        masterAddress: '10.2.1.14:10911',
        masterEpoch: 1,
        syncStateSetEpoch: 2,
        inSync: [{ brokerName: 'broker-0', brokerId: 1, address: '10.2.1.14:10911' }],
        notInSync: [{ brokerName: 'broker-0', brokerId: 2, address: '10.1.1.15:10911' }],
      },
    ]);
    const v500 = [
      '',
      '#brokerName\tbroker-0',
      '#MasterAddr\t10.2.1.14:10911',
      '#MasterEpoch\t1',
      '#SyncStateSetEpoch\t2',
      '#SyncStateSetMemberNums\t2',
      '',
      " member:\tInSyncMember{address='10.2.1.14:10911', brokerId=0}",
      '',
      " member:\tInSyncMember{address='10.1.1.15:10911', brokerId=1}",
      '',
    ].join('\n');
    expect(parseSyncStateSets(v500)).toEqual([
      {
        brokerName: 'broker-0',
        format: '5.0',
        masterAddress: '10.2.1.14:10911',
        masterEpoch: 1,
        syncStateSetEpoch: 2,
        inSync: [
          { brokerName: 'broker-0', brokerId: 0, address: '10.2.1.14:10911' },
          { brokerName: 'broker-0', brokerId: 1, address: '10.1.1.15:10911' },
        ],
        notInSync: [],
      },
    ]);
  });

  it('getSyncStateSet fails closed: a replica line it cannot read, or fewer replicas than the count printed, is no answer', () => {
    const block = (replica: string, count = 1) =>
      `\n#brokerName\tbroker-0\n#MasterBrokerId\t1\n#MasterAddr\t10.2.1.14:10911\n#MasterEpoch\t1\n#SyncStateSetEpoch\t1\n#SyncStateSetNums\t${count}\n\n${replica}\n`;
    const good =
      "InSyncReplica:\tReplicaIdentity{brokerName='broker-0', brokerId=1, brokerAddress='10.2.1.14:10911', alive=true}";
    expect(parseSyncStateSets(block(good))).toHaveLength(1);
    // A format of a later version (a field added) is not silently "no replicas".
    expect(
      parseSyncStateSets(
        block(
          "InSyncReplica:\tReplicaIdentity{brokerName='broker-0', brokerId=1, brokerAddress='10.2.1.14:10911', alive=true, zone='a'}",
        ),
      ),
    ).toBeUndefined();
    expect(parseSyncStateSets(block(good, 2))).toBeUndefined();
    expect(parseSyncStateSets(block('', 1))).toBeUndefined();
  });

  it('clusterList: a broker the name server lists but that does not answer prints no version and empty counters (as 5.1.4 does for a dark broker)', () => {
    const output = [
      '#Cluster Name           #Broker Name            #BID  #Addr                  #Version              #InTPS(LOAD)     #OutTPS(LOAD)  #Timer(Progress)        #PCWait(ms)  #Hour         #SPACE    #ACTIVATED',
      'FailoverCluster         broker-0                0     127.0.0.1:32022                                 0.00(,ms)         0.00(,ms)  0-0(0.0w, 0.0, 0.0)                  0.00          0.0000         false',
      'FailoverCluster         broker-0                2     127.0.0.1:32032        V5_1_4                 0.00(0,0ms)       0.00(0,0ms)  0-0(0.0w, 0.0, 0.0)               0  498824.01     0.1600         false',
      '',
    ].join('\n');
    expect(parseClusterList(output)).toEqual([
      {
        cluster: 'FailoverCluster',
        brokerName: 'broker-0',
        brokerId: 0,
        address: '127.0.0.1:32022',
        version: '',
        activated: false,
      },
      {
        cluster: 'FailoverCluster',
        brokerName: 'broker-0',
        brokerId: 2,
        address: '127.0.0.1:32032',
        version: 'V5_1_4',
        activated: false,
      },
    ]);
    // 5.3's #OutTPS adds a second queue figure; the row reads the same.
    expect(
      parseClusterList(
        '#Cluster Name           #Broker Name            #BID  #Addr                  #Version              #InTPS(LOAD)                   #OutTPS(LOAD)  #Timer(Progress)        #PCWait(ms)  #Hour         #SPACE    #ACTIVATED\nFailoverCluster         broker-0                0     127.0.0.1:31911        V5_3_3                 0.00(0,0ms)               0.00(0,0ms|0,0ms)  0-0(0.0w, 0.0, 0.0)               0  498823.92     0.1600          true\n',
      ),
    ).toEqual([
      {
        cluster: 'FailoverCluster',
        brokerName: 'broker-0',
        brokerId: 0,
        address: '127.0.0.1:31911',
        version: 'V5_3_3',
        activated: true,
      },
    ]);
    // A row whose address or last column is not what the header says is no listing.
    expect(
      parseClusterList(`${output.split('\n')[0]}\nFailoverCluster broker-0 0 not-an-address V5_1_4 true\n`),
    ).toBeUndefined();
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
    // 5.1.4 prints no member lines after an election.
    expect(
      parseElectMaster(
        '\n#ClusterName\tFailoverCluster\n#BrokerName\tbroker-0\n#BrokerMasterAddr\t127.0.0.1:30921\n#MasterEpoch\t2\n#SyncStateSetEpoch\t3\n',
      ),
    ).toEqual({ brokerName: 'broker-0', masterAddress: '127.0.0.1:30921', masterEpoch: 2, members: [] });
    expect(
      parseControllerMetaData(
        '\n#ControllerGroup\tDefaultControllerGroup\n#ControllerLeaderId\tn0\n#ControllerLeaderAddress\t10.1.1.13:9878\n#Peer:\tn0:10.1.1.13:9878\n',
      ),
    ).toEqual({
      group: 'DefaultControllerGroup',
      leaderId: 'n0',
      leaderAddress: '10.1.1.13:9878',
      peers: ['n0:10.1.1.13:9878'],
    });
    const config = `============10.2.1.14:10911============\n${'brokerName'.padEnd(50)}=  broker-0\n${'brokerPermission'.padEnd(50)}=  4\n${'timerSkipUnknownError'.padEnd(50)}=  false\n\n`;
    expect(parseBrokerConfig(config)).toEqual({
      brokerName: 'broker-0',
      brokerPermission: '4',
      timerSkipUnknownError: 'false',
    });
    // A configuration key named like an exception is not one.
    expect(exceptionOf(config, '')).toBeUndefined();
    // The header is printed before the broker is asked: alone, it is a broker that did not answer.
    expect(parseBrokerConfig('============127.0.0.1:32022============\n')).toBeUndefined();
  });

  it('getControllerMetaData of a group without a leader prints null: no leader, and says why', () => {
    const leaderless =
      '\n#ControllerGroup\tLeaderlessGroup\n#ControllerLeaderId\tnull\n#ControllerLeaderAddress\tnull\n#Peer:\tn0:127.0.0.1:31942\n#Peer:\tn1:127.0.0.1:31943\n';
    expect(parseControllerMetaData(leaderless)).toBeUndefined();
    expect(controllerLeaderMissing(leaderless)).toBe(
      'controller group LeaderlessGroup has no leader (getControllerMetaData prints null; peers n0:127.0.0.1:31942, n1:127.0.0.1:31943): it cannot answer or elect until its DLedger election ends',
    );
    expect(
      controllerLeaderMissing(
        '\n#ControllerGroup\tDefaultControllerGroup\n#ControllerLeaderId\tn0\n#ControllerLeaderAddress\t10.1.1.13:9878\n',
      ),
    ).toBeUndefined();
  });

  it('a failed sub-command exits 0 with a stack trace: the exception, its root cause and the controller response code are read from it', () => {
    const stderr = [
      'org.apache.rocketmq.tools.command.SubCommandException: ReElectMasterSubCommand command failed',
      '\tat org.apache.rocketmq.tools.command.controller.ReElectMasterSubCommand.execute(ReElectMasterSubCommand.java:95)',
      'Caused by: org.apache.rocketmq.client.exception.MQBrokerException: CODE: 2011  DESC: The old master 1 is still alive, not need to elect new master for broker broker-0',
      'For more information, please visit the url, https://rocketmq.apache.org/docs/bestPractice/06FAQ',
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
