/**
 * A typed client for the relay's HTTP routes (DESIGN.md "Relay API (v1)"). It turns every
 * answer into a value or one of the typed errors of `errors.ts`; it keeps no state besides the
 * base URL, so `Accounts` decides which token goes where.
 */
import { MUX_PATH, MUX_VERSION, type DocName, type UserId } from '@ferry/protocol'
import { BadRequest, InvalidCredentials, Offline, RateLimited, RelayError, SignedOut, type RelayErrorCode } from './errors.ts'

/** An account's profile as the relay reports it. */
export interface Profile {
  readonly id: UserId
  readonly email: string
  readonly name: string | null
  /** Absolute URL of the avatar image, or null when none was uploaded. */
  readonly avatarUrl: string | null
  readonly emailConfirmed: boolean
}

/** What login, refresh and the OIDC exchange answer. */
export interface Session {
  readonly accessToken: string
  readonly refreshToken: string
  /** Access token lifetime in seconds, counted from when the answer arrived. */
  readonly expiresIn: number
  readonly user: Profile
}

/** What deleting an account removed on the relay. */
export interface DeletedAccount {
  readonly docs: number
  readonly links: number
  readonly devices: number
  readonly avatar: boolean
}

export interface OidcProvider {
  readonly id: string
  readonly name: string
}

export interface ShareLink {
  readonly id: string
  readonly token: string
  readonly url: string
}

export interface ResolvedLink {
  readonly docName: DocName
  readonly collectionName: string
  readonly ownerName: string | null
  /** What to open the doc's socket with: this open is already counted, so reconnects are free. */
  readonly viewerToken: string
}

/** One of the caller's share links as the relay lists it (never with its token). Times in ms since the epoch. */
export interface LinkInfo {
  readonly id: string
  readonly docName: DocName
  readonly createdAt: number
  readonly expiresAt: number | null
  readonly maxUses: number | null
  readonly uses: number
  readonly revokedAt: number | null
  readonly state: 'active' | 'revoked' | 'expired' | 'used_up'
}

const LINK_STATES: readonly string[] = ['active', 'revoked', 'expired', 'used_up']
const num = (v: unknown): v is number => typeof v === 'number'
const numOrNull = (v: unknown): v is number | null => v === null || num(v)

function parseLinkInfo(v: unknown): LinkInfo {
  if (
    !isObject(v) || !str(v.id) || !str(v.docName) || !num(v.createdAt) || !numOrNull(v.expiresAt) || !numOrNull(v.maxUses) ||
    !num(v.uses) || !numOrNull(v.revokedAt) || !str(v.state) || !LINK_STATES.includes(v.state)
  ) {
    throw unexpected('link')
  }
  const { id, docName, createdAt, expiresAt, maxUses, uses, revokedAt, state } = v
  return { id, docName: docName as DocName, createdAt, expiresAt, maxUses, uses, revokedAt, state: state as LinkInfo['state'] }
}

export interface RelayApiOptions {
  /** Base URL of the relay, e.g. `https://ferry.example.com` (no trailing path). */
  readonly baseUrl: string
  /** Defaults to `globalThis.fetch`. */
  readonly fetch?: typeof fetch
  /** Per-request timeout in milliseconds; default 15 000. A timeout surfaces as `Offline`. */
  readonly timeoutMs?: number
}

type Json = Record<string, unknown>
/** How a 401 should read: a bad password on sign-in, an ended session everywhere else. */
type On401 = 'credentials' | 'session'

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const str = (v: unknown): v is string => typeof v === 'string'

function unexpected(what: string): RelayError {
  return new RelayError('unexpected', `The relay sent an unexpected answer (${what}).`, 200)
}

function parseProfile(v: unknown): Profile {
  if (!isObject(v) || !str(v.id) || !str(v.email) || typeof v.emailConfirmed !== 'boolean') throw unexpected('profile')
  return {
    id: v.id as UserId,
    email: v.email,
    name: str(v.name) ? v.name : null,
    avatarUrl: str(v.avatarUrl) ? v.avatarUrl : null,
    emailConfirmed: v.emailConfirmed,
  }
}

