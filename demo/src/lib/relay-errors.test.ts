/**
 * A table of relay answers (status, headers, body as the relay sends them) through the real
 * `RelayApi` and the demo's `describeError`: each becomes the sentence a person reads, and no
 * developer text (a validator's "body/…", "must NOT", "P-256") ever does.
 */
import { LinkUnavailable, RelayApi } from '@ferry/client'
import { describe, expect, it } from 'vitest'
import { describeError } from '../ui/form.ts'
import { syncStopSentence } from './relay-errors.ts'

interface Answer {
  readonly status: number
  readonly code: string
  readonly message: string
  readonly headers?: Record<string, string>
}

const table: readonly [Answer, string][] = [
  [{ status: 400, code: 'invalid_request', message: 'body/password must NOT have fewer than 10 characters' }, 'Use a password of at least 10 characters.'],
  [{ status: 400, code: 'invalid_request', message: 'body/password must NOT have more than 1024 characters' }, 'Use a password of at most 1024 characters.'],
  [{ status: 400, code: 'invalid_request', message: 'body/email must match format "email"' }, 'Enter a valid email address, like name@example.com.'],
  [{ status: 400, code: 'invalid_request', message: 'body/email must NOT have more than 254 characters' }, 'Use an email address of at most 254 characters.'],
  [{ status: 400, code: 'invalid_request', message: 'body/name must match pattern "^[^\\u0000-\\u001f]*\\S"' }, 'Use a name of 1 to 100 characters, on one line.'],
  [{ status: 400, code: 'invalid_request', message: "body must have required property 'password'" }, 'Use a password of at least 10 characters.'],
  [{ status: 400, code: 'invalid_request', message: 'body/token must NOT have fewer than 1 characters' }, 'This link is incomplete. Open the link from the email again.'],
  [{ status: 400, code: 'invalid_request', message: 'body must NOT have additional properties' }, 'The relay did not accept what was sent. Check the form and try again.'],
  [{ status: 400, code: 'invalid_token', message: 'This reset link is invalid, expired or already used.' }, 'This link is invalid, has expired or was already used. Ask for a new one.'],
  [{ status: 400, code: 'invalid_public_key', message: 'publicKey is not an uncompressed P-256 public key.' }, 'This device’s key was not accepted. Reload the page and try again.'],
  [{ status: 400, code: 'bad_multipart', message: 'Malformed upload: Unexpected end of form' }, 'The upload did not arrive whole. Please try again.'],
  [{ status: 401, code: 'invalid_token', message: 'Your session has expired or is invalid. Sign in again.' }, 'Your session has ended. Please sign in again.'],
  [{ status: 403, code: 'email_unconfirmed', message: 'Confirm your email address before sharing collections.' }, 'Confirm your email address first: open the link we mailed you. Then you can share collections.'],
  [{ status: 409, code: 'too_many_devices', message: 'An account can have 32 devices; revoke one you no longer use.' }, 'Your account has as many devices as it may have. Remove one you no longer use, then try again.'],
  [{ status: 410, code: 'link_revoked', message: 'This link was revoked by its owner.' }, 'The owner revoked this link, so it no longer opens.'],
  [{ status: 410, code: 'collection_trashed', message: "This collection is in its owner's trash; the link works again if the owner restores it." }, 'The owner moved this collection to the trash. The link opens again if they restore it.'],
  [{ status: 413, code: 'too_large', message: 'The image is larger than 2097152 bytes.' }, 'That is larger than the relay accepts. Pick a smaller file.'],
  [{ status: 422, code: 'not_an_image', message: 'The file is not an image Ferry can read.' }, 'That file is not an image Ferry can read. Pick a JPEG, PNG, WebP, GIF, AVIF, HEIF or TIFF image.'],
  [{ status: 429, code: 'rate_limited', message: 'Too many attempts.', headers: { 'retry-after': '90' } }, 'Too many attempts. Try again in 2 minutes.'],
  [{ status: 429, code: 'rate_limited', message: 'Too many attempts.', headers: { 'retry-after': '20' } }, 'Too many attempts. Try again in 1 minute.'],
  [{ status: 500, code: 'internal', message: 'Something went wrong on the relay.' }, 'The relay had a problem. Please try again in a moment.'],
  [{ status: 503, code: 'unavailable', message: 'This is briefly unavailable. Try again in a moment.' }, 'The relay is briefly unavailable. Try again in a moment.'],
  // Codes a newer relay may add: a sentence for the status class, never the raw message.
  [{ status: 400, code: 'brand_new_check', message: 'body/x failed check 7' }, 'The relay did not accept that. Check what you entered and try again.'],
  [{ status: 502, code: 'proxy_failed', message: 'upstream ECONNRESET' }, 'The relay had a problem. Please try again in a moment.'],
]

