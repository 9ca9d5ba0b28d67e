// The RocketMQ deployment as the engine sees it: the pods of the namespace (where each runs,
// its IP, whether it is Ready), the plan's broker members resolved to the addresses brokers
// register with, and mqadmin run in a Ready tools pod against the name servers and controller.
import { TransientError } from '../../errors.js';
import type { ExecResult, KubePort, PodSummary } from '../../ports/kube.js';
import type { StepContext } from '../engine.js';
import { UnexpectedOutputError } from '../command-output.js';
import {
  controllerLeaderMissing,
  exceptionOf,
  failureOf,
  mqadminCommands,
  parseBrokerConfig,
  parseClusterList,
  parseControllerMetaData,
  parseHaStatus,
  parseSyncStateSets,
  type ClusterListRow,
  type ControllerMetaData,
  type HaStatus,
  type MqadminCommands,
  type Replica,
  type SyncStateSet,
  updatedBrokerConfig,
} from './commands.js';
import type { BrokerGroup, RocketmqControllerPlan } from './plan.js';

const mqadminTimeoutMs = 60_000;

export interface RocketAccess {
  kube: KubePort;
  engine: RocketmqControllerPlan;
  commands: MqadminCommands;
}

export const rocketAccess = (ctx: StepContext, engine: RocketmqControllerPlan): RocketAccess => ({
  kube: ctx.kube('downstream'),
  engine,
  commands: mqadminCommands(engine.mqadmin.command),
});

export const namespacePods = async (access: RocketAccess): Promise<Map<string, PodSummary>> =>
  new Map((await access.kube.listPods(access.engine.namespace, '')).map((p) => [p.name, p]));

const usable = (pod: PodSummary | undefined): pod is PodSummary =>
  pod !== undefined && pod.ready && !pod.terminating;

export const describePod = (pod: PodSummary | undefined, name: string): string =>
  pod === undefined
    ? `${name} (absent)`
    : `${name} (${pod.terminating ? 'Terminating' : pod.ready ? 'Ready' : 'not Ready'}${pod.node ? ` on ${pod.node}` : ''})`;

export interface Member {
  brokerName: string;
  pod: string;
  site: string;
  /** `<pod IP>:<broker port>`, as the broker registers; undefined while the pod has no IP. */
  address?: string;
  ready: boolean;
  summary: PodSummary | undefined;
}

export const membersOf = (
  engine: RocketmqControllerPlan,
  pods: Map<string, PodSummary>,
  group: BrokerGroup,
): Member[] =>
  group.members.map((m) => {
    const summary = pods.get(m.pod);
    return {
      brokerName: group.brokerName,
      pod: m.pod,
      site: m.site,
      ...(summary?.ip ? { address: `${summary.ip}:${engine.brokerPort}` } : {}),
      ready: usable(summary),
      summary,
    };
  });

/** A Ready pod to run mqadmin in (the seed runs it in a name server pod). */
export const toolsPod = async (access: RocketAccess): Promise<string> => {
  const pods = (await access.kube.listPods(access.engine.namespace, access.engine.mqadmin.podSelector))
    .filter(usable)
    .sort((a, b) => a.name.localeCompare(b.name));
  if (pods[0] === undefined)
    throw new Error(
      `no Ready pod matching ${access.engine.mqadmin.podSelector} in ${access.engine.namespace} to run mqadmin in`,
    );
  return pods[0].name;
};

export const mqadmin = (access: RocketAccess, pod: string, argv: string[]): Promise<ExecResult> =>
  access.kube.exec(access.engine.namespace, pod, argv, {
    ...(access.engine.mqadmin.container ? { container: access.engine.mqadmin.container } : {}),
    timeoutMs: mqadminTimeoutMs,
  });

/**
 * `updateBrokerConfig brokerPermission` on one broker, confirmed by mqadmin's answer. An update
 * the broker did not confirm is Transient: repeating it is harmless. `failed` says what could not
 * be done (`could not make ADDRESS read-only`); the tool's own words follow it.
 */
export const setBrokerPermission = async (
  access: RocketAccess,
  pod: string,
  nameServer: string,
  address: string,
  permission: 4 | 6,
  failed: string,
): Promise<void> => {
  const result = await mqadmin(
    access,
    pod,
    access.commands.setBrokerPermission(nameServer, address, permission),
  );
  if (!updatedBrokerConfig(result.stdout, address))
    throw new TransientError(`${failed}: ${failureOf(result.stdout, result.stderr)}`);
};

export interface NameServerView {
  /** The first name server that answered, and what it lists. */
  nameServer?: string;
  rows: ClusterListRow[];
  answers: Array<{ nameServer: string; reachable: boolean; brokers?: number; error?: string }>;
}

/**
 * What a read printed: the answer `parse` finds in it, or the failure mqadmin reported (an
 * exception: the server or broker did not answer; or an exit status of its own). Anything else is
 * not an answer, and never passes for "not there" or "not reachable": it throws
 * UnexpectedOutputError, which halts the step.
 */
