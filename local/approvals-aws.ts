// `failover approve|reject|approvals --table NAME`: the approval service of a deployed stack, run
// in the CLI with the operator's own AWS credentials. The caller is who STS says the credentials
// belong to, checked against the plan's approvers exactly as the console API checks its users;
// the credentials themselves need the stack's ApproverCliPolicy (the table and the state
// machine's SendTaskSuccess/SendTaskFailure), so IAM decides who can reach the gate at all.
import { Sha256 } from '@aws-crypto/sha256-js';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { createDynamoDbApprovalStore } from '../lambdas/adapters/dynamodb-approval-store.js';
import { createDynamoDbJournal } from '../lambdas/adapters/dynamodb-journal.js';
import { createSfnWorkflowResume } from '../lambdas/adapters/sfn-workflow-resume.js';
import { createApprovalService } from '../lambdas/approvals/approval-service.js';
import { journalledResume } from '../lambdas/approvals/journalled-resume.js';
import { systemClock } from '../lambdas/ports/clock.js';
import { ApprovalsRequestError, serviceClient, type ApprovalsClient } from './approvals-client.js';

export interface CallerIdentityOptions {
  region: string;
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Default: the regional STS endpoint. */
  endpoint?: string;
}

/**
 * STS GetCallerIdentity, signed with SigV4 (the registry's STS client is not a dependency; the
 * signer is, for EKS tokens). Needs no permission: it only names the caller.
 */
export const stsCallerArn = async (options: CallerIdentityOptions): Promise<string> => {
  const url = new URL(options.endpoint ?? `https://sts.${options.region}.${options.region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com'}/`);
  const body = 'Action=GetCallerIdentity&Version=2011-06-15';
  const signer = new SignatureV4({ service: 'sts', region: options.region, credentials: options.credentials, sha256: Sha256 });
  const signed = await signer.sign(
    new HttpRequest({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body,
    }),
  );
  const response = await fetch(url, { method: 'POST', headers: signed.headers, body });
  const text = await response.text();
  const arn = /<Arn>([^<]+)<\/Arn>/.exec(text)?.[1];
  if (!response.ok || !arn) {
    const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? `HTTP ${response.status}`;
    throw new ApprovalsRequestError(`cannot tell who you are from your AWS credentials (STS GetCallerIdentity: ${code}); check your AWS profile and region`, 401);
  }
  return arn;
};

export interface DeployedApprovalsOptions {
  table: string;
  region?: string;
  dynamo?: DynamoDBClient;
  sfn?: SFNClient;
  /** Default: STS GetCallerIdentity with the DynamoDB client's credentials and region. */
  callerArn?: () => Promise<string>;
}

export const deployedApprovals = async (options: DeployedApprovalsOptions): Promise<ApprovalsClient> => {
  const config = options.region ? { region: options.region } : {};
  const dynamo = options.dynamo ?? new DynamoDBClient(config);
  const sfn = options.sfn ?? new SFNClient(config);
  const journal = createDynamoDbJournal({ tableName: options.table, client: dynamo });
  const service = createApprovalService({
    store: createDynamoDbApprovalStore({ tableName: options.table, client: dynamo }),
    resume: journalledResume(journal, createSfnWorkflowResume({ client: sfn })),
    journal,
    clock: systemClock,
  });
  const arn = await (options.callerArn ?? (async () => stsCallerArn({ region: await dynamo.config.region(), credentials: dynamo.config.credentials })))();
  return serviceClient(service, { kind: 'iam', arn });
};
