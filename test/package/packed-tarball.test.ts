// The package as a user gets it: `npm pack` (whose prepack builds dist/) into a temporary
// directory, the tarball installed with production dependencies only into an empty project, and
// from there the installed `failover` validates and drills an example plan the package ships, a
// CDK app imports the construct by the package's name and synthesizes it, and a TypeScript file
// type-checks against the package's exports. Nothing on that project's module path comes from
// this repository, and no TypeScript tool chain is installed there.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { functionRuntime } from '../../infra/function-bundling.js';
import { BUNDLE_FILE, deployedFunctions, type DeployedFunctionName } from '../../infra/function-code.js';
import { loadPlan } from '../../lambdas/plan/load-plan.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const manifest = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
const versionInRepo = (name: string): string =>
  JSON.parse(readFileSync(join(repo, 'node_modules', name, 'package.json'), 'utf8')).version;

const EXAMPLE_PLAN = 'examples/plans/rabbitmq-standby.yaml';
/** Where the construct puts each function (its construct ids), to find them in the template. */
const FUNCTION_PATHS: Record<DeployedFunctionName, string> = {
  'kube-worker': '/KubeWorker/Resource',
  'aws-worker': '/AwsWorker/Resource',
  'approval-api': '/ApprovalConsole/Function/Resource',
};
const MINUTES = 60_000;

// Jest's ESM flag is for jest: the children run as a user's shell would run them.
const childEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'NODE_OPTIONS'));

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

const run = (command: string, args: string[], cwd: string): Promise<Ran> => {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env: childEnv, maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
};

/** Fails with the command's own output, which says why. */
const succeeded = (ran: Ran, what: string): Ran => {
  if (ran.code !== 0) throw new Error(`${what} exited ${ran.code}:\n${ran.stderr}\n${ran.stdout}`);
  return ran;
};

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

interface Packed {
  filename: string;
  size: number;
  unpackedSize: number;
  entryCount: number;
  files: Array<{ path: string }>;
}

let work: string;
let project: string;
let installed: string;
let packed: Packed;
let shipped: Set<string>;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'packed-tarball-'));
  const packDir = join(work, 'pack');
  mkdirSync(packDir);
  const pack = succeeded(
    await run('npm', ['pack', '--json', '--pack-destination', packDir], repo),
    'npm pack',
  );
  // The build's own log precedes npm's JSON on stdout.
  const [tarball] = JSON.parse(pack.stdout.slice(pack.stdout.search(/^\[/m))) as Packed[];
  if (!tarball) throw new Error(`npm pack described no tarball:\n${pack.stdout}`);
  packed = tarball;
  shipped = new Set(packed.files.map((file) => file.path));

  project = join(work, 'project');
  mkdirSync(project);
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({
      name: 'packed-tarball-consumer',
      private: true,
      type: 'module',
      // npm applies only the installing project's overrides; this repository's (undici 7 for
      // @kubernetes/client-node, whose undici 8 needs Node.js 22) are what the tests run with, and
      // what docs/deploy.md tells a project on Node.js 20 to declare.
      overrides: manifest.overrides,
    }),
  );
  const install = succeeded(
    await run(
      'npm',
      [
        'install',
        '--omit=dev',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        join(packDir, packed.filename),
      ],
      project,
    ),
    'npm install (tarball)',
  );
  installed = join(project, 'node_modules', manifest.name);
  console.log(
    `${packed.filename}: ${(packed.size / 1e6).toFixed(2)} MB packed, ${(packed.unpackedSize / 1e6).toFixed(2)} MB unpacked, ${packed.entryCount} files; npm pack ${seconds(pack.ms)}; installed with production dependencies in ${seconds(install.ms)}`,
  );
}, 15 * MINUTES);

