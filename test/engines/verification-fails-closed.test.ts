// A verification that cannot read its answer has verified nothing. Each read the fences, the
// lifting of a fence and reprotect rely on is given output that is not an answer (a banner with
// nothing after it, an error printed with exit status 0, a garbled row): the step throws
// UnexpectedOutputError, quoting what was printed, instead of counting it as "no connections",
// "no limits" or "not registered". A genuinely empty answer still reads as empty.
import { UnexpectedOutputError } from '../../lambdas/engines/command-output.js';
import type { StepContext } from '../../lambdas/engines/engine.js';
import {
  parseConnectionPids,
  parseConnections,
  parseVhostLimits,
} from '../../lambdas/engines/rabbitmq/fence.js';
import { liftRabbitFence } from '../../lambdas/engines/rabbitmq/lift-fence.js';
import { rabbitmqShovelEngine } from '../../lambdas/engines/rabbitmq-shovel/index.js';
import { clusterAccess } from '../../lambdas/engines/rabbitmq-shovel/resources.js';
import type { RabbitmqShovelPlan } from '../../lambdas/engines/rabbitmq-shovel/plan.js';
import { rabbitmqStandbyEngine } from '../../lambdas/engines/rabbitmq-standby/index.js';
import { parseClusterList } from '../../lambdas/engines/rocketmq-controller/commands.js';
import { rocketmqControllerEngine } from '../../lambdas/engines/rocketmq-controller/index.js';
import { alarmLeg } from '../../lambdas/plan/leg.js';
import { loadPlan } from '../../lambdas/plan/load-plan.js';
import type { Plan, Side } from '../../lambdas/plan/schema.js';
import type { KubePort } from '../../lambdas/ports/kube.js';
import { orientPlan } from '../../lambdas/steps/leg.js';
import { parseScenario } from '../../sim/scenario.js';
import { startSimulation, type Simulation } from '../../sim/simulation.js';
import { engineContext } from './engine-context.js';

/** The context with every exec of a command whose argv holds `word` answered by `stdout` and exit status 0. */
const printing = (ctx: StepContext, word: string, stdout: string): StepContext => ({
  ...ctx,
  kube: (side: Side): KubePort => {
    const kube = ctx.kube(side);
    return {
      ...kube,
      exec: async (ns, pod, command, options) =>
        command.includes(word) ? { exitCode: 0, stdout, stderr: '' } : kube.exec(ns, pod, command, options),
    };
  },
});

let simulation: Simulation | undefined;
afterEach(async () => {
  await simulation?.stop();
  simulation = undefined;
});

const simulate = async (
  planFile: string,
  scenario: Record<string, unknown> = {},
): Promise<{ plan: Plan; ctx: StepContext; sim: Simulation }> => {
  const plan = await loadPlan(planFile);
  simulation = await startSimulation(
    plan,
    parseScenario(
      { latency: { apiMs: 0, execMs: 0, restartSecondsPerPod: 0.02 }, ...scenario },
      'verification test',
      plan,
    ),
  );
  return { plan, ctx: engineContext(plan, simulation), sim: simulation };
};

