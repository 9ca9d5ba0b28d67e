// Where a deployment runs: one orchestrator in the Region the CDK CLI deploys to, or, with
// `--context regions=eu-west-1,eu-central-1`, one in each of several Regions
// (infra/orchestrator-stacks.ts), every one with every plan. What the Regions, the plans and the
// key must agree on is checked here, before anything is built: infra/app.ts prints the problems,
// and the construct refuses the same ones.
import { RegionInfo } from 'aws-cdk-lib/region-info';
import type { Plan } from '../lambdas/plan/schema.js';

/** An orchestrator in each of several Regions, sharing one journal. */
export interface MultiRegionProps {
  /**
   * Every Region with an orchestrator of the deployment, the stack's among them. The first holds
   * what the deployment has once: the journal table (global, replicated to the others) and the
   * plans' Route 53 failover records.
   */
  readonly regions: readonly string[];
  /** The journal's table name, the same in every Region: the other Regions find their replica by it. */
  readonly journalTableName: string;
}

/** The Region whose orchestrator holds the global table and the Route 53 records. */
export const homeRegion = (regions: readonly string[]): string => regions[0]!;

const KNOWN_REGIONS = new Map(RegionInfo.regions.map((region) => [region.name, region.partition]));

const USAGE =
  "pass two or more Regions, comma-separated, e.g. --context regions=eu-west-1,eu-central-1, or leave `regions` out for one orchestrator in the CLI's Region";

/**
 * The Regions of the `regions` context (a comma-separated text, or a list in cdk.json), in order;
 * undefined without it. Throws with what is wrong and what to do.
 */
export const deploymentRegions = (context: unknown): string[] | undefined => {
  if (context === undefined) return undefined;
  const regions = (Array.isArray(context) ? context.map(String) : String(context).split(',')).map((r) =>
    r.trim(),
  );
  const problems: string[] = [];
  if (regions.some((region) => region === '')) problems.push('an empty Region');
  for (const region of regions.filter((r) => r !== '' && !KNOWN_REGIONS.has(r)))
    problems.push(`${JSON.stringify(region)} is not an AWS Region (as aws-cdk-lib's RegionInfo lists them)`);
  for (const region of new Set(regions.filter((r, i) => r !== '' && regions.indexOf(r) !== i)))
    problems.push(`${region} is listed twice`);
  const known = [...new Set(regions.filter((r) => KNOWN_REGIONS.has(r)))];
  if (problems.length === 0 && known.length < 2)
    problems.push(
      `one Region only; for one orchestrator leave \`regions\` out and deploy with AWS_REGION=${known[0]}`,
    );
  const partitions = new Set(known.map((r) => KNOWN_REGIONS.get(r)));
  if (partitions.size > 1)
    problems.push(
      `${known.map((r) => `${r} (${KNOWN_REGIONS.get(r)})`).join(', ')} are in different partitions: a global table and EventBridge reach Regions of one partition only`,
    );
  if (problems.length > 0)
    throw new Error(`--context regions=${regions.join(',')}: ${problems.join('; ')}; ${USAGE}`);
  return regions;
};

/**
 * What stops the plans from working in the deployment's Regions (undefined: one orchestrator). In
 * several Regions every plan names its two sides' Regions, both deployed: a plan without would be
 * triggered, and act, in every Region at once. In one Region no plan names `regions`: its legs act
 * only from their side's Region, which needs an orchestrator in each.
 */
export const planRegionProblems = (
  plans: readonly Plan[],
  regions: readonly string[] | undefined,
): string[] => {
  if (!regions)
    return plans.flatMap((plan) =>
      plan.regions
        ? [
            `plan ${plan.name}: names regions (${plan.regions.upstream}, ${plan.regions.downstream}), and each of its legs acts only from its side's Region: deploy an orchestrator in each (--context regions=${plan.regions.upstream},${plan.regions.downstream})`,
          ]
        : [],
    );
  const deployed = regions.join(', ');
  return plans.flatMap((plan) => {
    const planRegions = plan.regions;
    if (!planRegions)
      return [
        `plan ${plan.name}: names no \`regions\`, so in a deployment of several Regions (${deployed}) it would be triggered, and act, in each of them at once; name its sides' Regions (regions: {upstream, downstream}), or deploy it in one Region apart`,
      ];
    const missing = (['upstream', 'downstream'] as const).filter(
      (side) => !regions.includes(planRegions[side]),
    );
    const fixed = [...regions, ...missing.map((side) => planRegions[side])].join(',');
    return missing.map(
      (side) =>
        `plan ${plan.name}: regions.${side} is ${planRegions[side]}, which has no orchestrator (deployed: ${deployed}); add it to the deployment's Regions (--context regions=${fixed})`,
    );
  });
};

/** Why a KMS key given by ARN cannot serve several Regions, or undefined. */
export const multiRegionKeyProblem = (
  regions: readonly string[] | undefined,
  encryptionKeyArn: string | undefined,
): string | undefined =>
  regions && encryptionKeyArn !== undefined
    ? `encryptionKeyArn: a key serves one Region, and the journal's global table needs one in each of ${regions.join(', ')}; leave the key out in a deployment of several Regions`
    : undefined;
