// The data-plane traffic switch: Route 53 ARC routing controls, whose states the health checks of
// a plan's failover records follow. Adapters: ARC's cluster endpoints
// (`adapters/arc-routing-controls.ts`) and the drill's local cluster (`sim/local-routing-controls.ts`).

export type RoutingControlState = 'On' | 'Off';

export interface RoutingControlPort {
  /**
   * The state of each control, read from the cluster's data plane (GetRoutingControlState), from
   * the first of its endpoints that answers. Throws when none does, or a control does not exist.
   */
  getStates(controlArns: string[]): Promise<Map<string, RoutingControlState>>;
  /**
   * Sets every state in one request (UpdateRoutingControlStates): applied together or not at all,
   * so the two sides are never both Off by this call. A safety rule of the control panel that
   * refuses the change is a DnsChangeFailedError (never retried); an endpoint that does not answer
   * is tried no more and the next is asked; none answering is a TransientError. Setting a state
   * a control already has changes nothing, so a repeated flip is harmless.
   */
  updateStates(states: Map<string, RoutingControlState>): Promise<{ endpoint: string }>;
}
