// The whole fault matrix (`npm run faults`): every side-effecting step x five faults.
import { faultKinds, runFaultMatrix } from '../../local/fault-matrix.js';
import { sideEffectSteps } from '../../lambdas/steps/side-effect-steps.js';

it('every side-effecting step converges or halts safely under every fault', async () => {
  const cells = await runFaultMatrix({ planFile: 'examples/plans/rabbitmq-standby.yaml', concurrency: 4 });
  expect(cells.map((c) => `${c.step} x ${c.fault}`)).toEqual(sideEffectSteps.flatMap((s) => faultKinds.map((f) => `${s} x ${f}`)));
  expect(cells.filter((c) => !c.safe)).toEqual([]);
  // A rejected DNS change after promotion is not retried: the operator is told exactly that.
  expect(cells.find((c) => c.step === 'flip-dns' && c.fault === 'exec-nonzero')).toMatchObject({ status: 'FAILED', note: expect.stringContaining('InvalidChangeBatch') });
}, 180_000);
