// Every mqadmin command this engine runs, with the parser for what it prints, for RocketMQ 5.1
// (formats from the tool's source, apache/rocketmq tools/.../command: ClusterListSubCommand,
// GetSyncStateSetSubCommand, ReElectMasterSubCommand, GetControllerMetaDataSubCommand,
// UpdateBrokerConfigSubCommand, GetBrokerConfigCommand, HAStatusSubCommand). mqadmin exits 0 even when the
// sub-command fails (MQAdminStartup prints the stack trace and returns), so success is read
// from the output, never from the exit code.

export const mqadminCommands = (tool: string) => ({
  clusterList: (nameServer: string) => [tool, 'clusterList', '-n', nameServer],
  getSyncStateSet: (controller: string, brokerName: string) => [
    tool,
    'getSyncStateSet',
    '-a',
    controller,
    '-b',
    brokerName,
  ],
  getControllerMetaData: (controller: string) => [tool, 'getControllerMetaData', '-a', controller],
  electMaster: (controller: string, cluster: string, brokerName: string, brokerId: number) => [
    tool,
    'electMaster',
    '-a',
    controller,
    '-c',
    cluster,
    '-bn',
    brokerName,
    '-b',
    String(brokerId),
  ],
  /** brokerPermission 4 = read only (PERM_READ), 6 = read and write. */
  setBrokerPermission: (nameServer: string, broker: string, permission: 4 | 6) => [
    tool,
    'updateBrokerConfig',
    '-n',
    nameServer,
    '-b',
    broker,
    '-k',
    'brokerPermission',
    '-v',
    String(permission),
  ],
  getBrokerConfig: (nameServer: string, broker: string) => [
    tool,
    'getBrokerConfig',
    '-n',
    nameServer,
    '-b',
    broker,
  ],
  /** Asked of a master: its commit log's end and how far each slave's HA connection has acknowledged. */
  haStatus: (nameServer: string, broker: string) => [tool, 'haStatus', '-n', nameServer, '-b', broker],
});

export type MqadminCommands = ReturnType<typeof mqadminCommands>;

/** The exception a failed sub-command printed and its root cause, from the stack trace; undefined when it printed none. */
export const exceptionOf = (stdout: string, stderr: string): string | undefined => {
  const text = `${stderr}\n${stdout}`;
  const exception = /^\S*(?:Exception|Error)[^\n]*$/m.exec(text)?.[0];
  const causes = [...text.matchAll(/^Caused by: ([^\n]*)$/gm)].map((m) => m[1]!);
  const parts = [exception, causes.at(-1)].filter((p): p is string => p !== undefined && p !== '');
  return parts.length > 0 ? [...new Set(parts)].join(' <- ') : undefined;
};

/** Why a sub-command failed: its exception, or the first lines it printed. */
export const failureOf = (stdout: string, stderr: string): string =>
  exceptionOf(stdout, stderr) ??
  ((stderr.trim() || stdout.trim()).split('\n').slice(0, 2).join(' ') || 'no output');

/** `CODE: 2011  DESC: The old master 1 is still alive, ...` in an MQBrokerException. */
export const responseCodeOf = (text: string): { code: number; desc: string } | undefined => {
  const m = /CODE:\s*(\d+)\s+DESC:\s*([^\n]*)/.exec(text);
  return m ? { code: Number(m[1]), desc: m[2]!.replace(/\s*For more information.*$/, '').trim() } : undefined;
};

/** The controller's answer (remoting ResponseCode) when the old master is still alive: no restart helps. */
export const CONTROLLER_MASTER_STILL_EXIST = 2011;

export interface ClusterListRow {
  cluster: string;
  brokerName: string;
  /** 0 is the master; a slave shows its controller-assigned id. */
  brokerId: number;
  address: string;
  version: string;
  /** `#ACTIVATED` (5.x): the broker serves as master or active slave. */
  activated?: boolean;
}

/**
 * `#Cluster Name  #Broker Name  #BID  #Addr  #Version  #InTPS(LOAD) ... #ACTIVATED`, one row per
 * broker. Columns are padded with spaces and some hold spaces themselves (`0-0(0.0w, 0.0, 0.0)`),
 * so a row is read from its first five fields and, when the header has it, its last.
 * Undefined when the header is missing (the command failed) or a line after it is not a row: a
 * broker dropped from a garbled listing would pass for one that is not registered.
 */