/** The example plan inside the installed package, from the project's directory. */
const planFile = () => relative(project, join(installed, EXAMPLE_PLAN));

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('ships compiled code, the function bundles and the files the code reads; no TypeScript sources', () => {
    const targets = [
      manifest.bin.failover,
      ...Object.values(manifest.exports as Record<string, string | Record<string, string>>).flatMap(
        (target) => (typeof target === 'string' ? [target] : Object.values(target)),
      ),
    ].map((path: string) => path.replace(/^\.\//, ''));
    expect(targets.filter((path) => !shipped.has(path))).toEqual([]);
    expect([...shipped].filter((path) => path.endsWith('.ts') && !path.endsWith('.d.ts'))).toEqual([]);
    expect(shipped).toContain('dist/local/failover.js');
    expect(shipped).toContain('statemachines/failover.asl.json');
    for (const [name, source] of Object.entries(deployedFunctions) as Array<
      [DeployedFunctionName, { files?: readonly string[] }]
    >) {
      expect(shipped).toContain(`dist/lambda/${name}/${BUNDLE_FILE}`);
      for (const file of source.files ?? []) {
        expect(shipped).toContain(`dist/lambda/${name}/${file}`);
        expect(shipped).toContain(file);
      }
    }
    for (const dir of ['examples/plans', 'examples/scenarios'])
      for (const file of readdirSync(join(repo, dir)).filter((f) => f.endsWith('.yaml')))
        expect(shipped).toContain(`${dir}/${file}`);
  });

  it('installs without the build tools or the CDK: neither tsx, TypeScript, esbuild nor the optional peers are within its reach', () => {
    // Every node_modules directory Node.js would search from the package, up to the file system's root.
    const searched: string[] = [];
    for (let dir = installed; dirname(dir) !== dir; dir = dirname(dir))
      searched.push(join(dir, 'node_modules'));
    const absent = ['tsx', 'typescript', 'esbuild', ...Object.keys(manifest.peerDependencies)];
    const found = absent.flatMap((name) =>
      searched.map((dir) => join(dir, name)).filter((dir) => existsSync(join(dir, 'package.json'))),
    );
    expect(found).toEqual([]);
  });
});

describe('the installed failover command', () => {
  const bin = () => join(project, 'node_modules', '.bin', 'failover');

  it('validate names the example plan valid (exit 0)', async () => {
    const expected = await loadPlan(join(repo, EXAMPLE_PLAN));
    const ran = await run(bin(), ['validate', '--json', planFile()], project);
    expect([ran.code, ran.stderr]).toEqual([0, '']);
    expect(JSON.parse(ran.stdout)).toEqual({
      valid: true,
      plans: [
        expect.objectContaining({
          file: planFile(),
          valid: true,
          name: expected.name,
          engine: expected.engine.type,
        }),
      ],
    });
  });

  it(
    "drill --auto-approve fails the example plan over on simulated clusters, from the package's own default scenario (exit 0)",
    async () => {
      const expected = await loadPlan(join(repo, EXAMPLE_PLAN));
      const ran = await run(bin(), ['drill', '--plan', planFile(), '--auto-approve', '--json'], project);
      console.log(`installed failover drill: ${seconds(ran.ms)} wall time`);
      expect(ran.code).toBe(0);
      const report = JSON.parse(ran.stdout);
      expect([report.planName, report.status]).toEqual([expected.name, 'SUCCEEDED']);
      expect(report.steps.map((s: { name: string }) => s.name)).toContain('promote');
      // The scenario the drill chose is printed as a path from the working directory, into the package.
      const scenario = /^Failover drill: .*, scenario (\S+)$/m.exec(ran.stderr)?.[1];
      expect(scenario && join(project, scenario).startsWith(`${installed}/examples/scenarios/`)).toBe(true);
      expect(existsSync(join(project, scenario!))).toBe(true);
    },
    5 * MINUTES,
  );
});

