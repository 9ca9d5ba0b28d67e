// What a conformance file ran against and what it measured, for the table `npm run conformance`
// prints at the end (conformance/table-reporter.mjs): each call appends a line to a file the
// reporter named for this run, one file per test file. Printed as it happens too.
import { appendFileSync } from 'node:fs';
import { basename, join } from 'node:path';

const record = (
  entry: { component: string; version: string; test?: string } | { measured: string },
): void => {
  const dir = process.env['CONFORMANCE_RECORD_DIR'];
  if (dir === undefined) return;
  const file = basename(expect.getState().testPath ?? 'unknown');
  appendFileSync(join(dir, `${file}.jsonl`), `${JSON.stringify(entry)}\n`);
};

/**
 * A real server this file's tests run against, with the version it reported itself; with
 * `thisTestOnly` (called inside a test), only that test's. Of a file that runs several versions of
 * one component, each test is given the version its name carries (e.g. `5.3.3`, or `4.x` for 4.0.5).
 */
export const ranAgainst = (
  component: string,
  version: string,
  options: { thisTestOnly?: boolean } = {},
): void => {
  console.log(`ran against ${component} ${version}`);
  // Jest keeps the last test's name in a later hook too: only a test that says so is named.
  const test = options.thisTestOnly ? expect.getState().currentTestName : undefined;
  record({ component, version, ...(test === undefined ? {} : { test }) });
};

/** A result worth reading in the table's notes (e.g. messages counted), printed at once too. */
export const measured = (line: string): void => {
  console.log(line);
  record({ measured: line });
};
