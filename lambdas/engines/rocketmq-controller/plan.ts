// The `engine:` block of a plan protecting RocketMQ 5 in controller mode across two sites
// (seed 002): broker groups of a master and a slave split across the sites, a controller that
// switches slave to master, name servers in both sites. One Kubernetes cluster spans the
// sites, so the engine reaches every pod through `clusters.downstream` (as seen from the
// surviving site); `clusters.upstream` may name the same cluster.
import { z } from 'zod';

const k8sName = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'expected a Kubernetes name (lowercase letters, digits, "-" and ".")');
const hostPort = z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, 'expected host:port, e.g. rocketmq-namesrv:9876');

export const rocketmqControllerPlanSchema = z
  .strictObject({
    type: z.literal('rocketmq-controller'),
    namespace: k8sName,
    /** The broker cluster name (`mqadmin -c`), e.g. DefaultCluster. */
    brokerCluster: z.string().min(1),
    /** Name server addresses (`mqadmin -n`); at least one must answer. */
    nameServers: z.array(hostPort).min(1, 'expected at least one name server address'),
    /** Where mqadmin runs: a Ready pod matching the selector (the seed runs it in a name server pod). */
    mqadmin: z
      .strictObject({
        podSelector: z.string().min(1),
        container: z.string().min(1).optional(),
        /** The tool's path in that container. */
        command: z.string().min(1).default('mqadmin'),
      }),
    controller: z.strictObject({
      /** `mqadmin -a`: a Service name survives the pod being rescheduled. */
      address: hostPort,
      /** The controller's pod: deleted when it is stuck on a lost node, restarted when it fails to promote. */
      pod: k8sName,
    }),
    /** The site that takes over (e.g. the seed's az1 when az2 is lost). */
    targetSite: z.string().min(1),
    /** The port brokers register with (pod IP:port in `clusterList`). */
    brokerPort: z.number().int().min(1).max(65535).default(10911),
    brokerGroups: z
      .array(
        z.strictObject({
          /** The broker name (`#Broker Name`, `-bn`), e.g. broker-0. */
          brokerName: z.string().min(1),
          /** The group's broker pods and the site each is pinned to. */
          members: z.array(z.strictObject({ pod: k8sName, site: z.string().min(1) })).min(2, 'expected a master and at least one slave'),
        }),
      )
      .min(1, 'expected at least one broker group'),
    promotion: z
      .strictObject({
        /** How long the controller gets to elect a target-site master by itself before `electMaster`. */
        electionWaitSeconds: z.number().int().positive().default(60),
        /** How long a deleted or restarted controller pod gets to be Ready again. */
        controllerReadySeconds: z.number().int().positive().default(300),
        /** The seed: a controller that fails to promote is restarted once, then asked again. */
        restartControllerOnFailure: z.boolean().default(true),
      })
      .default({ electionWaitSeconds: 60, controllerReadySeconds: 300, restartControllerOnFailure: true }),
  })
  .superRefine((engine, ctx) => {
    engine.brokerGroups.forEach((group, i) => {
      if (!group.members.some((m) => m.site === engine.targetSite)) {
        ctx.addIssue({ code: 'custom', path: ['brokerGroups', i, 'members'], message: `broker group ${group.brokerName} has no member in the target site ${engine.targetSite}: it cannot fail over there` });
      }
      if (!group.members.some((m) => m.site !== engine.targetSite)) {
        ctx.addIssue({ code: 'custom', path: ['brokerGroups', i, 'members'], message: `broker group ${group.brokerName} has members only in ${engine.targetSite}: nothing to fail over from` });
      }
    });
  });

export type RocketmqControllerPlan = z.infer<typeof rocketmqControllerPlanSchema>;
export type BrokerGroup = RocketmqControllerPlan['brokerGroups'][number];

/** The sites other than the target: the one being lost. */
export const lostSites = (engine: RocketmqControllerPlan): string[] =>
  [...new Set(engine.brokerGroups.flatMap((g) => g.members.map((m) => m.site)))].filter((s) => s !== engine.targetSite).sort();