describe('what a genuinely empty answer looks like, and what is no answer', () => {
  it('vhost limits: the banner alone is no limits; nothing at all, an error or a cut JSON object is no answer', () => {
    expect(parseVhostLimits('v', 'Listing limits for vhost "v" ...\n\n')).toEqual({});
    expect(
      parseVhostLimits('v', 'Listing limits for vhost "v" ...\n{"max-connections":0,"max-queues":10}\n'),
    ).toEqual({ 'max-connections': 0, 'max-queues': 10 });
    for (const garbled of [
      '',
      'Error: {:badrpc, :timeout}\n',
      'Listing limits for vhost "v" ...\n{"max-connections":\n',
      'Listing limits for vhost "v" ...\n{"max-connections":"none"}\n',
    ]) {
      expect(() => parseVhostLimits('v', garbled)).toThrow(UnexpectedOutputError);
    }
  });

  it('connections (JSON): `[` and `]` is none; a banner alone, nothing, or rows without a vhost are no answer', () => {
    expect(parseConnections('[\n\n]\n')).toEqual([]);
    expect(parseConnections('[]')).toEqual([]);
    expect(
      parseConnections('[\n{"vhost":"v","name":"10.0.1.17:40000 -> 10.0.0.10:5672","user":"app"}\n]\n'),
    ).toEqual([{ vhost: 'v', name: '10.0.1.17:40000 -> 10.0.0.10:5672', user: 'app' }]);
    for (const garbled of [
      '',
      'Listing connections ...\n',
      '[\n{"vhost":"v","name":"c1"},\n',
      '[{"name":"c1"}]',
      '[1]',
    ]) {
      expect(() => parseConnections(garbled)).toThrow(UnexpectedOutputError);
    }
  });

  it('connections (table, -q): the header alone is none; nothing, no header, or a row missing a cell is no answer', () => {
    expect(parseConnectionPids('pid\tvhost\tuser\n')).toEqual([]);
    expect(parseConnectionPids('pid\tvhost\tuser\n<rabbit@p.1.2.0>\tv\tapp\n')).toEqual([
      { pid: '<rabbit@p.1.2.0>', vhost: 'v', user: 'app' },
    ]);
    for (const garbled of [
      '',
      'Error: unable to perform an operation on node\n',
      'pid\tvhost\tuser\n<rabbit@p.1.2.0>\tv\n',
    ]) {
      expect(() => parseConnectionPids(garbled)).toThrow(UnexpectedOutputError);
    }
  });

  it('clusterList: a row that is not one makes the listing no answer, rather than a broker not registered', () => {
    const header = '#Cluster Name     #Broker Name    #BID  #Addr              #Version';
    expect(parseClusterList(`${header}\n`)).toEqual([]);
    expect(
      parseClusterList(
        `${header}\nDefaultCluster    broker-0        0     10.1.1.12:10911    V5_1_4\nDefaultCluster    broker-0   <truncated>\n`,
      ),
    ).toBeUndefined();
  });

  it('quotes what was printed, cut to 300 characters, in the message', () => {
    const long = `garbage ${'x'.repeat(400)}`;
    expect(() => parseVhostLimits('a; rm -rf /', long)).toThrow(
      `\`rabbitmqctl list_vhost_limits -p 'a; rm -rf /'\` printed something this orchestrator does not recognise: ${JSON.stringify(long.slice(0, 300))} (the first 300 of 408 characters)`,
    );
  });
});

describe('RabbitMQ fence', () => {
  it('is not verified when list_connections prints a banner and no list', async () => {
    const { ctx } = await simulate('examples/plans/rabbitmq-standby.yaml');
    const fence = rabbitmqStandbyEngine.fence(printing(ctx, 'list_connections', 'Listing connections ...\n'));

    await expect(fence).rejects.toThrow(UnexpectedOutputError);
    await expect(fence).rejects.toThrow(
      /`rabbitmqctl list_connections vhost name user --formatter json` printed something this orchestrator does not recognise: "Listing connections \.\.\.\\n"/,
    );
  });

  it('is not verified when list_vhost_limits prints nothing at all', async () => {
    const { ctx } = await simulate('examples/plans/rabbitmq-standby.yaml');

    await expect(rabbitmqStandbyEngine.fence(printing(ctx, 'list_vhost_limits', ''))).rejects.toThrow(
      /`rabbitmqctl list_vhost_limits -p test-vhost-1` printed something .*: ""$/,
    );
  });

  it('sparing the shovels, does not take an error printed with exit status 0 for "no client connected"', async () => {
    const { ctx } = await simulate('examples/plans/rabbitmq-shovel.yaml');

    await expect(
      rabbitmqShovelEngine.fence(printing(ctx, '-q', 'Error: unable to perform an operation on node\n')),
    ).rejects.toThrow(
      /`rabbitmqctl list_connections pid vhost user -q` printed something .*"Error: unable to perform an operation on node\\n"/,
    );
  });

  it('is verified on the genuine answers (the control for the cases above)', async () => {
    const { ctx } = await simulate('examples/plans/rabbitmq-standby.yaml');

    await expect(rabbitmqStandbyEngine.fence(ctx)).resolves.toMatchObject({ state: 'fenced' });
  });
});

