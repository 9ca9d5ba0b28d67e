#!/usr/bin/env node
// `failover` on the PATH. An installed package has no sources: it runs the compiled CLI (dist/,
// built when the package is packed) with production dependencies only. A checkout has the
// sources and runs them through tsx (a devDependency), so a change needs no build and a stale
// dist/ is never what runs.
import { existsSync } from 'node:fs';

const sources = new URL('../local/failover.ts', import.meta.url);
if (existsSync(sources)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(sources.href);
} else {
  await import('../dist/local/failover.js');
}
