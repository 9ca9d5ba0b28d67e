// Errors the workflow routes on. Each `name` equals the ASL `ErrorEquals` string, because
// Step Functions (and the local runner) route a thrown error by its name.

abstract class FailoverError extends Error {
  abstract override readonly name: string;
  /** Evidence the journal keeps with the failed attempt (e.g. every readiness check). */
  constructor(
    message: string,
    readonly detail?: unknown,
  ) {
    super(message);
  }
}

/** Worth retrying: API 5xx/429, timeouts, connection resets. The ASL retries these with backoff. */
export class TransientError extends FailoverError {
  override readonly name = 'Transient';
}

/**
 * The API server could not be reached at all (connection refused or reset, no answer in time),
 * as opposed to one that answered with an error. Still retried as `Transient`; the fence uses
 * the difference to tell a lost site from a struggling one.
 */
export class UnreachableError extends TransientError {}

/** The downstream failed a readiness check; `checks` carries the evidence. */
export class NotReadyError extends FailoverError {
  override readonly name = 'NotReady';
}

/** The alarm returned to OK during the settle time: no failover. */
export class AlarmClearedError extends FailoverError {
  override readonly name = 'AlarmCleared';
}

/**
 * The alarm has no data (INSUFFICIENT_DATA) after the settle time: it neither cleared nor
 * confirmed the failure, so nothing may move on its word; a person must look.
 */
export class AlarmNotConfirmedError extends FailoverError {
  override readonly name = 'AlarmNotConfirmed';
}

export class ApprovalRejectedError extends FailoverError {
  override readonly name = 'ApprovalRejected';
}

export class PromotionFailedError extends FailoverError {
  override readonly name = 'PromotionFailed';
}

/** A step acted, but reading back the result did not show what it should. */
export class VerificationFailedError extends FailoverError {
  override readonly name = 'VerificationFailed';
}

export class TeardownFailedError extends FailoverError {
  override readonly name = 'TeardownFailed';
}

export class DnsChangeFailedError extends FailoverError {
  override readonly name = 'DnsChangeFailed';
}

/** The trigger was not admitted: a duplicate event, another failover running, cooldown, already failed over. */
export class BlockedError extends FailoverError {
  override readonly name = 'Blocked';
}

/** The old upstream could not be fenced (unreachable) and the plan does not allow an ungraceful failover. */
export class FenceUnverifiedError extends FailoverError {
  override readonly name = 'FenceUnverified';
}

/** Input that no retry can fix: a malformed plan or event. */
export class BadInputError extends FailoverError {
  override readonly name = 'BadInput';
}

/** A step reached the end of its time budget, which lies inside its state's timeout: it issues nothing more. */
export class DeadlineExceededError extends FailoverError {
  override readonly name = 'DeadlineExceeded';
}

/** This execution no longer holds its plan's single-flight lock: another run may be acting, so this one stops. */
export class LockLostError extends FailoverError {
  override readonly name = 'LockLost';
}

/** An earlier promotion attempt may still be running or may have acted, and nothing shows which: promoting again could promote twice. */
export class PromotionUncertainError extends FailoverError {
  override readonly name = 'PromotionUncertain';
}

/**
 * The site's API answered, and what the plan names is not there (a namespace or cluster that does
 * not exist): a configuration error, never a lost site. Halts before anything is changed.
 */
export class MisconfiguredError extends FailoverError {
  override readonly name = 'Misconfigured';
}

/**
 * The DNS service refused this caller (Route 53 AccessDenied): its credentials lack a permission,
 * which no retry grants.
 */
export class DnsAccessDeniedError extends FailoverError {
  override readonly name = 'DnsAccessDenied';
}

/** A graceful switchover whose standby did not hold everything within the plan's bound: the fence is lifted, nothing promoted. */
export class CatchUpTimedOutError extends FailoverError {
  override readonly name = 'CatchUpTimedOut';
}

export const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));
