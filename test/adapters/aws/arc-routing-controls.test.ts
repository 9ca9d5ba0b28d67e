// The ARC adapter against a cluster of five Regional endpoints. Each endpoint's client is mocked
// on its own (aws-sdk-client-mock), so every assertion says which endpoint a request went to;
// then the adapter's own clients over real sockets: a refused connection, ARC's 503 on the wire,
// an endpoint that never answers.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  AccessDeniedException,
  ConflictException,
  EndpointTemporarilyUnavailableException,
  GetRoutingControlStateCommand,
  InternalServerException,
  ResourceNotFoundException,
  Route53RecoveryClusterClient,
  ThrottlingException,
  UpdateRoutingControlStatesCommand,
  ValidationException,
} from '@aws-sdk/client-route53-recovery-cluster';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { execFile } from 'node:child_process';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  createArcRoutingControls,
  type ClusterEndpoint,
} from '../../../lambdas/adapters/arc-routing-controls.js';
import { DnsAccessDeniedError, DnsChangeFailedError, TransientError } from '../../../lambdas/errors.js';
import { startScriptedEndpoint, type ScriptedEndpoint } from './scripted-endpoint.js';

const panel = 'arn:aws:route53-recovery-control::111122223333:controlpanel/0123456789abcdef';
const upstream = `${panel}/routingcontrol/upstream0001`;
const downstream = `${panel}/routingcontrol/downstream01`;
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
const endpoints: ClusterEndpoint[] = [
  'us-east-1',
  'us-west-2',
  'eu-west-1',
  'ap-southeast-2',
  'ap-northeast-1',
].map((region) => ({
  url: `https://host-${region}.example.route53-recovery-cluster.${region}.amazonaws.com/`,
  region,
}));
const urls = endpoints.map((e) => e.url);

const $metadata = (httpStatusCode: number) => ({ httpStatusCode, requestId: 'req-1' });
const networkError = (code: string, message: string) => Object.assign(new Error(message), { code });
const unavailable = () =>
  new EndpointTemporarilyUnavailableException({
    message: 'The cluster endpoint is temporarily unavailable',
    $metadata: $metadata(503),
  });

/** The adapter on the five endpoints, each client mocked on its own: `at[n]` is endpoint n's. */
function cluster() {
  const at: AwsClientStub<Route53RecoveryClusterClient>[] = [];
  const arc = createArcRoutingControls({
    clusterEndpoints: endpoints,
    clientFor: (endpoint) => {
      const client = new Route53RecoveryClusterClient({
        endpoint: endpoint.url,
        region: endpoint.region,
        credentials,
      });
      at.push(mockClient(client));
      return client;
    },
  });
  /** What endpoint n was asked, in order. */
  const sentTo = (n: number) =>
    at[n]!.calls().map((call) => {
      const command = call.args[0] as GetRoutingControlStateCommand | UpdateRoutingControlStatesCommand;
      return { command: command.constructor.name, input: command.input };
    });
  return { arc, at, sentTo };
}

const read = (arn: string) => ({
  command: 'GetRoutingControlStateCommand',
  input: { RoutingControlArn: arn },
});
const flip = {
  command: 'UpdateRoutingControlStatesCommand',
  input: {
    UpdateRoutingControlStateEntries: [
      { RoutingControlArn: downstream, RoutingControlState: 'On' },
      { RoutingControlArn: upstream, RoutingControlState: 'Off' },
    ],
  },
};
const flipStates = () =>
  new Map([
    [downstream, 'On'],
    [upstream, 'Off'],
  ] as const);

