/**
 * Every relay answer the demo can show, as a sentence for people. The relay's own error code
 * (`relayCode`) picks the sentence; its `message` is never shown as is, since some are written
 * for developers (a validator's "body/password must NOT have fewer than 10 characters"). A
 * code this table does not know falls back to a sentence for its HTTP status class.
 */
import { MAX_EMAIL_LENGTH, MAX_NAME_LENGTH } from '@ferry/protocol'
import { PASSWORD_TOO_LONG, PASSWORD_TOO_SHORT } from './password-rule.ts'

/** What the demo needs of `@ferry/client`'s `RelayError` (kept structural, so any error fits). */
export interface RelayAnswer {
  /** The client's classification: `bad_request`, `rate_limited`, `offline`, … */
  readonly code: string
  readonly status: number
  readonly relayCode: string | null
  readonly message: string
  readonly retryAfterSeconds?: number
}

const BY_RELAY_CODE: Readonly<Record<string, string>> = {
  invalid_credentials: 'That email and password do not match an account.',
  wrong_password: 'That is not your password. Nothing was deleted.',
  password_required: 'Enter your password to delete your account.',
  reauthentication_required: 'Your account has no password: sign out, sign in again, then delete it within 5 minutes.',
  invalid_refresh_token: 'Your session has ended. Please sign in again.',
  unauthorized: 'Your session has ended. Please sign in again.',
  invalid_token: 'This link is invalid, has expired or was already used. Ask for a new one.',
  invalid_code: 'The sign-in did not complete (its code expired or was already used). Please sign in again.',
  email_unconfirmed: 'Confirm your email address first: open the link we mailed you. Then you can share collections.',
  not_owner: 'Only the owner of this collection can do that.',
  not_a_collection: 'Only collections can be shared or deleted this way.',
  doc_deleted: 'This collection was deleted by its owner.',
  link_revoked: 'The owner revoked this link, so it no longer opens.',
  link_expired: 'This link has expired. Ask its owner for a new one.',
  link_used_up: 'This link was opened as many times as its owner allowed. Ask for a new one.',
  collection_trashed: 'The owner moved this collection to the trash. The link opens again if they restore it.',
  unknown_link: 'This link does not exist (it may have been mistyped or deleted).',
  too_many_links: 'You have as many working links as an account may have. Revoke one you no longer need, then try again.',
  invalid_expiry: 'Pick an expiry date in the future.',
  no_vault: 'This account has no vault yet. Set it up first.',
  vault_exists: 'This account already has a vault. Approve this device from one where your values are readable, or use your recovery key.',
  unknown_device: 'That device is no longer in your account. Reload to see the current list.',
  device_revoked: 'This device was removed from your vault. Sign in again to use it.',
  device_pending: 'This device is still waiting for approval from one of your other devices.',
  devices_changed: 'Your devices changed in the meantime (on another device). Reload and try again.',
  stale_generation: 'Your vault key was changed on another device in the meantime. Reload and try again.',
  duplicate_device: 'A device was listed twice. Reload and try again.',
  too_many_devices: 'Your account has as many devices as it may have. Remove one you no longer use, then try again.',
  invalid_public_key: 'This device’s key was not accepted. Reload the page and try again.',
  not_an_image: 'That file is not an image Ferry can read. Pick a JPEG, PNG, WebP, GIF, AVIF, HEIF or TIFF image.',
  too_many_pixels: 'That image is too big. Pick one of at most 4096 × 4096 pixels.',
  too_large: 'That is larger than the relay accepts. Pick a smaller file.',
  missing_image: 'No image was sent. Pick an image and try again.',
  bad_multipart: 'The upload did not arrive whole. Please try again.',
  unsupported_media_type: 'The relay did not accept this kind of upload.',
  invalid_json: 'The relay could not read what was sent. Reload the page and try again.',
  invalid_doc_name: 'That collection does not exist here.',
  unavailable: 'The relay is briefly unavailable. Try again in a moment.',
  internal: 'The relay had a problem. Please try again in a moment.',
}

