// What the approval service refuses, each with the HTTP status the console API answers. Messages
// are written for the person deciding and never include a task token.

export abstract class ApprovalServiceError extends Error {
  abstract override readonly name: string;
  abstract readonly status: number;
}

export class InvalidDecisionError extends ApprovalServiceError {
  override readonly name = 'InvalidDecision';
  readonly status = 400;
}

export class NotSignedInError extends ApprovalServiceError {
  override readonly name = 'NotSignedIn';
  readonly status = 401;
}

export class NotAnApproverError extends ApprovalServiceError {
  override readonly name = 'NotAnApprover';
  readonly status = 403;
}

export class ApprovalNotFoundError extends ApprovalServiceError {
  override readonly name = 'ApprovalNotFound';
  readonly status = 404;
}

export class AlreadyDecidedError extends ApprovalServiceError {
  override readonly name = 'AlreadyDecided';
  readonly status = 409;
}

export class ApprovalExpiredError extends ApprovalServiceError {
  override readonly name = 'ApprovalExpired';
  readonly status = 410;
}

/** The decision is recorded, but the workflow had stopped waiting (timed out, stopped, halted). */
export class WorkflowNotWaitingError extends ApprovalServiceError {
  override readonly name = 'WorkflowNotWaiting';
  readonly status = 410;
}

/** The decision is recorded but could not be handed to the workflow yet; the same decision again retries. */
export class DeliveryFailedError extends ApprovalServiceError {
  override readonly name = 'DeliveryFailed';
  readonly status = 503;
}
