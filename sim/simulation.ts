// The simulated environment for drills and tests: one Kubernetes API server per site,
// serving the engine model the plan names, shaped by a scenario.
import type { KubeConfig } from '@kubernetes/client-node';
import { kubeConfigForServer } from '../lambdas/adapters/kube/kube-config.js';
import { dnsKey } from '../lambdas/plan/names.js';
import type { Plan, Side } from '../lambdas/plan/schema.js';
import type { DnsAnswersPort } from '../lambdas/ports/dns-answers.js';
import { FaultInjector } from './faults.js';
import { createAuthoritativeAnswers } from '../lambdas/adapters/authoritative-answers.js';
import { startAuthoritativeDns } from './authoritative-dns.js';
import { planDnsZone, zoneKey, type LocalDnsZone } from './local-dns-zone.js';
import { createLocalRoutingControls, type LocalRoutingControls } from './local-routing-controls.js';
import { startKubeApiServer, type KubeApiServer, type SimLogEntry } from './kube-api-server.js';
import { engineModels, type EngineSnapshot, type EngineType } from './models/engine-models.js';
import type { SimModel } from './models/sim-model.js';
import { ResourceStore } from './resource-store.js';
import type { Scenario } from './scenario.js';

export type { SimLogEntry } from './kube-api-server.js';

/** A plain snapshot: the engine model's view of both sites, and every write and exec in order. */
export type SimStateOf<E extends EngineType> = Extract<EngineSnapshot, { engine: E }> & {
  log: SimLogEntry[];
};

/** The state of the default engine's model (rabbitmq-standby), which most drills run. */
export type SimState = SimStateOf<'rabbitmq-standby'>;

export interface Simulation {
  /** A KubeConfig for that site's API server, for the real client (and so for createKubeApi). */
  kubeConfigFor(side: Side): KubeConfig;
  urlOf(side: Side): string;
  /**
   * The model's state. `engine` (default rabbitmq-standby) names the model the caller expects,
   * and is checked: asking a simulation of another engine throws instead of mistyping its state.
   */
  state<E extends EngineType = 'rabbitmq-standby'>(engine?: E): SimStateOf<E>;
  /** The hosted zone of the plan's records, pointing at the upstream at the start. */
  dns: LocalDnsZone;
  /** The ARC cluster of a plan that switches traffic by routing controls, the serving side's On. */
  routingControls?: LocalRoutingControls;
  /** What a resolver gets for a plan record now: the zone's record, or the failover pair's answer. */
  answer(record: Plan['dns']['records'][number]): string[];
  /** The zone's authoritative name servers, asked over DNS (UDP on 127.0.0.1), as in AWS. */
  answers: DnsAnswersPort;
  /** Whether the scenario has this AWS Region unavailable (its `aws.unavailable.regions`). */
  regionUnavailable(region: string): boolean;
  /** The workflow step now running: arms the scenario's faults scoped to it. */
  enterStep(step: string): void;
  /**
   * The engine model and the objects it keeps per site, for a stand-in that serves the model from
   * another API server (conformance/kube/model-behind-control-plane.ts).
   */
  readonly model: SimModel<unknown>;
  readonly stores: Readonly<Record<Side, ResourceStore>>;
  /** Lose (or restore) a site mid-run: unreachable drops open connections and refuses new ones. */
  setReachable(side: Side, reachable: boolean): void;
  stop(): Promise<void>;
}

const SIDES: readonly Side[] = ['upstream', 'downstream'];

