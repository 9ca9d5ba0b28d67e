// Files the package ships beside its code (the workflow definition, the console's static files,
// the example plans and scenarios), found from the package root: the same call works from the
// sources (lambdas/…) and from the compiled package (dist/lambdas/…), which sit at different
// depths below the root. Not for the Lambda bundles: they carry what they read next to them.
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const findPackageRoot = (): string => {
  const start = dirname(fileURLToPath(import.meta.url));
  // The nearest package.json above this module is the package's own: dist/ has none.
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${start}: the package is incomplete`);
  }
};

/** The directory holding the package's package.json: the repository root, or the installed package. */
export const packageRoot = findPackageRoot();

/** The absolute path of a file the package ships, given from the package root (`statemachines/failover.asl.json`). */
export const packageFile = (path: string): string => join(packageRoot, path);

/**
 * The same file as a path from the working directory: what the CLI prints and a person can open.
 * In the repository it is the path as written (`examples/plans/…`); from an installed package it
 * leads into it (`node_modules/…/examples/plans/…`).
 */
export const packageFileFromCwd = (path: string): string => relative(process.cwd(), packageFile(path));
