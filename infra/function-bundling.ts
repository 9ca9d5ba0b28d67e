// How every function of the stack is bundled: at synth from the sources (NodejsFunction), and at
// build time for the package (scripts/build-functions.ts), from these same settings.
import { Runtime } from 'aws-cdk-lib/aws-lambda';
import { OutputFormat, type NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';

/** Every function's runtime; the bundles target its Node.js version. */
export const functionRuntime = Runtime.NODEJS_24_X;

// The AWS SDK v3 is in the Lambda runtime, but bundled the functions run the exact SDK and
// @smithy versions the tests ran, and one minified, tree-shaken file loads faster than the
// runtime's full packages. `createRequire` serves the CommonJS dependencies that still require().
export const functionBundling: NodejsFunctionProps['bundling'] = {
  format: OutputFormat.ESM,
  mainFields: ['module', 'main'],
  banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
  externalModules: [],
  // Lambda gives a function its role's credentials in the environment: the SDK's default chain
  // (profiles, SSO, STS, instance metadata) would be over 100 KB of each bundle, never run.
  // Relative to the package root, where esbuild runs (NodejsFunction's projectRoot).
  esbuildArgs: {
    '--alias': ['@aws-sdk/credential-provider-node=./lambdas/functions/lambda-credentials.ts'],
  },
  minify: true,
  sourceMap: true,
  // Stack traces need only the mappings; the sources would double the upload.
  sourcesContent: false,
};
