// `npm run faults`: the fault matrix of every engine (local/fault-matrix.ts), one table per
// engine (faults down, side-effecting steps across), then every cell that did not simply
// succeed. Exit 1 when any cell is unsafe.
import { matrixEngines, runFaultMatrix, type Cell } from '../local/fault-matrix.js';
import { stepFaultKinds } from '../local/fault-recipes.js';
import { processIo as io } from '../local/io.js';

const started = Date.now();
const verdict = (c: Cell) => (!c.safe ? 'UNSAFE' : c.fired ? 'safe' : 'unfired');
const describe = (c: Cell) => `${c.engine}: ${c.step} x ${c.fault}`;
const firstLine = (text: string) => {
  const line = text.split('\n')[0] ?? '';
  return line.length > 220 ? `${line.slice(0, 217)}...` : line;
};

io.out(
  `fault matrix: ${matrixEngines.join(', ')}; every side-effecting step x ${stepFaultKinds.join(', ')}; admit x transient, flip-dns x never-insync, readiness x wrong-namespace`,
);
const cells = await runFaultMatrix({
  concurrency: 4,
  onCell: (c) =>
    io.out(`  ran ${describe(c)}: ${verdict(c)} ${c.status} (${(c.durationMs / 1000).toFixed(1)} s)`),
});

for (const engine of matrixEngines) {
  const mine = cells.filter((c) => c.engine === engine);
  const grid = mine.filter((c) => (stepFaultKinds as readonly string[]).includes(c.fault));
  const steps = [...new Set(grid.map((c) => c.step))];
  const others = mine.filter((x) => !grid.includes(x));
  const label =
    Math.max(...[...stepFaultKinds, ...others.map((c) => `${c.step} x ${c.fault}`)].map((l) => l.length)) + 2;
  const width = 20;
  io.out('');
  io.out(engine);
  io.out(`  ${'fault'.padEnd(label)}${steps.map((s) => s.padEnd(width)).join('')}`);
  for (const fault of stepFaultKinds) {
    const row = steps.map((step) => {
      const c = grid.find((x) => x.step === step && x.fault === fault);
      return (c ? `${verdict(c)} ${c.status}` : '-').padEnd(width);
    });
    io.out(`  ${fault.padEnd(label)}${row.join('')}`);
  }
  for (const c of others) io.out(`  ${`${c.step} x ${c.fault}`.padEnd(label)}${verdict(c)} ${c.status}`);
  const notable = mine.filter((c) => c.status !== 'SUCCEEDED' || !c.safe || !c.fired);
  if (notable.length > 0) io.out('');
  for (const c of notable)
    io.out(
      `  ${c.step} x ${c.fault}: ${c.safe ? '' : 'UNSAFE: '}${firstLine(c.note) || c.status}${c.fired ? '' : ` [not fired: ${c.firing}]`}`,
    );
}

const unsafe = cells.filter((c) => !c.safe);
const unfired = cells.filter((c) => c.safe && !c.fired);
io.out('');
for (const c of unsafe) io.out(`UNSAFE ${describe(c)} (${c.status}): ${c.problems.join('; ')}`);
for (const c of unfired) io.out(`not fired ${describe(c)}: ${c.firing} (not counted as safe)`);
const perEngine = matrixEngines.map((e) => `${e} ${cells.filter((c) => c.engine === e).length}`).join(', ');
io.out(`cells per engine: ${perEngine}; ${((Date.now() - started) / 1000).toFixed(0)} s`);
io.out(
  `fault matrix: ${cells.length} cells, ${cells.length - unsafe.length - unfired.length} safe, ${unsafe.length} unsafe${unfired.length > 0 ? `, ${unfired.length} not fired` : ''}`,
);
process.exitCode = unsafe.length === 0 ? 0 : 1;
