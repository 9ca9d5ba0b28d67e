// How a traffic flip waits for its change to show — Route 53's change INSYNC (steps/dns.ts), or
// the zone's name servers answering a routing-control flip (steps/routing-control-switch.ts). The
// recovery time counts every moment of it, so both look as often and hand over the same way.

/**
 * A look every half second keeps what the flip adds to the change's own propagation to a quarter
 * of a second on average. One invocation looks for a few seconds, then hands the wait over (a
 * Lambda that waits is billed for it), and is followed at once: no Wait state, whose shortest, a
 * second, would be on the recovery time, so the look after a handover comes within the invocation
 * overhead of the one before it.
 */
export const flipLooks = {
  checkEveryMs: 500,
  lookWithinInvocationMs: 5_000,
  workflowCheckEverySeconds: 0,
} as const;
