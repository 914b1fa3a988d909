/**
 * Typed errors of the relay API client. Every failure a UI must tell apart has its own class
 * and a stable `code`, so callers branch with `instanceof` or `switch (error.code)` instead of
 * parsing messages.
 */

/** Stable codes of {@link RelayError}. */
export type RelayErrorCode =
  | 'invalid_credentials'
  | 'rate_limited'
  | 'offline'
  | 'signed_out'
  | 'bad_request'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'server'
  | 'unexpected'

export class RelayError extends Error {
  override name = 'RelayError'
  constructor(
    readonly code: RelayErrorCode,
    message: string,
    /** HTTP status, or 0 when no answer arrived. */
    readonly status: number,
    /** The relay's own error code from `{ error: { code } }`, when it sent one. */
    readonly relayCode: string | null = null,
  ) {
    super(message)
  }
}

/** Wrong email or password (or an OIDC code that is unknown, used or expired). */
export class InvalidCredentials extends RelayError {
  override name = 'InvalidCredentials'
  constructor(message: string, status: number, relayCode: string | null) {
    super('invalid_credentials', message, status, relayCode)
  }
}

/** Too many attempts; try again after `retryAfterSeconds`. */
export class RateLimited extends RelayError {
  override name = 'RateLimited'
  constructor(
    message: string,
    relayCode: string | null,
    /** Seconds to wait before retrying, from `Retry-After` (default 60 when absent). */
    readonly retryAfterSeconds: number,
  ) {
    super('rate_limited', message, 429, relayCode)
  }
}

/** The relay could not be reached (network down, DNS, connection refused, aborted). */
export class Offline extends RelayError {
  override name = 'Offline'
  constructor(message = 'The relay cannot be reached.') {
    super('offline', message, 0)
  }
}

/** The session is over (refresh token revoked, expired or reused): sign in again. */
export class SignedOut extends RelayError {
  override name = 'SignedOut'
  constructor(message = 'Your session has ended. Sign in again.', status = 401, relayCode: string | null = null) {
    super('signed_out', message, status, relayCode)
  }
}

/** The relay rejected the input (400); `message` is the relay's explanation. */
export class BadRequest extends RelayError {
  override name = 'BadRequest'
  constructor(message: string, relayCode: string | null) {
    super('bad_request', message, 400, relayCode)
  }
}