describe('createArcRoutingControls', () => {
  it('reads each control through the first endpoint, one GetRoutingControlState per control', async () => {
    const { arc, at, sentTo } = cluster();
    at[0]!
      .on(GetRoutingControlStateCommand, { RoutingControlArn: upstream })
      .resolves({ RoutingControlArn: upstream, RoutingControlState: 'On' })
      .on(GetRoutingControlStateCommand, { RoutingControlArn: downstream })
      .resolves({ RoutingControlArn: downstream, RoutingControlState: 'Off' });

    const states = await arc.getStates([upstream, downstream]);

    expect(states).toEqual(
      new Map([
        [upstream, 'On'],
        [downstream, 'Off'],
      ]),
    );
    expect(sentTo(0)).toEqual([read(upstream), read(downstream)]);
    for (const n of [1, 2, 3, 4]) expect(sentTo(n)).toEqual([]);
  });

  it('sets every state in one UpdateRoutingControlStates request, overriding no safety rule, and says which endpoint took it', async () => {
    const { arc, at, sentTo } = cluster();
    at[0]!.on(UpdateRoutingControlStatesCommand).resolves({});

    await expect(arc.updateStates(flipStates())).resolves.toEqual({ endpoint: urls[0] });

    expect(sentTo(0)).toEqual([flip]);
    for (const n of [1, 2, 3, 4]) expect(sentTo(n)).toEqual([]);
  });

  it.each<[string, () => Error]>([
    ['refuses the connection', () => networkError('ECONNREFUSED', 'connect ECONNREFUSED 198.51.100.1:443')],
    ['cannot be resolved', () => networkError('ENOTFOUND', 'getaddrinfo ENOTFOUND host-us-east-1')],
    [
      'answers a 5xx',
      () => new InternalServerException({ message: 'Internal server error', $metadata: $metadata(500) }),
    ],
    ['answers EndpointTemporarilyUnavailable', unavailable],
    ['throttles', () => new ThrottlingException({ message: 'Rate exceeded', $metadata: $metadata(429) })],
    [
      'does not answer in time',
      () =>
        Object.assign(new Error('a request has exceeded the configured 4000 ms requestTimeout'), {
          name: 'TimeoutError',
        }),
    ],
  ])('moves on from a first endpoint that %s, and sends the next the same request', async (_, failure) => {
    const { arc, at, sentTo } = cluster();
    at[0]!.on(UpdateRoutingControlStatesCommand).rejects(failure());
    at[1]!.on(UpdateRoutingControlStatesCommand).resolves({});

    await expect(arc.updateStates(flipStates())).resolves.toEqual({ endpoint: urls[1] });

    expect(sentTo(0)).toEqual([flip]);
    expect(sentTo(1)).toEqual([flip]);
    for (const n of [2, 3, 4]) expect(sentTo(n)).toEqual([]);
  });

  it('throws a TransientError naming each endpoint and its failure when none answers, having asked each once', async () => {
    const { arc, at, sentTo } = cluster();
    at[0]!.on(GetRoutingControlStateCommand).rejects(networkError('ECONNREFUSED', 'connect ECONNREFUSED'));
    at[1]!.on(GetRoutingControlStateCommand).rejects(unavailable());
    at[2]!
      .on(GetRoutingControlStateCommand)
      .rejects(new InternalServerException({ message: 'Internal server error', $metadata: $metadata(500) }));
    at[3]!.on(GetRoutingControlStateCommand).rejects(networkError('ETIMEDOUT', 'connect ETIMEDOUT'));
    at[4]!
      .on(GetRoutingControlStateCommand)
      .rejects(new ThrottlingException({ message: 'Rate exceeded', $metadata: $metadata(429) }));

    const error = await arc.getStates([upstream, downstream]).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toBe(
      `ARC GetRoutingControlState ${upstream}: no endpoint of the ARC cluster answered: ` +
        [
          `${urls[0]} (us-east-1): connect ECONNREFUSED`,
          `${urls[1]} (us-west-2): The cluster endpoint is temporarily unavailable`,
          `${urls[2]} (eu-west-1): Internal server error`,
          `${urls[3]} (ap-southeast-2): connect ETIMEDOUT`,
          `${urls[4]} (ap-northeast-1): Rate exceeded`,
        ].join('; '),
    );
    expect((error as TransientError).detail).toEqual({
      endpoints: [
        { endpoint: urls[0], awsError: 'Error' },
        {
          endpoint: urls[1],
          awsError: 'EndpointTemporarilyUnavailableException',
          httpStatusCode: 503,
          requestId: 'req-1',
        },
        { endpoint: urls[2], awsError: 'InternalServerException', httpStatusCode: 500, requestId: 'req-1' },
        { endpoint: urls[3], awsError: 'Error' },
        { endpoint: urls[4], awsError: 'ThrottlingException', httpStatusCode: 429, requestId: 'req-1' },
      ],
    });
    for (const n of [0, 1, 2, 3, 4]) expect(sentTo(n)).toEqual([read(upstream)]);
  });

  it("turns a safety rule's refusal (ConflictException) into a DnsChangeFailedError with ARC's words, asking no other endpoint", async () => {
    const { arc, at, sentTo } = cluster();
    at[0]!.on(UpdateRoutingControlStatesCommand).rejects(
      new ConflictException({
        message:
          'Routing control update rejected: at least one of the controls must be On (safety rule min-one-on)',
        resourceId: 'min-one-on',
        resourceType: 'SafetyRule',
        $metadata: $metadata(409),
      }),
    );
    at[1]!.on(UpdateRoutingControlStatesCommand).resolves({});

    const result = arc.updateStates(flipStates());

    await expect(result).rejects.toThrow(DnsChangeFailedError);
    await expect(result).rejects.toThrow(
      `ARC UpdateRoutingControlStates ${downstream} On, ${upstream} Off at ${urls[0]} (us-east-1): ConflictException: Routing control update rejected: at least one of the controls must be On (safety rule min-one-on)`,
    );
    expect(sentTo(0)).toEqual([flip]);
    for (const n of [1, 2, 3, 4]) expect(sentTo(n)).toEqual([]);
  });

  it.each<[string, () => Error]>([
    [
      'ResourceNotFoundException',
      () =>
        new ResourceNotFoundException({
          message: `Routing control ${downstream} not found`,
          resourceId: downstream,
          resourceType: 'RoutingControl',
          $metadata: $metadata(404),
        }),
    ],
    [
      'ValidationException',
      () =>
        new ValidationException({
          message: '1 validation error detected: RoutingControlArn failed to satisfy constraint',
          $metadata: $metadata(400),
        }),
    ],
  ])(
    'fails a read of a control ARC refuses (%s) with a DnsChangeFailedError naming it, asking no other endpoint',
    async (name, refusal) => {
      const { arc, at, sentTo } = cluster();
      at[0]!
        .on(GetRoutingControlStateCommand, { RoutingControlArn: upstream })
        .resolves({ RoutingControlArn: upstream, RoutingControlState: 'On' })
        .on(GetRoutingControlStateCommand, { RoutingControlArn: downstream })
        .rejects(refusal());
      at[1]!
        .on(GetRoutingControlStateCommand)
        .resolves({ RoutingControlArn: downstream, RoutingControlState: 'Off' });

      const result = arc.getStates([upstream, downstream]);

      await expect(result).rejects.toThrow(DnsChangeFailedError);
      await expect(result).rejects.toThrow(
        `ARC GetRoutingControlState ${downstream} at ${urls[0]} (us-east-1): ${name}: ${refusal().message}`,
      );
      expect(sentTo(0)).toEqual([read(upstream), read(downstream)]);
      for (const n of [1, 2, 3, 4]) expect(sentTo(n)).toEqual([]);
    },
  );

  it('turns AccessDeniedException into a DnsAccessDeniedError, asking no other endpoint', async () => {
    const { arc, at, sentTo } = cluster();
    at[0]!.on(UpdateRoutingControlStatesCommand).rejects(
      new AccessDeniedException({
        message:
          'User: arn:aws:sts::111122223333:assumed-role/failover-aws-worker/fn is not authorized to perform: route53-recovery-cluster:UpdateRoutingControlStates',
        $metadata: $metadata(403),
      }),
    );
    at[1]!.on(UpdateRoutingControlStatesCommand).resolves({});

    const result = arc.updateStates(flipStates());

    await expect(result).rejects.toThrow(DnsAccessDeniedError);
    await expect(result).rejects.toThrow(
      /at https:\/\/host-us-east-1\S+ \(us-east-1\): AccessDeniedException: User: .* is not authorized to perform: route53-recovery-cluster:UpdateRoutingControlStates$/,
    );
    expect(sentTo(0)).toEqual([flip]);
    for (const n of [1, 2, 3, 4]) expect(sentTo(n)).toEqual([]);
  });

  it('builds for each endpoint a client of its URL, signed for its Region, that asks once', async () => {
    const every = mockClient(Route53RecoveryClusterClient);
    const seen: unknown[] = [];
    every.on(GetRoutingControlStateCommand).callsFake(async (_input, getClient) => {
      const { config } = getClient();
      const { protocol, hostname, path } = await config.endpoint!();
      seen.push({
        url: `${protocol}//${hostname}${path}`,
        region: await config.region(),
        maxAttempts: await config.maxAttempts(),
      });
      throw unavailable();
    });
    try {
      const arc = createArcRoutingControls({ clusterEndpoints: endpoints });

      await expect(arc.getStates([upstream])).rejects.toThrow(TransientError);

      expect(seen).toEqual(endpoints.map(({ url, region }) => ({ url, region, maxAttempts: 1 })));
    } finally {
      every.restore();
    }
  });

  it('fails a read that ARC answers without On or Off', async () => {
    const { arc, at } = cluster();
    at[0]!.on(GetRoutingControlStateCommand).resolves({ RoutingControlArn: upstream });

    await expect(arc.getStates([upstream])).rejects.toThrow(
      new DnsChangeFailedError(
        `ARC GetRoutingControlState ${upstream} at ${urls[0]} (us-east-1): ARC answered the state undefined, expected On or Off`,
      ),
    );
  });

  it('asks the endpoint that answered last first, for reads and changes alike', async () => {
    const { arc, at, sentTo } = cluster();
    at[0]!.on(GetRoutingControlStateCommand).rejects(unavailable());
    at[1]!.on(GetRoutingControlStateCommand).resolves({ RoutingControlState: 'On' });
    at[1]!.on(UpdateRoutingControlStatesCommand).resolves({});

    await arc.getStates([upstream, downstream]);
    await expect(arc.updateStates(flipStates())).resolves.toEqual({ endpoint: urls[1] });

    expect(sentTo(0)).toEqual([read(upstream)]);
    expect(sentTo(1)).toEqual([read(upstream), read(downstream), flip]);
  });

  it('goes on from the endpoint that answered last round to the first of the list', async () => {
    const { arc, at, sentTo } = cluster();
    for (const n of [0, 1, 2, 3]) at[n]!.on(UpdateRoutingControlStatesCommand).rejectsOnce(unavailable());
    at[4]!.on(UpdateRoutingControlStatesCommand).resolvesOnce({}).rejects(unavailable());
    await expect(arc.updateStates(flipStates())).resolves.toEqual({ endpoint: urls[4] });
    at[0]!.on(UpdateRoutingControlStatesCommand).resolves({});

    await expect(arc.updateStates(flipStates())).resolves.toEqual({ endpoint: urls[0] });

    expect(sentTo(4)).toEqual([flip, flip]);
    expect(sentTo(0)).toEqual([flip, flip]);
    for (const n of [1, 2, 3]) expect(sentTo(n)).toEqual([flip]);
  });
});

