// A whole failover as it runs in AWS: the deployed entry points (lambdas/functions/*.ts, bundled
// as the stack bundles them, with the plans published beside them and the environment the stack
// gives them) started by an alarm event and run through the ASL file, against real servers where
// they exist here:
// - moto's server for DynamoDB (journal, lock, approvals), SNS, CloudWatch alarms and Step
//   Functions (the trigger's StartExecution; the ASL itself runs locally with the handlers, as
//   moto runs no Lambda code);
// - Route 53's API as `sim/route53-endpoint.ts` answers it, in front of the simulated zone: moto's
//   Route 53 answers the access check's DELETE with InvalidInput where Route 53 answers
//   InvalidChangeBatch (aws-adapters.test.ts), and reports every change INSYNC at once;
// - EKS DescribeCluster answered here (moto's clusters have endpoints no one serves) with a real
//   kube-apiserver (kube/control-plane.ts) for both clusters, in their two namespaces. The worker
//   reaches it through the real client with the EKS bearer token; the server asks a TokenReview
//   webhook about it (kube/eks-token-webhook.ts: the signature, cluster and expiry checked as STS
//   does), which maps the worker's role to the access entries' group, and only the Roles and
//   RoleBindings `failover rbac` generates for that group let it act. The Tanzu clusters' commands
//   are answered by the simulator's model behind that server (kube/model-behind-control-plane.ts),
//   so the plan tears down the live-switch way (no operator restarts pods there).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CloudWatchClient, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  ListExecutionsCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { Agent, fetch } from 'undici';
import { parse, stringify } from 'yaml';
import { createDynamoDbCoordination } from '../../lambdas/adapters/dynamodb-coordination.js';
import { createDynamoDbJournal } from '../../lambdas/adapters/dynamodb-journal.js';
import { eksBearerToken } from '../../lambdas/adapters/eks-access.js';
import { loadPlan } from '../../lambdas/plan/load-plan.js';
import { DEFAULT_KUBERNETES_GROUP, rbacFor } from '../../lambdas/plan/rbac.js';
import { planCatalogue, PLAN_CATALOGUE_FILE } from '../../lambdas/plan/plan-catalogue.js';
import { planRef } from '../../lambdas/plan/plan-ref.js';
import type { Plan, Side } from '../../lambdas/plan/schema.js';
import { runWorkflow, type LocalHandler } from '../../local/run-workflow.js';
import { buildFunctions } from '../../scripts/build-functions.js';
import { startRoute53Endpoint, type Route53Endpoint } from '../../sim/route53-endpoint.js';
import { createJournalTable } from '../../sim/local-dynamodb.js';
import { loadScenario } from '../../sim/scenario.js';
import { startSimulation, type Simulation } from '../../sim/simulation.js';
import { applyGeneratedRbac } from '../kube/cluster-objects.js';
import { startControlPlane, type ControlPlane } from '../kube/control-plane.js';
import { startEksTokenWebhook, type EksTokenWebhook } from '../kube/eks-token-webhook.js';
import { startModelBridge, type ModelBridge } from '../kube/model-behind-control-plane.js';
import { putAlarm, startMotoServer, type MotoServer } from './moto-server.js';
import { ranAgainst } from '../record.js';

const TABLE = 'failover-journal';
let dir: string;
let moto: MotoServer;
let plan: Plan;
let simulation: Simulation;
let route53: Route53Endpoint;
let eks: Server;
let bridge: ModelBridge;
let webhook: EksTokenWebhook;
let plane: ControlPlane;
let workers: { AwsWorkerArn: LocalHandler; KubeWorkerArn: LocalHandler };
let stateMachineArn: string;

/** The Kubernetes worker's execution role, which an EKS access entry maps to the generated RBAC's group. */
const KUBE_WORKER_ROLE = 'arn:aws:iam::123456789012:role/failover-kube-worker';

const listen = async (server: Server): Promise<number> => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
};

