// The bad-input corpus: plans, scenarios, command lines, workflow triggers and approval API
// requests that must each be refused cleanly (case.ts says what that means). Command lines run in
// this process through the CLI's entry function, requests through the API's handler.
import { rmSync } from 'node:fs';
import { approvalApiCases } from './approval-api.js';
import { corpusDir, uncleanBecause, type BadInput } from './case.js';
import { cliCases } from './cli-flags.js';
import { planCases } from './plans.js';
import { scenarioCases } from './scenarios.js';
import { triggerCases } from './triggers.js';

const corpus: BadInput[] = [
  ...planCases,
  ...scenarioCases,
  ...cliCases,
  ...triggerCases,
  ...approvalApiCases,
];

afterAll(() => rmSync(corpusDir, { recursive: true, force: true }));

it('refuses every bad input cleanly', async () => {
  const unclean: string[] = [];
  for (const input of corpus) {
    const because = await input.run().then(
      (answer) => uncleanBecause(input, answer),
      (err: unknown) => `threw ${(err as Error).name}: ${String((err as Error).message).slice(0, 200)}`,
    );
    if (because) unclean.push(`${input.name}: ${because}`);
  }
  console.log(`bad inputs: ${corpus.length} cases, ${corpus.length - unclean.length} refused cleanly`);
  expect(unclean).toEqual([]);
}, 60_000);
