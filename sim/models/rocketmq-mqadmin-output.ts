// What RocketMQ 5's mqadmin prints, for the controller-mode model: each format as the real tool
// prints it (5.1.4's compared with a real cluster's, state for state, in conformance/rocketmq/;
// the older getSyncStateSet formats from the tool's source at 5.0.0 and 5.1.0).
import type { ExecOutput } from './sim-model.js';

export type MqadminVersion = '5.0.0' | '5.1.0' | '5.1.4';

/** `V5_1_4`, as a broker reports its version to clusterList. */
export const brokerVersionOf = (version: MqadminVersion): string => `V${version.replaceAll('.', '_')}`;

const FAQ = 'For more information, please visit the url, https://rocketmq.apache.org/docs/bestPractice/06FAQ';

/** A sub-command that threw: MQAdminStartup prints the stack trace (stderr) and the JVM exits 0. */
export const subCommandFailed = (command: string, cause: string): ExecOutput => ({
  stdout: '',
  stderr: [
    `org.apache.rocketmq.tools.command.SubCommandException: ${command} command failed`,
    `\tat org.apache.rocketmq.tools.command.MQAdminStartup.main0(MQAdminStartup.java:165)`,
    `\tat org.apache.rocketmq.tools.command.MQAdminStartup.main(MQAdminStartup.java:115)`,
    `Caused by: ${cause}`,
    `\t... 2 more`,
    '',
  ].join('\n'),
  exitCode: 0,
});

export const connectFailed = (command: string, address: string): ExecOutput =>
  subCommandFailed(
    command,
    `org.apache.rocketmq.remoting.exception.RemotingConnectException: connect to ${address} failed`,
  );

/** A remoting answer with an error code: the client throws MQBrokerException with the code and remark. */
export const answeredWithCode = (command: string, code: number, desc: string): ExecOutput =>
  subCommandFailed(
    command,
    `org.apache.rocketmq.client.exception.MQBrokerException: CODE: ${code}  DESC: ${desc}\n${FAQ}`,
  );

/** commons-cli's answer to a missing required option: the message on stderr, the usage on stdout, exit 1. */
export const missingOptions = (command: string, usage: string, missing: string[]): ExecOutput => ({
  stdout: `usage: mqadmin ${command} ${usage}\n`,
  stderr: `Missing required option${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}\n`,
  exitCode: 1,
});

export interface ClusterListEntry {
  cluster: string;
  brokerName: string;
  brokerId: number;
  address: string;
  /** It answered clusterList's runtime-stats request; false: a listed broker that is gone. */
  answered: boolean;
  version: MqadminVersion;
}

const pad = (value: string, width: number, left = true) =>
  left ? value.padEnd(width) : value.padStart(width);

/** ClusterListSubCommand.printClusterBaseInfo's `%-22s  %-22s  %-4s  %-22s %-16s  %16s  %16s  %-22s  %11s  %-12s  %-8s  %10s`. */
const row = (c: string[]) =>
  `${pad(c[0]!, 22)}  ${pad(c[1]!, 22)}  ${pad(c[2]!, 4)}  ${pad(c[3]!, 22)} ${pad(c[4]!, 16)}  ${pad(c[5]!, 16, false)}  ${pad(c[6]!, 16, false)}  ${pad(c[7]!, 22)}  ${pad(c[8]!, 11, false)}  ${pad(c[9]!, 12)}  ${pad(c[10]!, 8)}  ${pad(c[11]!, 10, false)}`;

/**
 * `clusterList`: one row per broker the name server lists. A broker that does not answer the
 * runtime-stats request still gets its row (no version, empty counters, ACTIVATED false) and the
 * exception's stack trace on stderr; the command goes on and exits 0.
 */
export const clusterListOutput = (entries: ClusterListEntry[]): ExecOutput => {
  const header = row([
    '#Cluster Name',
    '#Broker Name',
    '#BID',
    '#Addr',
    '#Version',
    '#InTPS(LOAD)',
    '#OutTPS(LOAD)',
    '#Timer(Progress)',
    '#PCWait(ms)',
    '#Hour',
    '#SPACE',
    '#ACTIVATED',
  ]);
  const rows = entries.map((e) =>
    e.answered
      ? row([
          e.cluster,
          e.brokerName,
          String(e.brokerId),
          e.address,
          brokerVersionOf(e.version),
          '     0.00(0,0ms)',
          '     0.00(0,0ms)',
          '0-0(0.0w, 0.0, 0.0)',
          '0',
          '3.21',
          '0.1100',
          // brokerActive: a master that serves; slaves report false.
          String(e.brokerId === 0),
        ])
      : row([
          e.cluster,
          e.brokerName,
          String(e.brokerId),
          e.address,
          '',
          '     0.00(,ms)',
          '     0.00(,ms)',
          '0-0(0.0w, 0.0, 0.0)',
          '',
          '0.00',
          '0.0000',
          'false',
        ]),
  );
  const stderr = entries
    .filter((e) => !e.answered)
    .map((e) =>
      [
        `org.apache.rocketmq.remoting.exception.RemotingConnectException: connect to ${e.address} failed`,
        '\tat org.apache.rocketmq.remoting.netty.NettyRemotingClient.invokeSync(NettyRemotingClient.java:546)',
        '\tat org.apache.rocketmq.client.impl.MQClientAPIImpl.getBrokerRuntimeInfo(MQClientAPIImpl.java:1814)',
        '\tat org.apache.rocketmq.tools.command.cluster.ClusterListSubCommand.printClusterBaseInfo(ClusterListSubCommand.java:227)',
        '',
      ].join('\n'),
    )
    .join('');
  return { stdout: `${[header, ...rows].join('\n')}\n`, stderr, exitCode: 0 };
};

