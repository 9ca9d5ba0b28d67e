// A command line shown to a person runs, pasted into a POSIX shell, exactly the argv it shows:
// checked with /bin/sh itself, and on the fence's "to lift the fence" line for a hostile vhost.
import { execFileSync } from 'node:child_process';
import { rabbitmqStandbyEngine } from '../../lambdas/engines/rabbitmq-standby/index.js';
import type { RabbitmqStandbyPlan } from '../../lambdas/engines/rabbitmq-standby/plan.js';
import { loadPlan } from '../../lambdas/plan/load-plan.js';
import { shellCommand } from '../../lambdas/text/shell-quote.js';
import { printProgress } from '../../local/drill.js';
import { parseScenario } from '../../sim/scenario.js';
import { startSimulation } from '../../sim/simulation.js';
import { engineContext } from '../engines/engine-context.js';

const hostileVhost = 'a; rm -rf /';

/** The argv /bin/sh hands a command when it reads `line`. */
const argvAsShellReads = (line: string): string[] => {
  const out = execFileSync('/bin/sh', ['-c', `for arg in ${line}; do printf '%s\\0' "$arg"; done`], {
    encoding: 'utf8',
  });
  return out.split('\0').slice(0, -1);
};

it('leaves plain arguments bare and quotes everything else so the shell reads it back unchanged', () => {
  expect(shellCommand(['rabbitmqctl', 'set_vhost_limits', '-p', 'orders_1', '{"max-connections":0}'])).toBe(
    `rabbitmqctl set_vhost_limits -p orders_1 '{"max-connections":0}'`,
  );
  expect(
    shellCommand([
      'mqadmin',
      'updateBrokerConfig',
      '-n',
      'ns-0.ns:9876',
      '-b',
      '10.1.1.12:10911',
      '-k',
      'brokerPermission',
      '-v',
      '6',
    ]),
  ).toBe('mqadmin updateBrokerConfig -n ns-0.ns:9876 -b 10.1.1.12:10911 -k brokerPermission -v 6');
  const hostile = [
    hostileVhost,
    "it's",
    '$(reboot)',
    '`id`',
    'a b',
    '',
    '*',
    '~root',
    'x\ny',
    '\\',
    '"quoted"',
    'naïve',
    '-',
    'a=b,c@d%e+f',
  ];
  expect(argvAsShellReads(shellCommand(hostile))).toEqual(hostile);
});

it('prints "to lift the fence" with a hostile vhost quoted: pasted, it lifts that vhost and runs nothing else', async () => {
  const plan = structuredClone(await loadPlan('examples/plans/rabbitmq-standby.yaml'));
  (plan.engine as RabbitmqStandbyPlan).vhosts = [hostileVhost];
  const simulation = await startSimulation(
    plan,
    parseScenario({ latency: { apiMs: 0, execMs: 0 } }, 'hostile vhost', plan),
  );
  try {
    const fenced = await rabbitmqStandbyEngine.fence(engineContext(plan, simulation));
    expect(fenced).toMatchObject({
      state: 'fenced',
      lift: [`in any upstream-cluster pod: rabbitmqctl clear_vhost_limits -p 'a; rm -rf /'`],
    });

    const printed: string[] = [];
    printProgress({ out: (line) => printed.push(line), err: () => undefined })({
      kind: 'step-finished',
      step: 'fence',
      attempt: 1,
      outcome: 'succeeded',
      summary: fenced.summary,
      detail: { lift: fenced.lift },
      durationMs: 1,
    });
    expect(printed).toContain(
      `       to lift the fence: in any upstream-cluster pod: rabbitmqctl clear_vhost_limits -p 'a; rm -rf /'`,
    );
    expect(argvAsShellReads(fenced.lift[0]!.replace(/^in any upstream-cluster pod: /, ''))).toEqual([
      'rabbitmqctl',
      'clear_vhost_limits',
      '-p',
      hostileVhost,
    ]);
  } finally {
    await simulation.stop();
  }
});
