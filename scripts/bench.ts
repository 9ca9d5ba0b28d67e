// `npm run bench`: what a real failover pays before traffic moves, measured here.
//  1. Cold start proxy: a fresh Node process importing each worker, bundled (as deployed: esbuild,
//     ESM, minified) and unbundled (the TypeScript sources through tsx). Every function is cold
//     in a real failover, and two distinct ones come before the DNS flip.
//  2. The drill's recovery time split by step, over several runs of the healthy scenario.
// These machines are noisy: read the ratios, not the absolute numbers.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { drill } from '../local/drill.js';
import { processIo as io } from '../local/io.js';
import type { FailoverReport } from '../lambdas/ports/journal.js';

const runs = 5;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
// What the stack sets on the functions; nothing here reaches AWS (the import only builds clients).
const env = {
  ...process.env,
  JOURNAL_TABLE: 'bench',
  TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:bench',
  AWS_REGION: 'eu-west-1',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  POWERTOOLS_METRICS_NAMESPACE: 'Bench',
  APPROVAL_CONSOLE_URL: 'https://console.example',
};

const importMs = (args: string[]) => {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    const result = spawnSync(process.execPath, args, { env, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`import failed: ${result.stderr}`);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return median(times);
};

io.out(`Cold import of each worker in a fresh process (median of ${runs}):`);
const outDir = mkdtempSync(join(tmpdir(), 'bench-'));
const baseline = importMs(['-e', '0']);
for (const worker of ['aws-worker', 'kube-worker']) {
  const outfile = join(outDir, `${worker}.mjs`);
  buildSync({
    entryPoints: [`lambdas/functions/${worker}.ts`],
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    minify: true,
    outfile,
    mainFields: ['module', 'main'],
    banner: { js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);" },
    logLevel: 'silent',
  });
  const bundled =
    importMs(['--input-type=module', '-e', `await import(${JSON.stringify(outfile)})`]) - baseline;
  const sources =
    importMs([
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `await import(${JSON.stringify(join(process.cwd(), `lambdas/functions/${worker}.ts`))})`,
    ]) - baseline;
  io.out(
    `  ${worker.padEnd(12)} bundle ${(statSync(outfile).size / 1e6).toFixed(2)} MB: ${bundled.toFixed(0)} ms; sources via tsx: ${sources.toFixed(0)} ms; bundled/sources = ${(bundled / sources).toFixed(2)}`,
  );
}

io.out('');
io.out(`Drill recovery time, healthy scenario (median of ${runs} runs):`);
const silent = { out: () => undefined, err: (l: string) => io.err(l) };
const reports: FailoverReport[] = [];
for (let i = 0; i < runs; i++) {
  const result = await drill(
    {
      planFile: 'examples/plans/rabbitmq-standby.yaml',
      scenarioFile: 'examples/scenarios/healthy.yaml',
      gate: 'approve',
    },
    silent,
  );
  if (!result.report || result.report.recoveryTimeMs === undefined)
    throw new Error('the drill did not fail over');
  reports.push(result.report);
}
const recovery = median(reports.map((r) => r.recoveryTimeMs!));
io.out(`  recovery time ${recovery.toFixed(0)} ms (workflow start to DNS verified)`);
const steps = [...new Set(reports.flatMap((r) => r.steps.map((s) => s.name)))];
const trafficMoved = steps.indexOf('verify-dns');
steps.forEach((step, i) => {
  const ms = median(
    reports.map((r) => r.steps.filter((s) => s.name === step).reduce((sum, s) => sum + s.durationMs, 0)),
  );
  io.out(
    `  ${step.padEnd(18)} ${String(ms).padStart(6)} ms  ${i > trafficMoved ? '  after traffic moved' : `${((ms / recovery) * 100).toFixed(0).padStart(4)}% of the recovery time`}`,
  );
});
