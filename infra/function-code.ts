// Where each deployed function's code comes from: the one place the construct chooses it.
//
// The published package carries every function already bundled (`npm run build` writes
// dist/lambda/<name>/ beside the compiled construct in dist/infra/), so a CDK app that installs
// the package synthesizes without esbuild or the TypeScript sources, which it does not have.
// Run from the sources (this repository's app and tests), the construct finds no such directory
// beside it (lambda/ at the root does not exist) and bundles the sources with NodejsFunction at
// synth: what deploys is always the code next to the construct, never a bundle left by an
// earlier build.
import { cpSync, existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Code, Function as LambdaFunction, type FunctionProps } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';
import { packageFile } from '../lambdas/package-files.js';
import { functionBundling, functionRuntime } from './function-bundling.js';

interface DeployedFunctionSource {
  /** The handler module, from the package root; it exports `handler`. */
  readonly entry: string;
  /** Files the function reads next to its bundle, from the package root; copied with their paths. */
  readonly files?: readonly string[];
}

/** Every function the construct deploys, by the name of its bundle directory. */
export const deployedFunctions = {
  'kube-worker': { entry: 'lambdas/functions/kube-worker.ts' },
  'aws-worker': { entry: 'lambdas/functions/aws-worker.ts' },
  // The console's page, script and style, which the function serves (lambdas/approvals/console-assets.ts).
  'approval-api': {
    entry: 'lambdas/functions/approval-api.ts',
    files: ['console/index.html', 'console/app.js', 'console/styles.css'],
  },
} as const satisfies Record<string, DeployedFunctionSource>;

export type DeployedFunctionName = keyof typeof deployedFunctions;

/** The bundle's file inside its directory, as NodejsFunction names an ESM bundle. */
export const BUNDLE_FILE = 'index.mjs';

/** Where the build puts a function's bundle, relative to the compiled construct. */
export const prebuiltBundleDir = (name: DeployedFunctionName): string =>
  fileURLToPath(new URL(`../lambda/${name}/`, import.meta.url));

/** Everything but the code: the runtime follows the bundles' target (function-bundling.ts). */
export type DeployedFunctionProps = Omit<FunctionProps, 'code' | 'handler' | 'runtime'> & {
  /** Files written at synth (the published plans) that the function reads next to its bundle, by absolute path. */
  readonly synthFiles?: readonly string[];
};

/** A pre-built bundle with the synth's files beside it, in a directory of their own for the asset. */
const withSynthFiles = (bundle: string, files: readonly string[]): string => {
  if (files.length === 0) return bundle;
  const dir = mkdtempSync(join(tmpdir(), 'failover-function-'));
  for (const file of readdirSync(bundle)) cpSync(join(bundle, file), join(dir, file), { recursive: true });
  for (const file of files) cpSync(file, join(dir, basename(file)));
  return dir;
};

/** The function `name`, from its pre-built bundle when the package has one, else bundled from its sources now. */
export const deployedFunction = (
  scope: Construct,
  id: string,
  name: DeployedFunctionName,
  { synthFiles = [], ...props }: DeployedFunctionProps,
): LambdaFunction => {
  const bundle = prebuiltBundleDir(name);
  if (existsSync(`${bundle}${BUNDLE_FILE}`))
    return new LambdaFunction(scope, id, {
      ...props,
      runtime: functionRuntime,
      handler: 'index.handler',
      code: Code.fromAsset(withSynthFiles(bundle, synthFiles)),
    });
  const source: DeployedFunctionSource = deployedFunctions[name];
  const files = source.files ?? [];
  // The package's files from the bundling's input directory; the synth's from where synth wrote them.
  const copies = (inputDir: string) => [
    ...files.map((file) => ({ from: `${inputDir}/${file}`, to: file })),
    ...synthFiles.map((file) => ({ from: file, to: basename(file) })),
  ];
  return new NodejsFunction(scope, id, {
    ...props,
    runtime: functionRuntime,
    entry: packageFile(source.entry),
    projectRoot: packageFile(''),
    depsLockFilePath: packageFile('package-lock.json'),
    bundling: {
      ...functionBundling,
      ...(files.length + synthFiles.length > 0
        ? {
            commandHooks: {
              beforeBundling: () => [],
              beforeInstall: () => [],
              afterBundling: (inputDir: string, outputDir: string) =>
                copies(inputDir).map(
                  ({ from, to }) =>
                    `mkdir -p "$(dirname "${outputDir}/${to}")" && cp "${from}" "${outputDir}/${to}"`,
                ),
            },
          }
        : {}),
    },
  });
};
