// What a Lambda entry calls on AWS, read from its code: every `...Command` imported from an
// `@aws-sdk/client-*` package by any module the entry reaches through relative imports. The grants
// tests compare it with the function's IAM policy: an action the code calls but the role lacks
// would fail only during a real failover.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

// IAM prefixes of the SDK clients the functions use; a new client must be added here on purpose.
const IAM_PREFIX_OF_CLIENT: Record<string, string> = {
  cloudwatch: 'cloudwatch',
  dynamodb: 'dynamodb',
  eks: 'eks',
  'route-53': 'route53',
  'route53-recovery-cluster': 'route53-recovery-cluster',
  sfn: 'states',
  sns: 'sns',
};

/** The entry and every module it reaches through relative imports (type-only imports included: harmless, they import no Command). */
const reachable = (entry: string): string[] => {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(/from '(\.\.?\/[^']+)\.js'/g))
      visit(resolve(dirname(file), `${m[1]}.ts`));
  };
  visit(entry);
  return [...seen];
};

/** `service:Operation` for every SDK command the entry's code may send. */
export const sdkActionsCalledBy = (entry: string): string[] => [
  ...new Set(
    reachable(entry).flatMap((file) =>
      [
        ...readFileSync(file, 'utf8').matchAll(/import\s*\{([^}]*)\}\s*from\s*'@aws-sdk\/client-([\w-]+)'/g),
      ].flatMap(([, names = '', client = '']) => {
        const prefix = IAM_PREFIX_OF_CLIENT[client];
        if (!prefix)
          throw new Error(
            `${file} uses @aws-sdk/client-${client}: add its IAM prefix to IAM_PREFIX_OF_CLIENT`,
          );
        return names
          .split(',')
          .map((name) => name.trim())
          .filter((name) => /^\w+Command$/.test(name))
          .map((name) => `${prefix}:${name.replace(/Command$/, '')}`);
      }),
    ),
  ),
];

/**
 * The calls of each way of switching traffic (a plan's `dns.switch.via`): the AWS worker is
 * granted them only when some plan switches that way (infra/failover-orchestrator.ts).
 */
export const trafficSwitchActions = {
  records: /^route53:/,
  'routing-controls': /^route53-recovery-cluster:/,
} as const;
