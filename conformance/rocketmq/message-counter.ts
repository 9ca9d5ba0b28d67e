// Real RocketMQ clients for the conformance tier: MessageCounter.java compiled at test time against
// the fetched jars (javac), run as a producer that sends synchronously and records each send's
// outcome with the time it came back, and as a consumer that reads a topic from its first offsets.
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { javaOpensFor, run, type RealCluster } from './rocketmq-processes.js';

const SOURCE = fileURLToPath(new URL('./MessageCounter.java', import.meta.url));

export interface Send {
  key: string;
  at: number;
  ok: boolean;
  brokerName?: string;
  reason?: string;
}

export interface Producer {
  sends: Send[];
  sent(): Send[];
  failed(): Send[];
  stop(): Promise<void>;
}

const jvm = (cluster: RealCluster, classes: string) => [
  '-Xms64m',
  '-Xmx128m',
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
  ...javaOpensFor(cluster.version),
  `-Drocketmq.home.dir=${cluster.dir}`,
  `-Duser.home=${cluster.dir}`,
  `-Drmq.logback.configurationFile=${join(cluster.dir, 'logback.xml')}`,
  `-Dfailover.log.file=${join(cluster.dir, 'clients.log')}`,
  '-cp',
  `${classes}:${cluster.lib}/*`,
  'MessageCounter',
];

/** Compiles MessageCounter.java against the cluster's jars; returns its classes directory. */
export const compileClients = async (cluster: RealCluster): Promise<string> => {
  const classes = join(cluster.dir, 'classes');
  await mkdir(classes, { recursive: true });
  const result = await run('javac', ['-cp', `${cluster.lib}/*`, '-d', classes, SOURCE], {
    timeoutMs: 120_000,
  });
  if (result.exitCode !== 0)
    throw new Error(`javac MessageCounter.java exited ${result.exitCode}: ${result.stderr || result.stdout}`);
  return classes;
};

/** Sends `<prefix>-<n>` to the topic one message at a time until stopped. */
export const startProducer = (
  cluster: RealCluster,
  classes: string,
  topic: string,
  prefix: string,
  intervalMs = 20,
): Producer => {
  const stopFile = join(cluster.dir, `stop-${prefix}`);
  const child = spawn(
    'java',
    [
      ...jvm(cluster, classes),
      'produce',
      cluster.nameServerList(),
      topic,
      stopFile,
      String(intervalMs),
      prefix,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const sends: Send[] = [];
  let buffer = '';
  let errors = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    const at = Date.now();
    for (const line of lines) {
      const [kind, key, ...rest] = line.split(' ');
      if (kind === 'SENT' && key) sends.push({ key, at, ok: true, brokerName: rest[0]! });
      else if (kind === 'FAILED' && key) sends.push({ key, at, ok: false, reason: rest.join(' ') });
    }
  });
  child.stderr.on('data', (chunk: Buffer) => {
    errors = `${errors}${chunk.toString()}`.slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return {
    sends,
    sent: () => sends.filter((s) => s.ok),
    failed: () => sends.filter((s) => !s.ok),
    stop: async () => {
      await writeFile(stopFile, '');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const code = await exited;
      clearTimeout(timer);
      if (code !== 0 && code !== null) throw new Error(`the producer exited ${code}: ${errors}`);
    },
  };
};

/**
 * Every message of the topic from each queue's first offset, by key, and which broker served it.
 * `nameServers`: those clients reach after the failover (the DNS name points at the surviving
 * site): a client whose list holds a dark name server waits out a 3-6 s timeout on each route
 * lookup it sends there, and a fresh one fails.
 */
export const consumeAll = async (
  cluster: RealCluster,
  classes: string,
  topic: string,
  group: string,
  nameServers: string,
): Promise<Map<string, string>> => {
  const result = await run(
    'java',
    [...jvm(cluster, classes), 'consume', nameServers, topic, group, '6000', '90000'],
    { timeoutMs: 120_000 },
  );
  if (result.exitCode !== 0 || !/^DONE \d+$/m.test(result.stdout))
    throw new Error(`the consumer exited ${result.exitCode}: ${result.stderr.slice(-2000)}`);
  return new Map(
    result.stdout
      .split('\n')
      .filter((l) => l.startsWith('RECEIVED '))
      .map((l) => {
        const [, key, brokerName] = l.split(' ');
        return [key!, brokerName!] as const;
      }),
  );
};
