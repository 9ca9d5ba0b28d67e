// Is what the plan names on one side there? "Unreachable" must mean the site's API cannot be
// reached (a lost site, which an ungraceful failover may go past); an API that answers that the
// namespace or cluster does not exist is a wrong plan, and taking it for a lost site would
// promote the standby while the real primary keeps taking writes elsewhere.
import { MisconfiguredError, UnreachableError, errorMessage } from '../errors.js';
import type { Side } from '../plan/schema.js';
import type { KubePort } from '../ports/kube.js';
import type { CustomObjectRef } from '../ports/kube.js';

export type SitePresence = { reachable: true; summary: string } | { reachable: false; summary: string };

const misconfigured = (side: Side, what: string, kube: KubePort) =>
  new MisconfiguredError(
    `${side}: ${kube.describe} answered, and ${what} does not exist there: the plan names something that is not on this cluster (a wrong namespace or name?). ` +
      'Nothing was changed: correct the plan (failover validate, then failover check) before failing over',
  );

/** Present when `read` finds it, Misconfigured when the API answers without it, unreachable when the API cannot be reached. */
export const probeSite = async (
  side: Side,
  kube: KubePort,
  what: string,
  read: () => Promise<boolean>,
): Promise<SitePresence> => {
  let found: boolean;
  try {
    found = await read();
  } catch (err) {
    if (err instanceof UnreachableError)
      return {
        reachable: false,
        summary: `${side} ${kube.describe} cannot be reached: ${errorMessage(err)}`,
      };
    throw err;
  }
  if (!found) throw misconfigured(side, what, kube);
  return { reachable: true, summary: `${side}: ${what} found on ${kube.describe}` };
};

/** A custom resource: its GET answers 404 for a missing namespace as for a missing object. */
export const probeCustomObject = (
  side: Side,
  kube: KubePort,
  ref: CustomObjectRef,
  what: string,
): Promise<SitePresence> =>
  probeSite(side, kube, what, async () => (await kube.getCustomObject(ref)) !== undefined);