describe('lifting a RabbitMQ fence', () => {
  it('does not take unreadable limits for "not fenced"', async () => {
    const { plan, ctx } = await simulate('examples/plans/rabbitmq-shovel.yaml');
    const engine = plan.engine as RabbitmqShovelPlan;
    expect((await rabbitmqShovelEngine.fence(ctx)).state).toBe('fenced');
    const garbled = printing(
      ctx,
      'list_vhost_limits',
      'Listing limits for vhost "payments" ...\n{"max-connections":0\n',
    );

    await expect(
      liftRabbitFence(garbled, clusterAccess(garbled.kube('upstream'), engine, 'upstream'), ['payments']),
    ).rejects.toThrow(UnexpectedOutputError);
  });
});

describe('reprotect of a RabbitMQ standby', () => {
  it('does not take an unreadable connection list for "already fenced", and changes nothing', async () => {
    const { plan, ctx } = await simulate('examples/plans/rabbitmq-standby.yaml');
    expect((await rabbitmqStandbyEngine.fence(ctx)).state).toBe('fenced');
    await rabbitmqStandbyEngine.promote(ctx);
    await rabbitmqStandbyEngine.teardown(ctx);
    const back = engineContext(
      orientPlan(plan, {
        ...alarmLeg,
        action: 'reprotect',
        trigger: 'operator',
        from: 'downstream',
        to: 'upstream',
      }),
      simulation!,
    );
    const reversed: StepContext = {
      ...back,
      kube: (side) => ctx.kube(side === 'upstream' ? 'downstream' : 'upstream'),
    };

    await expect(
      rabbitmqStandbyEngine.reprotect(printing(reversed, 'list_connections', 'Listing connections ...\n')),
    ).rejects.toThrow(UnexpectedOutputError);
    expect(back.changes).toEqual([]);
  }, 30_000);
});

describe('RocketMQ', () => {
  // az2 is degraded but reachable: its master is live, so the fence has one to make read-only.
  const liveMaster = { clusters: { controller: { site: 'az1' }, electionDelaySeconds: 60 } };

  it('fence: a broker config without its permission is no answer, not "not read-only yet"', async () => {
    const { ctx } = await simulate('examples/plans/rocketmq-controller.yaml', liveMaster);

    await expect(
      rocketmqControllerEngine.fence(
        printing(ctx, 'getBrokerConfig', '============10.2.1.12:10911============\n\n'),
      ),
    ).rejects.toThrow(
      /`mqadmin getBrokerConfig -n \S+ -b \S+` printed something this orchestrator does not recognise/,
    );
  });

  it('fence: a garbled clusterList is no answer, not "the lost site is unreachable"', async () => {
    const { ctx } = await simulate('examples/plans/rocketmq-controller.yaml', liveMaster);
    const listing =
      '#Cluster Name     #Broker Name    #BID  #Addr              #Version\nDefaultCluster    broker-0   <truncated>\n';

    await expect(rocketmqControllerEngine.fence(printing(ctx, 'clusterList', listing))).rejects.toThrow(
      UnexpectedOutputError,
    );
  });

  it('reprotect: an unreadable SyncStateSet is no answer, not "still catching up"', async () => {
    const { ctx } = await simulate('examples/plans/rocketmq-controller.yaml', liveMaster);

    await expect(
      rocketmqControllerEngine.reprotect(printing(ctx, 'getSyncStateSet', 'broker-0\n')),
    ).rejects.toThrow(/`mqadmin getSyncStateSet -a \S+ -b broker-0` printed something/);
  });
});
