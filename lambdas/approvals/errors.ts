// What the approval service refuses, each with the HTTP status the console API answers. Messages
// are written for the person deciding and never include a task token.
import type { z } from 'zod';
import { quoted } from '../plan/excerpt.js';

export abstract class ApprovalServiceError extends Error {
  abstract override readonly name: string;
  abstract readonly status: number;
}

export class InvalidDecisionError extends ApprovalServiceError {
  override readonly name = 'InvalidDecision';
  readonly status = 400;
}

/** A request body's problems on one line: each field and what it expects, unknown keys quoted short. */
export const invalidBody = (issues: z.core.$ZodIssue[], what: string): InvalidDecisionError =>
  new InvalidDecisionError(
    issues
      .map((i) =>
        i.code === 'unrecognized_keys'
          ? `unknown field ${i.keys.map((k) => quoted(k)).join(', ')}`
          : `${i.path.join('.') || what}: ${i.message}`,
      )
      .join('; '),
  );

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

/** The decision was sent, but neither the reply nor the workflow's record says yet whether it arrived. */
export class DeliveryUnclearError extends ApprovalServiceError {
  override readonly name = 'DeliveryUnclear';
  readonly status = 503;
}
