// The whole fault matrix (`npm run faults`): every engine, every side-effecting step x every
// fault of its clusters, Route 53 and the platform, and the extra cells; and proof that the
// matrix catches a broken step rather than passing whatever runs.
import type { KubePort } from '../../lambdas/ports/kube.js';
import { matrixCells, runFaultMatrix, type Cell, type Sabotage } from '../../local/fault-matrix.js';

const nameOf = (c: Pick<Cell, 'engine' | 'step' | 'fault'>) => `${c.engine}: ${c.step} x ${c.fault}`;

it('every cell of every engine converges or halts safely, and its fault fires', async () => {
  const cells = await runFaultMatrix({ concurrency: 4 });
  expect(cells.map(nameOf)).toEqual(matrixCells().map(nameOf));
  expect(cells.length).toBeGreaterThanOrEqual(117);
  expect(
    cells.filter((c) => !c.safe).map((c) => `${nameOf(c)}: ${c.status}: ${c.problems.join('; ')}`),
  ).toEqual([]);
  // A teardown that has nothing to remove makes no change for a killed Lambda to die after.
  expect(cells.filter((c) => !c.fired).map(nameOf)).toEqual([
    'rabbitmq-shovel: teardown x lambda-killed',
    'rocketmq-controller: teardown x lambda-killed',
  ]);

  const cell = (engine: string, step: string, fault: string) =>
    cells.find((c) => c.engine === engine && c.step === step && c.fault === fault);
  for (const engine of ['rabbitmq-standby', 'rabbitmq-shovel', 'rocketmq-controller']) {
    // A rejected DNS change after promotion is not retried: the operator is told exactly that.
    expect(cell(engine, 'flip-dns', 'exec-nonzero')).toMatchObject({
      status: 'FAILED',
      note: expect.stringContaining('InvalidChangeBatch'),
    });
    expect(cell(engine, 'admit', 'transient')).toMatchObject({ status: 'SUCCEEDED', fired: true });
    expect(cell(engine, 'readiness', 'wrong-namespace')).toMatchObject({
      status: 'HALTED',
      note: expect.stringContaining('Misconfigured'),
    });
  }
}, 400_000);

/** A promote that never sees the promotion summary: every attempt reads it empty, so a retry promotes again. */
const blindToPromotionSummary: Sabotage = {
  kube: (port: KubePort, step): KubePort => ({
    describe: port.describe,
    getCustomObject: (ref) => port.getCustomObject(ref),
    mergePatchCustomObject: (ref, patch) => port.mergePatchCustomObject(ref, patch),
    deleteCustomObject: (ref) => port.deleteCustomObject(ref),
    listPods: (namespace, selector) => port.listPods(namespace, selector),
    deletePod: (namespace, name, options) => port.deletePod(namespace, name, options),
    exec: async (namespace, pod, command, options) => {
      const result = await port.exec(namespace, pod, command, options);
      if (step() !== 'promote' || !command.includes('display_standby_promotion_summary')) return result;
      // The table's rows start with the first message's timestamp; banner and header stay.
      return {
        ...result,
        stdout: result.stdout
          .split('\n')
          .filter((line) => !/^\d{4}-\d\d-\d\d /.test(line))
          .join('\n'),
      };
    },
  }),
};

it('turns the cell of a promote that ignores the promotion summary unsafe', async () => {
  const [broken] = await runFaultMatrix({
    engines: ['rabbitmq-standby'],
    concurrency: 1,
    only: (c) => c.step === 'promote' && c.fault === 'crash-after-acting',
    sabotage: blindToPromotionSummary,
  });
  expect(broken).toMatchObject({
    engine: 'rabbitmq-standby',
    step: 'promote',
    fault: 'crash-after-acting',
    fired: true,
    safe: false,
  });
  expect(broken!.problems).toEqual(
    expect.arrayContaining([expect.stringMatching(/^promoted twice: 1 promotion\(s\) beyond the first/)]),
  );
}, 60_000);