export const parseClusterList = (stdout: string): ClusterListRow[] | undefined => {
  const lines = stdout.split(/\r?\n/);
  const headerAt = lines.findIndex((l) => l.trimStart().startsWith('#Cluster Name'));
  if (headerAt < 0) return undefined;
  const hasActivated = lines[headerAt]!.includes('#ACTIVATED');
  const fields = lines
    .slice(headerAt + 1)
    .filter((l) => l.trim() !== '')
    .map((l) => l.trim().split(/\s+/));
  if (!fields.every((f) => f.length >= 5 && /^\d+$/.test(f[2]!))) return undefined;
  return fields.map((f) => ({
    cluster: f[0]!,
    brokerName: f[1]!,
    brokerId: Number(f[2]),
    address: f[3]!,
    version: f[4]!,
    ...(hasActivated ? { activated: f.at(-1) === 'true' } : {}),
  }));
};

export interface Replica {
  brokerName: string;
  brokerId: number;
  address: string;
  alive: boolean;
}

export interface SyncStateSet {
  brokerName: string;
  masterBrokerId?: number;
  masterAddress?: string;
  masterEpoch: number;
  syncStateSetEpoch: number;
  inSync: Replica[];
  notInSync: Replica[];
}

const field = (block: string, name: string): string | undefined =>
  new RegExp(`^#${name}\\t([^\\n]*)$`, 'm').exec(block)?.[1]?.trim();
const orUndefined = (value: string | undefined): string | undefined =>
  value === undefined || value === 'null' || value === '' ? undefined : value;

const replicaIn = (text: string): Replica | undefined => {
  const m =
    /ReplicaIdentity\{brokerName='([^']*)', brokerId=(\d+), brokerAddress='([^']*)', alive=(true|false)\}/.exec(
      text,
    );
  return m
    ? { brokerName: m[1]!, brokerId: Number(m[2]), address: m[3]!, alive: m[4] === 'true' }
    : undefined;
};

/**
 * `getSyncStateSet`: per broker name a block `#brokerName`, `#MasterBrokerId`, `#MasterAddr`,
 * `#MasterEpoch`, `#SyncStateSetEpoch`, `#SyncStateSetNums`, then `InSyncReplica:` and
 * `NotInSyncReplica:` lines with a ReplicaIdentity each. Undefined when no block is printed.
 */
