// The `engine:` block of a plan protecting RocketMQ 5 in controller mode across two sites
// (seed 002): broker groups of a master and a slave split across the sites, a controller that
// switches slave to master, name servers in both sites. One Kubernetes cluster spans the
// sites, so the engine reaches every pod through `clusters.downstream` (as seen from the
// surviving site); `clusters.upstream` may name the same cluster.
import { z } from 'zod';
import { BadInputError } from '../../errors.js';

/** Size bounds (see planBounds in lambdas/plan/schema.ts: the plan travels in every workflow state). */
export const rocketmqControllerBounds = {
  /** A Kubernetes object name (DNS subdomain). */
  nameChars: 253,
  /** A namespace, container or site name (DNS label). */
  labelChars: 63,
  /** A DNS name and a port. */
  hostPortChars: 259,
  /** Broker cluster and broker names, the pod selector and the mqadmin path. */
  textChars: 255,
  nameServers: 10,
  brokerGroups: 32,
  /** A master and its slaves. */
  groupMembers: 4,
} as const;

const bounded = (max: number, what: string) => z.string().max(max, `expected at most ${max} characters (${what})`);
const kubeName = (max: number, what: string) =>
  bounded(max, what).regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'expected a Kubernetes name (lowercase letters, digits, "-" and ".")');
const k8sName = kubeName(rocketmqControllerBounds.nameChars, 'a Kubernetes name');
const label = (what: string) => bounded(rocketmqControllerBounds.labelChars, what).min(1);
const text = (what: string) => bounded(rocketmqControllerBounds.textChars, what).min(1);
const hostPort = bounded(rocketmqControllerBounds.hostPortChars, 'host:port').regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, 'expected host:port, e.g. rocketmq-namesrv:9876');

export const rocketmqControllerPlanSchema = z
  .strictObject({
    type: z.literal('rocketmq-controller'),
    namespace: kubeName(rocketmqControllerBounds.labelChars, 'a namespace'),
    /** The broker cluster name (`mqadmin -c`), e.g. DefaultCluster. */
    brokerCluster: text('a broker cluster name'),
    /** Name server addresses (`mqadmin -n`); at least one must answer. */
    nameServers: z
      .array(hostPort)
      .min(1, 'expected at least one name server address')
      .max(rocketmqControllerBounds.nameServers, `expected at most ${rocketmqControllerBounds.nameServers} name server addresses; mqadmin needs one that answers`),
    /** Where mqadmin runs: a Ready pod matching the selector (the seed runs it in a name server pod). */
    mqadmin: z
      .strictObject({
        podSelector: text('a label selector'),
        container: label('a container name').optional(),
        /** The tool's path in that container. */
        command: text('a path').default('mqadmin'),
      }),
    controller: z.strictObject({
      /** `mqadmin -a`: a Service name survives the pod being rescheduled. */
      address: hostPort,
      /** The controller's pod: deleted when it is stuck on a lost node, restarted when it fails to promote. */
      pod: k8sName,
    }),
    /** The site that takes over (e.g. the seed's az1 when az2 is lost). */
    targetSite: label('a site name'),
    /** The port brokers register with (pod IP:port in `clusterList`). */
    brokerPort: z.number().int().min(1).max(65535).default(10911),
    brokerGroups: z
      .array(
        z.strictObject({
          /** The broker name (`#Broker Name`, `-bn`), e.g. broker-0. */
          brokerName: text('a broker name'),
          /** The group's broker pods and the site each is pinned to. */
          members: z
            .array(z.strictObject({ pod: k8sName, site: label('a site name') }))
            .min(2, 'expected a master and at least one slave')
            .max(rocketmqControllerBounds.groupMembers, `expected at most ${rocketmqControllerBounds.groupMembers} brokers in a group (a master and its slaves)`),
        }),
      )
      .min(1, 'expected at least one broker group')
      .max(rocketmqControllerBounds.brokerGroups, `expected at most ${rocketmqControllerBounds.brokerGroups} broker groups; split the cluster into several plans`),
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
    reprotect: z
      .strictObject({
        /**
         * How long reprotect waits for the standby site's brokers to serve as slaves of the active
         * site's masters and join their SyncStateSets (within the reprotect step's 890 s budget).
         */
        syncTimeoutSeconds: z.number().int().positive().max(840, 'expected at most 840 s: the reprotect step must end within its 890 s budget').default(300),
      })
      .default({ syncTimeoutSeconds: 300 }),
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

/** Every site the plan's brokers are pinned to. */
export const brokerSites = (engine: RocketmqControllerPlan): string[] => [...new Set(engine.brokerGroups.flatMap((g) => g.members.map((m) => m.site)))].sort();

/** The sites other than the target: the one being lost. */
export const lostSites = (engine: RocketmqControllerPlan): string[] => brokerSites(engine).filter((s) => s !== engine.targetSite);

/**
 * The block a leg in the other direction sees: the other site takes over. One controller, one set
 * of name servers and the same broker groups serve both directions, so nothing else changes. Only a
 * plan whose brokers name exactly two sites has an "other" site.
 */
export const reverseRocketmqPlan = (engine: RocketmqControllerPlan): RocketmqControllerPlan => {
  const sites = brokerSites(engine);
  const others = sites.filter((s) => s !== engine.targetSite);
  if (sites.length !== 2 || others.length !== 1) {
    throw new BadInputError(
      `engine.brokerGroups: a round trip (reprotect, switchover back) needs brokers in exactly two sites, so that the one that does not serve can become the standby of the one that does; this plan names ${sites.length} (${sites.join(', ')}). Fail back by hand, or split the plan per pair of sites`,
    );
  }
  return { ...engine, targetSite: others[0]! };
};
