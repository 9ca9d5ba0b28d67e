// Lambda entry: the approval console (static page and API) behind API Gateway and Cognito.
import { fileURLToPath } from 'node:url';
import { createDynamoDbApprovalStore } from '../adapters/dynamodb-approval-store.js';
import { createDynamoDbJournal } from '../adapters/dynamodb-journal.js';
import { createSfnWorkflowResume } from '../adapters/sfn-workflow-resume.js';
import { createApprovalService } from '../approvals/approval-service.js';
import { loadConsoleAssets } from '../approvals/console-assets.js';
import { journalledResume } from '../approvals/journalled-resume.js';
import { callerFromJwtClaims, createApprovalApi } from '../handlers/approval-api.js';
import { systemClock } from '../ports/clock.js';
import { logger, requiredEnv } from './runtime.js';

const tableName = requiredEnv('JOURNAL_TABLE');
const journal = createDynamoDbJournal({ tableName });

export const handler = createApprovalApi(
  {
    service: createApprovalService({
      store: createDynamoDbApprovalStore({ tableName }),
      resume: journalledResume(journal, createSfnWorkflowResume()),
      journal,
      clock: systemClock,
    }),
    callerOf: callerFromJwtClaims,
    // The stack's bundling copies console/ next to the bundle.
    assets: loadConsoleAssets(fileURLToPath(new URL('./console/', import.meta.url)), {
      type: 'cognito',
      domain: requiredEnv('COGNITO_DOMAIN'),
      clientId: requiredEnv('COGNITO_CLIENT_ID'),
      redirectUri: requiredEnv('CONSOLE_URL'),
    }),
  },
  logger,
);
