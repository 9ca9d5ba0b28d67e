// Native ESM: @kubernetes/client-node and middy ship only ES modules.
// esbuild strips types fast (test/esbuild-transform.cjs); `npm run typecheck` is the type check.
// Two tiers share this setup: `test/` (units, the simulated environment, the workflow) and, with
// TIER=conformance, `conformance/` (the same contracts against real servers: RabbitMQ nodes, ...).
const conformance = process.env.TIER === 'conformance';

export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': '<rootDir>/test/esbuild-transform.cjs',
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: conformance ? ['<rootDir>/conformance/**/*.test.ts'] : ['<rootDir>/test/**/*.test.ts'],
  // Only Node.js older than the Lambda runtime lacks what the code uses (Promise.withResolvers).
  setupFiles: Number(process.versions.node.split('.')[0]) < 22 ? ['<rootDir>/test/setup-polyfills.ts'] : [],
  // Real servers start slowly on a small machine (a RabbitMQ cluster in ~40 s).
  testTimeout: conformance ? 300_000 : 60_000,
  // Jest's default on a 2-core machine is one worker; the longest suites mostly wait (on real
  // servers, on the workflow's timers), so two run side by side. Not three: three conformance
  // suites at once (Erlang nodes, rabbitmqctl VMs, JVMs) have starved a real node's commands past
  // their 30 s bound.
  maxWorkers: 2,
  // Run together, the suites leave a handle open after the last one has passed (each suite alone
  // exits): without this the process waits for it after every test has reported.
  forceExit: true,
  // The conformance tier ends with a table: component, version, contract, result.
  reporters: conformance ? ['default', '<rootDir>/conformance/table-reporter.mjs'] : ['default'],
};
