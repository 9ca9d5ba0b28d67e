// Which metadata store a 4.x cluster runs, and, under Khepri, whether it can commit. Under Khepri
// `cluster_status` reports no partitions whatever happens, so "no partitions" proves nothing
// there; what is checked instead is the store's Raft status as each node sees it: a leader, and
// every cluster member a voter that node reaches (`metadata_store_status` lists only the members a
// node reaches: a stopped or cut-off member is missing from it).
import { execIn, outputOf, type RabbitAccess } from './cluster-access.js';
import { healthCommands, parseMetadataStore, type MetadataStore } from './health-commands.js';

export interface MetadataStoreView {
  /** `mixed` when the nodes disagree (a migration to Khepri in progress). */
  store: 'mnesia' | 'khepri' | 'mixed' | 'unknown';
  /** Khepri: the leader each node sees (undefined: none). */
  leaders: Array<{ pod: string; leader?: string; reached: string[] }>;
  problems: string[];
}

export const observeMetadataStore = async (
  access: RabbitAccess,
  pods: string[],
  members: string[],
): Promise<MetadataStoreView> => {
  const answers = await Promise.all(
    pods.map(async (pod) => {
      const result = await execIn(access, pod, healthCommands.metadataStore);
      if (result.exitCode !== 0)
        return {
          pod,
          problem: `${pod}: metadata_store_status exited ${result.exitCode}: ${outputOf(result).slice(0, 160)}`,
        };
      return { pod, view: parseMetadataStore(result.stdout) };
    }),
  );
  const views = answers.flatMap((a) => (a.view ? [{ pod: a.pod, view: a.view }] : []));
  const stores = new Set(views.map((v) => v.view.store));
  const store = stores.size === 0 ? 'unknown' : stores.size > 1 ? 'mixed' : [...stores][0]!;
  const khepri = views.filter(
    (v): v is { pod: string; view: Extract<MetadataStore, { store: 'khepri' }> } => v.view.store === 'khepri',
  );
  const leaders = khepri.map(({ pod, view }) => {
    const leader = view.members.find((m) => m.raftState === 'leader')?.node;
    return {
      pod,
      ...(leader === undefined ? {} : { leader }),
      reached: view.members.filter((m) => m.membership === 'voter').map((m) => m.node),
    };
  });
  const problems = [
    ...answers.flatMap((a) => (a.problem ? [a.problem] : [])),
    ...(store === 'mixed'
      ? [
          `the nodes disagree on the metadata store (${views.map((v) => `${v.pod}: ${v.view.store}`).join(', ')})`,
        ]
      : []),
    ...leaders.flatMap((l) =>
      l.leader === undefined ? [`${l.pod} sees no leader of the metadata store (Khepri)`] : [],
    ),
    // Two leaders seen at once: the store is split, whichever side a write lands on.
    ...(new Set(leaders.flatMap((l) => (l.leader === undefined ? [] : [l.leader]))).size > 1
      ? [
          `the nodes see different leaders of the metadata store (Khepri): ${leaders.map((l) => `${l.pod}: ${l.leader ?? 'none'}`).join(', ')}`,
        ]
      : []),
    ...members.flatMap((m) => {
      const missing = leaders.filter((l) => !l.reached.includes(m)).map((l) => l.pod);
      return missing.length > 0
        ? [`${m} is not a voter of the metadata store (Khepri) that ${missing.join(', ')} can reach`]
        : [];
    }),
  ];
  return { store, leaders, problems };
};
