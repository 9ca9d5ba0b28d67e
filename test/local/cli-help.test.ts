// The command line explains itself from its command table: every command and flag is described,
// the help lists them, and --json writes what a script can parse.
import { commands, main } from '../../local/cli.js';

const run = async (...argv: string[]) => {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
};

describe('failover --help', () => {
  it('describes every command, argument and flag of the table', () => {
    for (const [name, command] of Object.entries(commands)) {
      expect([name, command.summary.trim()]).not.toEqual([name, '']);
      for (const p of command.positionals)
        expect([name, p.name, p.description.trim()]).not.toEqual([name, p.name, '']);
      for (const [flag, spec] of Object.entries(command.options))
        expect([name, flag, spec.description.trim()]).not.toEqual([name, flag, '']);
      for (const group of command.exclusive ?? [])
        expect(group.options.filter((o) => !(o in command.options))).toEqual([]);
    }
  });

  it.each([['--help'], ['-h'], ['help']])(
    'failover %s lists every command and the exit codes (exit 0)',
    async (word) => {
      const { code, out } = await run(word);
      expect(code).toBe(0);
      for (const name of Object.keys(commands)) expect(out).toMatch(new RegExp(`^ {2}${name} +\\S`, 'm'));
      for (const exit of ['0', '1', '2', '3']) expect(out).toMatch(new RegExp(`^ {2}${exit} +\\S`, 'm'));
    },
  );

  it('failover alone lists the commands as bad input (exit 2); an unknown command names them on one line', async () => {
    const none = await run();
    expect([none.code, none.out]).toEqual([2, '']);
    expect(none.err).toContain('  drill ');
    const unknown = await run('--verbose');
    expect(unknown).toEqual({
      code: 2,
      out: '',
      err: `unknown command "--verbose"; expected one of: ${Object.keys(commands).join(', ')} (failover --help describes them)`,
    });
  });

  it('failover drill --help gives the usage line and describes every flag of drill, with its choices and default', async () => {
    const { code, out } = await run('drill', '--help');
    expect(code).toBe(0);
    expect(out).toMatch(
      /^usage: failover drill \[--plan FILE\] .*\[--mode graceful\|ungraceful \| --round-trip\] \[--auto-approve \| --auto-reject \| --console-port N\]/,
    );
    for (const [flag, spec] of Object.entries(commands['drill']!.options)) {
      const line = out.split('\n').find((l) => l.startsWith(`  --${flag} `) || l === `  --${flag}`);
      expect([flag, line]).toEqual([flag, expect.stringContaining(spec.description)]);
    }
    expect(out).toMatch(/--mode graceful\|ungraceful +a switchover/);
    expect(out).toContain('default: examples/plans/rabbitmq-standby.yaml');
    expect(out).toMatch(/^ {2}3 +halted safely/m);
    // Help wins over the other arguments, as -h or after other flags.
    expect((await run('drill', '--mode', 'fast', '-h')).out).toBe(out);
    expect((await run('help', 'drill')).out).toBe(out);
  });

  it('a usage error is one line with the generated usage', async () => {
    expect(await run('check')).toEqual({
      code: 2,
      out: '',
      err: 'usage: failover check PLAN [--context C] [--upstream-context C] [--kubeconfig FILE] [--json]',
    });
  });
});

describe('--json', () => {
  it('validate writes each plan summary or its problems', async () => {
    const valid = await run('validate', 'examples/plans/rabbitmq-standby.yaml', '--json');
    expect(valid.code).toBe(0);
    expect(JSON.parse(valid.out)).toEqual({
      valid: true,
      plans: [
        {
          file: 'examples/plans/rabbitmq-standby.yaml',
          valid: true,
          name: 'orders-rabbitmq',
          engine: 'rabbitmq-standby',
          dnsRecords: 1,
          gate: 'always',
          sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
        },
      ],
    });
    const invalid = await run('validate', '--json', 'no-such-plan.yaml');
    expect([invalid.code, invalid.err]).toEqual([2, '']);
    expect(JSON.parse(invalid.out)).toEqual({
      valid: false,
      plans: [
        {
          file: 'no-such-plan.yaml',
          valid: false,
          problems: [expect.stringContaining('cannot read the plan file')],
        },
      ],
    });
  });

  it('drill --auto-approve --json writes the report alone to stdout, progress to stderr', async () => {
    const { code, out, err } = await run('drill', '--auto-approve', '--json');
    expect(code).toBe(0);
    const report = JSON.parse(out) as Record<string, unknown>;
    expect(Object.keys(report)).toEqual(
      expect.arrayContaining(['status', 'steps', 'recoveryTimeMs', 'sideEffects']),
    );
    expect(report['status']).toBe('SUCCEEDED');
    expect(err).toMatch(/^Failover drill: plan orders-rabbitmq/);
    expect(err).not.toContain('Outcome:');
  }, 60_000);
});
