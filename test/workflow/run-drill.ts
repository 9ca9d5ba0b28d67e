// Runs a drill (the ASL file through the local runner, real handlers, simulated clusters) and
// captures what a person would see plus the simulated clusters' end state.
import type { Simulation, SimState } from '../../sim/simulation.js';
import { drill, type DrillOptions, type DrillResult } from '../../local/drill.js';
import type { Io } from '../../local/io.js';

export const examplePlan = 'examples/plans/rabbitmq-standby.yaml';
export const scenario = (name: string) => `examples/scenarios/${name}.yaml`;
export const dnsRecord = 'Z0123456789ABCDEFGHIJ/amqp.orders.example.com/CNAME';
export const upstreamTarget = 'upstream-cluster.site-a.orders.example.com';
export const downstreamTarget = 'downstream-cluster.site-b.orders.example.com';

export interface Run extends DrillResult {
  state: SimState;
  /** The ARC routing controls' states after the run, for a plan that switches by them. */
  controls?: Map<string, string>;
  out: string[];
  err: string[];
}

export const runDrill = async (options: Partial<DrillOptions> & { scenarioFile: string }): Promise<Run> => {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l) };
  let simulation: Simulation | undefined;
  const result = await drill(
    {
      planFile: examplePlan,
      gate: 'approve',
      ...options,
      keepSimulation: true,
      onSimulation: (s) => (simulation = s),
    },
    io,
  );
  if (!simulation) return { ...result, state: undefined as never, out, err };
  const state = simulation.state();
  const controls = simulation.routingControls?.states();
  await simulation.stop();
  return { ...result, state, ...(controls ? { controls } : {}), out, err };
};

/** The simulator logs every API write and every exec; these are the ones that change something. */
export const mutating = (state: SimState) =>
  state.log.filter((e) =>
    e.kind === 'exec'
      ? /promote_|disconnect|set_schema|delete_all|set_vhost_limits|close_all_connections/.test(
          e.argv.join(' '),
        )
      : true,
  );
