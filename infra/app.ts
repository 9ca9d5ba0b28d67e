// The CDK app: every plan in the `plansDir` context directory, deployed as one stack, or with the
// `regions` context as one stack in each of those Regions (infra/orchestrator-stacks.ts).
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { PlanError, loadPlan } from '../lambdas/plan/load-plan.js';
import type { Plan } from '../lambdas/plan/schema.js';
import { deploymentRegions, multiRegionKeyProblem, planRegionProblems } from './deployment-regions.js';
import { encryptionKeyArnProblem } from './failover-orchestrator.js';
import { orchestratorStacks } from './orchestrator-stacks.js';

const DEFAULT_PLANS_DIR = 'examples/plans';

const app = new App();
const plansDir = String(app.node.tryGetContext('plansDir') ?? DEFAULT_PLANS_DIR);

const fail = (lines: string[]): never => {
  process.stderr.write(`${lines.join('\n')}\n`);
  process.exit(1);
};

// `--context regions=eu-west-1,eu-central-1`: an orchestrator in each. Without it, one stack,
// environment-agnostic: the Region it deploys to is the one the CLI resolved (CDK_DEFAULT_REGION).
let regions: string[] | undefined;
try {
  regions = deploymentRegions(app.node.tryGetContext('regions'));
} catch (err) {
  fail([`${(err as Error).message}. Nothing was synthesized.`]);
}

// An existing KMS key for the journal, the topic, the dead-letter queue and the logs, in one Region.
const encryptionKeyContext: unknown = app.node.tryGetContext('encryptionKeyArn');
const encryptionKeyArn = encryptionKeyContext === undefined ? undefined : String(encryptionKeyContext);
const keyProblem =
  encryptionKeyArn === undefined
    ? undefined
    : (multiRegionKeyProblem(regions, encryptionKeyArn) ??
      encryptionKeyArnProblem(encryptionKeyArn, process.env.CDK_DEFAULT_REGION));
if (keyProblem)
  fail([
    `${keyProblem}. Nothing was synthesized; pass --context encryptionKeyArn=ARN, or leave it out for the stack's own keys.`,
  ]);

const files = await readdir(plansDir).catch((err: NodeJS.ErrnoException) =>
  fail([
    `${plansDir}: cannot read the plans directory (${err.code ?? String(err)}); set it with --context plansDir=DIR`,
  ]),
);
const planFiles = files
  .filter((file) => /\.ya?ml$/.test(file))
  .sort()
  .map((file) => join(plansDir, file));
if (planFiles.length === 0)
  fail([`${plansDir}: no plan files (*.yaml, *.yml); set the directory with --context plansDir=DIR`]);

// Every plan is read before reporting, so one run lists all the problems of all the plans.
const results = await Promise.allSettled(planFiles.map((file) => loadPlan(file)));
const problems = results.flatMap((result) =>
  result.status === 'fulfilled'
    ? []
    : result.reason instanceof PlanError
      ? result.reason.problems
      : [String(result.reason)],
);
if (problems.length > 0) fail(['Invalid plans; nothing was synthesized:', ...problems]);
const plans = results.flatMap((result): Plan[] => (result.status === 'fulfilled' ? [result.value] : []));

// AWS's own rule pack: `cdk synth` and `cdk deploy` stop on any finding not acknowledged with a reason.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

const regionProblems = planRegionProblems(plans, regions);
if (regionProblems.length > 0)
  fail(["The plans do not fit the deployment's Regions; nothing was synthesized:", ...regionProblems]);

orchestratorStacks(app, {
  plans,
  regions,
  encryptionKeyArn,
  description: 'Failover orchestrator: CloudWatch alarm -> EventBridge -> Step Functions -> worker Lambdas',
});
