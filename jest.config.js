// Native ESM: @kubernetes/client-node and middy ship only ES modules.
// esbuild strips types fast (test/esbuild-transform.cjs); `npm run typecheck` is the type check.
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': '<rootDir>/test/esbuild-transform.cjs',
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  setupFiles: ['<rootDir>/test/setup-polyfills.ts'],
  testTimeout: 60000,
  // Run together, the suites leave a handle open after the last one has passed (each suite alone
  // exits): without this the process waits for it after every test has reported.
  forceExit: true,
};
