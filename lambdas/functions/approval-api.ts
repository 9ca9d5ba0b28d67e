// Lambda entry: the approval console (static page and API) behind API Gateway, for Cognito users
// and for the CLI with IAM credentials (approvals, and `failover ack`).
import { fileURLToPath } from 'node:url';
import { createDynamoDbJournal } from '../adapters/dynamodb-journal.js';
import { createDynamoDbPlanState } from '../adapters/dynamodb-plan-state.js';
import { createApprovalService } from '../approvals/approval-service.js';
import { loadConsoleAssets } from '../approvals/console-assets.js';
import { createDynamoDbApprovalStore } from '../approvals/dynamodb-store.js';
import { gateJournal } from '../approvals/gate-journal.js';
import { callerFromAuthorizer, createApprovalApi } from '../approvals/http-api.js';
import { createSfnWorkflowResume } from '../approvals/step-functions-resume.js';
import { systemClock } from '../ports/clock.js';
import { logger, requiredEnv } from './runtime.js';

const tableName = requiredEnv('JOURNAL_TABLE');
const journal = createDynamoDbJournal({ tableName });

export const handler = createApprovalApi(
  {
    service: createApprovalService({
      store: createDynamoDbApprovalStore({ tableName }),
      resume: createSfnWorkflowResume(),
      journal,
      clock: systemClock,
      gateJournal: gateJournal(journal),
    }),
    callerOf: callerFromAuthorizer,
    planState: createDynamoDbPlanState({ tableName }),
    clock: systemClock,
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
