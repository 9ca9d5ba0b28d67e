// rabbitmq-shovel parsers on outputs captured from real RabbitMQ 3.10.8 nodes with the
// rabbitmq_shovel plugin.
import {
  parseQueueDepths,
  parseShovelParameters,
  parseShovelStatus,
  parseUsers,
  uriParts,
} from '../../lambdas/engines/rabbitmq-shovel/commands.js';

describe('rabbitmq-shovel outputs (3.10)', () => {
  it('shovel_status --formatter json: running, and starting while the source cannot be reached', () => {
    const output = [
      '[',
      '{"destination":"amqp:///orders","destination_protocol":"amqp091","destination_queue":"orders","last_changed":"2026-11-21 21:21:11","name":"orders-dr","source":"amqp://127.0.0.1:5698/orders","source_protocol":"amqp091","source_queue":"orders","state":"running","termination_reason":"","type":"dynamic","vhost":"orders"}',
      ',{"destination":"","last_changed":"2026-11-21 21:37:13","name":"audit-dr","source":"","state":"starting","termination_reason":"","type":"dynamic","vhost":"orders"}',
      ']',
      '',
    ].join('\n');
    expect(parseShovelStatus(output)).toEqual([
      {
        name: 'orders-dr',
        vhost: 'orders',
        state: 'running',
        type: 'dynamic',
        source: 'amqp://127.0.0.1:5698/orders',
        destination: 'amqp:///orders',
        terminationReason: '',
      },
      {
        name: 'audit-dr',
        vhost: 'orders',
        state: 'starting',
        type: 'dynamic',
        source: '',
        destination: '',
        terminationReason: '',
      },
    ]);
    expect(parseShovelStatus('[\n]\n')).toEqual([]);
    expect(() => parseShovelStatus("Command 'shovel_status' not found.")).toThrow(/does not recognise/);
  });

  it('list_parameters --formatter json: ack mode, queues and source (endpoint and user), and never the URI with its password', () => {
    const output =
      '[\n{"component":"shovel","name":"orders-dr","value":"{\\"ack-mode\\":\\"on-confirm\\",\\"dest-protocol\\":\\"amqp091\\",\\"dest-queue\\":\\"orders\\",\\"dest-uri\\":\\"amqp:///orders\\",\\"src-protocol\\":\\"amqp091\\",\\"src-queue\\":\\"orders\\",\\"src-uri\\":\\"amqp://shovel:s3cret@127.0.0.1:5698/orders\\"}"}\n]\n';
    const parsed = parseShovelParameters('orders', output);
    expect(parsed).toEqual([
      {
        name: 'orders-dr',
        vhost: 'orders',
        ackMode: 'on-confirm',
        srcQueue: 'orders',
        destQueue: 'orders',
        srcEndpoint: 'amqp://127.0.0.1:5698',
        srcUser: 'shovel',
      },
    ]);
    expect(JSON.stringify(parsed)).not.toContain('s3cret');
    // RabbitMQ's default ack mode when the definition leaves it out.
    expect(
      parseShovelParameters(
        'v',
        '[\n{"component":"shovel","name":"x","value":"{\\"src-exchange\\":\\"ex\\"}"}\n]\n',
      ),
    ).toEqual([{ name: 'x', vhost: 'v', ackMode: 'on-confirm', srcExchange: 'ex' }]);
    expect(parseShovelParameters('v', '[]\n')).toEqual([]);
  });

  it('list_users --formatter json: the names, newest first', () => {
    expect(parseUsers('[\n{"user":"u1","tags":[]}\n,{"user":"guest","tags":["administrator"]}\n]\n')).toEqual(
      ['u1', 'guest'],
    );
  });

  it('a source URI without its password: the endpoint with its default port, and the user', () => {
    expect(uriParts('amqp://shovel-dr:s3cret@payments.prod-a.example.com/payments')).toEqual({
      endpoint: 'amqp://payments.prod-a.example.com:5672',
      user: 'shovel-dr',
    });
    expect(uriParts('amqps://a%40b:pw@10.0.0.1:5671/%2F')).toEqual({
      endpoint: 'amqps://10.0.0.1:5671',
      user: 'a@b',
    });
    // A local destination (`amqp:///vhost`) has no endpoint.
    expect(uriParts('amqp:///payments')).toBeUndefined();
  });

  it('list_queues name messages --formatter json: messages per queue; a vhost without queues', () => {
    expect(
      parseQueueDepths('orders', '[\n{"name":"orders","messages":120}\n,{"name":"other","messages":0}\n]\n'),
    ).toEqual(
      new Map([
        ['orders', 120],
        ['other', 0],
      ]),
    );
    expect(parseQueueDepths('nosuch', '[\n]\n')).toEqual(new Map());
  });
});
