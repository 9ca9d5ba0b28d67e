// The deployed functions' credentials: the role's from the environment Lambda sets, or from the
// HTTP endpoint a runtime names instead; nothing else, and a clear error without either. The
// bundles carry this chain in place of the SDK's default one (infra/function-bundling.ts).
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUNDLE_FILE } from '../../infra/function-code.js';
import { defaultProvider } from '../../lambdas/functions/lambda-credentials.js';
import { buildFunctions } from '../../scripts/build-functions.js';

const VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
] as const;
let saved: Record<string, string | undefined>;

beforeEach(() => {
  saved = Object.fromEntries(VARIABLES.map((name) => [name, process.env[name]]));
  for (const name of VARIABLES) delete process.env[name];
});
afterEach(() => {
  for (const name of VARIABLES)
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
});

describe('the credentials of a deployed function', () => {
  it("are the execution role's that Lambda puts in the environment", async () => {
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: 'ASIAROLE',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_SESSION_TOKEN: 'session',
      // A profile in the environment does not turn the function to profile files it does not have.
      AWS_PROFILE: 'someone',
    });
    await expect(defaultProvider()()).resolves.toMatchObject({
      accessKeyId: 'ASIAROLE',
      secretAccessKey: 'secret',
      sessionToken: 'session',
    });
  });

  it('come from the HTTP endpoint the runtime names when the environment has none, with its token', async () => {
    const asked: IncomingHttpHeaders[] = [];
    const server = createServer((req, res) => {
      asked.push(req.headers);
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          AccessKeyId: 'ASIAHTTP',
          SecretAccessKey: 'from-http',
          Token: 'http-session',
          Expiration: new Date(Date.now() + 3_600_000).toISOString(),
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      Object.assign(process.env, {
        AWS_CONTAINER_CREDENTIALS_FULL_URI: `http://127.0.0.1:${(server.address() as AddressInfo).port}/role`,
        AWS_CONTAINER_AUTHORIZATION_TOKEN: 'runtime-token',
      });
      await expect(defaultProvider()()).resolves.toMatchObject({
        accessKeyId: 'ASIAHTTP',
        sessionToken: 'http-session',
      });
      expect(asked.map((headers) => headers.authorization)).toEqual(['runtime-token']);
    } finally {
      server.close();
    }
  });

  it('are refused with what to do when the environment has neither', async () => {
    await expect(defaultProvider()()).rejects.toThrow(
      /no AWS credentials in the environment: Lambda sets AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY .*Run it in Lambda, or set those variables/,
    );
  });
});

it("is the chain every bundle carries, not the SDK's default one (its SSO, profile and STS providers)", async () => {
  const dist = mkdtempSync(join(tmpdir(), 'bundles-'));
  try {
    for (const dir of await buildFunctions(dist)) {
      const bundle = readFileSync(join(dir, BUNDLE_FILE), 'utf8');
      // Strings survive minifying: this module's refusal, and the default chain's debug lines.
      expect([dir, bundle.includes('no AWS credentials in the environment')]).toEqual([dir, true]);
      expect([dir, bundle.includes('defaultProvider::fromSSO')]).toEqual([dir, false]);
    }
  } finally {
    rmSync(dist, { recursive: true, force: true });
  }
}, 120_000);
