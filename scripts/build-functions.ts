// Bundles each function the construct deploys into dist/lambda/<name>/, exactly as NodejsFunction
// would at synth (infra/function-bundling.ts): the construct of the installed package deploys
// these directories as they are (infra/function-code.ts).
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { build, type BuildOptions } from 'esbuild';
import { functionBundling, functionRuntime } from '../infra/function-bundling.js';
import { BUNDLE_FILE, deployedFunctions, type DeployedFunctionName } from '../infra/function-code.js';
import { packageFile } from '../lambdas/package-files.js';

/** The settings translated below; any other would make these bundles differ from synth's. */
const TRANSLATED = new Set([
  'format',
  'mainFields',
  'banner',
  'externalModules',
  'minify',
  'sourceMap',
  'sourcesContent',
  'esbuildArgs',
]);

/** `esbuildArgs: { '--alias': ['module=replacement', ...] }` as esbuild's `alias` option; no other argument is translated. */
const aliasOf = (args: Record<string, unknown> | undefined): Record<string, string> => {
  const { '--alias': aliases, ...others } = args ?? {};
  if (Object.keys(others).length > 0)
    throw new Error(
      `infra/function-bundling.ts passes esbuild ${Object.keys(others).join(', ')}, which scripts/build-functions.ts does not translate`,
    );
  if (aliases === undefined) return {};
  if (!Array.isArray(aliases))
    throw new Error(
      "infra/function-bundling.ts: esbuildArgs['--alias'] must be a list of 'module=replacement'",
    );
  return Object.fromEntries(
    aliases.map((alias: string) => {
      const [from, to] = alias.split('=');
      if (!from || !to)
        throw new Error(`infra/function-bundling.ts: alias '${alias}' is not 'module=replacement'`);
      return [from, to];
    }),
  );
};

/** NodejsFunction's esbuild command line for these settings (aws-lambda-nodejs' bundling.ts), as esbuild options. */
const esbuildOptions = (): BuildOptions => {
  const bundling = functionBundling ?? {};
  const untranslated = Object.keys(bundling).filter((key) => !TRANSLATED.has(key));
  if (untranslated.length > 0)
    throw new Error(
      `infra/function-bundling.ts sets ${untranslated.join(', ')}, which scripts/build-functions.ts does not translate to esbuild`,
    );
  // The construct looks for index.mjs, NodejsFunction's name for an ES module bundle.
  if (bundling.format !== OutputFormat.ESM)
    throw new Error('infra/function-bundling.ts must bundle ES modules (format: OutputFormat.ESM)');
  return {
    bundle: true,
    platform: 'node',
    // NodejsFunction's default target: the runtime's Node.js major version (nodejs24.x -> node24).
    target: functionRuntime.name.replace(/^nodejs(\d+)\.x$/, 'node$1'),
    format: 'esm',
    ...(bundling.mainFields ? { mainFields: bundling.mainFields } : {}),
    ...(bundling.banner ? { banner: { js: bundling.banner } } : {}),
    // NodejsFunction leaves the runtime's AWS SDK out unless told otherwise.
    external: bundling.externalModules ?? ['@aws-sdk/*'],
    alias: aliasOf(bundling.esbuildArgs),
    minify: bundling.minify ?? false,
    sourcemap: bundling.sourceMap ?? false,
    sourcesContent: bundling.sourcesContent ?? true,
    logLevel: 'warning',
  };
};

/**
 * Writes every bundle and the files its function reads; returns the bundle directories.
 * `external`: other modules left out of the bundles than the deployed settings leave (the bench's
 * comparison with the Lambda runtime's AWS SDK).
 */
export const buildFunctions = async (distDir: string, external?: string[]): Promise<string[]> => {
  const options = { ...esbuildOptions(), ...(external ? { external } : {}) };
  const names = Object.keys(deployedFunctions) as DeployedFunctionName[];
  return Promise.all(
    names.map(async (name) => {
      const source: { entry: string; files?: readonly string[] } = deployedFunctions[name];
      const dir = join(distDir, 'lambda', name);
      // Bundled from the package root, where NodejsFunction runs esbuild: it finds the same tsconfig.json.
      await build({
        ...options,
        absWorkingDir: packageFile(''),
        entryPoints: [source.entry],
        outfile: join(dir, BUNDLE_FILE),
      });
      for (const file of source.files ?? []) {
        await mkdir(dirname(join(dir, file)), { recursive: true });
        await copyFile(packageFile(file), join(dir, file));
      }
      return dir;
    }),
  );
};