/** By the client's classification, for answers without a known relay code. */
const BY_CLIENT_CODE: Readonly<Record<string, string>> = {
  invalid_credentials: 'That email and password do not match an account.',
  offline: 'The relay cannot be reached. Check your connection and try again.',
  signed_out: 'Your session has ended. Please sign in again.',
  forbidden: 'You are not allowed to do that.',
  not_found: 'That no longer exists on the relay.',
  conflict: 'That changed in the meantime. Reload and try again.',
  bad_request: 'The relay did not accept that. Check what you entered and try again.',
  server: 'The relay had a problem. Please try again in a moment.',
  unexpected: 'The relay sent an answer this page does not understand. Reload the page; if it stays, the relay may be a different version.',
}

/**
 * A schema validation answer (`invalid_request`): the relay's validator names the field as
 * `body/<field>`, the check after it. Only the field and whether it was too long are taken.
 */
function validationSentence(message: string): string {
  const field = /^body\/(\w+)/.exec(message)?.[1] ?? /required property '(\w+)'/.exec(message)?.[1] ?? null
  const tooLong = /more than/.test(message)
  switch (field) {
    case 'password':
      return tooLong ? PASSWORD_TOO_LONG : PASSWORD_TOO_SHORT
    case 'email':
      return tooLong ? `Use an email address of at most ${MAX_EMAIL_LENGTH} characters.` : 'Enter a valid email address, like name@example.com.'
    case 'name':
      return `Use a name of 1 to ${MAX_NAME_LENGTH} characters, on one line.`
    case 'token':
    case 'code':
      return 'This link is incomplete. Open the link from the email again.'
    default:
      return 'The relay did not accept what was sent. Check the form and try again.'
  }
}

function minutes(seconds: number): string {
  const n = Math.max(1, Math.ceil(seconds / 60))
  return n === 1 ? '1 minute' : `${n} minutes`
}

/** True for anything shaped like `@ferry/client`'s `RelayError`. */
export function isRelayAnswer(error: unknown): error is RelayAnswer {
  if (!error || typeof error !== 'object') return false
  const e = error as Partial<RelayAnswer>
  return typeof e.code === 'string' && typeof e.status === 'number' && 'relayCode' in e
}

/** The sentence for a relay answer. */
export function relaySentence(error: RelayAnswer): string {
  if (error.code === 'rate_limited') return `Too many attempts. Try again in ${minutes(error.retryAfterSeconds ?? 60)}.`
  // A 401 outside sign-in is an ended session, whatever the relay called the token it refused.
  if (error.code === 'offline' || error.code === 'signed_out') return BY_CLIENT_CODE[error.code]!
  if (error.relayCode === 'invalid_request') return validationSentence(error.message)
  const known = error.relayCode === null ? undefined : BY_RELAY_CODE[error.relayCode]
  return known ?? BY_CLIENT_CODE[error.code] ?? BY_CLIENT_CODE[error.status >= 500 ? 'server' : 'bad_request']!
}

const LINK_SENTENCES: Readonly<Record<string, string>> = {
  invalid_link: 'This is not a whole share link. Copy the complete link and try again.',
  link_closed: 'The owner revoked this link (or it expired), so it no longer opens.',
}

/** Why a share link does not open, by `LinkUnavailable.code` (the relay's code, or one of the client's own two). */
export function linkSentence(code: string): string | undefined {
  return LINK_SENTENCES[code] ?? (code.startsWith('link_') || code === 'unknown_link' || code === 'collection_trashed' ? BY_RELAY_CODE[code] : undefined)
}

/**
 * Why sync stopped, from a doc's `error` status. The client composes sentences for a full
 * quota, a change too large and this browser's storage failing (kept, with their advice); a
 * refusal otherwise carries the relay's close reason, written for developers, so it is read
 * by what it is about.
 */
export function syncStopSentence(reason: string): string {
  if (/^this browser|storage quota|too large for the relay/i.test(reason)) return `Sync stopped: ${reason}.`
  if (/deleted/i.test(reason)) return 'Sync stopped: a collection was deleted by its owner.'
  if (/revoked|not allowed|no access|forbidden/i.test(reason)) return 'Sync stopped: the relay no longer lets this device sync one of your documents. Sign in again; if it stays, the document may have been deleted or unshared.'
  if (/document name/i.test(reason)) return 'Sync stopped: the relay does not know one of your documents by its name. Reload the page.'
  return 'Sync stopped: the relay refused what this device sent. Reload the page; if it stays, this page and the relay may be of different versions.'
}
