// The compiled package (dist/) sits one directory deeper below the package root than the sources,
// so a file found relative to a module (`new URL('../…', import.meta.url)`) works from the sources
// and is missing once installed. Files the package ships are found with packageFile()
// (lambdas/package-files.ts); these modules alone resolve from their own location, on purpose.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const INTENDED = new Map([
  ['lambdas/package-files.ts', 'finds the package root by walking up from itself'],
  ['infra/function-code.ts', 'looks for the pre-built bundles beside the compiled construct'],
  ['lambdas/functions/approval-api.ts', 'reads the console files copied next to its own bundle'],
  ['lambdas/adapters/bundled-plans.ts', "reads the plans the stack wrote next to its worker's bundle"],
]);

/** A path from the module's own location (not `createRequire(import.meta.url)`, which resolves packages). */
const MODULE_RELATIVE =
  /new URL\([^)]*import\.meta\.url|fileURLToPath\(import\.meta\.url\)|import\.meta\.(dirname|filename)|__dirname/;

const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });

describe('files the package ships', () => {
  it('are found from the package root, not from the module that reads them', () => {
    const relativeToModule = ['lambdas', 'local', 'sim', 'infra']
      .flatMap(sources)
      .filter((file) => MODULE_RELATIVE.test(readFileSync(file, 'utf8')));
    expect(relativeToModule.filter((file) => !INTENDED.has(file))).toEqual([]);
    // Each exception is still needed: one that no longer resolves from its location is dropped here.
    expect([...INTENDED.keys()].filter((file) => !relativeToModule.includes(file))).toEqual([]);
  });
});
