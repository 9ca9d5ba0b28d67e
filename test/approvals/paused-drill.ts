// A drill without --auto-*, run until it stops at its gate, as a person would find it: the
// console's address and the approval id read from what it prints. Shared by the drill-gate and
// browser tests.
import { drill, type DrillResult } from '../../local/drill.js';
import { main } from '../../local/cli.js';
import type { Io } from '../../local/io.js';
import type { Simulation } from '../../sim/simulation.js';

/** Resolves when `found` finds something in the lines, or fails after `ms`: every wait has a limit. */
export const waitFor = async <T>(
  lines: string[],
  found: (lines: string[]) => T | undefined,
  ms = 30_000,
): Promise<T> => {
  const until = Date.now() + ms;
  for (;;) {
    const value = found(lines);
    if (value !== undefined) return value;
    if (Date.now() > until)
      throw new Error(`not printed within ${ms} ms; output so far:\n${lines.join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

/** The console's address and the approval id, as the drill prints them at the gate. */
export const gateLine = (lines: string[]) => {
  for (const line of lines) {
    const match = /Decide in the console: (http:\/\/127\.0\.0\.1:\d+)\/#\/approvals\/([\w-]+)$/.exec(line);
    if (match) return { endpoint: match[1]!, id: match[2]! };
  }
  return undefined;
};

/** `failover ARGV...` with its output captured. */
export const cli = async (...argv: string[]) => {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
};

export interface PausedDrill {
  endpoint: string;
  id: string;
  out: string[];
  err: string[];
  result: Promise<DrillResult & { simulation: Simulation }>;
}

const paused: PausedDrill[] = [];

export const startPausedDrill = async (planFile: string, scenarioFile: string): Promise<PausedDrill> => {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l) };
  let simulation: Simulation | undefined;
  const result = drill(
    { planFile, scenarioFile, keepSimulation: true, onSimulation: (s) => (simulation = s) },
    io,
  ).then((r) => ({ ...r, simulation: simulation! }));
  const { endpoint, id } = await waitFor(out, gateLine);
  const drillAtGate = { endpoint, id, out, err, result };
  paused.push(drillAtGate);
  return drillAtGate;
};

/** For afterEach: no drill is left waiting at its gate (a rejection is refused if one was decided), and its clusters stop. */
export const endPausedDrills = async () => {
  for (const drillAtGate of paused.splice(0)) {
    await cli('reject', drillAtGate.id, '--reason', 'test cleanup', '--endpoint', drillAtGate.endpoint);
    await (await drillAtGate.result).simulation.stop();
  }
};
