// Text from the systems reaches a terminal only as text: every control character (ESC sequences,
// C1 controls, newlines inside a one-line field) is printed as a visible escape.
import type { ApprovalView } from '../../lambdas/approvals/approval-service.js';
import { terminalText } from '../../lambdas/text/terminal-text.js';
import { consoleCommands } from '../../local/approvals.js';
import type { ConsoleClient } from '../../local/console-client.js';
import { printProgress } from '../../local/drill.js';

/** Clears the screen and rewrites the line: what a hostile queue name or evidence value would do. */
const esc = '\u001b[2J\u001b[1A\rpass';

it('shows every C0 and C1 control character, DEL and newlines as \\xHH, and leaves other text alone', () => {
  expect(terminalText(`q1${esc}`)).toBe('q1\\x1b[2J\\x1b[1A\\x0dpass');
  expect(terminalText('a\nb\tc\u007fd\u009b31me')).toBe('a\\x0ab\\x09c\\x7fd\\x9b31me');
  expect(terminalText('naïve — 队列 ✓')).toBe('naïve — 队列 ✓');
});

it('prints an approval whose evidence value holds an ESC sequence escaped', async () => {
  const approval: ApprovalView = {
    id: 'a-1',
    planName: 'orders',
    executionId: 'e-1',
    requestedAt: '2025-01-01T00:00:00.000Z',
    decideBy: '2025-01-01T00:15:00.000Z',
    state: 'pending',
    atRisk: [],
    isApprover: true,
    mayDecide: true,
    caller: 'dana',
    gate: {
      approval: 'always',
      approvers: ['dana'],
      timeoutMinutes: 15,
      onTimeout: 'abort',
    } as ApprovalView['gate'],
    evidence: [
      { name: 'replication-lag', passed: true, summary: `queue q1${esc}`, evidence: { queue: `q1${esc}` } },
    ],
    intendedChanges: [],
    timeline: [],
  };
  const client = { get: async () => approval } as unknown as ConsoleClient;
  const printed: string[] = [];

  await consoleCommands({ endpoint: () => client, deployed: () => client }).approvals.run(
    { endpoint: 'http://127.0.0.1:1' },
    ['show', 'a-1'],
    { out: (l) => printed.push(l), err: (l) => printed.push(l) },
  );

  expect(printed).toContain('        queue: q1\\x1b[2J\\x1b[1A\\x0dpass');
  expect(printed).toContain(`  pass  ${'replication-lag'.padEnd(20)} queue q1\\x1b[2J\\x1b[1A\\x0dpass`);
  expect(printed.join('\n')).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
});

it('prints a drill step whose summary holds a newline and an ESC sequence on one escaped line', () => {
  const printed: string[] = [];
  printProgress({ out: (l) => printed.push(l), err: () => undefined })({
    kind: 'step-finished',
    step: 'readiness',
    attempt: 1,
    outcome: 'succeeded',
    summary: `ok\n${esc}`,
    detail: {},
    durationMs: 3,
  });

  expect(printed).toEqual(['  ok   readiness (3 ms): ok\\x0a\\x1b[2J\\x1b[1A\\x0dpass']);
});
