// The console API reads its request bodies with zod's functional build (request-schemas.ts), which
// carries no messages of its own. In a Node process of its own that loads only what the API's
// bundle loads — no classic zod, which would set English messages for every schema in the process —
// a refusal still says what was expected.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const module = (path: string) =>
  JSON.stringify(fileURLToPath(new URL(`../../lambdas/${path}`, import.meta.url)));

it('a decision or an acknowledgement that does not fit is refused in English, naming what was expected', async () => {
  const script = `
    const { decisionInputSchema } = await import(${module('approvals/approval-service.ts')});
    const { acknowledgeInputSchema } = await import(${module('operator/acknowledge.ts')});
    const { invalidBody } = await import(${module('approvals/errors.ts')});
    const refusal = (schema, body, what) => invalidBody(schema.safeParse(body).error.issues, what).message;
    console.log(JSON.stringify([
      refusal(decisionInputSchema, { decision: 'maybe', reason: 'hmm', allowUngraceful: 'yes' }, 'decision'),
      refusal(decisionInputSchema, [], 'decision'),
      refusal(acknowledgeInputSchema, { active: 'left' }, 'body'),
    ]));`;
  const { stdout } = await promisify(execFile)(process.execPath, [
    '--import',
    'tsx',
    '--input-type=module',
    '-e',
    script,
  ]);
  expect(JSON.parse(stdout)).toEqual([
    'decision: Invalid option: expected one of "approve"|"reject"; allowUngraceful: Invalid input: expected boolean, received string',
    'decision: Invalid input: expected object, received array',
    'reason: Invalid input: expected string, received undefined; active: Invalid option: expected one of "upstream"|"downstream"',
  ]);
});
