// Every mqadmin command this engine runs, with the parser for what it prints: RocketMQ 5.1.4's
// outputs as a real cluster prints them (conformance/rocketmq/ runs them), older 5.x formats from
// the tool's source at those tags (apache/rocketmq tools/.../command: ClusterListSubCommand,
// GetSyncStateSetSubCommand, ReElectMasterSubCommand, GetControllerMetaDataSubCommand,
// UpdateBrokerConfigSubCommand, GetBrokerConfigCommand, HAStatusSubCommand). mqadmin exits 0 even
// when the sub-command fails (MQAdminStartup prints the stack trace and returns), and 1 only when
// a required option is missing (commons-cli's usage), so success is read from the output.

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

/**
 * A Java exception's first line: a package-qualified class name ending in Exception or Error. A
 * configuration key such as `timerSkipUnknownError = false` in getBrokerConfig's answer is none.
 */
const EXCEPTION_LINE = /^(?:[a-z_$][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error)(?::[^\n]*)?$/m;

/** The exception a failed sub-command printed and its root cause, from the stack trace; undefined when it printed none. */
export const exceptionOf = (stdout: string, stderr: string): string | undefined => {
  const text = `${stderr}\n${stdout}`;
  const exception = EXCEPTION_LINE.exec(text)?.[0];
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

/**
 * The controller's answers to `electMaster` (remoting ResponseCode; ReplicasInfoManager.electMaster
 * with DefaultElectPolicy, 5.1.4). An admin's request designates the broker: the controller elects
 * it when it is alive (heartbeats) and in the SyncStateSet, even while the old master lives.
 */
/** The designated broker already is the master: nothing to elect. */
export const CONTROLLER_MASTER_STILL_EXIST = 2011;
/**
 * The designated broker cannot be elected in the controller's view: not alive, not in the
 * SyncStateSet, or no such broker id. The controller answered; restarting it changes neither.
 */
export const CONTROLLER_ELECT_MASTER_FAILED = 2012;
/** No such broker set: the controller has no record of the broker name. */
export const CONTROLLER_BROKER_NEED_TO_BE_REGISTERED = 2010;
/** The controller asked is not the DLedger leader (a multi-node controller mid-election). */
export const CONTROLLER_NOT_LEADER = 2007;

export interface ClusterListRow {
  cluster: string;
  brokerName: string;
  /** 0 is the master; a slave shows its controller-assigned id. */
  brokerId: number;
  address: string;
  /**
   * `V5_1_4`; empty when the broker did not answer the runtime-stats request clusterList makes for
   * each row: the name server still lists it (a lost site's broker, until its channel expires).
   */
  version: string;
  /** `#ACTIVATED` (5.x): the broker answered and serves as master (false for slaves and silent brokers). */
  activated?: boolean;
}

/** The broker version clusterList prints, e.g. `V5_1_4`; anything else in that place is the next column. */
const brokerVersion = /^V\d+_\d+_\d+\S*$/;

/**
 * `#Cluster Name  #Broker Name  #BID  #Addr  #Version  #InTPS(LOAD) ... #ACTIVATED`, one row per
 * broker listed by the name server. Columns are padded with spaces and some hold spaces themselves
 * (`0-0(0.0w, 0.0, 0.0)`), so a row is read from its first four fields, the version when the fifth
 * is one (a broker that does not answer prints none: `0.00(,ms)` follows its address), and, when
 * the header has it, the last. Undefined when the header is missing (the command failed) or a line
 * after it is not a row: a broker dropped from a garbled listing would pass for one that is not
 * registered.
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
  if (
    !fields.every(
      (f) =>
        f.length >= 5 &&
        /^\d+$/.test(f[2]!) &&
        /^\S+:\d+$/.test(f[3]!) &&
        (!hasActivated || f.at(-1) === 'true' || f.at(-1) === 'false'),
    )
  )
    return undefined;
  return fields.map((f) => ({
    cluster: f[0]!,
    brokerName: f[1]!,
    brokerId: Number(f[2]),
    address: f[3]!,
    version: brokerVersion.test(f[4]!) ? f[4]! : '',
    ...(hasActivated ? { activated: f.at(-1) === 'true' } : {}),
  }));
};

export interface Replica {
  brokerName: string;
  brokerId: number;
  address: string;
  /** The controller's view (its heartbeats); undefined where the version prints none (5.0, 5.1.0). */
  alive?: boolean;
}

/** Which `getSyncStateSet` format was printed: the tool changed it twice. */
export type SyncStateSetFormat = '5.0' | '5.1.0' | '5.1.1+';

export interface SyncStateSet {
  brokerName: string;
  format: SyncStateSetFormat;
  /** 5.1.1+ only; earlier versions name the master by address. */
  masterBrokerId?: number;
  masterAddress?: string;
  masterEpoch: number;
  syncStateSetEpoch: number;
  inSync: Replica[];
  /** 5.0 prints the SyncStateSet alone: its other replicas are not known from this output. */
  notInSync: Replica[];
}

const field = (block: string, name: string): string | undefined =>
  new RegExp(`^#${name}\\t([^\\n]*)$`, 'm').exec(block)?.[1]?.trim();
const orUndefined = (value: string | undefined): string | undefined =>
  value === undefined || value === 'null' || value === '' ? undefined : value;

/** A replica as each version's toString prints it; undefined for anything else. */
const replicaIn = (text: string, brokerName: string): Replica | undefined => {
  // 5.1.1+: ReplicaIdentity{brokerName='broker-0', brokerId=2, brokerAddress='10.1.1.15:10911', alive=true}
  const full =
    /ReplicaIdentity\{brokerName='([^']*)', brokerId=(\d+), brokerAddress='([^']*)', alive=(true|false)\}/.exec(
      text,
    );
  if (full)
    return { brokerName: full[1]!, brokerId: Number(full[2]), address: full[3]!, alive: full[4] === 'true' };
  // 5.1.0: {address='10.1.1.15:10911', brokerId=2}; 5.0: InSyncMember{address='10.1.1.15:10911', brokerId=2}
  const short = /(?:InSyncMember)?\{address='([^']*)', brokerId=(\d+)\}/.exec(text);
  return short ? { brokerName, brokerId: Number(short[2]), address: short[1]! } : undefined;
};