const answerOf = async <T>(
  access: RocketAccess,
  pod: string,
  argv: string[],
  parse: (stdout: string) => T | undefined,
): Promise<{ value?: T; error?: string }> => {
  const result = await mqadmin(access, pod, argv);
  const value = parse(result.stdout);
  if (value !== undefined) return { value };
  const error =
    result.exitCode !== 0
      ? `exited ${result.exitCode}: ${failureOf(result.stdout, result.stderr)}`
      : exceptionOf(result.stdout, result.stderr);
  if (error === undefined) throw new UnexpectedOutputError(argv, `${result.stdout}${result.stderr}`);
  return { error };
};

/** Asks the plan's name servers in order; `all` asks every one (readiness reports each). */
export const readClusterList = async (
  access: RocketAccess,
  pod: string,
  all = false,
): Promise<NameServerView> => {
  const view: NameServerView = { rows: [], answers: [] };
  for (const nameServer of access.engine.nameServers) {
    const { value: rows, error } = await answerOf(
      access,
      pod,
      access.commands.clusterList(nameServer),
      parseClusterList,
    );
    if (rows === undefined) {
      view.answers.push({ nameServer, reachable: false, error });
      continue;
    }
    const mine = rows.filter((r) => r.cluster === access.engine.brokerCluster);
    view.answers.push({ nameServer, reachable: true, brokers: mine.length });
    if (view.nameServer === undefined) {
      view.nameServer = nameServer;
      view.rows = mine;
    }
    if (!all) break;
  }
  return view;
};

/** The controller's metadata; a group without a leader (`null`) is an error: it cannot answer or elect. */
export const readControllerMetaData = async (
  access: RocketAccess,
  pod: string,
): Promise<{ metaData?: ControllerMetaData; error?: string }> => {
  // A leaderless answer is an answer (it says why), not output the parser does not know.
  const { value, error } = await answerOf(
    access,
    pod,
    access.commands.getControllerMetaData(access.engine.controller.address),
    (stdout) => {
      const leaderless = controllerLeaderMissing(stdout);
      return leaderless === undefined ? parseControllerMetaData(stdout) : { leaderless };
    },
  );
  if (value && 'leaderless' in value) return { error: value.leaderless };
  return value ? { metaData: value } : { error };
};

export const readSyncStateSet = async (
  access: RocketAccess,
  pod: string,
  brokerName: string,
): Promise<{ set?: SyncStateSet; error?: string }> => {
  const { value, error } = await answerOf(
    access,
    pod,
    access.commands.getSyncStateSet(access.engine.controller.address, brokerName),
    parseSyncStateSets,
  );
  if (value === undefined) return { error };
  const set = value.find((s) => s.brokerName === brokerName);
  return set
    ? { set }
    : {
        error: `no SyncStateSet for ${brokerName} (the controller lists ${value.map((s) => s.brokerName).join(', ')})`,
      };
};

/**
 * Whether a SyncStateSet member is alive: the controller's own view (its heartbeats) where the
 * version prints it (5.1.1+); before, the member's pod being Ready and registered with the name
 * servers stands in for it, since the controller elects no broker whose heartbeats stopped.
 */
export const replicaAlive = (replica: Replica, member: Member | undefined, view: NameServerView): boolean =>
  replica.alive ??
  (member !== undefined &&
    member.ready &&
    view.rows.some((r) => r.address === replica.address && r.version !== ''));

/** The group's master per `clusterList` (BID 0), if the name server lists one. */
export const masterOf = (rows: ClusterListRow[], brokerName: string): ClusterListRow | undefined =>
  rows.find((r) => r.brokerName === brokerName && r.brokerId === 0);

/** The member a master row is, matched by address (pod IP and broker port). */
export const memberAt = (members: Member[], address: string | undefined): Member | undefined =>
  address === undefined ? undefined : members.find((m) => m.address === address);

/** The broker's configuration as it reports it (`getBrokerConfig`), or why it could not be read. */
export const readBrokerConfig = (
  access: RocketAccess,
  pod: string,
  nameServer: string,
  address: string,
): Promise<{ value?: Record<string, string>; error?: string }> =>
  answerOf(access, pod, access.commands.getBrokerConfig(nameServer, address), parseBrokerConfig);

/** `brokerPermission` as the broker reports it (`4` read-only, `6` read and write), or why it could not be read. */
export const readBrokerPermission = async (
  access: RocketAccess,
  pod: string,
  nameServer: string,
  address: string,
): Promise<{ permission?: string; error?: string }> => {
  const { value, error } = await readBrokerConfig(access, pod, nameServer, address);
  const permission = value?.['brokerPermission'];
  return permission !== undefined
    ? { permission }
    : { error: error ?? 'getBrokerConfig lists no brokerPermission' };
};

export const readHaStatus = async (
  access: RocketAccess,
  pod: string,
  nameServer: string,
  address: string,
): Promise<{ status?: HaStatus; error?: string }> => {
  const { value, error } = await answerOf(
    access,
    pod,
    access.commands.haStatus(nameServer, address),
    parseHaStatus,
  );
  return value ? { status: value } : { error };
};

/** The member's pod IP: how a master's HA table names its slave (by socket address, not broker port). */
export const ipOf = (member: Member): string | undefined => member.summary?.ip;