describe('the construct, installed beside aws-cdk-lib', () => {
  beforeAll(async () => {
    const peers = Object.keys(manifest.peerDependencies).map((name) => `${name}@${versionInRepo(name)}`);
    const install = succeeded(
      await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...peers], project),
      `npm install ${peers.join(' ')}`,
    );
    console.log(`${peers.join(', ')} installed beside it in ${seconds(install.ms)}`);
  }, 10 * MINUTES);

  it(
    'a CDK app importing it by name synthesizes the workflow and its functions from the pre-built bundles',
    async () => {
      writeFileSync(
        join(project, 'app.mjs'),
        [
          "import { App, Stack } from 'aws-cdk-lib';",
          `import { FailoverOrchestrator, loadPlan } from '${manifest.name}';`,
          'const [outdir, planFile] = process.argv.slice(2);',
          // Construct paths in the template, as `cdk synth` adds them: how the test finds each function.
          "const app = new App({ outdir, context: { 'aws:cdk:enable-path-metadata': true } });",
          "const stack = new Stack(app, 'Consumer', { env: { account: '111122223333', region: 'eu-west-1' } });",
          "new FailoverOrchestrator(stack, 'Failover', { plans: [await loadPlan(planFile)] });",
          'app.synth();',
        ].join('\n'),
      );
      const outdir = join(work, 'cdk.out');
      const synth = succeeded(
        await run(process.execPath, ['app.mjs', outdir, planFile()], project),
        'the CDK app',
      );
      console.log(`CDK app synthesized from the installed package in ${seconds(synth.ms)}`);
      const template = JSON.parse(readFileSync(join(outdir, 'Consumer.template.json'), 'utf8'));
      const resources = Object.values(template.Resources) as Array<{
        Type: string;
        Properties: any;
        Metadata?: Record<string, string>;
      }>;

      const machines = resources.filter((r) => r.Type === 'AWS::StepFunctions::StateMachine');
      expect(machines).toHaveLength(1);
      const definitionKey = machines[0]!.Properties.DefinitionS3Location.Key as string;
      expect(readFileSync(join(outdir, `asset.${definitionKey}`), 'utf8')).toBe(
        readFileSync(join(installed, 'statemachines/failover.asl.json'), 'utf8'),
      );

      for (const [name, source] of Object.entries(deployedFunctions) as Array<
        [DeployedFunctionName, { files?: readonly string[] }]
      >) {
        const fn = resources.find(
          (r) =>
            r.Type === 'AWS::Lambda::Function' &&
            r.Metadata?.['aws:cdk:path']?.endsWith(FUNCTION_PATHS[name]),
        );
        expect([name, fn?.Properties.Handler, fn?.Properties.Runtime]).toEqual([
          name,
          'index.handler',
          functionRuntime.name,
        ]);
        // The deployed code is the package's bundle as built, with the files the function reads.
        const asset = join(outdir, `asset.${(fn!.Properties.Code.S3Key as string).replace(/\.zip$/, '')}`);
        for (const file of [BUNDLE_FILE, ...(source.files ?? [])])
          expect([name, file, readFileSync(join(asset, file), 'utf8')]).toEqual([
            name,
            file,
            readFileSync(join(installed, 'dist/lambda', name, file), 'utf8'),
          ]);
      }
    },
    5 * MINUTES,
  );

  it(
    "a TypeScript file type-checks against the exports' types (., ./plan)",
    async () => {
      writeFileSync(
        join(project, 'check.ts'),
        [
          "import { App, Stack } from 'aws-cdk-lib';",
          `import { FailoverOrchestrator, loadPlan, type FailoverOrchestratorProps } from '${manifest.name}';`,
          `import { parsePlanYaml, PlanError, type Plan } from '${manifest.name}/plan';`,
          "const plan: Plan = await loadPlan('plan.yaml');",
          "const stack = new Stack(new App(), 'Consumer');",
          'const props: FailoverOrchestratorProps = { plans: [plan] };',
          "const arn: string = new FailoverOrchestrator(stack, 'Failover', props).stateMachine.stateMachineArn;",
          // Untyped exports (any) would leave these directives unused, which is an error.
          '// @ts-expect-error the construct has no such prop',
          "new FailoverOrchestrator(stack, 'Other', { plans: [plan], noSuchProp: true });",
          '// @ts-expect-error a plan has no such field',
          'plan.noSuchField;',
          "const name: string = parsePlanYaml('', 'plan.yaml').name;",
          'export const used = [arn, name, PlanError];',
        ].join('\n'),
      );
      writeFileSync(
        join(project, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            target: 'ES2022',
            module: 'NodeNext',
            moduleResolution: 'NodeNext',
            strict: true,
            noEmit: true,
            skipLibCheck: true,
            types: [],
          },
          files: ['check.ts'],
        }),
      );
      // The repository's compiler: the project itself has none, as a CDK app in JavaScript would not.
      const tsc = createRequire(join(repo, 'package.json')).resolve('typescript/bin/tsc');
      const ran = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], project);
      expect([ran.code, ran.stdout]).toEqual([0, '']);
    },
    5 * MINUTES,
  );
});
