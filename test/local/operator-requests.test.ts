// `failover switchover|reprotect` against a deployed stack: the workflow's own input, with a
// person's request as its trigger, started once per request.
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { createSfnWorkflowStart } from '../../lambdas/adapters/sfn-workflow-start.js';
import { loadPlan } from '../../lambdas/plan/load-plan.js';
import { operatorRequest } from '../../lambdas/plan/operator-request.js';
import { parseTrigger } from '../../lambdas/steps/alarm-trigger.js';
import { planRef } from '../../lambdas/plan/plan-ref.js';
import { main } from '../../local/cli.js';

const stateMachineArn = 'arn:aws:states:eu-west-1:111122223333:stateMachine:failover';
const sfn = mockClient(SFNClient);
afterEach(() => sfn.reset());

const recording = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
};

describe('failover switchover and reprotect', () => {
  it("start the workflow with {plan, trigger}: the plan file's name and hash, the trigger a request the workflow accepts", async () => {
    sfn
      .on(StartExecutionCommand)
      .resolves({ executionArn: `${stateMachineArn.replace(':stateMachine:', ':execution:')}:x` });
    const { io, out } = recording();
    expect(
      await main(
        [
          'switchover',
          'examples/plans/rabbitmq-standby.yaml',
          '--reason',
          'DR rehearsal',
          '--state-machine',
          stateMachineArn,
          '--region',
          'eu-west-1',
        ],
        io,
      ),
    ).toBe(0);
    const sent = sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input;
    expect(sent.stateMachineArn).toBe(stateMachineArn);
    const input = JSON.parse(sent.input!) as { plan: unknown; trigger: unknown };
    const plan = await loadPlan('examples/plans/rabbitmq-standby.yaml');
    expect(input.plan).toEqual(planRef(plan));
    expect(parseTrigger(input.trigger, plan)).toMatchObject({
      kind: 'operator',
      request: { detail: { action: 'switchover', mode: 'graceful', reason: 'DR rehearsal' } },
    });
    expect(out[0]).toMatch(/^graceful switchover requested/);
  });

  it('refuse to start without a reason, and name what is missing', async () => {
    const { io, err } = recording();
    expect(
      await main(
        ['reprotect', 'examples/plans/rabbitmq-standby.yaml', '--state-machine', stateMachineArn],
        io,
      ),
    ).toBe(2);
    expect(err.join('\n')).toContain('--reason');
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('the same request sent twice names the execution it already started', async () => {
    const plan = await loadPlan('examples/plans/rabbitmq-standby.yaml');
    sfn
      .on(StartExecutionCommand)
      .rejectsOnce(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    const request = operatorRequest('reprotect', { requestedBy: 'ops', reason: 'after the incident' });
    const arn = await createSfnWorkflowStart({
      stateMachineArn,
      client: new SFNClient({ region: 'eu-west-1' }),
    }).start(planRef(plan), request, `reprotect-${request.id}`);
    expect(arn).toBe(
      `arn:aws:states:eu-west-1:111122223333:execution:failover:${sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input.name}`,
    );
  });
});
