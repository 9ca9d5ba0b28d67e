// Runs a drill of any engine's plan (the ASL file through the local runner, real handlers,
// simulated clusters) and returns what a person would see plus that engine's end state.
import { drill, type DrillOptions, type DrillResult } from '../../local/drill.js';
import type { Io } from '../../local/io.js';
import type { EngineType } from '../../sim/models/engine-models.js';
import type { Simulation, SimStateOf } from '../../sim/simulation.js';

export interface EngineRun<E extends EngineType> extends DrillResult {
  state: SimStateOf<E>;
  out: string[];
}

export const runEngineDrill = async <E extends EngineType>(
  engine: E,
  options: Partial<DrillOptions> & { planFile: string },
): Promise<EngineRun<E>> => {
  const out: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => out.push(l) };
  let simulation: Simulation | undefined;
  const result = await drill(
    { gate: 'approve', ...options, keepSimulation: true, onSimulation: (s) => (simulation = s) },
    io,
  );
  if (!simulation) throw new Error(`the drill did not start a simulation: ${out.join('\n')}`);
  try {
    return { ...result, state: simulation.state(engine), out };
  } finally {
    await simulation.stop();
  }
};

export const stepsOf = (run: DrillResult): string[] =>
  run.report?.steps.map((s) => `${s.name}:${s.outcome}`) ?? [];
export const summaryOf = (run: DrillResult, step: string): string | undefined =>
  run.report?.steps.filter((s) => s.name === step).at(-1)?.summary;
