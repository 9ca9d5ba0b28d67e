// The command names of a Warm Standby release, selected by the plan: the promote step issues the
// release's name, and a cluster that does not know it (another release) refuses it as the CLI
// refuses any unknown command — the failover then fails closed, nothing reported as promoted.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { examplePlan, runDrill, scenario } from '../workflow/run-drill.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'standby-release-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** The example plan with `engine.release` set. */
const planOfRelease = async (release: string) => {
  const text = (await readFile(examplePlan, 'utf8')).replace(
    /^engine:\n {2}type: rabbitmq-standby\n/m,
    `engine:\n  type: rabbitmq-standby\n  release: ${release}\n`,
  );
  expect(text).toContain(`release: ${release}`);
  const file = join(dir, `plan-${release}.yaml`);
  await writeFile(file, text);
  return file;
};

const promotions = (state: Awaited<ReturnType<typeof runDrill>>['state']) =>
  state.log
    .filter((e) => e.kind === 'exec' && /promote_/.test(e.argv.join(' ')))
    .map((e) => (e as { argv: string[] }).argv[1]);

test('a 4.x-unverified plan promotes with promote_warm_standby on clusters of that release', async () => {
  const run = await runDrill({
    planFile: await planOfRelease('4.x-unverified'),
    scenarioFile: scenario('healthy'),
  });
  expect(run.exitCode).toBe(0);
  expect(promotions(run.state)).toEqual(['promote_warm_standby']);
  expect(run.state.downstream.promoted).toBe(true);
});

test('a plan naming the wrong release fails closed: the cluster does not know the command, nothing is promoted', async () => {
  const file = join(dir, 'clusters-1x.yaml');
  const healthy = await readFile(scenario('healthy'), 'utf8');
  await writeFile(file, healthy.replace(/^clusters:\n/m, 'clusters:\n  release: 1.x\n'));
  const run = await runDrill({ planFile: await planOfRelease('4.x-unverified'), scenarioFile: file });
  expect(run.exitCode).not.toBe(0);
  expect(run.state.downstream.promoted).toBe(false);
  expect(run.out.join('\n')).toMatch(/promote_warm_standby.*(not found|exited 64)/);
});
