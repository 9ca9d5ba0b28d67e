// The ONE workflow definition as CDK deploys it: the same ASL file the local runner executes,
// with its `${Name}` placeholders filled by Step Functions' definition substitutions.
import { packageFile } from '../lambdas/package-files.js';

export const workflowDefinitionFile = packageFile('statemachines/failover.asl.json');

const PLACEHOLDER = /\$\{([^}]*)\}/g;

/**
 * Throws unless the definition's placeholders are exactly the substitutions the stack offers.
 * Nothing else catches a placeholder without a substitution before CloudFormation or Step Functions
 * does, much later; a substitution nothing uses means the ASL and the construct no longer agree.
 */
export function checkDefinitionPlaceholders(
  definition: string,
  file: string,
  offered: readonly string[],
): void {
  const placeholders = new Set([...definition.matchAll(PLACEHOLDER)].map((match) => match[1] ?? ''));
  const missing = [...placeholders].filter((name) => !offered.includes(name));
  const unused = offered.filter((name) => !placeholders.has(name));
  const problems = [
    ...missing.map((name) => `\${${name}} has no substitution`),
    ...unused.map((name) => `the substitution ${name} is not used by any \${${name}} placeholder`),
  ];
  if (problems.length > 0) {
    throw new Error(
      `${file}: the workflow definition and the stack disagree: ${problems.join('; ')}. ` +
        `The stack substitutes ${offered.map((name) => `\${${name}}`).join(', ')}: use only these in the ASL, or add the substitution in infra/failover-orchestrator.ts.`,
    );
  }
}