export const startSimulation = async (plan: Plan, scenario: Scenario): Promise<Simulation> => {
  const stores: Record<Side, ResourceStore> = {
    upstream: new ResourceStore(),
    downstream: new ResourceStore(),
  };
  const model = engineModels[plan.engine.type].create({
    plan,
    clusters: scenario.clusters,
    latency: scenario.latency,
    stores,
  });
  const faults = new FaultInjector(scenario.faults);
  const log: SimLogEntry[] = [];
  const servers: Partial<Record<Side, KubeApiServer>> = {};
  try {
    for (const side of SIDES) {
      servers[side] = await startKubeApiServer({
        site: side,
        store: stores[side],
        model,
        faults,
        latency: scenario.latency,
        log: (entry) => log.push(entry),
      });
    }
  } catch (err) {
    model.stop();
    await Promise.all(Object.values(servers).map((s) => s.close()));
    throw err;
  }
  const serverOf = (side: Side): KubeApiServer => servers[side] as KubeApiServer;

  const unavailable = scenario.aws.unavailable;
  const dns = planDnsZone(plan, scenario.latency.dnsSyncMs, faults, unavailable.route53ControlPlane);
  const regionUnavailable = (region: string) => unavailable.regions.includes(region);
  const traffic = plan.dns.switch;
  const routingControls =
    traffic.via === 'routing-controls'
      ? createLocalRoutingControls({
          traffic,
          serving: scenario.coordination.activeSide,
          unavailable: regionUnavailable,
          followMs: scenario.latency.dnsSyncMs,
        })
      : undefined;
  const answer = (record: Plan['dns']['records'][number]) =>
    routingControls
      ? [routingControls.answer(record)]
      : (dns.records().get(zoneKey({ hostedZoneId: plan.dns.hostedZoneId, ...record }))?.values ?? []);

  // The zone's name servers over real UDP, answering the plan's records as resolvers get them;
  // the workers ask them as they ask Route 53's, through the adapter (found by asking NS).
  const nameServers = await startAuthoritativeDns({
    zone: zoneApexOf(plan),
    answer: (name, type) => {
      const record = plan.dns.records.find((r) => dnsKey(r.name) === name && r.type === type);
      return record && { values: answer(record), ttl: record.ttl };
    },
  });
  const nameServer = `${nameServers.host}:${nameServers.port}`;

  return {
    dns,
    ...(routingControls ? { routingControls } : {}),
    answer,
    answers: createAuthoritativeAnswers({
      bootstrapServers: [nameServer],
      serverPort: nameServers.port,
      timeoutMs: 300,
    }),
    regionUnavailable,
    enterStep: (step) => {
      faults.currentStep = step;
    },
    // Plain HTTP on loopback: client-node only allows http:// with skipTLSVerify set.
    kubeConfigFor: (side) =>
      kubeConfigForServer({
        name: `sim-${side}`,
        server: serverOf(side).url,
        token: 'simulated',
        skipTLSVerify: true,
      }),
    urlOf: (side) => serverOf(side).url,
    model,
    stores,
    state: <E extends EngineType = 'rabbitmq-standby'>(engine?: E): SimStateOf<E> => {
      const snapshot = model.snapshot();
      const expected = engine ?? 'rabbitmq-standby';
      if (snapshot.engine !== expected)
        throw new Error(
          `this simulation runs the ${snapshot.engine} model, not ${expected}: call state('${snapshot.engine}')`,
        );
      return { ...snapshot, log: log.map((entry) => ({ ...entry })) } as SimStateOf<E>;
    },
    setReachable(side, reachable) {
      model.setReachable(side, reachable);
      if (!reachable) serverOf(side).dropConnections();
    },
    stop: async () => {
      model.stop();
      await Promise.all([...SIDES.map((side) => serverOf(side).close()), nameServers.close()]);
    },
  };
};

/** The zone's apex as the drill serves it: what the plan's record names have in common above them. */
const zoneApexOf = (plan: Plan): string => {
  const parents = plan.dns.records.map((r) => dnsKey(r.name).split('.').slice(1));
  const common: string[] = [];
  for (
    let i = 1;
    parents.every((p) => p.length >= i && p[p.length - i] === parents[0]![parents[0]!.length - i]);
    i++
  )
    common.unshift(parents[0]![parents[0]!.length - i]!);
  return common.join('.');
};
