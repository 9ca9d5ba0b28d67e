// Kubernetes access without stored secrets: an EKS access entry per plan cluster maps the
// Kubernetes worker's IAM role to a Kubernetes group, which the RBAC from `failover rbac PLAN`
// binds to exactly the verbs and resources the plan's engine uses. An access entry is a resource
// of the cluster's region, and a failover's clusters are in different regions by design, so the
// entries of each region live in a small stack of that region.
import { Stack, type StackProps } from 'aws-cdk-lib';
import { CfnAccessEntry } from 'aws-cdk-lib/aws-eks';
import type { Construct } from 'constructs';

export interface EksAccessStackProps extends StackProps {
  /** Clusters of this stack's region. */
  readonly clusterNames: string[];
  /** The Kubernetes worker's role, by name: the role lives in another stack (often another region). */
  readonly roleName: string;
  readonly kubernetesGroup: string;
}

export class EksAccessStack extends Stack {
  /** By cluster name. */
  readonly entries: ReadonlyMap<string, CfnAccessEntry>;

  constructor(scope: Construct, id: string, props: EksAccessStackProps) {
    super(scope, id, props);
    const principalArn = this.formatArn({
      service: 'iam',
      region: '',
      resource: 'role',
      resourceName: props.roleName,
    });
    this.entries = new Map(
      props.clusterNames.map((clusterName) => [
        clusterName,
        new CfnAccessEntry(this, `Entry-${clusterName}`, {
          clusterName,
          principalArn,
          // No access policy: the group's RoleBindings are the whole of what the role may do.
          type: 'STANDARD',
          kubernetesGroups: [props.kubernetesGroup],
        }),
      ]),
    );
  }
}
