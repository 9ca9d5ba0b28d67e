// The `engine:` block of a plan protecting RocketMQ 5 in controller mode across two sites
// (seed 002): broker groups of a master and a slave split across the sites, a controller that
// switches slave to master, name servers in both sites. One Kubernetes cluster spans the
// sites, so the engine reaches every pod through `clusters.downstream` (as seen from the
// surviving site); `clusters.upstream` may name the same cluster.
import * as z from 'zod';
import { BadInputError } from '../../errors.js';
import { excerpt } from '../../plan/excerpt.js';
import {
  argumentText,
  dnsKey,
  isHostPort,
  kubernetesLabel,
  kubernetesName,
  nameBounds,
  rocketmqName,
} from '../../plan/names.js';
import { workflowWaitSeconds } from '../../plan/step-waits.js';

/** Size bounds (see planBounds in lambdas/plan/schema.ts: the plan travels in every workflow state). */
export const rocketmqControllerBounds = {
  nameChars: nameBounds.kubernetesNameChars,
  /** A namespace, container or site name (DNS label). */
  labelChars: nameBounds.kubernetesLabelChars,
  /** A DNS name and a port. */
  hostPortChars: 259,
  /** Broker cluster and broker names, the pod selector and the mqadmin path. */
  textChars: 255,
  nameServers: 10,
  brokerGroups: 32,
  /** A master and its slaves. */
  groupMembers: 4,
} as const;

const k8sName = kubernetesName('a Kubernetes name');
/** mqadmin takes cluster and broker names as arguments (`-c`, `-bn`). */
const name = (what: string) => rocketmqName(rocketmqControllerBounds.textChars, what);
const hostPort = z
  .string()
  .max(
    rocketmqControllerBounds.hostPortChars,
    `expected at most ${rocketmqControllerBounds.hostPortChars} characters (host:port)`,
  )
  .refine(isHostPort, 'expected host:port (a port of 1-65535), e.g. rocketmq-namesrv:9876');
/** A node label value (the site a broker is pinned to): letters, digits, "-", "_", "." inside. */
const site = z
  .string()
  .max(
    rocketmqControllerBounds.labelChars,
    `expected at most ${rocketmqControllerBounds.labelChars} characters (a site name)`,
  )
  .regex(
    /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/,
    'expected a site name as a Kubernetes label value: letters, digits, "-", "_" and ".", starting and ending with a letter or digit',
  );
/** Equality-based requirements (`app=rocketmq-namesrv,tier!=canary`), as the Kubernetes API takes a label selector. */
const podSelector = z
  .string()
  .max(
    rocketmqControllerBounds.textChars,
    `expected at most ${rocketmqControllerBounds.textChars} characters (a label selector)`,
  )
  .regex(
    /^[A-Za-z0-9][-A-Za-z0-9_./]*(==?|!=)[-A-Za-z0-9_.]*(,[A-Za-z0-9][-A-Za-z0-9_./]*(==?|!=)[-A-Za-z0-9_.]*)*$/,
    'expected a label selector such as app=rocketmq-namesrv (key=value requirements separated by commas)',
  );
/** What runs mqadmin in the container: a path, the first argument of the exec. */
const toolPath = argumentText(rocketmqControllerBounds.textChars, 'a path').regex(
  /^[A-Za-z0-9_./+-]+$/,
  'expected a path: letters, digits and "_", ".", "/", "+", "-"',
);

