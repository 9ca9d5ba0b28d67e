// The journal table: step records, reports, pending approvals, plan locks and state. In one Region
// a table of the stack's. In several, one DynamoDB global table: the home Region's orchestrator
// creates it by a fixed name with a replica in each other Region, and the other orchestrators use
// their Region's replica by that name, so every Region reads the same locks and journal.
//
// Replication is asynchronous (about a second): the single-flight lock is a conditional write in
// the Region that acts, and two Regions could both take a plan's lock within that second. That is
// why a leg acts from exactly one Region, its side's (plan/regions.ts), and the other Region's
// workflow refuses to (Admit).
import { Stack, type RemovalPolicy } from 'aws-cdk-lib';
import {
  AttributeType,
  Billing,
  BillingMode,
  Table,
  TableEncryption,
  TableV2,
  type ITable,
} from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { journalTableKeys } from '../lambdas/adapters/dynamodb-journal.js';
import { homeRegion, type MultiRegionProps } from './deployment-regions.js';

export interface JournalTableProps {
  readonly removalPolicy: RemovalPolicy;
  /** One Region only: a global table would need a key in each. */
  readonly encryptionKey?: IKey;
  readonly multiRegion?: MultiRegionProps;
}

export const createJournalTable = (scope: Construct, id: string, props: JournalTableProps): ITable => {
  const keys = {
    partitionKey: { name: journalTableKeys.partitionKey, type: AttributeType.STRING },
    sortKey: { name: journalTableKeys.sortKey, type: AttributeType.STRING },
    timeToLiveAttribute: journalTableKeys.timeToLiveAttribute,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    removalPolicy: props.removalPolicy,
  };
  const { encryptionKey, multiRegion } = props;
  if (!multiRegion)
    return new Table(scope, id, {
      ...keys,
      billingMode: BillingMode.PAY_PER_REQUEST,
      ...(encryptionKey ? { encryption: TableEncryption.CUSTOMER_MANAGED, encryptionKey } : {}),
    });
  const region = Stack.of(scope).region;
  if (region !== homeRegion(multiRegion.regions))
    return TableV2.fromTableName(scope, id, multiRegion.journalTableName);
  return new TableV2(scope, id, {
    ...keys,
    tableName: multiRegion.journalTableName,
    billing: Billing.onDemand(),
    replicas: multiRegion.regions
      .filter((r) => r !== region)
      .map((replicaRegion) => ({ region: replicaRegion })),
  });
};
