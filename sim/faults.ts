// Hands out the scenario's faults: each matches a kind of call and fails `times` of them,
// after which the call behaves normally.
import type { Side } from '../lambdas/plan/schema.js';
import type { ApiFault, DnsFault, ExecFault, Fault } from './scenario.js';

export type ApiVerb = 'GET' | 'LIST' | 'POST' | 'PATCH' | 'DELETE';

/** How many calls each fault has failed, whichever injector handed it out: a run reads whether its faults fired. */
const takenCount = new WeakMap<Fault, number>();

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
    return this.take(
      (f): f is ExecFault =>
        f.target === 'exec' &&
        f.site === site &&
        argv.includes(f.command) &&
        (f.pod === undefined || f.pod === pod),
    );
  }

  /** `applies` leaves faults a call cannot show (an access check makes no change to keep PENDING) for later calls. */
  takeDns(
    operation: DnsFault['operation'],
    applies: (fault: DnsFault) => boolean = () => true,
  ): DnsFault | undefined {
    return this.take((f): f is DnsFault => f.target === 'dns' && f.operation === operation && applies(f));
  }

  /** How many calls `fault` (an object of a scenario's `faults`) has failed so far; 0: it never fired. */
  static timesTaken(fault: Fault): number {
    return takenCount.get(fault) ?? 0;
  }

  private take<F extends Fault>(matches: (fault: Fault) => fault is F): F | undefined {
    for (const [fault, left] of this.remaining) {
      if (left > 0 && (fault.step === undefined || fault.step === this.currentStep) && matches(fault)) {
        this.remaining.set(fault, left - 1);
        takenCount.set(fault, (takenCount.get(fault) ?? 0) + 1);
        return fault;
      }
    }
    return undefined;
  }
}