/** EKS's DescribeCluster (REST JSON: GET /clusters/{name}) for the plan's two clusters. */
const eksStandIn = (clusters: Map<string, { endpoint: string; ca: string }>) =>
  createHttpServer((req, res) => {
    const name = decodeURIComponent(/^\/clusters\/([^/?]+)/.exec(req.url ?? '')?.[1] ?? '');
    const cluster = clusters.get(name);
    res.setHeader('content-type', 'application/json');
    if (!cluster) {
      res.statusCode = 404;
      res.setHeader('x-amzn-errortype', 'ResourceNotFoundException');
      res.end(JSON.stringify({ message: `No cluster found for name: ${name}.` }));
      return;
    }
    res.end(
      JSON.stringify({
        cluster: {
          name,
          status: 'ACTIVE',
          endpoint: cluster.endpoint,
          certificateAuthority: { data: cluster.ca },
        },
      }),
    );
  });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'failover-deployed-'));
  // The example Warm Standby plan, automatic when readiness passes: a gate would wait for a
  // person's SendTaskSuccess, which the local runner does not model for a deployed gate.
  const doc = parse(await readFile('examples/plans/rabbitmq-standby.yaml', 'utf8')) as Record<
    string,
    unknown
  >;
  doc['gate'] = { ...(doc['gate'] as object), approval: 'on-risk' };
  (doc['engine'] as { teardown: object }).teardown = { way: 'live-switch' };
  const planFile = join(dir, 'plan.yaml');
  await writeFile(planFile, stringify(doc));
  plan = await loadPlan(planFile);
  simulation = await startSimulation(plan, await loadScenario('examples/scenarios/healthy.yaml', plan));
  route53 = await startRoute53Endpoint({ zone: simulation.dns, hostedZoneId: plan.dns.hostedZoneId });

  moto = await startMotoServer();
  ranAgainst('moto', moto.version);
  const { clientConfig } = moto;

  const clusterNames = (['upstream', 'downstream'] as Side[]).map((side) => plan.clusters[side].eks!.name);
  bridge = await startModelBridge(simulation, plan, dir);
  webhook = await startEksTokenWebhook({
    clusterNames,
    secretAccessKeyOf: (id) =>
      id === clientConfig.credentials.accessKeyId ? clientConfig.credentials.secretAccessKey : undefined,
    // The functions' credentials are their execution role's: STS names that role's session.
    principalOf: () => KUBE_WORKER_ROLE,
    accessEntries: [
      {
        principalArn: KUBE_WORKER_ROLE,
        username: 'failover-kube-worker',
        groups: [DEFAULT_KUBERNETES_GROUP],
      },
    ],
  });
  plane = await startControlPlane({
    podExecs: bridge.podExecs,
    execPath: bridge.execPath,
    tokenWebhook: webhook.url,
  });
  ranAgainst('kube-apiserver', plane.versions.kubeApiserver);
  await bridge.attach(plane);
  // As generated: bound to the group the access entry gives the worker's role, and nothing else.
  for (const entry of rbacFor(plan)) await applyGeneratedRbac(plane.kubeConfig('admin'), entry);
  const ca = (await readFile(plane.caFile)).toString('base64');
  eks = eksStandIn(new Map(clusterNames.map((name) => [name, { endpoint: plane.server, ca }])));
  const eksPort = await listen(eks);

  await createJournalTable(new DynamoDBClient(clientConfig), TABLE);
  const topic = await new SNSClient(clientConfig).send(new CreateTopicCommand({ Name: 'failover' }));
  const cloudwatch = new CloudWatchClient(clientConfig);
  for (const alarm of plan.triggers.alarms) {
    await putAlarm(cloudwatch, alarm.name);
    await cloudwatch.send(
      new SetAlarmStateCommand({ AlarmName: alarm.name, StateValue: 'ALARM', StateReason: 'upstream down' }),
    );
  }
  const machine = await new SFNClient(clientConfig).send(
    new CreateStateMachineCommand({
      name: 'failover',
      roleArn: 'arn:aws:iam::123456789012:role/failover',
      definition: await readFile('statemachines/failover.asl.json', 'utf8'),
    }),
  );
  stateMachineArn = machine.stateMachineArn!;

  // What the stack gives the functions (infra/failover-orchestrator.ts), and where each service is.
  Object.assign(process.env, {
    AWS_REGION: clientConfig.region,
    AWS_ACCESS_KEY_ID: clientConfig.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: clientConfig.credentials.secretAccessKey,
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_ENDPOINT_URL_ROUTE_53: route53.url,
    AWS_ENDPOINT_URL_EKS: `http://127.0.0.1:${eksPort}`,
    JOURNAL_TABLE: TABLE,
    TOPIC_ARN: topic.TopicArn!,
    APPROVAL_CONSOLE_URL: 'https://approvals.example.com',
    STATE_MACHINE_ARN: stateMachineArn,
    POWERTOOLS_METRICS_NAMESPACE: 'FailoverOrchestrator',
    POWERTOOLS_LOG_LEVEL: 'WARN',
  });

  // The functions as the stack bundles them, each with the published plans beside it.
  await buildFunctions(dir);
  const load = async (name: string): Promise<LocalHandler> => {
    const bundle = join(dir, 'lambda', name);
    await writeFile(join(bundle, PLAN_CATALOGUE_FILE), JSON.stringify(planCatalogue([plan])));
    return ((await import(pathToFileURL(join(bundle, 'index.mjs')).href)) as { handler: LocalHandler })
      .handler;
  };
  workers = { AwsWorkerArn: await load('aws-worker'), KubeWorkerArn: await load('kube-worker') };
}, 300_000);

