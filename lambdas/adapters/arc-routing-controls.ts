// RoutingControlPort on Route 53 ARC: the data plane of a cluster, reached through its Regional
// endpoints. AWS's guidance for ARC: a cluster has five endpoints, each in its own Region, and a
// caller tries them in turn until one answers. Their URLs come from the plan, never from the
// control plane (DescribeCluster), which is served from one Region and may be the thing that is
// down during the event a failover answers.
import {
  GetRoutingControlStateCommand,
  Route53RecoveryClusterClient,
  UpdateRoutingControlStatesCommand,
} from '@aws-sdk/client-route53-recovery-cluster';
import { DnsAccessDeniedError, DnsChangeFailedError, TransientError, errorMessage } from '../errors.js';
import type { RoutingControlSwitch } from '../plan/traffic-switch.js';
import type { RoutingControlPort, RoutingControlState } from '../ports/routing-controls.js';
import { awsErrorDetail, isTransientAwsError } from './aws-retry.js';

export type ClusterEndpoint = RoutingControlSwitch['clusterEndpoints'][number];

export interface ArcRoutingControlsOptions {
  clusterEndpoints: ClusterEndpoint[];
  /** The client for one endpoint; by default `arcClient` (below), which gives up quickly. */
  clientFor?: (endpoint: ClusterEndpoint) => Route53RecoveryClusterClient;
}

// The other endpoints are the retry, so each gives up quickly: one attempt (the SDK's retries
// would keep asking an endpoint that is down), a connection within 2 s and an answer within 4 s.
// Five endpoints that all hang then cost 20 s, well inside the 60 s of the shortest workflow task
// that asks ARC (CheckTrafficSwitch, VerifyDns).
const CONNECTION_TIMEOUT_MS = 2_000;
const REQUEST_TIMEOUT_MS = 4_000;

const arcClient = (endpoint: ClusterEndpoint): Route53RecoveryClusterClient =>
  new Route53RecoveryClusterClient({
    endpoint: endpoint.url,
    // Requests are signed for the endpoint's own Region, whichever Region this code runs in.
    region: endpoint.region,
    maxAttempts: 1,
    requestHandler: {
      connectionTimeout: CONNECTION_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
      // Without it the SDK only logs a warning when requestTimeout passes, and keeps waiting.
      throwOnRequestTimeout: true,
    },
  });

// An endpoint whose Region is cut off may fail to resolve or route, besides the failures any AWS
// call may meet (aws-retry.ts: refused or reset connections, timeouts, throttling, 5xx, among them
// EndpointTemporarilyUnavailableException, ARC's 503 for an endpoint that cannot serve now):
// either way this endpoint did not answer, and another may.
const UNREACHABLE_CODES = new Set(['ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH']);

// ARC's answers that no endpoint would answer differently: a safety rule of the control panel
// refused the change (Conflict), the request is malformed, a control does not exist.
const REFUSALS = new Set(['ConflictException', 'ValidationException', 'ResourceNotFoundException']);

const endpointDidNotAnswer = (err: unknown): boolean => {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return isTransientAwsError(err) || (typeof code === 'string' && UNREACHABLE_CODES.has(code));
};

const named = (endpoint: ClusterEndpoint) => `${endpoint.url} (${endpoint.region})`;

export function createArcRoutingControls(options: ArcRoutingControlsOptions): RoutingControlPort {
  const endpoints = options.clusterEndpoints;
  const clients = endpoints.map(options.clientFor ?? arcClient);
  // The endpoint that answered last is asked first: the one before it may be down, and every
  // request would otherwise wait out its timeouts again.
  let first = 0;

  /** `call` through each endpoint in turn, from `first`, until one answers. */
  const atAnyEndpoint = async <T>(
    what: string,
    call: (client: Route53RecoveryClusterClient) => Promise<T>,
  ): Promise<{ out: T; endpoint: ClusterEndpoint }> => {
    const failures: { endpoint: ClusterEndpoint; err: unknown }[] = [];
    for (let n = 0; n < endpoints.length; n++) {
      const i = (first + n) % endpoints.length;
      const endpoint = endpoints[i]!;
      try {
        const out = await call(clients[i]!);
        first = i;
        return { out, endpoint };
      } catch (err) {
        if (endpointDidNotAnswer(err)) {
          failures.push({ endpoint, err });
          continue;
        }
        // It answered, if not as hoped: it is up.
        first = i;
        throw arcError(`${what} at ${named(endpoint)}`, err);
      }
    }
    throw new TransientError(
      `${what}: no endpoint of the ARC cluster answered: ${failures.map((f) => `${named(f.endpoint)}: ${errorMessage(f.err)}`).join('; ')}`,
      { endpoints: failures.map((f) => ({ endpoint: f.endpoint.url, ...awsErrorDetail(f.err) })) },
    );
  };

  return {
    async getStates(controlArns: string[]): Promise<Map<string, RoutingControlState>> {
      const states = new Map<string, RoutingControlState>();
      // One control at a time, so that an error names the control; after the first read the
      // endpoint that answered is asked first.
      for (const arn of controlArns) {
        const what = `ARC GetRoutingControlState ${arn}`;
        const { out, endpoint } = await atAnyEndpoint(what, (client) =>
          client.send(new GetRoutingControlStateCommand({ RoutingControlArn: arn })),
        );
        if (out.RoutingControlState !== 'On' && out.RoutingControlState !== 'Off')
          throw new DnsChangeFailedError(
            `${what} at ${named(endpoint)}: ARC answered the state ${String(out.RoutingControlState)}, expected On or Off`,
          );
        states.set(arn, out.RoutingControlState);
      }
      return states;
    },

    async updateStates(states: Map<string, RoutingControlState>): Promise<{ endpoint: string }> {
      const entries = [...states].map(([arn, state]) => ({
        RoutingControlArn: arn,
        RoutingControlState: state,
      }));
      const what = `ARC UpdateRoutingControlStates ${entries.map((e) => `${e.RoutingControlArn} ${e.RoutingControlState}`).join(', ')}`;
      // Never SafetyRulesToOverride: a rule that refuses the change is a reason to stop, not to
      // force it.
      const { endpoint } = await atAnyEndpoint(what, (client) =>
        client.send(new UpdateRoutingControlStatesCommand({ UpdateRoutingControlStateEntries: entries })),
      );
      return { endpoint: endpoint.url };
    },
  };
}

/** An endpoint's answer as the workflow routes it; any other error passes with its AWS name. */
function arcError(what: string, err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  if (err.name === 'AccessDeniedException')
    return new DnsAccessDeniedError(`${what}: ${err.name}: ${err.message}`, awsErrorDetail(err));
  if (REFUSALS.has(err.name))
    return new DnsChangeFailedError(`${what}: ${err.name}: ${err.message}`, awsErrorDetail(err));
  return err;
}
