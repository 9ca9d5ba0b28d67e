// Command lines `failover` must refuse before it runs anything: flags of every command.
import { cli, exit2, type BadInput } from './case.js';

const plan = 'examples/plans/rabbitmq-standby.yaml';
const stateMachine = 'arn:aws:states:eu-west-1:111122223333:stateMachine:failover';

const refused = (args: string[], ...names: string[]): BadInput => ({
  name: `cli: failover ${args.map((a) => (a.length > 30 ? `${a.slice(0, 30)}…` : a)).join(' ')}`,
  names,
  outcomes: exit2,
  run: () => cli(args),
});

export const cliCases: BadInput[] = [
  // --report, checked before the drill runs.
  refused(['drill', '--auto-approve', '--report', '/tmp'], '--report /tmp', 'is a directory'),
  refused(
    ['drill', '--auto-approve', '--report', '/no-such-directory/report.json'],
    '--report',
    'its directory /no-such-directory does not exist',
  ),
  refused(
    ['drill', '--auto-approve', '--report', '/dev/null/report.json'],
    '--report',
    '/dev/null is not a directory',
  ),
  refused(['drill', '--auto-approve', '--round-trip', '--report', '.'], '--report .', 'is a directory'),
  refused(['run', plan, '--dry-run', '--report', '/tmp'], '--report /tmp', 'is a directory'),
  // Numbers and enums.
  refused(['drill', '--console-port', '70000'], '--console-port 70000', 'a port number'),
  refused(['drill', '--console-port', 'eighty'], '--console-port eighty', 'a port number'),
  refused(['drill', '--console-port=-1'], '--console-port -1', 'a port number'),
  refused(['drill', '--mode', 'fast'], '--mode fast', 'graceful or ungraceful'),
  refused(['drill', '--mode', 'g'.repeat(100_000)], '--mode: 100000 characters', 'at most 4096'),
  refused(
    ['switchover', plan, '--reason', 'test', '--state-machine', stateMachine, '--mode', 'quick'],
    '--mode quick',
    'graceful or ungraceful',
  ),
  refused(['rbac', plan, '--side', 'sideways'], '--side sideways', 'upstream or downstream'),
  refused(
    [
      'ack',
      'orders-rabbitmq',
      '--reason',
      'back',
      '--api',
      'https://abc.execute-api.eu-west-1.amazonaws.com/',
      '--active',
      'both',
    ],
    '--active both',
    'upstream or downstream',
  ),
  refused(
    ['switchover', plan, '--reason', 'test', '--state-machine', stateMachine, '--region', 'Europe'],
    '--region Europe',
    'an AWS region',
  ),
  refused(
    ['switchover', plan, '--reason', 'test', '--state-machine', 'failover'],
    '--state-machine failover',
    'a state machine ARN',
  ),
  refused(
    ['reprotect', plan, '--reason', 'r'.repeat(2000), '--state-machine', stateMachine],
    '--reason',
    'at most 1024',
  ),
  refused(
    ['reprotect', plan, '--reason', '   ', '--state-machine', stateMachine],
    '--reason',
    'not an empty text',
  ),
  refused(
    ['approve', '20260301-100005-1a2b3c4d', '--reason', 'ok', '--endpoint', 'ftp://127.0.0.1:9'],
    '--endpoint ftp://127.0.0.1:9',
    'http:// or https://',
  ),
  refused(['approvals', 'list', '--api', 'not a url'], '--api not a url', 'http:// or https://'),
  refused(['check', plan, '--context=-x'], '--context -x', 'a kubeconfig context name'),
  // Flags given together that exclude each other.
  refused(
    ['drill', '--auto-approve', '--auto-reject'],
    '--auto-approve and --auto-reject exclude each other',
  ),
  refused(
    ['drill', '--auto-approve', '--console-port', '0'],
    '--auto-approve and --console-port exclude each other',
  ),
  refused(['drill', '--mode', 'graceful', '--round-trip'], '--mode and --round-trip exclude each other'),
  refused(['run', plan, '--dry-run', '--reason', 'rehearsal'], '--dry-run and --reason exclude each other'),
  // Unknown flags, missing values, flags given twice.
  refused(['drill', '--auto-aprove'], 'unknown flag --auto-aprove for failover drill', '--auto-approve'),
  refused(['drill', '-y'], 'unknown flag -y for failover drill'),
  refused(
    ['validate', plan, '--strict'],
    'unknown flag --strict for failover validate',
    'expected one of: --json, --help',
  ),
  refused(['drill', `--${'x'.repeat(50_000)}`], 'unknown flag --xxxx', 'for failover drill'),
  refused(['drill', '--plan'], '--plan needs a value'),
  refused(['drill', '--plan', '--auto-approve'], '--plan needs a value', 'looks like a flag'),
  refused(['drill', '--round-trip=yes'], '--round-trip takes no value'),
  refused(['drill', '--plan', plan, '--plan', plan], '--plan is given twice'),
  refused(['validate', 'p'.repeat(5000)], 'argument 1: 5000 characters', 'at most 4096'),
  refused(['frobnicate'], 'unknown command "frobnicate"', 'expected one of: drill'),
  refused(['validate'], 'usage: failover validate PLAN'),
  refused(
    ['approvals', 'list', '--endpoint', 'http://127.0.0.1:9', '--region', 'eu-west-1'],
    '--endpoint and --region exclude each other',
  ),
  refused(['approvals', 'show', '--endpoint', 'http://127.0.0.1:9'], 'failover approvals show ID'),
  refused(
    ['approve', '20260301-100005-1a2b3c4d', '--endpoint', 'http://127.0.0.1:9'],
    '--reason TEXT is required',
  ),
  refused(['reject', '20260301-100005-1a2b3c4d', '--reason', 'no'], 'pass --endpoint or --api'),
  refused(['run', plan, '--dry-run', '--json'], '--dry-run and --json exclude each other'),
  refused(['switchover', plan, '--reason', 'test'], '--state-machine ARN is required'),
  refused(['drill', '--plan', 'examples/plans'], 'examples/plans', 'is a directory'),
  refused(['drill', '--plan', 'missing.yaml', '--auto-approve'], 'missing.yaml', 'cannot read the plan file'),
  refused(['rbac', plan, '--group', 'system:masters'], '--group', 'not starting with "system:"'),
];
