// `npm run build` (and `npm pack`, through `prepack`): the compiled package in dist/.
//   1. dist/ from scratch, so no file of a removed module ships;
//   2. tsc -p tsconfig.build.json: the CLI, the construct and the plan loader as ESM .js and .d.ts;
//   3. every deployed function pre-bundled (scripts/build-functions.ts), so an app that installs
//      the package synthesizes without esbuild or the TypeScript sources.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { relative } from 'node:path';
import { packageFile } from '../lambdas/package-files.js';
import { buildFunctions } from './build-functions.js';

const dist = packageFile('dist');
rmSync(dist, { recursive: true, force: true });

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
try {
  execFileSync(process.execPath, [tsc, '-p', packageFile('tsconfig.build.json')], { stdio: 'inherit' });
} catch {
  // tsc has printed the errors; a package must not ship what does not type-check.
  process.stderr.write('build: tsc failed; nothing to pack\n');
  process.exit(1);
}

const bundles = await buildFunctions(dist);
process.stdout.write(
  `built ${relative(packageFile(''), dist)}/: compiled sources, and ${bundles.length} function bundles (${bundles
    .map((dir) => relative(dist, dir))
    .join(', ')})\n`,
);
