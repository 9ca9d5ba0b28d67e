// Who may decide at a plan's gate, and who is asking. A plan names its approvers; the console
// signs people in with Cognito, the CLI against a deployed stack uses the caller's IAM identity,
// and a drill's console belongs to whoever runs the drill.
const IAM_PRINCIPAL = /^arn:(aws[a-z-]*):iam::(\d{12}):(role|user)\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,128})$/;
const ASSUMED_ROLE = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([\w+=,.@-]{1,128})\/[\w+=,.@-]+$/;
const COGNITO = /^(user|group):\S{1,128}$/;

/**
 * A plan's approver: `user:NAME` (a Cognito user of the console), `group:NAME` (any member of that
 * Cognito group), or an IAM role or user ARN (any session of the role; used by `failover approve`
 * with AWS credentials).
 */
export const isApproverEntry = (entry: string): boolean => COGNITO.test(entry) || IAM_PRINCIPAL.test(entry);

export const APPROVER_EXPECTED =
  'expected `user:NAME` (a console user), `group:NAME` (a console group) or an IAM role or user ARN such as arn:aws:iam::111122223333:role/failover-approver';

export type Caller =
  /** Signed in to the console through the stack's Cognito user pool. */
  | { kind: 'cognito'; username: string; groups: string[] }
  /** The CLI against a deployed stack: the ARN STS GetCallerIdentity returns for the caller's credentials. */
  | { kind: 'iam'; arn: string }
  /** A drill's console and CLI: it listens on 127.0.0.1 only, for the person who runs the drill. */
  | { kind: 'local'; operator: string };

interface IamPrincipal {
  partition: string;
  account: string;
  type: string;
  name: string;
}

// An assumed-role session ARN drops the role's path, so roles are compared by account and name.
const iamPrincipal = (arn: string): IamPrincipal | undefined => {
  const iam = IAM_PRINCIPAL.exec(arn);
  if (iam) return { partition: iam[1]!, account: iam[2]!, type: iam[3]!, name: iam[4]! };
  const session = ASSUMED_ROLE.exec(arn);
  return session
    ? { partition: session[1]!, account: session[2]!, type: 'role', name: session[3]! }
    : undefined;
};

const samePrincipal = (a: IamPrincipal, b: IamPrincipal) =>
  a.partition === b.partition && a.account === b.account && a.type === b.type && a.name === b.name;

export const mayApprove = (approvers: readonly string[], caller: Caller): boolean => {
  switch (caller.kind) {
    case 'local':
      return true;
    case 'cognito':
      return (
        approvers.includes(`user:${caller.username}`) ||
        caller.groups.some((group) => approvers.includes(`group:${group}`))
      );
    case 'iam': {
      const principal = iamPrincipal(caller.arn);
      return (
        principal !== undefined &&
        approvers.some((entry) => {
          const approver = iamPrincipal(entry);
          return approver !== undefined && samePrincipal(approver, principal);
        })
      );
    }
  }
};

/** How the decision names its author in the approval, the journal and the report. */
export const describeCaller = (caller: Caller): string => {
  switch (caller.kind) {
    case 'local':
      return caller.operator;
    case 'cognito':
      return `user:${caller.username}`;
    case 'iam':
      return caller.arn;
  }
};
