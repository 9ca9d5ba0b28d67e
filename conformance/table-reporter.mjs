// The conformance tier's summary: after every file has run, one row per test — the real component
// its file ran against, that component's version as it reported it, the contract (the test) and
// the result — then what the files measured. The files say what they ran against through
// conformance/record.ts, which writes into the directory this reporter names in the environment
// (set before jest starts its workers, which inherit it).
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

const CONTRACT_WIDTH = 96;

export default class ConformanceTable {
  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'conformance-record-'));
    process.env.CONFORMANCE_RECORD_DIR = this.dir;
  }

  /** What each file recorded, by file name. */
  records() {
    const byFile = new Map();
    for (const name of readdirSync(this.dir)) {
      const lines = readFileSync(join(this.dir, name), 'utf8').split('\n').filter(Boolean);
      byFile.set(
        name.replace(/\.jsonl$/, ''),
        lines.map((line) => JSON.parse(line)),
      );
    }
    return byFile;
  }

  onRunComplete(_contexts, results) {
    const records = this.records();
    rmSync(this.dir, { recursive: true, force: true });
    const rows = [];
    const notes = [];
    for (const file of [...results.testResults].sort((a, b) =>
      a.testFilePath.localeCompare(b.testFilePath),
    )) {
      const name = basename(file.testFilePath);
      const entries = records.get(name) ?? [];
      const components = entries.filter((e) => e.component !== undefined);
      notes.push(...entries.filter((e) => e.measured !== undefined).map((e) => `${name}: ${e.measured}`));
      if (file.testResults.length === 0)
        rows.push([
          ...columns(components.filter((c) => c.test === undefined)),
          `${name}: ${firstLine(file.failureMessage) || 'no tests ran'}`,
          'failed',
        ]);
      for (const test of file.testResults)
        rows.push([
          ...columns(componentsOf(components, test.fullName)),
          [...test.ancestorTitles.slice(-1), test.title].join(' › '),
          test.status,
        ]);
    }
    const table = [['component', 'version', 'contract', 'result'], ...rows].map((r) => [
      r[0],
      r[1],
      truncate(r[2], CONTRACT_WIDTH),
      r[3],
    ]);
    const widths = [0, 1, 2].map((i) => Math.max(...table.map((r) => r[i].length)));
    const line = (r) => r.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]) : cell)).join('  ');
    const count = (status) => rows.filter((r) => r[3] === status).length;
    const others = rows.length - count('passed') - count('failed');
    const summary = `Conformance against real servers: ${count('passed')} of ${rows.length} contracts passed, ${count('failed')} failed${others > 0 ? `, ${others} not run` : ''}`;
    const out = [
      '',
      summary,
      line(table[0]),
      line(widths.map((w) => '-'.repeat(w)).concat('------')),
      ...table.slice(1).map(line),
      ...(notes.length > 0 ? ['', 'Measured:', ...notes.map((n) => `  ${n}`)] : []),
      '',
    ];
    process.stdout.write(`${out.join('\n')}\n`);
  }
}

/**
 * What a test ran against: what its file's hooks recorded and what it recorded itself; of several
 * versions of one component (a file run per version), the one its name carries.
 */
const componentsOf = (components, fullName) => {
  const mine = components.filter((c) => c.test === undefined || c.test === fullName);
  const named = mine.filter((c) => {
    const version = c.version.replace(/^v/, '');
    return fullName.includes(version) || fullName.includes(`${version.split('.')[0]}.x`);
  });
  const kept = mine.filter((c) => named.includes(c) || !named.some((n) => n.component === c.component));
  return [...new Map(kept.map((c) => [`${c.component} ${c.version}`, c])).values()];
};

const columns = (components) =>
  components.length === 0
    ? ['(did not start)', '-']
    : [components.map((c) => c.component).join(' + '), components.map((c) => c.version).join(' / ')];

const firstLine = (text) =>
  (text ?? '')
    .split('\n')
    .find((l) => l.trim() !== '')
    ?.trim() ?? '';
const truncate = (text, width) => (text.length <= width ? text : `${text.slice(0, width - 1)}…`);
