// Where the deployed workers read the plans: plans.json, written at synth beside each worker's
// bundle, so it deploys as part of the function's code. The execution input names a plan by name
// and hash; the worker loads it from there and verifies it (adapters/plan-catalogue-store.ts).
//
// Why in the code rather than a store of the stack's: it adds no resource and no template bytes
// per plan (an SSM parameter or a custom resource per plan would take one of the stack's 500
// resources each; one parameter holds 8 KB at most), no IAM grant, and no service call on the
// recovery path: a failover needs no S3, SSM or DynamoDB read to learn its plan. A plan changes
// only with a deployment, which replaces the code with the catalogue in one step, so a function
// never runs with plans of another deployment. 500 plans of at most 8,000 characters of JSON
// (plan/plan-size.ts) are at most 4 MB, against Lambda's 250 MB of unzipped code.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PLAN_CATALOGUE_FILE, type PlanCatalogue } from '../lambdas/plan/plan-catalogue.js';

/** The catalogue as a file of its own directory, to be copied beside the bundles; its path. */
export const writePlanCatalogue = (catalogue: PlanCatalogue): string => {
  const file = join(mkdtempSync(join(tmpdir(), 'failover-plans-')), PLAN_CATALOGUE_FILE);
  writeFileSync(file, JSON.stringify(catalogue));
  return file;
};