/** The labels a version puts before each replica: in sync, and not in sync (none in 5.0). */
const LABELS: Record<SyncStateSetFormat, { inSync: RegExp; notInSync?: RegExp }> = {
  '5.0': { inSync: /^ member:\t/ },
  '5.1.0': { inSync: /^ InSyncReplica:\t/, notInSync: /^ NotInSyncReplica:\t/ },
  '5.1.1+': { inSync: /^InSyncReplica:\t/, notInSync: /^NotInSyncReplica:\t/ },
};

/**
 * `getSyncStateSet -b NAME`: per broker name a block `#brokerName`, then
 * - 5.1.1+: `#MasterBrokerId`, `#MasterAddr`, `#MasterEpoch`, `#SyncStateSetEpoch`,
 *   `#SyncStateSetNums`, then `InSyncReplica:` and `NotInSyncReplica:` lines, a ReplicaIdentity each
 *   (brokerName, brokerId, brokerAddress, alive);
 * - 5.1.0: no `#MasterBrokerId`; ` InSyncReplica:` / ` NotInSyncReplica:` (a leading space) with
 *   `{address='…', brokerId=N}`: no liveness;
 * - 5.0: `#SyncStateSetMemberNums` and ` member:\tInSyncMember{address='…', brokerId=N}`: the
 *   SyncStateSet alone.
 * Undefined when no block is printed, or when a block's replica lines are not all read or do not
 * add up to the count it prints: a replica missed would pass for one that is not in sync.
 */
