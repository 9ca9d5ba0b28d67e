// `npm run faults`: every side-effecting step x five faults, each through the whole workflow.
import { faultKinds, runFaultMatrix } from '../local/fault-matrix.js';
import { processIo as io } from '../local/io.js';

io.out(`fault matrix: every side-effecting step x ${faultKinds.join(', ')}`);
const cells = await runFaultMatrix({ planFile: 'examples/plans/rabbitmq-standby.yaml', concurrency: 4, onCell: (c) => io.out(`  ran ${c.step} x ${c.fault}: ${c.status}`) });
const steps = [...new Set(cells.map((c) => c.step))];
const width = 20;
io.out('');
io.out(`${'step'.padEnd(12)}${faultKinds.map((f) => f.padEnd(width)).join('')}`);
for (const step of steps) {
  const row = faultKinds.map((f) => {
    const c = cells.find((x) => x.step === step && x.fault === f)!;
    return `${c.safe ? 'safe' : 'UNSAFE'} ${c.status}`.padEnd(width);
  });
  io.out(`${step.padEnd(12)}${row.join('')}`);
}
io.out('');
for (const c of cells.filter((x) => x.status !== 'SUCCEEDED' || !x.safe)) io.out(`  ${c.step} x ${c.fault}: ${c.safe ? '' : 'UNSAFE: '}${c.note.split('\n')[0]}`);
const unsafe = cells.filter((c) => !c.safe).length;
io.out(`fault matrix: ${cells.length} cells, ${cells.length - unsafe} safe, ${unsafe} unsafe`);
process.exitCode = unsafe === 0 ? 0 : 1;