function parseSession(v: unknown): Session {
  if (!isObject(v) || !str(v.accessToken) || !str(v.refreshToken)) throw unexpected('session')
  const expiresIn = typeof v.expiresIn === 'number' && v.expiresIn > 0 ? v.expiresIn : 60
  return { accessToken: v.accessToken, refreshToken: v.refreshToken, expiresIn, user: parseProfile(v.user) }
}

function retryAfterSeconds(header: string | null): number {
  if (header === null) return 60
  const seconds = Number(header)
  if (Number.isFinite(seconds) && seconds >= 0) return seconds
  const date = Date.parse(header)
  return Number.isNaN(date) ? 60 : Math.max(0, Math.ceil((date - Date.now()) / 1000))
}

const statusCodes: Readonly<Record<number, RelayErrorCode>> = { 403: 'forbidden', 404: 'not_found', 409: 'conflict' }

async function errorFor(response: Response, on401: On401): Promise<RelayError> {
  let relayCode: string | null = null
  let message = `The relay answered ${response.status}.`
  try {
    const body: unknown = await response.json()
    if (isObject(body) && isObject(body.error)) {
      if (str(body.error.code)) relayCode = body.error.code
      if (str(body.error.message)) message = body.error.message
    }
  } catch {
    // A body that is not our JSON error shape keeps the generic message.
  }
  const status = response.status
  if (status === 400) return new BadRequest(message, relayCode)
  if (status === 401) return on401 === 'credentials' ? new InvalidCredentials(message, status, relayCode) : new SignedOut(message, status, relayCode)
  if (status === 429) return new RateLimited(message, relayCode, retryAfterSeconds(response.headers.get('retry-after')))
  if (status >= 500) return new RelayError('server', message, status, relayCode)
  return new RelayError(statusCodes[status] ?? 'unexpected', message, status, relayCode)
}

export class RelayApi {
  readonly baseUrl: string
  readonly #fetch: typeof fetch
  readonly #timeoutMs: number

