// Who may decide: the plan's approvers against the caller the console or the CLI identified.
import { describe, expect, it } from '@jest/globals';
import { readFile, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeCaller, mayApprove } from '../../lambdas/approvals/approvers.js';
import { loadPlan, PlanError } from '../../lambdas/plan/load-plan.js';

const approvers = [
  'group:orders-oncall',
  'user:dana',
  'arn:aws:iam::111122223333:role/ops/orders-failover-approver',
  'arn:aws:iam::111122223333:user/erin',
];

describe('mayApprove', () => {
  it.each<[string, Parameters<typeof mayApprove>[1], boolean]>([
    [
      'a member of a named group',
      { kind: 'cognito', username: 'alice', groups: ['dba', 'orders-oncall'] },
      true,
    ],
    ['a named user', { kind: 'cognito', username: 'dana', groups: [] }, true],
    ['a user in no named group', { kind: 'cognito', username: 'carol', groups: ['payments-oncall'] }, false],
    ['a user named like a group', { kind: 'cognito', username: 'orders-oncall', groups: [] }, false],
    // An assumed-role session ARN has no path: the role is matched by account and name.
    [
      'any session of a named role',
      {
        kind: 'iam',
        arn: 'arn:aws:sts::111122223333:assumed-role/orders-failover-approver/frank@example.com',
      },
      true,
    ],
    [
      'the same role name in another account',
      { kind: 'iam', arn: 'arn:aws:sts::444455556666:assumed-role/orders-failover-approver/frank' },
      false,
    ],
    [
      'the same role name in another partition',
      { kind: 'iam', arn: 'arn:aws-cn:sts::111122223333:assumed-role/orders-failover-approver/frank' },
      false,
    ],
    ['a named IAM user', { kind: 'iam', arn: 'arn:aws:iam::111122223333:user/erin' }, true],
    [
      'a role whose name only starts like an approver',
      { kind: 'iam', arn: 'arn:aws:sts::111122223333:assumed-role/orders-failover-approver-test/x' },
      false,
    ],
    ['the account root', { kind: 'iam', arn: 'arn:aws:iam::111122223333:root' }, false],
    [
      "the drill's operator (its console listens on 127.0.0.1 for the person running it)",
      { kind: 'local', operator: 'alice (local drill)' },
      true,
    ],
  ])('%s', (_what, caller, allowed) => {
    expect(mayApprove(approvers, caller)).toBe(allowed);
  });

  it('records the decider as the plan names them', () => {
    expect(describeCaller({ kind: 'cognito', username: 'alice', groups: ['orders-oncall'] })).toBe(
      'user:alice',
    );
    expect(describeCaller({ kind: 'iam', arn: 'arn:aws:sts::111122223333:assumed-role/r/s' })).toBe(
      'arn:aws:sts::111122223333:assumed-role/r/s',
    );
  });
});

describe('gate.approvers in a plan', () => {
  it('rejects an entry that names nobody, saying what is expected', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'approvers-'));
    const file = join(dir, 'plan.yaml');
    await writeFile(
      file,
      (await readFile('examples/plans/rabbitmq-standby.yaml', 'utf8')).replace(
        '    - group:orders-oncall',
        '    - orders-oncall',
      ),
    );
    const problems = await loadPlan(file).then(
      () => [],
      (err: unknown) => (err as PlanError).problems,
    );
    expect(problems).toEqual([
      `${file}: gate.approvers[0]: expected \`user:NAME\` (a console user), \`group:NAME\` (a console group) or an IAM role or user ARN such as arn:aws:iam::111122223333:role/failover-approver`,
    ]);
  });

  it("defaults to nobody (the stack then refuses a gated plan; a drill's operator still decides)", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'approvers-'));
    const file = join(dir, 'plan.yaml');
    await writeFile(
      file,
      (await readFile('examples/plans/rabbitmq-standby.yaml', 'utf8')).replace(
        /\n {2}approvers:\n( {4}- .*\n)+/,
        '\n',
      ),
    );
    expect((await loadPlan(file)).gate).toEqual({
      approval: 'always',
      timeoutMinutes: 30,
      onTimeout: 'abort',
      approvers: [],
    });
    expect((await loadPlan('examples/plans/rabbitmq-standby.yaml')).gate.approvers).toEqual([
      'group:orders-oncall',
      'arn:aws:iam::111122223333:role/orders-failover-approver',
    ]);
  });
});