export const rocketmqControllerPlanSchema = z
  .strictObject({
    type: z.literal('rocketmq-controller').describe('RocketMQ 5 in controller mode across two sites.'),
    namespace: kubernetesLabel('a namespace').describe('Where the RocketMQ pods are.'),
    brokerCluster: name('a broker cluster name').describe(
      'The broker cluster name (`mqadmin -c`), e.g. `DefaultCluster`.',
    ),
    nameServers: z
      .array(hostPort)
      .min(1, 'expected at least one name server address')
      .max(
        rocketmqControllerBounds.nameServers,
        `expected at most ${rocketmqControllerBounds.nameServers} name server addresses; mqadmin needs one that answers`,
      )
      .superRefine((servers, ctx) => {
        servers.forEach((server, i) => {
          if (servers.findIndex((s) => dnsKey(s) === dnsKey(server)) < i)
            ctx.addIssue({
              code: 'custom',
              path: [i],
              message: `name server ${excerpt(server)} is listed twice (compared ignoring case)`,
            });
        });
      })
      .describe(
        'Name server addresses (`mqadmin -n`), `host:port`, each listed once; at least one must answer.',
      ),
    mqadmin: z
      .strictObject({
        podSelector: podSelector.describe(
          "A label selector (`key=value` requirements separated by commas): mqadmin runs in a Ready pod matching it, e.g. a name server's.",
        ),
        container: kubernetesLabel('a container name')
          .optional()
          .describe("The container to run it in; default: the pod's default container."),
        command: toolPath.default('mqadmin').describe("The tool's path in that container."),
      })
      .describe('Where mqadmin runs.'),
    controller: z
      .strictObject({
        address: hostPort.describe(
          '`mqadmin -a`: `host:port` of a Service, which survives the pod being rescheduled.',
        ),
        pod: k8sName.describe(
          "The controller's pod: deleted when it is stuck on a lost node, restarted when it fails to promote.",
        ),
      })
      .describe('The DLedger controller that switches slaves to masters.'),
    targetSite: site.describe("The site that takes over (e.g. the seed's `az1` when `az2` is lost)."),
    brokerPort: z
      .number()
      .int()
      .min(1)
      .max(65535)
      .default(10911)
      .describe('The port brokers register with: `<pod IP>:<brokerPort>` in `clusterList`.'),
    brokerGroups: z
      .array(
        z.strictObject({
          brokerName: name('a broker name').describe(
            'The broker name (`#Broker Name`, `-bn`), e.g. `broker-0`; each listed once.',
          ),
          members: z
            .array(
              z.strictObject({
                pod: k8sName.describe('A broker pod; each pod is listed once, and is not the controller.'),
                site: site.describe('The site it is pinned to (a node label value).'),
              }),
            )
            .min(2, 'expected a master and at least one slave')
            .max(
              rocketmqControllerBounds.groupMembers,
              `expected at most ${rocketmqControllerBounds.groupMembers} brokers in a group (a master and its slaves)`,
            )
            .describe(
              "The group's broker pods, a master and its slaves: at least one in the target site and one elsewhere.",
            ),
        }),
      )
      .min(1, 'expected at least one broker group')
      .max(
        rocketmqControllerBounds.brokerGroups,
        `expected at most ${rocketmqControllerBounds.brokerGroups} broker groups; split the cluster into several plans`,
      )
      .describe('The broker groups, each a master and its slaves split across the sites.'),
    promotion: z
      .strictObject({
        electionWaitSeconds: workflowWaitSeconds()
          .default(30)
          .describe(
            'How long the controller gets to elect a target-site master by itself before `electMaster` (the workflow waits between looks).',
          ),
        controllerReadySeconds: workflowWaitSeconds()
          .default(90)
          .describe(
            'How long a deleted or restarted controller pod gets to be Ready again (the workflow waits between looks).',
          ),
        restartControllerOnFailure: z
          .boolean()
          .default(true)
          .describe(
            'As in the seed: a controller that fails to promote (no answer, no leader, an election that does not commit) is restarted once, then asked again; one that refuses the broker (CODE 2012: not alive or not in the SyncStateSet in its view) is not.',
          ),
      })
      .default({ electionWaitSeconds: 30, controllerReadySeconds: 90, restartControllerOnFailure: true })
      .describe(
        "The promote step's waits, each bounded by itself and carried by the workflow: no Lambda waits for the controller.",
      ),
    reprotect: z
      .strictObject({
        syncTimeoutSeconds: workflowWaitSeconds()
          .default(300)
          .describe(
            "How long reprotect waits for the standby site's brokers to serve as slaves of the active site's masters and join their SyncStateSets (the workflow waits between looks).",
          ),
      })
      .default({ syncTimeoutSeconds: 300 })
      .describe('Making the lost site the standby again, after a failover.'),
  })
  .superRefine((engine, ctx) => {
    const target = excerpt(engine.targetSite);
    // A target site that is no site name is reported once, not again by every group.
    const sitesComparable = site.safeParse(engine.targetSite).success;
    const names = new Set<string>();
    const pods = new Set<string>([engine.controller.pod]);
    engine.brokerGroups.forEach((group, i) => {
      const brokerName = excerpt(group.brokerName);
      if (sitesComparable && !group.members.some((m) => m.site === engine.targetSite)) {
        ctx.addIssue({
          code: 'custom',
          path: ['brokerGroups', i, 'members'],
          message: `broker group ${brokerName} has no member in the target site ${target}: it cannot fail over there`,
        });
      }
      if (sitesComparable && !group.members.some((m) => m.site !== engine.targetSite)) {
        ctx.addIssue({
          code: 'custom',
          path: ['brokerGroups', i, 'members'],
          message: `broker group ${brokerName} has members only in ${target}: nothing to fail over from`,
        });
      }
      if (names.has(group.brokerName))
        ctx.addIssue({
          code: 'custom',
          path: ['brokerGroups', i, 'brokerName'],
          message: `broker group ${brokerName} is listed twice`,
        });
      names.add(group.brokerName);
      // One pod is one broker: listed twice (or as the controller), a promotion would count it for two.
      group.members.forEach((member, m) => {
        if (pods.has(member.pod))
          ctx.addIssue({
            code: 'custom',
            path: ['brokerGroups', i, 'members', m, 'pod'],
            message: `pod ${excerpt(member.pod)} is listed twice (as a broker or as the controller)`,
          });
        pods.add(member.pod);
      });
    });
  })
  .describe(
    'The controller switches each broker group\'s slave in the target site to master (see "Engine `rocketmq-controller`").',
  );

export type RocketmqControllerPlan = z.infer<typeof rocketmqControllerPlanSchema>;
export type BrokerGroup = RocketmqControllerPlan['brokerGroups'][number];

/** Every site the plan's brokers are pinned to. */
export const brokerSites = (engine: RocketmqControllerPlan): string[] =>
  [...new Set(engine.brokerGroups.flatMap((g) => g.members.map((m) => m.site)))].sort();

/** The sites other than the target: the one being lost. */
export const lostSites = (engine: RocketmqControllerPlan): string[] =>
  brokerSites(engine).filter((s) => s !== engine.targetSite);

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