  constructor(options: RelayApiOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '')
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis)
    this.#timeoutMs = options.timeoutMs ?? 15_000
  }

  async #request(method: string, path: string, init: { body?: Json | FormData; token?: string; on401?: On401 } = {}): Promise<unknown> {
    const headers: Record<string, string> = {}
    if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`
    let body: string | FormData | undefined
    if (init.body instanceof FormData) body = init.body
    else if (init.body !== undefined) {
      headers['content-type'] = 'application/json'
      body = JSON.stringify(init.body)
    }
    let response: Response
    try {
      response = await this.#fetch(this.baseUrl + path, { method, headers, body, signal: AbortSignal.timeout(this.#timeoutMs) })
    } catch (error) {
      throw new Offline(error instanceof Error ? `The relay cannot be reached: ${error.message}` : undefined)
    }
    if (!response.ok) throw await errorFor(response, init.on401 ?? 'session')
    if (response.status === 204) return null
    const text = await response.text()
    if (text === '') return null
    try {
      return JSON.parse(text) as unknown
    } catch {
      throw unexpected('not JSON')
    }
  }

  /**
   * The account's backup file (`GET /v1/backup`, docs/BACKUP.md), as text. The deadline covers
   * the answer's start only: the relay streams the file, which is as large as the account, and a
   * slow link needs minutes for it. An answer that breaks off is `Offline`, never a shorter file.
   * @throws Offline, SignedOut, RelayError
   */
  async backup(accessToken: string): Promise<string> {
    const started = new AbortController()
    const deadline = setTimeout(() => started.abort(new DOMException('The relay did not answer in time.', 'TimeoutError')), this.#timeoutMs)
    let response: Response
    try {
      response = await this.#fetch(`${this.baseUrl}/v1/backup`, { headers: { authorization: `Bearer ${accessToken}` }, signal: started.signal })
    } catch (error) {
      throw new Offline(error instanceof Error ? `The relay cannot be reached: ${error.message}` : undefined)
    } finally {
      clearTimeout(deadline)
    }
    if (!response.ok) throw await errorFor(response, 'session')
    try {
      return await response.text()
    } catch (error) {
      throw new Offline(`The relay's answer broke off${error instanceof Error ? `: ${error.message}` : ''}.`)
    }
  }

  /** Creates an account and mails a confirmation link. The same answer for an existing email. */
  async signup(input: { email: string; password: string; name?: string }): Promise<void> {
    await this.#request('POST', '/v1/auth/signup', { body: { ...input } })
  }

  /** Confirms an email with the token from the mailed link (`#/confirm?token=…`). */
  async confirm(token: string): Promise<void> {
    await this.#request('POST', '/v1/auth/confirm', { body: { token } })
  }

  /** @throws InvalidCredentials on a wrong email or password; RateLimited after too many attempts. */
  async login(email: string, password: string): Promise<Session> {
    return parseSession(await this.#request('POST', '/v1/auth/login', { body: { email, password }, on401: 'credentials' }))
  }

  /** Rotates the pair. @throws SignedOut when the refresh token is revoked, expired or reused. */
  async refresh(refreshToken: string): Promise<Session> {
    return parseSession(await this.#request('POST', '/v1/auth/refresh', { body: { refreshToken } }))
  }

  /** Revokes the refresh token (and so the session). */
  async logout(refreshToken: string): Promise<void> {
    await this.#request('POST', '/v1/auth/logout', { body: { refreshToken } })
  }

  /** Mails the username and a reset link when the account exists; answers the same otherwise. */
  async recover(email: string): Promise<void> {
    await this.#request('POST', '/v1/auth/recover', { body: { email } })
  }

  /** Sets a new password with the token from the mailed link (`#/reset?token=…`); ends all sessions. */
  async reset(token: string, password: string): Promise<void> {
    await this.#request('POST', '/v1/auth/reset', { body: { token, password } })
  }

  /** The configured OpenID Connect providers ("Sign in with Google"). */
  async providers(): Promise<OidcProvider[]> {
    const body = await this.#request('GET', '/v1/auth/providers')
    if (!isObject(body) || !Array.isArray(body.providers)) throw unexpected('providers')
    return body.providers.filter(isObject).flatMap((p) => (str(p.id) && str(p.name) ? [{ id: p.id, name: p.name }] : []))
  }

  /** Where to send the browser to start an OIDC sign-in; it comes back at `#/oidc?code=…`. */
  oidcStartUrl(providerId: string): string {
    return `${this.baseUrl}/v1/auth/oidc/${encodeURIComponent(providerId)}`
  }

  /** Trades the one-time code from `#/oidc?code=…` (single use, 60 s) for a session. */
  async oidcExchange(code: string): Promise<Session> {
    return parseSession(await this.#request('POST', '/v1/auth/oidc/exchange', { body: { code }, on401: 'credentials' }))
  }

  async me(accessToken: string): Promise<Profile> {
    return parseProfile(await this.#request('GET', '/v1/me', { token: accessToken }))
  }

  async updateMe(accessToken: string, patch: { name?: string }): Promise<Profile> {
    return parseProfile(await this.#request('PATCH', '/v1/me', { token: accessToken, body: { ...patch } }))
  }

  /** Uploads a profile image (the relay normalises it); answers the updated profile. */
  async uploadAvatar(accessToken: string, image: Blob, fileName = 'avatar'): Promise<Profile> {
    const form = new FormData()
    form.append('image', image, fileName)
    return parseProfile(await this.#request('PUT', '/v1/me/avatar', { token: accessToken, body: form }))
  }

  /** Creates a read-only share link for a collection the caller owns (needs a confirmed email). */
  async createLink(accessToken: string, docName: DocName, limits: { expiresAt?: number; maxUses?: number } = {}): Promise<ShareLink> {
    const body = await this.#request('POST', '/v1/links', { token: accessToken, body: { docName, ...limits } })
    if (!isObject(body) || !str(body.id) || !str(body.token) || !str(body.url)) throw unexpected('link')
    return { id: body.id, token: body.token, url: body.url }
  }

  /** The caller's links, oldest first, with use counts and state. */
  async listLinks(accessToken: string): Promise<LinkInfo[]> {
    const body = await this.#request('GET', '/v1/links', { token: accessToken })
    if (!isObject(body) || !Array.isArray(body.links)) throw unexpected('links')
    return body.links.map(parseLinkInfo)
  }

  async revokeLink(accessToken: string, id: string): Promise<void> {
    await this.#request('DELETE', `/v1/links/${encodeURIComponent(id)}`, { token: accessToken })
  }

  /**
   * Deletes a collection of the caller's for good: on the relay, on every device (their sockets
   * close with 4410), and its share links. Idempotent. `fromTrash`: only if the account's index
   * on the relay does not list it live (in the trash, or no longer listed).
   * @throws BadRequest (not a collection) | RelayError `forbidden` (not the owner), `conflict`
   * (relayCode `collection_not_in_trash`, with `fromTrash`: nothing was deleted) | SignedOut | Offline
   */
  async deleteDoc(accessToken: string, docName: DocName, options: { fromTrash?: boolean } = {}): Promise<void> {
    await this.#request('DELETE', `/v1/docs/${encodeURIComponent(docName)}${options.fromTrash ? '?from=trash' : ''}`, { token: accessToken })
  }

  /**
   * Deletes the caller's account and everything the relay holds for it: every document
   * (workspace, collections, environments), share link, vault device, the avatar and every
   * session; the account's sockets close on every relay. An account with a password must send
   * it; one without (OIDC sign-in) must present the token of a sign-in less than 5 minutes old.
   * @throws RelayError `forbidden` (relayCode `wrong_password`, `password_required` or
   * `reauthentication_required`; nothing was deleted) | SignedOut | RateLimited | Offline
   */
  async deleteAccount(accessToken: string, password?: string): Promise<DeletedAccount> {
    const body = await this.#request('DELETE', '/v1/me', { token: accessToken, body: password === undefined ? {} : { password } })
    const deleted = isObject(body) ? body.deleted : null
    if (!isObject(deleted) || typeof deleted.docs !== 'number' || typeof deleted.links !== 'number' || typeof deleted.devices !== 'number' || typeof deleted.avatar !== 'boolean') {
      throw unexpected('deleted account')
    }
    return { docs: deleted.docs, links: deleted.links, devices: deleted.devices, avatar: deleted.avatar }
  }

  async resolveLink(token: string): Promise<ResolvedLink> {
    const body = await this.#request('GET', `/v1/links/resolve/${encodeURIComponent(token)}`)
    if (!isObject(body) || !str(body.docName) || !str(body.collectionName) || !str(body.viewerToken)) throw unexpected('resolved link')
    return {
      docName: body.docName as DocName,
      collectionName: body.collectionName,
      ownerName: str(body.ownerName) ? body.ownerName : null,
      viewerToken: body.viewerToken,
    }
  }

  /**
   * An authenticated JSON call to any relay route, answering the parsed body (null for 204).
   * For feature modules with their own routes and parsing (the vault); errors are the same typed ones.
   */
  async call(method: string, path: string, accessToken: string, body?: Json): Promise<unknown> {
    return this.#request(method, path, body === undefined ? { token: accessToken } : { token: accessToken, body })
  }

  /** The multiplexed websocket URL (docs/PROTOCOL.md): one socket for every doc of the token's account. */
  muxUrl(token: string): string {
    const ws = this.baseUrl.replace(/^http/, 'ws')
    return `${ws}${MUX_PATH}?v=${MUX_VERSION}&token=${encodeURIComponent(token)}`
  }

  /** The websocket URL of one doc; `ack` opts in to `persisted` messages. */
  syncUrl(docName: DocName, token: string, ack = true): string {
    const ws = this.baseUrl.replace(/^http/, 'ws')
    return `${ws}/v1/sync/${docName}?token=${encodeURIComponent(token)}${ack ? '&ack=1' : ''}`
  }
}
