/**
 * WebSocket close codes the relay uses on `/v1/sync` and `/v1/mux` (there also in per-doc
 * `refused` control messages: docs/PROTOCOL.md). 4400–4499 mirror HTTP 4xx: the relay
 * made a deliberate decision that reconnecting with the same credentials cannot fix, and the
 * stock `y-websocket` provider stops reconnecting on them. 4500–4599 mean "try again later":
 * the stock provider reconnects with backoff. 1001, 1009, 1011 and 1013 are RFC 6455 codes.
 */
export const CloseCode = {
  /** The relay is shutting down (SIGTERM) or the room is going away; reconnect later. */
  GoingAway: 1001,
  /**
   * A frame was larger than the relay accepts from this socket: `MAX_OWNER_MESSAGE_BYTES` for
   * a doc's owner, `MAX_MESSAGE_BYTES` for anyone else (or `MAX_AWARENESS_BYTES` for one
   * awareness state).
   */
  TooLarge: 1009,
  /** The relay failed internally; reconnecting may help. */
  InternalError: 1011,
  /**
   * The relay is busy (a socket sent too much before its doc loaded, a session could not be
   * checked); reconnect after the `retry-after=<seconds>` its reason carries.
   */
  TryAgainLater: 1013,
  /** A malformed message: bad framing, unknown type, an update that does not decode, a text frame. */
  Malformed: 4400,
  /** No token, or a token that is invalid or expired: refresh the access token, then reconnect. */
  Unauthenticated: 4401,
  /** The token is valid but grants nothing on this doc (or a share link was revoked). */
  Forbidden: 4403,
  /** The doc name in the URL is not a valid doc name. */
  BadDocName: 4404,
  /**
   * Share links only: the collection is in its owner's trash (mirrors HTTP 423 Locked: it
   * exists, but is not available now). The link was suspended, not revoked: it opens again
   * once the owner restores the collection. The owner's own devices are never refused it.
   */
  CollectionTrashed: 4423,
  /**
   * Multiplexed sockets only, in a per-doc `refused`: the socket already has
   * `MAX_DOCS_PER_SOCKET` docs open. Opening it again on this socket cannot help until the
   * client closes another doc; its other docs are unaffected.
   */
  TooManyDocs: 4429,
  /**
   * A fragmented message (type 101) declared more bytes than the relay reassembles for one
   * socket (`MAX_REASSEMBLED_BYTES`). Sending it again cannot help; the client keeps the change
   * and tells the user (the relay's operator can raise the limit).
   */
  ChangeTooLarge: 4413,
  /**
   * The doc was deleted by its owner (`DELETE /v1/docs/:docName`) and never comes back: a
   * client drops its local copy and stops reconnecting.
   */
  Gone: 4410,
  /**
   * The update would take the doc owner's account over its storage quota
   * (`ACCOUNT_QUOTA_BYTES`, or `UNCONFIRMED_ACCOUNT_QUOTA_BYTES` before the email is confirmed);
   * the reason names the limit. The update was not applied, stored or acknowledged; what the
   * socket sent before it was. Ferry's client keeps the change and stops that doc until
   * `syncNow()` (free space by deleting collections, or ask the operator to raise the quota);
   * stock providers retry with backoff.
   */
  QuotaExceeded: 4507,
  /** The client stopped reading: its unsent data passed the relay's send-buffer cap. */
  SlowConsumer: 4508,
  /**
   * Too many new connections from this address, or too many sync requests on one socket (or
   * one doc of a multiplexed socket); back off for the `retry-after=<seconds>` its reason carries.
   */
  RateLimited: 4529,
} as const

export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode]
