// What an engine really asks of Kubernetes: a whole round trip (the alarm's failover, reprotect,
// the graceful failback) through the ASL file and the local runner on the simulated clusters, with
// every HTTP request the process sends to a simulated API server recorded, reads and exec
// upgrades included (the simulator's own log keeps only writes and execs). The requests are seen
// through Node's diagnostics channels: undici's for the API calls @kubernetes/client-node makes
// with fetch, node:http's for the WebSocket upgrade of an exec, so nothing in the path is replaced.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { drill } from '../../local/drill.js';
import type { Io } from '../../local/io.js';
import type { Side } from '../../lambdas/plan/schema.js';

export interface RecordedCall {
  /** The plan side whose simulated API server was asked. */
  side: Side;
  method: string;
  /** Without the query. */
  path: string;
}

const SIDES: readonly Side[] = ['upstream', 'downstream'];

/** Runs the round trip and returns its Kubernetes calls in order; throws unless every leg succeeded. */
export const roundTripCalls = async (planFile: string, scenarioFile?: string): Promise<RecordedCall[]> => {
  const sideOf = new Map<string, Side>();
  const calls: RecordedCall[] = [];
  const record = (origin: string, method: string, pathAndQuery: string): void => {
    const side = sideOf.get(origin);
    if (side !== undefined) calls.push({ side, method, path: pathAndQuery.split('?')[0] ?? '' });
  };
  const onFetch = (message: unknown): void => {
    const { request } = message as { request: { origin: string; method: string; path: string } };
    record(request.origin, request.method, request.path);
  };
  const onHttp = (message: unknown): void => {
    const { request } = message as { request: ClientRequest };
    record(`${request.protocol}//${String(request.getHeader('host'))}`, request.method, request.path);
  };
  subscribe('undici:request:create', onFetch);
  subscribe('http.client.request.start', onHttp);
  const lines: string[] = [];
  const io: Io = { out: (line) => lines.push(line), err: (line) => lines.push(line) };
  try {
    const result = await drill(
      {
        planFile,
        ...(scenarioFile === undefined ? {} : { scenarioFile }),
        gate: 'approve',
        roundTrip: true,
        onSimulation: (simulation) => {
          for (const side of SIDES) sideOf.set(new URL(simulation.urlOf(side)).origin, side);
        },
      },
      io,
    );
    if (result.exitCode !== 0)
      throw new Error(`the round trip of ${planFile} exited ${result.exitCode}:\n${lines.join('\n')}`);
    return calls;
  } finally {
    unsubscribe('undici:request:create', onFetch);
    unsubscribe('http.client.request.start', onHttp);
  }
};
