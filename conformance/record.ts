// What a conformance file ran against and what it measured, for the table `npm run conformance`
// prints at the end (conformance/table-reporter.mjs): each call appends a line to a file the
// reporter named for this run, one file per test file. Printed as it happens too.
import { appendFileSync } from 'node:fs';
import { basename, join } from 'node:path';

const record = (entry: { component: string; version: string } | { measured: string }): void => {
  const dir = process.env['CONFORMANCE_RECORD_DIR'];
  if (dir === undefined) return;
  const { testPath, currentTestName } = expect.getState();
  // Inside a test it is that test's; in a hook, every test's of the file.
  const line = currentTestName === undefined ? entry : { ...entry, test: currentTestName };
  appendFileSync(join(dir, `${basename(testPath ?? 'unknown')}.jsonl`), `${JSON.stringify(line)}\n`);
};

/** A real server the tests (of the file from a hook, of the test from inside one) run against, with the version it reported itself. */
export const ranAgainst = (component: string, version: string): void => {
  console.log(`ran against ${component} ${version}`);
  record({ component, version });
};

/** A result worth reading in the table's notes (e.g. messages counted), printed at once too. */
export const measured = (line: string): void => {
  console.log(line);
  record({ measured: line });
};