export interface SyncStateReplica {
  brokerId: number;
  address: string;
  alive: boolean;
}

export interface SyncStateBlock {
  brokerName: string;
  master?: { brokerId: number; address: string };
  masterEpoch: number;
  syncStateSetEpoch: number;
  inSync: SyncStateReplica[];
  notInSync: SyncStateReplica[];
}

/** GetSyncStateSetSubCommand.printData, per version: 5.0 prints the SyncStateSet alone, 5.1.0 no ids of the master nor liveness. */
export const syncStateSetOutput = (blocks: SyncStateBlock[], version: MqadminVersion): string =>
  blocks
    .map((b) => {
      const masterAddress = b.master?.address ?? 'null';
      if (version === '5.0.0')
        return [
          `\n#brokerName\t${b.brokerName}\n#MasterAddr\t${masterAddress}\n#MasterEpoch\t${b.masterEpoch}\n#SyncStateSetEpoch\t${b.syncStateSetEpoch}\n#SyncStateSetMemberNums\t${b.inSync.length}\n`,
          ...b.inSync.map(
            (r) => `\n member:\tInSyncMember{address='${r.address}', brokerId=${r.brokerId}}\n`,
          ),
        ].join('');
      if (version === '5.1.0')
        return [
          `\n#brokerName\t${b.brokerName}\n#MasterAddr\t${masterAddress}\n#MasterEpoch\t${b.masterEpoch}\n#SyncStateSetEpoch\t${b.syncStateSetEpoch}\n#SyncStateSetNums\t${b.inSync.length}\n`,
          ...b.inSync.map((r) => `\n InSyncReplica:\t{address='${r.address}', brokerId=${r.brokerId}}\n`),
          ...b.notInSync.map(
            (r) => `\n NotInSyncReplica:\t{address='${r.address}', brokerId=${r.brokerId}}\n`,
          ),
        ].join('');
      const identity = (r: SyncStateReplica) =>
        `ReplicaIdentity{brokerName='${b.brokerName}', brokerId=${r.brokerId}, brokerAddress='${r.address}', alive=${r.alive}}`;
      return [
        `\n#brokerName\t${b.brokerName}\n#MasterBrokerId\t${b.master?.brokerId ?? 'null'}\n#MasterAddr\t${masterAddress}\n#MasterEpoch\t${b.masterEpoch}\n#SyncStateSetEpoch\t${b.syncStateSetEpoch}\n#SyncStateSetNums\t${b.inSync.length}\n`,
        ...b.inSync.map((r) => `\nInSyncReplica:\t${identity(r)}\n`),
        ...b.notInSync.map((r) => `\nNotInSyncReplica:\t${identity(r)}\n`),
      ].join('');
    })
    .join('');

/** GetControllerMetaDataSubCommand: a group without a leader prints `null` for it. */
export const controllerMetaDataOutput = (
  group: string,
  leader: { id: string; address: string } | undefined,
  peers: Array<{ id: string; address: string }>,
): string =>
  `\n#ControllerGroup\t${group}\n#ControllerLeaderId\t${leader?.id ?? 'null'}\n#ControllerLeaderAddress\t${leader?.address ?? 'null'}${peers.map((p) => `\n#Peer:\t${p.id}:${p.address}`).join('')}\n`;

/** ReElectMasterSubCommand's success; 5.1.4 prints no member lines (the answer carries no member group). */
export const electMasterOutput = (
  cluster: string,
  brokerName: string,
  masterAddress: string,
  masterEpoch: number,
  syncStateSetEpoch: number,
): string =>
  `\n#ClusterName\t${cluster}\n#BrokerName\t${brokerName}\n#BrokerMasterAddr\t${masterAddress}\n#MasterEpoch\t${masterEpoch}\n#SyncStateSetEpoch\t${syncStateSetEpoch}\n`;

/** The usage commons-cli prints for each sub-command the model serves (its options, required ones bare). */
export const USAGES: Record<string, string> = {
  clusterList: '[-h] [-i <arg>] [-m] [-n <arg>]',
  getSyncStateSet: '-a <arg> [-b <arg>] [-c <arg>] [-h] [-i <arg>] [-n <arg>]',
  getControllerMetaData: '-a <arg> [-h] [-n <arg>]',
  electMaster: '-a <arg> -b <arg> -bn <arg> -c <arg> [-h] [-n <arg>]',
  updateBrokerConfig: '[-a] [-b <arg>] [-c <arg>] [-h] -k <arg> [-n <arg>] -v <arg>',
  getBrokerConfig: '[-b <arg>] [-c <arg>] [-h] [-n <arg>]',
  haStatus: '[-b <arg>] [-c <arg>] [-h] [-i <arg>] [-n <arg>]',
};
