// The unit tier runs on the Node.js major the functions are deployed on (scripts/lambda-node.sh
// installs it), so the handlers are tested on the runtime that runs them.
import { readFileSync } from 'node:fs';
import { functionRuntime } from '../../infra/function-bundling.js';

const major = /^MAJOR=(\d+)$/m.exec(readFileSync('scripts/lambda-node.sh', 'utf8'))?.[1];

test('scripts/lambda-node.sh installs the major of the functions’ runtime', () => {
  expect(functionRuntime.name).toBe(`nodejs${major}.x`);
});

test('these tests run on that major (where its package exists: Linux x86-64)', () => {
  const where = `${process.platform}-${process.arch}`;
  expect({ where, major: process.versions.node.split('.')[0] }).toEqual({
    where,
    major: where === 'linux-x64' ? major : process.versions.node.split('.')[0],
  });
});
