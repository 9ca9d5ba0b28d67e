// Real RocketMQ 5 processes on loopback from Maven Central's jars (scripts/rocketmq-jars.sh):
// name servers, one DLedger controller and broker groups in controller mode, each process
// tagged with the site it stands for. Every process gets its own directory under one temp dir
// (store, logs, a logback config of ours), small heaps, 127.0.0.1 only (the HA port binds every
// interface: RocketMQ has no setting for it), ports from the range its test file owns, bounded
// waits, and is killed in stop() - also the ones a test froze or restarted.
//
// A site is lost with SIGSTOP, not SIGKILL: a killed process's sockets are closed by the kernel,
// so the name server and the controller learn of it at once, which a lost machine room never
// tells them. A frozen process keeps its connections open and answers nothing, as a site that
// went dark: the name server keeps listing it until its channel expires, the controller notices
// when its heartbeats stop.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface CliResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  ms: number;
}

/** The version the conformance tier runs first (seed 002's); `ROCKETMQ_VERSION` picks another fetched one. */
export const DEFAULT_VERSION = '5.1.4';

const BOOT_TIMEOUT_MS = 120_000;
const GROUP_READY_TIMEOUT_MS = 120_000;
const MQADMIN_TIMEOUT_MS = 60_000;

/** Where scripts/rocketmq-jars.sh put a version's jars; throws with the command to run when it did not. */
export const jarsOf = (version: string): string => {
  const dir = join(
    process.env.FAILOVER_CACHE ?? join(homedir(), '.cache', 'failover-orchestrator'),
    `rocketmq-${version}`,
  );
  if (!existsSync(join(dir, '.complete')))
    throw new Error(
      `RocketMQ ${version} jars are not in ${dir}: run  bash scripts/rocketmq-jars.sh ${version}  (npm run conformance runs it)`,
    );
  return join(dir, 'lib');
};

/**
 * From 5.2 the controller deserialises with reflection into java.base (hessian, DLedger's
 * snapshots): Java 17 refuses unless these are opened. 5.1.x needs none of them.
 */
export const javaOpensFor = (version: string): string[] =>
  /^5\.[01]\./.test(version)
    ? []
    : [
        '--add-opens=java.base/java.lang=ALL-UNNAMED',
        '--add-opens=java.base/java.nio=ALL-UNNAMED',
        '--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED',
        '--add-exports=java.base/sun.nio.ch=ALL-UNNAMED',
        '--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED',
      ];

/**
 * The JVM a short-lived tool (mqadmin, the test clients) starts with: small, C1 only (it starts
 * faster), and the JVM's own messages on stderr only (a class-sharing warning on stdout would land
 * in what the engine parses).
 */
const toolJvm = [
  '-Xms64m',
  '-Xmx128m',
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
  '-Xshare:auto',
  '-Xlog:disable',
  '-Xlog:all=warning:stderr',
];
const MQADMIN_MAIN = 'org.apache.rocketmq.tools.command.MQAdminStartup';
/** A server's JVM: ~256 MB of heap and direct memory instead of the stock 4-8 GB. */
const serverJvm = [
  '-Xms256m',
  '-Xmx256m',
  '-XX:MaxDirectMemorySize=256m',
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
];

const LOGBACK = `<configuration>
  <!-- Ours: one file per process (failover.log.file), not the stock ~/logs/rocketmqlogs tree. -->
  <appender name="FILE" class="ch.qos.logback.core.FileAppender">
    <file>\${failover.log.file}</file>
    <encoder><pattern>%d{HH:mm:ss.SSS} %p %t %c{0} - %m%n</pattern></encoder>
  </appender>
  <root level="INFO"><appender-ref ref="FILE"/></root>
</configuration>
`;

export type Role = 'namesrv' | 'controller' | 'broker';

export interface RocketProcess {
  name: string;
  site: string;
  role: Role;
  /** `127.0.0.1:<port>`: the remoting port clients and mqadmin use. */
  address: string;
  dir: string;
  /** Kills the process it replaces (the pid in `pid`), then starts it again with the same store. */
  startScript: string;
  brokerName?: string;
}

