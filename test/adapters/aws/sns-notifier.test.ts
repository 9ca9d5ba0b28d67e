import { describe, expect, it } from '@jest/globals';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { createSnsNotifier } from '../../../lambdas/adapters/sns-notifier.js';
import { TransientError } from '../../../lambdas/errors.js';

const topicArn = 'arn:aws:sns:eu-west-1:123456789012:failover-notifications';

function mockedNotifier() {
  const client = new SNSClient({ region: 'eu-west-1' });
  const sns = mockClient(client);
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  return { notifier: createSnsNotifier({ topicArn, client }), sns };
}

describe('createSnsNotifier', () => {
  it('publishes the subject, message and string attributes to the topic', async () => {
    const { notifier, sns } = mockedNotifier();

    await notifier.notify({
      subject: 'Failover orders: SUCCEEDED',
      message: 'orders.example.com now points at orders-eu.\nRecovery time 4m 12s.',
      attributes: { plan: 'orders', executionId: 'exec-1', status: 'SUCCEEDED' },
    });

    expect(sns.commandCalls(PublishCommand).map((call) => call.args[0].input)).toEqual([
      {
        TopicArn: topicArn,
        Subject: 'Failover orders: SUCCEEDED',
        Message: 'orders.example.com now points at orders-eu.\nRecovery time 4m 12s.',
        MessageAttributes: {
          plan: { DataType: 'String', StringValue: 'orders' },
          executionId: { DataType: 'String', StringValue: 'exec-1' },
          status: { DataType: 'String', StringValue: 'SUCCEEDED' },
        },
      },
    ]);
  });

  it('makes the subject one line of printable ASCII within 100 characters', async () => {
    const { notifier, sns } = mockedNotifier();

    await notifier.notify({
      subject: `Failover “orders” — HALTED\r\nat readiness: café queue lag ${'x'.repeat(120)} 🚨`,
      message: 'halted',
      attributes: {},
    });

    const subject = sns.commandCalls(PublishCommand)[0]?.args[0].input.Subject ?? '';
    expect(subject).toBe(`Failover "orders" - HALTED at readiness: cafe queue lag ${'x'.repeat(41)}...`);
    expect(subject).toHaveLength(100);
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
  });

  it('leaves out a subject with nothing printable, and attributes SNS would reject', async () => {
    const { notifier, sns } = mockedNotifier();

    await notifier.notify({
      subject: ' \n\t ',
      message: 'm',
      attributes: { plan: 'orders', reason: '', note: 'two\tcolumns' },
    });

    expect(sns.commandCalls(PublishCommand)[0]?.args[0].input).toEqual({
      TopicArn: topicArn,
      Message: 'm',
      MessageAttributes: {
        plan: { DataType: 'String', StringValue: 'orders' },
        note: { DataType: 'String', StringValue: 'two columns' },
      },
    });
  });

  it('reports throttling as a TransientError naming the topic', async () => {
    const { notifier, sns } = mockedNotifier();
    sns
      .on(PublishCommand)
      .rejects(
        Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } }),
      );

    const result = notifier.notify({ subject: 's', message: 'm', attributes: {} });

    await expect(result).rejects.toThrow(TransientError);
    await expect(result).rejects.toThrow(`SNS Publish to ${topicArn}: Rate exceeded`);
  });

  it('passes an authorization failure through under its AWS name', async () => {
    const { notifier, sns } = mockedNotifier();
    sns.on(PublishCommand).rejects(
      Object.assign(new Error('not authorized'), {
        name: 'AuthorizationErrorException',
        $metadata: { httpStatusCode: 403 },
      }),
    );

    await expect(notifier.notify({ subject: 's', message: 'm', attributes: {} })).rejects.toMatchObject({
      name: 'AuthorizationErrorException',
    });
  });

  it('refuses both a client and a client config', () => {
    expect(() => createSnsNotifier({ topicArn, client: new SNSClient({}), clientConfig: {} })).toThrow(
      /either client or clientConfig/,
    );
  });
});
