// `failover check PLAN`: the scheduled readiness evaluation, run from a laptop against kubeconfig
// contexts. Reads only; prints every check with its evidence. Exit 0 ready, 3 not ready, 2 bad input.
import { stringify } from 'yaml';
import { engineFor } from '../lambdas/engines/registry.js';
import { loadPlan } from '../lambdas/plan/load-plan.js';
import type { Plan, Side } from '../lambdas/plan/schema.js';
import type { KubePort } from '../lambdas/ports/kube.js';
import { describeEvaluation, evaluateReadiness, readOnlyContext } from '../lambdas/steps/evaluate.js';
import { exitCodes, jsonOutput, reportBadInput, terminalIo, type Io } from './io.js';
import { contextsOf, kubePortsFor, type Contexts } from './kube-contexts.js';

export interface CheckOptions {
  planFile: string;
  /** The downstream's context; default the plan's `clusters.downstream.context`. */
  context?: string;
  /** The upstream's context; default the plan's `clusters.upstream.context`. */
  upstreamContext?: string;
  /** Default: $KUBECONFIG or ~/.kube/config. */
  kubeconfig?: string;
  /** Write the plan's name and the evaluation (ready, checks) to stdout as JSON; the rest goes to stderr. */
  json?: boolean;
}

export const check = async (options: CheckOptions, stdout: Io): Promise<number> => {
  const json = options.json ? jsonOutput(stdout) : undefined;
  const io = json?.progress ?? stdout;
  let plan: Plan;
  let kubes: Record<Side, KubePort>;
  let contexts: Contexts;
  try {
    plan = await loadPlan(options.planFile);
    contexts = contextsOf(plan, options, options.planFile);
    kubes = kubePortsFor(plan, contexts, options.kubeconfig);
  } catch (err) {
    return reportBadInput(err, io);
  }

  const sides = engineFor(plan).sides(plan);
  io.out(`Readiness check: plan ${plan.name} (${options.planFile}); reads only, changes nothing`);
  io.out(`  downstream ${sides.downstream} via kubeconfig context ${contexts.downstream}`);
  io.out(
    `  upstream   ${sides.upstream} ${contexts.upstream === undefined ? 'not reachable: no context (lag is measured against now)' : `via kubeconfig context ${contexts.upstream}`}`,
  );
  io.out('');

  // Progress, summaries and evidence are the clusters' text: printed escaped, line by line.
  const tty = terminalIo(io);
  const ctx = readOnlyContext(plan, kubes, (message) => tty.out(`    ... ${message}`));
  const evaluation = await evaluateReadiness(ctx);
  json?.write({ plan: plan.name, ...evaluation });
  for (const c of json ? [] : evaluation.checks) {
    tty.out(`  ${c.passed ? 'pass' : 'FAIL'}  ${c.name.padEnd(20)} ${c.summary}`);
    if (Object.keys(c.evidence).length > 0)
      indent(stringify(c.evidence), 8)
        .split('\n')
        .forEach((line) => tty.out(line));
  }
  io.out('');
  io.out(describeEvaluation(evaluation));
  return evaluation.ready ? 0 : exitCodes.haltedSafely;
};

const indent = (text: string, spaces: number) =>
  text
    .trimEnd()
    .split('\n')
    .map((line) => `${' '.repeat(spaces)}${line}`)
    .join('\n');