export interface ClusterSpec {
  version?: string;
  /** The port range this test file owns: no other file starts anything in it. */
  ports: { from: number; to: number };
  clusterName: string;
  nameServers: Array<{ name: string; site: string }>;
  controller: { name: string; site: string };
  /**
   * A second controller alone in a two-peer DLedger group whose other peer never starts: it never
   * has a leader (what getControllerMetaData prints then). No broker uses it.
   */
  leaderlessController?: { name: string; site: string };
  /** The first member becomes the master: it is started (and registered) before the others. */
  groups: Array<{
    brokerName: string;
    members: Array<{ name: string; site: string }>;
    /** The master acknowledges a message only once every SyncStateSet member has it (upstream's quick-start sets it). */
    allAckInSyncStateSet?: boolean;
  }>;
}

export interface RealCluster {
  version: string;
  lib: string;
  dir: string;
  clusterName: string;
  processes: RocketProcess[];
  byName(name: string): RocketProcess;
  nameServerList(): string;
  controllerAddress(): string;
  /** How long starting every process and forming the groups took. */
  startedInMs: number;
  /** What the scenario's `real.mqadmin` block gives the pods' exec binding: the same command line as `mqadmin()`. */
  mqadminBinding(): { java: string; classpath: string; jvmOptions: string[] };
  mqadmin(...args: string[]): Promise<CliResult>;
  /** SIGSTOP every process of a site: it stops answering without closing a connection. */
  freezeSite(site: string): string[];
  /** SIGCONT every process of a site: its network is back, its processes carry on where they stopped. */
  resumeSite(site: string): string[];
  /** The process stands for a pod now running in another site (rescheduled there). */
  relocate(name: string, site: string): void;
  /** Runs the process's start script: the old one (frozen or not) is killed first, its store is kept. */
  restart(name: string): Promise<void>;
  /** Starts (or resumes) nothing: waits until the process printed its boot line since `since` bytes of its output. */
  waitForBoot(name: string, sinceBytes?: number): Promise<void>;
  outputBytes(name: string): number;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const portFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/** Free base ports 10 apart: a broker also takes base-2 (its fast channel) and base+1 (HA). */
const allocatePorts = async (from: number, to: number, count: number): Promise<number[]> => {
  const ports: number[] = [];
  for (let base = from + 2; base + 1 <= to && ports.length < count; base += 10)
    if ((await portFree(base - 2)) && (await portFree(base)) && (await portFree(base + 1))) ports.push(base);
  if (ports.length < count) throw new Error(`fewer than ${count} free port triples in ${from}-${to}`);
  return ports;
};

export const run = (
  command: string,
  args: string[],
  options: { timeoutMs?: number; cwd?: string } = {},
): Promise<CliResult> => {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { timeout: options.timeoutMs ?? MQADMIN_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024, cwd: options.cwd },
      (error, stdout, stderr) => {
        const code = (error as NodeJS.ErrnoException | null)?.code;
        resolve({
          stdout,
          stderr: error !== null && stderr === '' ? error.message : stderr,
          exitCode: error === null ? 0 : typeof code === 'number' ? code : code === 'ENOENT' ? 127 : 1,
          ms: Date.now() - started,
        });
      },
    );
  });
};

const properties = (values: Record<string, string | number | boolean>) =>
  `${Object.entries(values)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')}\n`;

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Every pid file under the cluster's directory: what stop() and the exit hook kill. */
const pidsUnder = (dir: string): number[] =>
  existsSync(dir)
    ? readdirSync(dir).flatMap((name) => {
        const file = join(dir, name, 'pid');
        if (!existsSync(file)) return [];
        const pid = Number(readFileSync(file, 'utf8').trim());
        return Number.isInteger(pid) && pid > 0 ? [pid] : [];
      })
    : [];

