// What steps are given. Each worker function gets only the ports it talks to.
import type { Plan, Side } from '../plan/schema.js';
import type { AlarmPort } from '../ports/alarms.js';
import type { ApprovalPort } from '../approvals/port.js';
import type { ClockPort } from '../ports/clock.js';
import type { CoordinationPort, ExecutionsPort } from '../ports/coordination.js';
import type { DnsPort } from '../ports/dns.js';
import type { DnsAnswersPort } from '../ports/dns-answers.js';
import type { JournalPort } from '../ports/journal.js';
import type { KubePort } from '../ports/kube.js';
import type { MetricsPort } from '../ports/metrics.js';
import type { NotifierPort } from '../ports/notifier.js';
import type { RoutingControlPort } from '../ports/routing-controls.js';
import type { RoutingControlSwitch } from '../plan/traffic-switch.js';

export type ProgressEvent =
  | { kind: 'step-started'; step: string; attempt: number }
  | { kind: 'step-progress'; step: string; message: string }
  | {
      kind: 'step-finished';
      step: string;
      attempt: number;
      outcome: 'succeeded' | 'failed' | 'waiting';
      summary: string;
      detail: unknown;
      durationMs: number;
    };

export interface CommonDeps {
  journal: JournalPort;
  clock: ClockPort;
  /** Where step progress goes: the drill prints it, Lambdas log it. */
  progress: (event: ProgressEvent) => void;
  /** Per-step time budgets in ms instead of step-budgets.ts's (drills and the fault matrix shorten them). */
  budgets?: Partial<Record<string, number>>;
}

export interface KubeDeps extends CommonDeps {
  kubeFor(plan: Plan, side: Side): Promise<KubePort>;
  /** Renews the plan's lock before each step under it (steps/lease.ts); absent where no lock is held (checks). */
  coordination?: Pick<CoordinationPort, 'renewLock'>;
  /** Where the scheduled readiness evaluation publishes (CloudWatch in AWS); drills print instead. */
  metrics?: MetricsPort;
}

export interface AwsDeps extends CommonDeps {
  coordination: CoordinationPort;
  executions: ExecutionsPort;
  dns: DnsPort;
  /** The ARC cluster of a plan whose `dns.switch` is `routing-controls`; absent where none is reachable. */
  routingControlsFor?: (traffic: RoutingControlSwitch) => RoutingControlPort;
  /** What the zone's authoritative name servers answer: how a routing-control flip is verified. */
  answers?: DnsAnswersPort;
  /** The AWS Region this orchestrator runs in: a plan with `regions` acts only from its leg's (plan/regions.ts). */
  region?: string;
  alarms: AlarmPort;
  notifier: NotifierPort;
  approvals: ApprovalPort;
}

/** What the workflow passes to every step. */
export interface Execution {
  id: string;
  startedAt: string;
}
