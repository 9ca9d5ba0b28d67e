// Where `failover approvals|approve|reject` send their requests: a running drill's console API
// (`--endpoint`), or the approval service itself against a deployed stack's table (`--table`,
// see approvals-aws.ts). Both answer with the console API's views and its refusals.
import type { ApprovalService, ApprovalSummary, ApprovalView, DecisionInput } from '../lambdas/approvals/approval-service.js';
import type { Caller } from '../lambdas/approvals/approvers.js';

export interface ApprovalsClient {
  list(): Promise<ApprovalSummary[]>;
  get(id: string): Promise<ApprovalView>;
  decide(id: string, input: DecisionInput): Promise<ApprovalView>;
}

/** A refusal or failure, with the HTTP status the console API answers for it. */
export class ApprovalsRequestError extends Error {
  override readonly name = 'ApprovalsRequestError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export const serviceClient = (service: ApprovalService, caller: Caller): ApprovalsClient => ({
  list: () => service.list(caller),
  get: (id) => service.get(id, caller),
  decide: (id, input) => service.decide(id, caller, input),
});

export const endpointClient = (endpoint: string): ApprovalsClient => {
  const base = endpoint.replace(/\/+$/, '');
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers: { accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    } catch (err) {
      throw new ApprovalsRequestError(`cannot reach the approval console at ${base} (${((err as Error).cause as Error | undefined)?.message ?? (err as Error).message}): is the drill still running?`, 503);
    }
    const data = (await response.json().catch(() => ({}))) as { message?: string };
    if (!response.ok) throw new ApprovalsRequestError(data.message ?? `the approval console answered HTTP ${response.status}`, response.status);
    return data as T;
  };
  return {
    list: async () => (await call<{ approvals: ApprovalSummary[] }>('GET', '/approvals')).approvals,
    get: (id) => call('GET', `/approvals/${encodeURIComponent(id)}`),
    decide: (id, input) => call('POST', `/approvals/${encodeURIComponent(id)}/decision`, input),
  };
};