afterAll(async () => {
  eks?.close();
  await bridge?.stop();
  await plane?.stop();
  await webhook?.stop();
  await route53?.close();
  await simulation?.stop();
  await moto?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('an alarm event starts the workflow through the trigger path; the deployed workers fail over through the ASL; DNS, journal and lock as in AWS', async () => {
  const alarm = plan.triggers.alarms[0]!.name;
  const event = {
    version: '0',
    id: 'a1b2c3d4-0000-4000-8000-000000000001',
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: '123456789012',
    time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: moto.clientConfig.region,
    resources: [`arn:aws:cloudwatch:${moto.clientConfig.region}:123456789012:alarm:${alarm}`],
    detail: {
      alarmName: alarm,
      state: { value: 'ALARM', reason: 'upstream down', timestamp: new Date().toISOString() },
      previousState: { value: 'OK', reason: '', timestamp: new Date().toISOString() },
      configuration: { description: '' },
    },
  };
  // The trigger rule's target: the AWS worker resolves the plan and starts the workflow in moto.
  await workers.AwsWorkerArn(event, { getRemainingTimeInMillis: () => 60_000 } as never);
  const sfn = new SFNClient(moto.clientConfig);
  const started = (await sfn.send(new ListExecutionsCommand({ stateMachineArn }))).executions ?? [];
  expect(started).toHaveLength(1);
  const input = JSON.parse(
    (await sfn.send(new DescribeExecutionCommand({ executionArn: started[0]!.executionArn }))).input!,
  ) as { plan: unknown; trigger: unknown };
  expect(input.plan).toEqual(planRef(plan));
  expect(input.trigger).toEqual(event);

  // That execution's input, through the ASL file with the deployed handlers.
  const journal = createDynamoDbJournal({ tableName: TABLE, clientConfig: moto.clientConfig });
  const run = await runWorkflow({
    plan,
    trigger: input.trigger,
    workers,
    journal,
    settleMs: 0,
    retryIntervalMs: 200,
  });
  expect([run.executionStatus, run.report.status, run.report.reason]).toEqual([
    'SUCCEEDED',
    'SUCCEEDED',
    undefined,
  ]);
  expect(run.report.steps.map((s) => `${s.name}:${s.outcome}`)).toEqual(
    expect.arrayContaining(['admit:succeeded', 'fence:succeeded', 'promote:succeeded', 'flip-dns:succeeded']),
  );
  // DNS moved by Route 53's API, the report stored in DynamoDB, and the lock released.
  for (const record of plan.dns.records)
    expect(
      (
        await simulation.dns.getRecord({
          hostedZoneId: plan.dns.hostedZoneId,
          name: record.name,
          type: record.type,
        })
      )?.values,
    ).toEqual([record.downstream]);
  expect((await journal.getReport(run.executionId))?.status).toBe('SUCCEEDED');
  // The worker was the access entry's user on the real server, every time, and nothing else.
  expect(webhook.reviews.length).toBeGreaterThan(0);
  expect(new Set(webhook.reviews.map((r) => JSON.stringify(r)))).toEqual(
    new Set([JSON.stringify({ username: 'failover-kube-worker', groups: [DEFAULT_KUBERNETES_GROUP] })]),
  );
  expect(simulation.state().promotions).toBe(1);
  const now = new Date();
  const lease = {
    owner: 'next',
    acquiredAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + 60_000).toISOString(),
  };
  expect(
    await createDynamoDbCoordination({ tableName: TABLE, clientConfig: moto.clientConfig }).acquireLock(
      plan.name,
      lease,
    ),
  ).toEqual({ acquired: true });
}, 300_000);

it('an execution naming a plan that differs from the published one halts at Admit with BadInput, changing nothing', async () => {
  const edited: Plan = { ...plan, gate: { ...plan.gate, approval: 'never' } };
  const before = await simulation.dns.getRecord({
    hostedZoneId: plan.dns.hostedZoneId,
    name: plan.dns.records[0]!.name,
    type: plan.dns.records[0]!.type,
  });
  const run = await runWorkflow({
    plan: edited,
    trigger: { source: 'operator', requestedBy: 'someone with StartExecution', reason: 'edited plan' },
    workers,
    journal: createDynamoDbJournal({ tableName: TABLE, clientConfig: moto.clientConfig }),
    settleMs: 0,
    retryIntervalMs: 200,
  });
  expect(run.report.status).toBe('HALTED');
  expect(run.report.reason).toMatch(
    /^BadInput: plan orders-rabbitmq: the execution names content [0-9a-f]{64}, but the deployed plan is [0-9a-f]{64}/,
  );
  expect(run.report.steps.map((s) => s.name)).not.toContain('fence');
  expect(run.report.sideEffects).toEqual([]);
  expect(
    await simulation.dns.getRecord({
      hostedZoneId: plan.dns.hostedZoneId,
      name: plan.dns.records[0]!.name,
      type: plan.dns.records[0]!.type,
    }),
  ).toEqual(before);
}, 120_000);

it("the real server takes only what EKS's authenticator vouches for: a token signed for another cluster is a 401, the worker's user a 403 outside its Roles", async () => {
  const ask = async (token: string, path: string) =>
    (
      await fetch(`${plane.server}${path}`, {
        headers: { authorization: `Bearer ${token}` },
        // The server's certificate is signed by the run's CA, which fetch does not know.
        dispatcher: new Agent({ connect: { ca: await readFile(plane.caFile) } }),
      })
    ).status;
  const credentials = moto.clientConfig.credentials;
  const region = moto.clientConfig.region;
  const namespace = plan.engine.type === 'rabbitmq-standby' ? plan.engine.downstream.namespace : '';
  const forPlan = await eksBearerToken({
    clusterName: plan.clusters.downstream.eks!.name,
    region,
    credentials,
  });
  const forOther = await eksBearerToken({ clusterName: 'another-cluster', region, credentials });
  expect(await ask(forPlan, `/api/v1/namespaces/${namespace}/pods`)).toBe(200);
  expect(await ask(forOther, `/api/v1/namespaces/${namespace}/pods`)).toBe(401);
  expect(webhook.reviews.at(-1)).toEqual({ refused: expect.stringMatching(/^SignatureDoesNotMatch/) });
  expect(await ask(forPlan, `/api/v1/namespaces/${namespace}/secrets`)).toBe(403);
  expect(await ask(forPlan, '/api/v1/namespaces/kube-system/pods')).toBe(403);
});
