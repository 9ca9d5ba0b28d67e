// moto's server (scripts/moto-server.sh installs it, cached per version) on 127.0.0.1: one
// process answers every AWS service the adapters call, at one endpoint. Started and stopped by
// the tests; killed with the test process when it dies without its afterAll.
//
// It serves one request at a time: `moto_server` answers each on its own thread, and its DynamoDB
// then lets two concurrent conditional writes of one item both succeed (two lock holders out of
// 40 racing acquisitions, seen here), where DynamoDB applies them one after the other. The
// moto_server main with `threaded=False`, nothing else changed.
const SERIAL_SERVER = `
import sys
from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
run_simple(sys.argv[1], int(sys.argv[2]), DomainDispatcherApplication(create_backend_app), threaded=False, request_handler=MotoRequestHandler)
`;
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { PutMetricAlarmCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';

export interface MotoServer {
  endpoint: string;
  /** The moto release installed (scripts/moto-server.sh). */
  version: string;
  /** What every SDK client needs to reach it: the endpoint, a region and dummy credentials. */
  clientConfig: {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
  };
  stop(): Promise<void>;
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });

export const startMotoServer = async (region = 'eu-west-1'): Promise<MotoServer> => {
  const bin = spawnSync('bash', ['scripts/moto-server.sh', '--print-bin'], {
    encoding: 'utf8',
  }).stdout.trim();
  const version = spawnSync('bash', ['scripts/moto-server.sh', '--print-version'], {
    encoding: 'utf8',
  }).stdout.trim();
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const python = join(dirname(bin), 'python');
  const child: ChildProcess = spawn(python, ['-c', SERIAL_SERVER, '127.0.0.1', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = `${stderr}${chunk.toString()}`.slice(-4000)));
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(
        `moto_server exited ${child.exitCode} (is it installed? bash scripts/moto-server.sh):\n${stderr}`,
      );
    const up = await fetch(`${endpoint}/moto-api/`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) {
      kill();
      throw new Error(`moto's server did not answer on ${endpoint} within 60 s:\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return {
    endpoint,
    version,
    clientConfig: { endpoint, region, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } },
    stop: async () => {
      process.off('exit', kill);
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
      kill();
    },
  };
};

/** A metric alarm in moto, as a plan's alarm would be: its state is then set by the test. */
export const putAlarm = async (cloudwatch: CloudWatchClient, name: string): Promise<void> => {
  await cloudwatch.send(
    new PutMetricAlarmCommand({
      AlarmName: name,
      Namespace: 'Failover/Test',
      MetricName: 'Up',
      Statistic: 'Minimum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
    }),
  );
};
