// How a plan moves its clients: `records`, a Route 53 change batch (ChangeResourceRecordSets, a
// control-plane call served from one Region), or `routing-controls`, Route 53 failover records
// whose health checks follow two Route 53 ARC routing controls, so that the flip is a data-plane
// state change any of the ARC cluster's Regional endpoints accepts. AWS's guidance for recovery is
// to rely on the data plane during an event; `records` stays for zones without a cluster.
import * as z from 'zod';
import { awsRegion } from './regions.js';

/** A routing control's ARN, as ARC prints it. */
const ROUTING_CONTROL_ARN =
  /^arn:aws(?:-[a-z]+)*:route53-recovery-control::\d{12}:controlpanel\/[0-9a-z]{1,64}\/routingcontrol\/[0-9a-z]{1,64}$/;

const routingControlArn = z
  .string()
  .max(256, 'expected at most 256 characters (a routing control ARN)')
  .regex(
    ROUTING_CONTROL_ARN,
    'expected a routing control ARN, arn:aws:route53-recovery-control::<account>:controlpanel/<id>/routingcontrol/<id>',
  );

const clusterEndpointSchema = z.strictObject({
  url: z
    .string()
    .max(256, 'expected at most 256 characters (a cluster endpoint)')
    .regex(
      /^https:\/\/[A-Za-z0-9.-]+(:\d+)?\/?$/,
      'expected an https URL such as https://abcd1234.route53-recovery-cluster.us-west-2.amazonaws.com/',
    )
    .describe("One of the cluster's endpoints, as DescribeCluster lists it."),
  region: awsRegion.describe('The Region of that endpoint (its requests are signed for it).'),
});

export const trafficSwitchSchema = z
  .discriminatedUnion('via', [
    z.strictObject({
      via: z.literal('records').describe('UPSERT the records in one change batch, wait until it is INSYNC.'),
    }),
    z.strictObject({
      via: z
        .literal('routing-controls')
        .describe('Turn the downstream routing control On and the upstream one Off, in one request.'),
      clusterEndpoints: z
        .array(clusterEndpointSchema)
        .min(1, "expected the cluster's endpoints (DescribeCluster lists five)")
        .max(5, 'expected at most 5 endpoints: an ARC cluster has five')
        .describe(
          "The ARC cluster's Regional endpoints, kept in the plan so that no control-plane call is needed to find them; each is tried in turn until one answers.",
        ),
      controls: z
        .strictObject({
          upstream: routingControlArn.describe(
            "On while the upstream serves: the health check of each record's upstream answer follows it.",
          ),
          downstream: routingControlArn.describe(
            "On once the downstream serves: its answers' health check follows it.",
          ),
        })
        .refine((c) => c.upstream !== c.downstream, { message: 'expected two different routing controls' })
        .describe('The routing control of each side.'),
    }),
  ])
  .default({ via: 'records' })
  .describe(
    "How the flip is made. `records` (default): a Route 53 change batch, a control-plane call. `routing-controls`: each record is a pair of failover records (the upstream's PRIMARY, the downstream's SECONDARY) whose health checks follow a routing control per side; the stack creates the records and health checks, the ARC cluster and its controls exist beforehand; the flip is a data-plane call to any endpoint of the cluster (docs/deploy.md).",
  );

export type TrafficSwitch = z.infer<typeof trafficSwitchSchema>;
export type RoutingControlSwitch = Extract<TrafficSwitch, { via: 'routing-controls' }>;
