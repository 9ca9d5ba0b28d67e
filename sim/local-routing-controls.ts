// The drill's stand-in for a Route 53 ARC cluster and the failover records that follow it. The
// cluster answers on each of its Regional endpoints, unless the scenario has that Region
// unavailable: the caller then gets what an unreachable endpoint gives (a timeout) and moves to the
// next, as ARC's guidance says callers must. A change is applied whole, and refused
// (ConflictException) when it would leave both of the plan's controls Off — the assertion rule
// ("at least one On") a control panel for failover has. What resolvers get follows Route 53's
// failover routing: the PRIMARY (the plan's upstream value) while its health check is healthy,
// else the SECONDARY while its is, and the PRIMARY when both are unhealthy (Route 53 then treats
// every record as healthy); the health checks follow a change of the controls `followMs` later,
// as Route 53's health checkers take a few seconds to see it.
import { DnsChangeFailedError, TransientError } from '../lambdas/errors.js';
import type { Plan } from '../lambdas/plan/schema.js';
import type { RoutingControlSwitch } from '../lambdas/plan/traffic-switch.js';
import type { RoutingControlPort, RoutingControlState } from '../lambdas/ports/routing-controls.js';

export interface LocalRoutingControls extends RoutingControlPort {
  /** Every control's state now. */
  states(): Map<string, RoutingControlState>;
  /** What a resolver gets for a record of the plan now. */
  answer(record: Plan['dns']['records'][number]): string;
}

export const createLocalRoutingControls = (options: {
  traffic: RoutingControlSwitch;
  /** Which side's control is On at the start (the side that serves). */
  serving: 'upstream' | 'downstream';
  /** Asked at every request: an endpoint in an unavailable Region does not answer. */
  unavailable: (region: string) => boolean;
  /** How long the health checks (and so the answers) take to follow a change of the controls. */
  followMs: number;
}): LocalRoutingControls => {
  const { traffic } = options;
  const controls = new Map<string, RoutingControlState>([
    [traffic.controls.upstream, options.serving === 'upstream' ? 'On' : 'Off'],
    [traffic.controls.downstream, options.serving === 'downstream' ? 'On' : 'Off'],
  ]);
  /** The states the health checks still show until `at`: those before the last change. */
  let seen: { states: Map<string, RoutingControlState>; until: number } | undefined;

  /** The first endpoint that answers runs `call`; none answering is a timeout of each. */
  const viaEndpoints = <T>(what: string, call: () => T): { value: T; endpoint: string } => {
    const failures: string[] = [];
    for (const endpoint of traffic.clusterEndpoints) {
      if (options.unavailable(endpoint.region)) {
        failures.push(`${endpoint.url} (${endpoint.region}): request timed out`);
        continue;
      }
      return { value: call(), endpoint: endpoint.url };
    }
    throw new TransientError(`ARC ${what}: no cluster endpoint answered: ${failures.join('; ')}`);
  };

  const stateOf = (arn: string): RoutingControlState => {
    const state = controls.get(arn);
    if (state === undefined)
      throw new DnsChangeFailedError(
        `ARC GetRoutingControlState ${arn}: ResourceNotFoundException: no routing control with this ARN in the cluster`,
      );
    return state;
  };

  return {
    states: () => new Map(controls),
    answer: (record) => {
      const states = seen && Date.now() < seen.until ? seen.states : controls;
      const primary = states.get(traffic.controls.upstream) === 'On';
      const secondary = states.get(traffic.controls.downstream) === 'On';
      return primary || !secondary ? record.upstream : record.downstream;
    },
    getStates: async (arns) =>
      viaEndpoints('GetRoutingControlState', () => new Map(arns.map((arn) => [arn, stateOf(arn)]))).value,
    updateStates: async (states) =>
      viaEndpoints('UpdateRoutingControlStates', () => {
        const after = new Map(controls);
        for (const [arn, state] of states) {
          stateOf(arn);
          after.set(arn, state);
        }
        if (
          after.get(traffic.controls.upstream) === 'Off' &&
          after.get(traffic.controls.downstream) === 'Off'
        )
          throw new DnsChangeFailedError(
            'ARC UpdateRoutingControlStates: ConflictException: the change violates the safety rule "at least one On" of the control panel',
          );
        seen = { states: new Map(controls), until: Date.now() + options.followMs };
        for (const [arn, state] of after) controls.set(arn, state);
      }),
  };
};
