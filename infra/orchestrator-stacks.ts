// The stacks of a deployment (infra/app.ts): one orchestrator stack in the Region the CDK CLI
// deploys to, or one per Region of `regions`, each with every plan. The first Region's stack
// creates the global journal table and the Route 53 records; the others use its replica of the
// table, so they deploy after it.
import type { Stage } from 'aws-cdk-lib';
import type { Plan } from '../lambdas/plan/schema.js';
import { FailoverOrchestratorStack } from './failover-stack.js';

/** The one stack of a single-Region deployment, as it has always been named. */
export const SINGLE_REGION_STACK_ID = 'FailoverOrchestratorStack';
/** A stack of a deployment in several Regions: its name says where it runs. */
export const regionStackId = (region: string) => `FailoverOrchestrator-${region}`;
/** The global journal table, the same name in every Region. */
export const GLOBAL_JOURNAL_TABLE_NAME = 'FailoverOrchestrator-Journal';

export interface OrchestratorStacksProps {
  readonly plans: Plan[];
  /** Validated (deployment-regions.ts, deploymentRegions); undefined for one orchestrator. */
  readonly regions?: readonly string[];
  readonly encryptionKeyArn?: string;
  readonly description?: string;
}

/**
 * The orchestrator stacks, the home Region's first. The orchestrators refuse plans that do not
 * fit the Regions (deployment-regions.ts), and a key with several Regions.
 */
export const orchestratorStacks = (
  scope: Stage,
  props: OrchestratorStacksProps,
): FailoverOrchestratorStack[] => {
  const { plans, regions, encryptionKeyArn, description } = props;
  if (!regions)
    return [
      new FailoverOrchestratorStack(scope, SINGLE_REGION_STACK_ID, { plans, encryptionKeyArn, description }),
    ];
  const [home, ...others] = regions.map(
    (region) =>
      new FailoverOrchestratorStack(scope, regionStackId(region), {
        // The account stays the one of the CLI's credentials, as in one Region.
        env: { region },
        plans,
        encryptionKeyArn,
        multiRegion: { regions, journalTableName: GLOBAL_JOURNAL_TABLE_NAME },
        description: description && `${description} (${region})`,
      }),
  );
  for (const stack of others)
    stack.addStackDependency(home!, "its Region's replica of the journal table is created with the table");
  return [home!, ...others];
};