export const parseSyncStateSets = (stdout: string): SyncStateSet[] | undefined => {
  const blocks = stdout.split(/^(?=#brokerName\t)/m).filter((b) => b.startsWith('#brokerName\t'));
  if (blocks.length === 0) return undefined;
  const sets = blocks.map((block): SyncStateSet | undefined => {
    const brokerName = field(block, 'brokerName') ?? '';
    const format: SyncStateSetFormat =
      field(block, 'SyncStateSetMemberNums') !== undefined
        ? '5.0'
        : field(block, 'MasterBrokerId') !== undefined
          ? '5.1.1+'
          : '5.1.0';
    const count = Number(field(block, format === '5.0' ? 'SyncStateSetMemberNums' : 'SyncStateSetNums'));
    const masterEpoch = Number(field(block, 'MasterEpoch'));
    const syncStateSetEpoch = Number(field(block, 'SyncStateSetEpoch'));
    if (![count, masterEpoch, syncStateSetEpoch].every(Number.isInteger)) return undefined;
    const labels = LABELS[format];
    const replicaLines = block.split('\n').filter((l) => /^ ?\S+:\t/.test(l) && !l.startsWith('#'));
    const read = (label: RegExp | undefined) =>
      label === undefined
        ? []
        : replicaLines.filter((l) => label.test(l)).map((l) => replicaIn(l.replace(label, ''), brokerName));
    const inSync = read(labels.inSync);
    const notInSync = read(labels.notInSync);
    const all = [...inSync, ...notInSync];
    if (all.length !== replicaLines.length || all.some((r) => r === undefined) || inSync.length !== count)
      return undefined;
    const masterBrokerId = orUndefined(field(block, 'MasterBrokerId'));
    const masterAddress = orUndefined(field(block, 'MasterAddr'));
    return {
      brokerName,
      format,
      ...(masterBrokerId !== undefined ? { masterBrokerId: Number(masterBrokerId) } : {}),
      ...(masterAddress !== undefined ? { masterAddress } : {}),
      masterEpoch,
      syncStateSetEpoch,
      inSync: inSync as Replica[],
      notInSync: notInSync as Replica[],
    };
  });
  return sets.every((s): s is SyncStateSet => s !== undefined) ? sets : undefined;
};

export interface ElectResult {
  brokerName: string;
  masterAddress?: string;
  masterEpoch: number;
  members: Array<{ brokerId: number; address: string }>;
}

/**
 * `electMaster`: `#ClusterName`, `#BrokerName`, `#BrokerMasterAddr`, `#MasterEpoch`,
 * `#SyncStateSetEpoch`, then `\t#Broker\t<id>\t<addr>` per member when the answer carries the
 * member group (5.1.4's does not: the tool prints none).
 */
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
  /** `n0:10.1.1.13:9878`: DLedger self id and address. */
  peers: string[];
}

/**
 * `getControllerMetaData`: `#ControllerGroup`, `#ControllerLeaderId`, `#ControllerLeaderAddress`,
 * then `#Peer:\t<id>:<address>` per DLedger peer. A controller group without a leader (its DLedger
 * election has not finished, or it has no quorum) prints `null` for the leader: that is no leader,
 * and undefined here; `controllerLeaderMissing` says so.
 */
export const parseControllerMetaData = (stdout: string): ControllerMetaData | undefined => {
  const leaderAddress = orUndefined(field(stdout, 'ControllerLeaderAddress'));
  const leaderId = orUndefined(field(stdout, 'ControllerLeaderId'));
  if (leaderAddress === undefined || leaderId === undefined) return undefined;
  return {
    group: field(stdout, 'ControllerGroup') ?? '',
    leaderId,
    leaderAddress,
    peers: [...stdout.matchAll(/^#Peer:\t(\S+)$/gm)].map((m) => m[1]!),
  };
};

/** The answer of a controller group without a leader: why, or undefined when the output is no such answer. */
export const controllerLeaderMissing = (stdout: string): string | undefined => {
  const leader = field(stdout, 'ControllerLeaderAddress');
  const group = field(stdout, 'ControllerGroup');
  if (group === undefined || leader === undefined || orUndefined(leader) !== undefined) return undefined;
  const peers = [...stdout.matchAll(/^#Peer:\t(\S+)$/gm)].map((m) => m[1]!);
  return `controller group ${group} has no leader (getControllerMetaData prints ${leader || 'none'}; peers ${peers.join(', ') || 'none'}): it cannot answer or elect until its DLedger election ends`;
};

/**
 * `getBrokerConfig`: `============addr============`, then `key<padding>=  value` lines. The tool
 * prints the header before it asks the broker: a header without a single entry is a broker that
 * did not answer (undefined).
 */
export const parseBrokerConfig = (stdout: string): Record<string, string> | undefined => {
  if (!/^=+\S+=+$/m.test(stdout)) return undefined;
  const entries = stdout
    .split('\n')
    .map((l) => /^(\S+)\s*=\s{2}(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [m[1]!, m[2]!.trim()] as const);
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
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