const killAll = (dir: string): void => {
  for (const pid of pidsUnder(dir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
};

export const startRealCluster = async (spec: ClusterSpec): Promise<RealCluster> => {
  const started = Date.now();
  const version = spec.version ?? process.env.ROCKETMQ_VERSION ?? DEFAULT_VERSION;
  const lib = jarsOf(version);
  const dir = await mkdtemp(join(tmpdir(), `failover-rocketmq-${version}-`));
  // A test runner that dies without afterAll still takes its JVMs along.
  const onExit = () => killAll(dir);
  process.once('exit', onExit);
  const logback = join(dir, 'logback.xml');
  await writeFile(logback, LOGBACK);
  const brokers = spec.groups.flatMap((g) => g.members.map((m) => ({ ...m, group: g })));
  const ports = await allocatePorts(
    spec.ports.from,
    spec.ports.to,
    spec.nameServers.length + 1 + brokers.length + (spec.leaderlessController ? 1 : 0),
  );
  const processes: RocketProcess[] = [];
  const nameServerList = () =>
    processes
      .filter((p) => p.role === 'namesrv')
      .map((p) => p.address)
      .join(';');
  const controllerAddress = () => cluster.byName(spec.controller.name).address;

  const jvmFor = (name: string, pdir: string) => [
    ...javaOpensFor(version),
    `-Drocketmq.home.dir=${dir}`,
    `-Duser.home=${pdir}`,
    `-Drmq.logback.configurationFile=${logback}`,
    `-Dfailover.log.file=${join(pdir, `${name}.log`)}`,
  ];

  const define = async (
    name: string,
    site: string,
    role: Role,
    port: number,
    mainClass: string,
    config: Record<string, string | number | boolean>,
    brokerName?: string,
  ): Promise<RocketProcess> => {
    const pdir = join(dir, name);
    await mkdir(pdir, { recursive: true });
    const conf = join(pdir, `${role}.conf`);
    await writeFile(conf, properties(config));
    const java = ['java', ...serverJvm, ...jvmFor(name, pdir), '-cp', `'${lib}/*'`, mainClass, '-c', conf];
    const startScript = join(pdir, 'start.sh');
    await writeFile(
      startScript,
      [
        '#!/bin/sh',
        `# Starts ${name} (${role}, site ${site}); the process it replaces is killed first, as when a pod's container is started again.`,
        `cd '${pdir}'`,
        'if [ -f pid ]; then kill -9 "$(cat pid)" 2>/dev/null; sleep 0.5; fi',
        `nohup ${java.join(' ')} >> out.txt 2>&1 &`,
        'echo $! > pid',
        '',
      ].join('\n'),
    );
    await chmod(startScript, 0o755);
    const proc: RocketProcess = {
      name,
      site,
      role,
      address: `127.0.0.1:${port}`,
      dir: pdir,
      startScript,
      ...(brokerName ? { brokerName } : {}),
    };
    processes.push(proc);
    return proc;
  };

  const outputBytes = (name: string): number => {
    const file = join(dir, name, 'out.txt');
    return existsSync(file) ? readFileSync(file).length : 0;
  };
  const waitForBoot = async (name: string, sinceBytes = 0): Promise<void> => {
    const pdir = join(dir, name);
    const deadline = Date.now() + BOOT_TIMEOUT_MS;
    for (;;) {
      const out = existsSync(join(pdir, 'out.txt'))
        ? (await readFile(join(pdir, 'out.txt'))).subarray(sinceBytes).toString()
        : '';
      if (/boot success/.test(out)) return;
      const pid = existsSync(join(pdir, 'pid')) ? Number(readFileSync(join(pdir, 'pid'), 'utf8')) : 0;
      if (pid > 0 && !alive(pid))
        throw new Error(`${name} exited before it booted: ${out.split('\n').slice(0, 6).join(' | ')}`);
      if (Date.now() > deadline)
        throw new Error(
          `${name} did not boot within ${BOOT_TIMEOUT_MS / 1000} s (output in ${pdir}/out.txt)`,
        );
      await sleep(250);
    }
  };
  const signalSite = (site: string, signal: NodeJS.Signals): string[] => {
    const chosen = processes.filter((p) => p.site === site);
    for (const p of chosen) process.kill(Number(readFileSync(join(p.dir, 'pid'), 'utf8')), signal);
    return chosen.map((p) => p.name);
  };
  const startProcess = async (proc: RocketProcess) => {
    const result = await run('sh', [proc.startScript]);
    if (result.exitCode !== 0)
      throw new Error(`${proc.startScript} exited ${result.exitCode}: ${result.stderr}`);
  };

  let mqadminArchive: string | undefined;
  const cluster: RealCluster = {
    version,
    lib,
    dir,
    clusterName: spec.clusterName,
    processes,
    startedInMs: 0,
    byName: (name) => {
      const found = processes.find((p) => p.name === name);
      if (!found) throw new Error(`no RocketMQ process named ${name}`);
      return found;
    },
    nameServerList,
    controllerAddress,
    mqadminBinding: () => ({
      java: 'java',
      classpath: `${lib}/*`,
      jvmOptions: [
        ...toolJvm,
        ...(mqadminArchive ? [`-XX:SharedArchiveFile=${mqadminArchive}`] : []),
        ...javaOpensFor(version),
        `-Drocketmq.home.dir=${dir}`,
        `-Duser.home=${dir}`,
        `-Drmq.logback.configurationFile=${logback}`,
        `-Dfailover.log.file=${join(dir, 'mqadmin.log')}`,
      ],
    }),
    mqadmin: (...args) => {
      const b = cluster.mqadminBinding();
      return run(b.java, [...b.jvmOptions, '-cp', b.classpath, MQADMIN_MAIN, ...args]);
    },
    freezeSite: (site) => signalSite(site, 'SIGSTOP'),
    resumeSite: (site) => signalSite(site, 'SIGCONT'),
    relocate: (name, site) => {
      cluster.byName(name).site = site;
    },
    restart: async (name) => {
      const proc = cluster.byName(name);
      const since = outputBytes(name);
      await startProcess(proc);
      await waitForBoot(name, since);
    },
    waitForBoot,
    outputBytes,
    stop: async () => {
      process.removeListener('exit', onExit);
      killAll(dir);
      await rm(dir, { recursive: true, force: true });
    },
  };

  try {
    let next = 0;
    for (const ns of spec.nameServers)
      await define(
        ns.name,
        ns.site,
        'namesrv',
        ports[next++]!,
        'org.apache.rocketmq.namesrv.NamesrvStartup',
        {
          listenPort: ports[next - 1]!,
          bindAddress: '127.0.0.1',
        },
      );
    const controllerPort = ports[next++]!;
    await define(
      spec.controller.name,
      spec.controller.site,
      'controller',
      controllerPort,
      'org.apache.rocketmq.controller.ControllerStartup',
      {
        controllerDLegerGroup: 'DefaultControllerGroup',
        controllerDLegerPeers: `n0-127.0.0.1:${controllerPort}`,
        controllerDLegerSelfId: 'n0',
        controllerStorePath: join(dir, spec.controller.name, 'store'),
        // DLedger maps 1 GB files by default.
        mappedFileSize: 67108864,
        bindAddress: '127.0.0.1',
      },
    );
    if (spec.leaderlessController) {
      const port = ports[next++]!;
      await define(
        spec.leaderlessController.name,
        spec.leaderlessController.site,
        'controller',
        port,
        'org.apache.rocketmq.controller.ControllerStartup',
        {
          controllerDLegerGroup: 'LeaderlessGroup',
          // The second peer's port is this process's reserved HA slot: nothing ever listens there.
          controllerDLegerPeers: `n0-127.0.0.1:${port};n1-127.0.0.1:${port + 1}`,
          controllerDLegerSelfId: 'n0',
          controllerStorePath: join(dir, spec.leaderlessController.name, 'store'),
          mappedFileSize: 67108864,
          bindAddress: '127.0.0.1',
        },
      );
    }
    for (const b of brokers) {
      const port = ports[next++]!;
      const store = join(dir, b.name, 'store');
      await define(
        b.name,
        b.site,
        'broker',
        port,
        'org.apache.rocketmq.broker.BrokerStartup',
        {
          brokerClusterName: spec.clusterName,
          brokerName: b.group.brokerName,
          // Controller mode: the controller assigns ids and roles.
          brokerId: -1,
          brokerRole: 'SLAVE',
          enableControllerMode: true,
          controllerAddr: `127.0.0.1:${controllerPort}`,
          namesrvAddr: nameServerList(),
          brokerIP1: '127.0.0.1',
          bindAddress: '127.0.0.1',
          listenPort: port,
          haListenPort: port + 1,
          storePathRootDir: store,
          storePathCommitLog: join(store, 'commitlog'),
          mappedFileSizeCommitLog: 67108864,
          // The timer wheel maps ~100 MB more; these tests send no timed messages.
          timerWheelEnable: false,
          allAckInSyncStateSet: b.group.allAckInSyncStateSet ?? false,
        },
        b.group.brokerName,
      );
    }
    // Name servers, the controller and each group's first member boot together; the other members
    // after them, so that each group's first member registers first and becomes its master.
    const first = [
      ...processes.filter((p) => p.role !== 'broker'),
      ...spec.groups.map((g) => cluster.byName(g.members[0]!.name)),
    ];
    await Promise.all(first.map(startProcess));
    await Promise.all(first.map((p) => waitForBoot(p.name)));
    const rest = spec.groups.flatMap((g) => g.members.slice(1).map((m) => cluster.byName(m.name)));
    await Promise.all(rest.map(startProcess));
    await Promise.all(rest.map((p) => waitForBoot(p.name)));
    mqadminArchive = await mqadminClassArchive(cluster);
    await waitForGroups(cluster, spec);
    cluster.startedInMs = Date.now() - started;
    return cluster;
  } catch (err) {
    await cluster.stop();
    throw err;
  }
};

/**
 * A class-data archive of what mqadmin loads, kept with the version's jars: each mqadmin JVM then
 * maps those classes instead of loading them (about 40% less CPU per call, and a failover makes
 * dozens of calls). Made once per version by a first clusterList; without it mqadmin runs anyway.
 */
const mqadminClassArchive = async (cluster: RealCluster): Promise<string | undefined> => {
  const file = join(dirname(cluster.lib), 'mqadmin.jsa');
  if (!existsSync(file)) {
    const partial = `${file}.${process.pid}`;
    const b = cluster.mqadminBinding();
    await run(b.java, [
      ...b.jvmOptions,
      `-XX:ArchiveClassesAtExit=${partial}`,
      '-cp',
      b.classpath,
      MQADMIN_MAIN,
      'clusterList',
      '-n',
      cluster.nameServerList().split(';')[0]!,
    ]);
    // Another test file may have made it meanwhile: either copy is the same.
    if (existsSync(partial)) await rename(partial, file);
  }
  return existsSync(file) ? file : undefined;
};

/** Until every group's first member is master and every member is in its SyncStateSet (bounded). */
const waitForGroups = async (cluster: RealCluster, spec: ClusterSpec): Promise<void> => {
  const deadline = Date.now() + GROUP_READY_TIMEOUT_MS;
  let last = '';
  for (;;) {
    const states = await Promise.all(
      spec.groups.map(async (g) => {
        const out = await cluster.mqadmin(
          'getSyncStateSet',
          '-a',
          cluster.controllerAddress(),
          '-b',
          g.brokerName,
        );
        const master = /#MasterAddr\t(\S+)/.exec(out.stdout)?.[1];
        const inSync = [...out.stdout.matchAll(/^InSyncReplica:.*brokerAddress='([^']+)', alive=true/gm)].map(
          (m) => m[1],
        );
        const ready =
          master === cluster.byName(g.members[0]!.name).address &&
          g.members.every((m) => inSync.includes(cluster.byName(m.name).address));
        return {
          ready,
          said: `${g.brokerName}: master ${master ?? 'none'}, in sync ${inSync.join(',') || 'none'}`,
        };
      }),
    );
    if (states.every((s) => s.ready)) return;
    last = states.map((s) => s.said).join('; ');
    if (Date.now() > deadline)
      throw new Error(`the broker groups did not form within ${GROUP_READY_TIMEOUT_MS / 1000} s: ${last}`);
    await sleep(1000);
  }
};