export const parseSyncStateSets = (stdout: string): SyncStateSet[] | undefined => {
  const blocks = stdout.split(/^(?=#brokerName\t)/m).filter((b) => b.startsWith('#brokerName\t'));
  if (blocks.length === 0) return undefined;
  return blocks.map((block) => {
    const masterBrokerId = orUndefined(field(block, 'MasterBrokerId'));
    const masterAddress = orUndefined(field(block, 'MasterAddr'));
    const replicas = (label: string) =>
      block
        .split('\n')
        .filter((l) => l.trimStart().startsWith(`${label}:`))
        .map(replicaIn)
        .filter((r): r is Replica => r !== undefined);
    return {
      brokerName: field(block, 'brokerName') ?? '',
      ...(masterBrokerId !== undefined ? { masterBrokerId: Number(masterBrokerId) } : {}),
      ...(masterAddress !== undefined ? { masterAddress } : {}),
      masterEpoch: Number(field(block, 'MasterEpoch') ?? 0),
      syncStateSetEpoch: Number(field(block, 'SyncStateSetEpoch') ?? 0),
      inSync: replicas('InSyncReplica'),
      notInSync: replicas('NotInSyncReplica'),
    };
  });
};

export interface ElectResult {
  brokerName: string;
  masterAddress?: string;
  masterEpoch: number;
  members: Array<{ brokerId: number; address: string }>;
}

/** `electMaster`: `#BrokerMasterAddr` and friends, then `\t#Broker\t<id>\t<addr>` per member. */
export const parseElectMaster = (stdout: string): ElectResult | undefined => {
  const master = field(stdout, 'BrokerMasterAddr');
  if (master === undefined) return undefined;
  return {
    brokerName: field(stdout, 'BrokerName') ?? '',
    ...(orUndefined(master) ? { masterAddress: master } : {}),
    masterEpoch: Number(field(stdout, 'MasterEpoch') ?? 0),
    members: [...stdout.matchAll(/^\t#Broker\t(\d+)\t(\S+)$/gm)].map((m) => ({
      brokerId: Number(m[1]),
      address: m[2]!,
    })),
  };
};

export interface ControllerMetaData {
  group: string;
  leaderId: string;
  leaderAddress: string;
  peers: string[];
}

export const parseControllerMetaData = (stdout: string): ControllerMetaData | undefined => {
  const leaderAddress = field(stdout, 'ControllerLeaderAddress');
  if (leaderAddress === undefined) return undefined;
  return {
    group: field(stdout, 'ControllerGroup') ?? '',
    leaderId: field(stdout, 'ControllerLeaderId') ?? '',
    leaderAddress,
    peers: [...stdout.matchAll(/^#Peer:\t(\S+)$/gm)].map((m) => m[1]!),
  };
};

/** `getBrokerConfig`: `============addr============`, then `key<padding>=  value` lines. */
export const parseBrokerConfig = (stdout: string): Record<string, string> | undefined => {
  if (!/^=+\S+=+$/m.test(stdout)) return undefined;
  return Object.fromEntries(
    stdout
      .split('\n')
      .map((l) => /^(\S+)\s*=\s{2}(.*)$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1]!, m[2]!.trim()]),
  );
};

export const updatedBrokerConfig = (stdout: string, broker: string): boolean =>
  stdout.includes(`update broker config success, ${broker}`);

export interface HaConnection {
  /** The HA connection's remote socket address (`/10.1.1.12:40213`): the slave's IP, not its broker port. */
  address: string;
  ip: string;
  ackOffset: number;
  /** The master's commit log end minus what this slave acknowledged, in bytes. */
  diff: number;
  transferKbPerSecond: number;
  /** `OK` (in sync) or `Fall Behind`. */
  status: string;
  fromOffset: number;
}

export type HaStatus =
  | {
      role: 'master';
      masterAddress: string;
      commitLogMaxOffset: number;
      slaveNum: number;
      inSyncSlaveNum: number;
      connections: HaConnection[];
    }
  | { role: 'slave'; masterAddress: string; commitLogMaxOffset: number };

/**
 * `haStatus -b ADDR`: a master prints `#MasterAddr`, `#MasterCommitLogMaxOffset`, `#SlaveNum`,
 * `#InSyncSlaveNum`, then a `#SlaveAddr #SlaveAckOffset #Diff #TransferSpeed(KB/s) #Status
 * #TransferFromWhere` table (`%-32s  %-16d %16d %16.2f %16s %16d`; the status may be `Fall Behind`,
 * two words); a slave prints its client's `#MasterAddr` and `#CommitLogMaxOffset`. Undefined when
 * neither is printed: the command failed.
 */
export const parseHaStatus = (stdout: string): HaStatus | undefined => {
  const masterAddress = field(stdout, 'MasterAddr');
  const masterEnd = field(stdout, 'MasterCommitLogMaxOffset');
  if (masterAddress !== undefined && masterEnd !== undefined) {
    const connections = stdout
      .split('\n')
      .map((l) => /^(\S+)\s+(\d+)\s+(-?\d+)\s+(-?[\d.]+)\s+(OK|Fall Behind)\s+(-?\d+)\s*$/.exec(l.trim()))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({
        address: m[1]!,
        ip: m[1]!.replace(/^\//, '').replace(/:\d+$/, ''),
        ackOffset: Number(m[2]),
        diff: Number(m[3]),
        transferKbPerSecond: Number(m[4]),
        status: m[5]!,
        fromOffset: Number(m[6]),
      }));
    return {
      role: 'master',
      masterAddress,
      commitLogMaxOffset: Number(masterEnd),
      slaveNum: Number(field(stdout, 'SlaveNum') ?? connections.length),
      inSyncSlaveNum: Number(field(stdout, 'InSyncSlaveNum') ?? 0),
      connections,
    };
  }
  const slaveEnd = field(stdout, 'CommitLogMaxOffset');
  if (masterAddress !== undefined && slaveEnd !== undefined)
    return { role: 'slave', masterAddress, commitLogMaxOffset: Number(slaveEnd) };
  return undefined;
};
