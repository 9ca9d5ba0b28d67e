// Where each deployed function's code comes from: the one place the construct chooses it.
//
// The published package carries every function already bundled (`npm run build` writes
// dist/lambda/<name>/ beside the compiled construct in dist/infra/), so a CDK app that installs
// the package synthesizes without esbuild or the TypeScript sources, which it does not have.
// Run from the sources (this repository's app and tests), the construct finds no such directory
// beside it (lambda/ at the root does not exist) and bundles the sources with NodejsFunction at
// synth: what deploys is always the code next to the construct, never a bundle left by an
// earlier build.
import { existsSync } from 'node:fs';
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
export type DeployedFunctionProps = Omit<FunctionProps, 'code' | 'handler' | 'runtime'>;

/** The function `name`, from its pre-built bundle when the package has one, else bundled from its sources now. */
export const deployedFunction = (
  scope: Construct,
  id: string,
  name: DeployedFunctionName,
  props: DeployedFunctionProps,
): LambdaFunction => {
  const bundle = prebuiltBundleDir(name);
  if (existsSync(`${bundle}${BUNDLE_FILE}`))
    return new LambdaFunction(scope, id, {
      ...props,
      runtime: functionRuntime,
      handler: 'index.handler',
      code: Code.fromAsset(bundle),
    });
  const source: DeployedFunctionSource = deployedFunctions[name];
  const files = source.files ?? [];
  return new NodejsFunction(scope, id, {
    ...props,
    runtime: functionRuntime,
    entry: packageFile(source.entry),
    projectRoot: packageFile(''),
    depsLockFilePath: packageFile('package-lock.json'),
    bundling: {
      ...functionBundling,
      ...(files.length > 0
        ? {
            commandHooks: {
              beforeBundling: () => [],
              beforeInstall: () => [],
              afterBundling: (inputDir: string, outputDir: string) =>
                files.map(
                  (file) =>
                    `mkdir -p "$(dirname "${outputDir}/${file}")" && cp "${inputDir}/${file}" "${outputDir}/${file}"`,
                ),
            },
          }
        : {}),
    },
  });
};
