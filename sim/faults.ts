// Hands out the scenario's faults: each matches a kind of call and fails `times` of them,
// after which the call behaves normally.
import type { Side } from '../lambdas/plan/schema.js';
import type { ApiFault, DnsFault, ExecFault, Fault } from './scenario.js';

export type ApiVerb = 'GET' | 'LIST' | 'POST' | 'PATCH' | 'DELETE';

export class FaultInjector {
  private readonly remaining: Map<Fault, number>;
  /** The workflow step now running, as the drill reports it; faults with a `step` wait for theirs. */
  currentStep: string | undefined;

  constructor(faults: readonly Fault[]) {
    this.remaining = new Map(faults.map((fault) => [fault, fault.times]));
  }

  takeApi(site: Side, verb: ApiVerb, plural: string, name: string | undefined): ApiFault | undefined {
    return this.take(
      (f): f is ApiFault =>
        f.target === 'api' &&
        f.site === site &&
        (f.method === undefined || f.method === verb) &&
        (f.resource === undefined || f.resource === plural) &&
        (f.name === undefined || f.name === name),
    );
  }

  takeExec(site: Side, pod: string, argv: readonly string[]): ExecFault | undefined {
    return this.take((f): f is ExecFault => f.target === 'exec' && f.site === site && argv.includes(f.command) && (f.pod === undefined || f.pod === pod));
  }

  takeDns(operation: DnsFault['operation']): DnsFault | undefined {
    return this.take((f): f is DnsFault => f.target === 'dns' && f.operation === operation);
  }

  private take<F extends Fault>(matches: (fault: Fault) => fault is F): F | undefined {
    for (const [fault, left] of this.remaining) {
      if (left > 0 && (fault.step === undefined || fault.step === this.currentStep) && matches(fault)) {
        this.remaining.set(fault, left - 1);
        return fault;
      }
    }
    return undefined;
  }
}
