// Which RabbitMQ a cluster runs decides which health checks mean anything there: RabbitMQ 4.0
// removed classic queue mirroring (asking for mirrors is a usage error), and from 4.0 the
// metadata store may be Khepri, under which `cluster_status` never reports a partition. The
// version comes from the nodes themselves: `cluster_status` reports each running node's (3.10 and
// 4.0 alike), and `rabbitmq-diagnostics server_version` asks one node when no view reported any
// (`rabbitmqctl version` would print the CLI's own version without asking the node).
import { UnexpectedOutputError } from '../command-output.js';

export const serverVersionCommand = [
  'rabbitmq-diagnostics',
  'server_version',
  '--formatter',
  'json',
] as const;

export interface RabbitVersion {
  /** As the node prints it, e.g. `4.0.5` or `3.10.8`. */
  text: string;
  major: number;
  minor: number;
  patch: number;
}

/** `4.0.5`, `3.10.8` (a suffix such as `+1` allowed), or undefined. */
export const versionOf = (text: string): RabbitVersion | undefined => {
  const match = /^(\d+)\.(\d+)\.(\d+)(?:[-+~][\w.+~-]*)?$/.exec(text);
  return match === null
    ? undefined
    : { text, major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]) };
};

/** The oldest of several versions: during a rolling upgrade, what every node can still do. */
export const oldest = (versions: RabbitVersion[]): RabbitVersion | undefined =>
  [...versions].sort((a, b) => a.major - b.major || a.minor - b.minor || a.patch - b.patch)[0];

/** `{"result":"ok","value":"4.0.5"}` (3.10 and 4.0 alike). Anything else: UnexpectedOutputError. */
export const parseServerVersion = (output: string): RabbitVersion => {
  let answer: unknown;
  try {
    answer = JSON.parse(output.slice(Math.max(0, output.indexOf('{'))));
  } catch {
    throw new UnexpectedOutputError(serverVersionCommand, output);
  }
  const { result, value } = (answer ?? {}) as { result?: unknown; value?: unknown };
  const version = typeof value === 'string' ? versionOf(value) : undefined;
  if (result !== 'ok' || version === undefined) throw new UnexpectedOutputError(serverVersionCommand, output);
  return version;
};

export interface VersionRules {
  /** Classic mirrored queues exist (before 4.0): their synchronisation is checked. */
  mirroring: boolean;
  /** The metadata store may be Khepri (4.0 on): ask which one, and judge Khepri by its Raft status. */
  metadataStoreStatus: boolean;
  /** One sentence per rule, for the evidence: what was and was not checked, and why. */
  notes: string[];
}

/** Only the major versions these checks were proven against (3.x and 4.x, on real nodes) are judged. */
export const rulesFor = (version: RabbitVersion): VersionRules | undefined => {
  const v = `RabbitMQ ${version.text}`;
  if (version.major === 3)
    return {
      mirroring: true,
      metadataStoreStatus: false,
      notes: [
        `${v}: classic mirrored queues exist; every mirror must be synchronised`,
        `${v}: the metadata store is Mnesia (Khepri is supported from 4.0); partitions from cluster_status`,
      ],
    };
  if (version.major === 4)
    return {
      mirroring: false,
      metadataStoreStatus: true,
      notes: [
        `${v}: classic mirroring does not exist (removed in 4.0); not checked`,
        `${v}: the metadata store is Mnesia or Khepri: asked with metadata_store_status`,
      ],
    };
  return undefined;
};