/** What `RelayApi.signup` throws when the relay answers `answer`. */
async function thrownFor(answer: Answer): Promise<unknown> {
  const fetch = async () =>
    new Response(JSON.stringify({ error: { code: answer.code, message: answer.message } }), {
      status: answer.status,
      headers: { 'content-type': 'application/json', ...answer.headers },
    })
  const api = new RelayApi({ baseUrl: 'http://relay.test', fetch })
  return api.signup({ email: 'a@example.com', password: 'long enough pw' }).then(() => null, (error: unknown) => error)
}

describe('relay answers as sentences', () => {
  it.each(table)('%o reads "%s"', async (answer, sentence) => {
    const shown = describeError(await thrownFor(answer))
    expect(shown).toBe(sentence)
    expect(shown).not.toMatch(/body\/|must NOT|P-256|ECONNRESET|Malformed/)
  })

  it('says the relay cannot be reached when nothing answers', async () => {
    const api = new RelayApi({ baseUrl: 'http://relay.test', fetch: async () => Promise.reject(new TypeError('Failed to fetch')) })
    const error = await api.recover('a@example.com').then(() => null, (e: unknown) => e)
    expect(describeError(error)).toBe('The relay cannot be reached. Check your connection and try again.')
  })

  it('reads a wrong password at sign-in as such', async () => {
    const fetch = async () => new Response(JSON.stringify({ error: { code: 'invalid_credentials', message: 'Wrong email or password.' } }), { status: 401 })
    const error = await new RelayApi({ baseUrl: 'http://relay.test', fetch }).login('a@example.com', 'x').then(() => null, (e: unknown) => e)
    expect(describeError(error)).toBe('That email and password do not match an account.')
  })

  it('says a link of a trashed collection opens again after a restore', () => {
    expect(describeError(new LinkUnavailable('collection_trashed', "This collection is in its owner's trash."))).toBe('The owner moved this collection to the trash. The link opens again if they restore it.')
  })

  it('shows the sentence a result error of the client carries (a refused Postman file), not a generic one', () => {
    const refused = { code: 'truncated', message: '"cut.json" ends in the middle of its JSON: it was cut short. Export it again.' }
    expect(describeError(refused)).toBe(refused.message)
  })
})

describe('why sync stopped, as a sentence', () => {
  it.each([
    ['this token grants no access to this doc', 'Sync stopped: the relay no longer lets this device sync one of your documents. Sign in again; if it stays, the document may have been deleted or unshared.'],
    ['access was revoked', 'Sync stopped: the relay no longer lets this device sync one of your documents. Sign in again; if it stays, the document may have been deleted or unshared.'],
    ['deleted by its owner', 'Sync stopped: a collection was deleted by its owner.'],
    ['bad document name', 'Sync stopped: the relay does not know one of your documents by its name. Reload the page.'],
    ['update does not decode', 'Sync stopped: the relay refused what this device sent. Reload the page; if it stays, this page and the relay may be of different versions.'],
  ])('%s', (reason, sentence) => {
    expect(syncStopSentence(reason)).toBe(sentence)
  })

  it('keeps the client’s own quota and size sentences', () => {
    const quota = "the account's storage quota of 5.0 MB on the relay is full; this change stays on this device — free space by deleting collections, or ask the relay's operator to raise the quota, then sync again"
    expect(syncStopSentence(quota)).toBe(`Sync stopped: ${quota}.`)
    const disk = "this browser could not read the account's documents (QuotaExceededError)"
    expect(syncStopSentence(disk)).toBe(`Sync stopped: ${disk}.`)
  })
})