// The adapter's own clients, as deployed: one attempt each, over real sockets on 127.0.0.1.
describe('createArcRoutingControls over the wire', () => {
  const json = 'application/x-amz-json-1.0';
  const answer = (state: 'On' | 'Off') => ({
    status: 200,
    contentType: json,
    body: JSON.stringify({
      RoutingControlArn: upstream,
      RoutingControlName: 'upstream',
      RoutingControlState: state,
    }),
  });
  const unavailableAnswer = {
    status: 503,
    contentType: json,
    body: JSON.stringify({
      __type: 'EndpointTemporarilyUnavailableException',
      message: 'The cluster endpoint is temporarily unavailable',
    }),
  };
  const asked = (endpoint: ScriptedEndpoint) =>
    endpoint.received.map((r) => [r.method, r.path, JSON.parse(r.body) as unknown]);
  // The clients take their credentials from the environment, as in Lambda.
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
  };
  let busy: ScriptedEndpoint;
  let healthy: ScriptedEndpoint;
  let silent: Server;
  const held: Socket[] = [];
  let silentUrl: string;
  let closedUrl: string;

  beforeAll(async () => {
    busy = await startScriptedEndpoint();
    healthy = await startScriptedEndpoint();
    // Takes every connection and never answers.
    silent = createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    // A port nothing listens on any more: its connections are refused.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    closedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
  });
  afterAll(async () => {
    for (const socket of held) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
    await busy.close();
    await healthy.close();
  });

  // In a Node process of its own: Jest runs the tests in a vm context whose Error is not Node's,
  // so the SDK takes a socket's error for a non-error and wraps it without its code (asSdkError
  // in @smithy/core), which never happens in Lambda.
  it('moves on from a refused connection and an EndpointTemporarilyUnavailable 503, asking each endpoint once', async () => {
    busy.script([unavailableAnswer]);
    healthy.script([answer('On')]);
    const clusterEndpoints = [
      { url: closedUrl, region: 'us-east-1' },
      { url: busy.url, region: 'us-west-2' },
      { url: healthy.url, region: 'eu-west-1' },
    ];
    const adapter = fileURLToPath(
      new URL('../../../lambdas/adapters/arc-routing-controls.ts', import.meta.url),
    );
    const script = `
      const { createArcRoutingControls } = await import(${JSON.stringify(adapter)});
      const arc = createArcRoutingControls({ clusterEndpoints: ${JSON.stringify(clusterEndpoints)} });
      console.log(JSON.stringify([...(await arc.getStates([${JSON.stringify(upstream)}]))]));`;

    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { env },
    );

    expect(JSON.parse(stdout)).toEqual([[upstream, 'On']]);
    expect(asked(busy)).toEqual([['POST', '/', { RoutingControlArn: upstream }]]);
    expect(asked(healthy)).toEqual([['POST', '/', { RoutingControlArn: upstream }]]);
  });

  it('gives up on an endpoint that takes the connection and never answers, after its request timeout', async () => {
    healthy.script([answer('Off')]);
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      const arc = createArcRoutingControls({
        clusterEndpoints: [
          { url: silentUrl, region: 'us-east-1' },
          { url: healthy.url, region: 'us-west-2' },
        ],
      });
      const started = Date.now();

      await expect(arc.getStates([upstream])).resolves.toEqual(new Map([[upstream, 'Off']]));

      expect(Date.now() - started).toBeGreaterThanOrEqual(3_900);
      expect(Date.now() - started).toBeLessThan(8_000);
      expect(held).toHaveLength(1);
      expect(asked(healthy)).toEqual([['POST', '/', { RoutingControlArn: upstream }]]);
    } finally {
      process.env = saved;
    }
  });
});
