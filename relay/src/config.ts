/**
 * The relay's configuration: parsed once from the environment by one schema, frozen, and
 * passed down. Nothing else in the relay reads `process.env`. Every setting is listed and
 * explained in `.env.example` at the repository root.
 */
import { resolve } from 'node:path'
import { getHeapStatistics } from 'node:v8'
import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { DEFAULT_MAX_UPDATE_DECODED_BYTES } from '@ferry/protocol'
import { allowList } from './send-proxy/targets.ts'

const OidcProvider = Type.Object({
  /** URL-safe id used in routes: `/v1/auth/oidc/<id>`. */
  id: Type.String({ pattern: '^[a-z0-9-]{1,32}$' }),
  /** Label shown by clients ("Google"). */
  name: Type.String({ minLength: 1 }),
  issuer: Type.String({ minLength: 1 }),
  clientId: Type.String({ minLength: 1 }),
  clientSecret: Type.String(),
})
export type OidcProviderConfig = Static<typeof OidcProvider>

const ConfigSchema = Type.Object({
  host: Type.String({ minLength: 1 }),
  port: Type.Integer({ minimum: 0, maximum: 65535 }),
  /** Absolute base URL that links in mails and share links point at. */
  publicUrl: Type.String({ pattern: '^https?://' }),
  dataDir: Type.String({ minLength: 1 }),
  logLevel: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l))),
  /** Directory of the built demo served at `/`; absent → no static files. */
  demoDir: Type.Union([Type.String(), Type.Null()]),
  smtpUrl: Type.Union([Type.String({ pattern: '^smtps?://' }), Type.Null()]),
  mailFrom: Type.String({ minLength: 3 }),
  /** Base64 or hex 32-byte key wrapping per-document data keys; null → key file in the data dir. */
  masterKey: Type.Union([Type.String(), Type.Null()]),
  /** Secret for access-token signatures; null → key file in the data dir. */
  jwtSecret: Type.Union([Type.String({ minLength: 32 }), Type.Null()]),
  /** Access token lifetime, seconds (≤ 15 min). */
  accessTokenTtlSeconds: Type.Integer({ minimum: 10, maximum: 900 }),
  refreshTokenTtlSeconds: Type.Integer({ minimum: 60 }),
  tls: Type.Union([Type.Object({ cert: Type.String(), key: Type.String() }), Type.Null()]),
  /**
   * Which proxies' `X-Forwarded-For` to believe for the client IP (per-IP limits): false
   * (none), true (any), or comma-separated proxy addresses/CIDRs.
   */
  trustProxy: Type.Union([Type.Boolean(), Type.String({ minLength: 1 })]),
  oidcProviders: Type.Array(OidcProvider),
  databaseUrl: Type.Union([Type.String(), Type.Null()]),
  redisUrl: Type.Union([Type.String(), Type.Null()]),
  /**
   * Prefix of every Redis key, channel and connection name, so deployments (or test suites)
   * can share one Redis.
   */
  redisPrefix: Type.String({ pattern: '^[A-Za-z0-9:._-]{1,64}$' }),
  limits: Type.Object({
    /**
     * Largest websocket message, bytes, from a socket that is not its doc's owner (read-only
     * link viewers; and every socket before it is authorised); larger closes it with 1009.
     */
    maxMessageBytes: Type.Integer({ minimum: 1024 }),
    /**
     * Largest websocket message from an owner's read-write socket, bytes (1009 past it): what a
     * stock y-websocket client can send as one catch-up after offline work. At least 256 KiB,
     * as Ferry's client sends fragments of 128 KiB; at most 192 MiB, so every accepted update
     * fits a record the store can read back (256 MiB): storing it can then never fail for size.
     */
    maxOwnerMessageBytes: Type.Integer({ minimum: 256 * 1024, maximum: 192 * 1024 * 1024 }),
    /**
     * Largest frame a socket may send in fragments (type 101), bytes: the most one socket holds
     * while reassembling; a larger declared total closes it with 4413. Read-only sockets get
     * `maxMessageBytes` instead. At least 1 MiB: Ferry's client splits a catch-up into pieces
     * of about that size (one page load's work that is larger stays one piece). At most 192 MiB,
     * like `maxOwnerMessageBytes`.
     */
    maxReassembledBytes: Type.Integer({ minimum: 1024 * 1024, maximum: 192 * 1024 * 1024 }),
    /**
     * Memory one update may take to decode, bytes, estimated from a count of what it holds
     * before anything decodes it (@ferry/protocol `checkUpdate`); a costlier one is refused
     * with 4413 (a backup holding one with 400). Yjs structs of 2 bytes decode to ~100 bytes
     * and more, so message size limits alone let one update exhaust the heap. At least 1 MiB.
     */
    maxUpdateDecodedBytes: Type.Integer({ minimum: 1024 * 1024 }),
    /**
     * Memory one loaded doc may take, bytes, estimated like `maxUpdateDecodedBytes` (what it
     * loaded plus every update applied since, until it unloads): an update that would take it
     * past this is refused with 4413. Crafted updates each under `maxUpdateDecodedBytes` stay in
     * a doc at ~100× their stored size, so they would otherwise add up to the whole heap. At
     * least 1 MiB.
     */
    maxDocDecodedBytes: Type.Integer({ minimum: 1024 * 1024 }),
    /**
     * Memory all loaded docs may take together, bytes, as estimated for `maxDocDecodedBytes`.
     * A load or an update past it first unloads the docs nobody is on, then is refused with
     * 1013 and a retry-after (for that doc alone on `/v1/mux`). Default: 60% of the V8 heap
     * limit (`--max-old-space-size`), leaving the rest for sockets, buffers and decoding. At
     * least 1 MiB.
     */
    roomsMemoryBudgetBytes: Type.Integer({ minimum: 1024 * 1024 }),
    /**
     * Sync step 1 requests one socket may send per minute; past it the socket is closed with
     * 4529. Each is answered with everything the client lacks, so without a bound a tiny
     * request (an empty state vector, again and again) makes the relay send the whole doc each time.
     */
    syncRequestsPerMinute: Type.Integer({ minimum: 1 }),
    /** Largest awareness state one client may publish, bytes. */
    maxAwarenessBytes: Type.Integer({ minimum: 64 }),
    /**
     * Docs one multiplexed socket (`/v1/mux`) may have open at once; more are refused one by one
     * with 4429 (the socket and its other docs carry on). Each open doc keeps its room loaded.
     * A `/v1/sync` socket always carries one doc.
     */
    maxDocsPerSocket: Type.Integer({ minimum: 1 }),
    /**
     * New websocket connections (upgrade requests, each a token check) accepted per IP per
     * minute, on both sync endpoints; past it 4529 with a `retry-after`. Open sockets do not count.
     */
    connectionsPerMinutePerIp: Type.Integer({ minimum: 1 }),
    /** A socket whose unsent bytes pass this is dropped (a client that stopped reading). */
    maxSendBufferBytes: Type.Integer({ minimum: 1024 }),
    /** Largest avatar upload, bytes. */
    maxAvatarBytes: Type.Integer({ minimum: 1024 }),
    /** Login/recover attempts per IP and per account per window. */
    authAttemptsPerWindow: Type.Integer({ minimum: 1 }),
    authWindowSeconds: Type.Integer({ minimum: 1 }),
    /** Password hashes computed at once; more wait in line. */
    concurrentPasswordHashes: Type.Integer({ minimum: 1 }),
    /** Share-link look-ups (`GET /v1/links/resolve/:token`) per IP per minute. */
    linkResolvesPerMinutePerIp: Type.Integer({ minimum: 1 }),
    /** Calls per IP per minute to the routes that take a token (confirm, reset, refresh, logout, OIDC exchange). */
    tokenCallsPerMinutePerIp: Type.Integer({ minimum: 1 }),
    /**
     * Collection deletes (`DELETE /v1/docs/…`) per account per minute; past it 429 with
     * Retry-After (Ferry's client keeps the deletion and sends it again later). Each delete
     * leaves a tombstone on disk for good.
     */
    docDeletesPerMinute: Type.Integer({ minimum: 1 }),
    /**
     * Bytes the documents of one account (with a confirmed email) may take in the store, log
     * records and snapshots as stored; an update past it closes its socket with 4507. 0: no quota.
     */
    accountQuotaBytes: Type.Integer({ minimum: 0 }),
    /**
     * The same before the account's email is confirmed (and for accounts the store does not
     * know); never more than `accountQuotaBytes` (a larger value counts as that). 0: no quota
     * of its own (`accountQuotaBytes` applies).
     */
    unconfirmedAccountQuotaBytes: Type.Integer({ minimum: 0 }),
  }),
  /** Milliseconds a room's doc stays loaded after its last client left. */
  roomIdleMs: Type.Integer({ minimum: 0 }),
  /**
   * Milliseconds a room's doc stays loaded without traffic while clients are still on it (they
   * stay; the next frame that needs the doc loads it again). 0: never while any client is on it.
   */
  roomIdleUnloadMs: Type.Integer({ minimum: 0 }),
  /** Group commit: at most one fsync per document per this many milliseconds. */
  groupCommitMs: Type.Integer({ minimum: 0 }),
  /** Version history: least milliseconds between two versions taken during activity (compactions take one too). */
  versionIntervalMs: Type.Integer({ minimum: 0 }),
  /** Milliseconds an unnamed version is kept; named versions never expire. */
  versionRetentionMs: Type.Integer({ minimum: 1 }),
  /**
   * Every sync socket is pinged this often (ms); one that has not answered (pong or any
   * message) by the next ping is dropped. 0 turns pinging off.
   */
  syncPingIntervalMs: Type.Integer({ minimum: 0 }),
  /**
   * The send proxy (`POST /v1/send`): sends a signed-in user's request from the relay, for APIs
   * that do not allow browsers. Off unless `SEND_PROXY=on`. It never reaches loopback, private,
   * link-local, multicast or unspecified addresses, except those in `allow` (addresses or CIDRs).
   */
  sendProxy: Type.Object({
    enabled: Type.Boolean(),
    allow: Type.Array(Type.String({ minLength: 1 })),
    /** Silence from a target longer than this ends a send, ms. */
    timeoutMs: Type.Integer({ minimum: 100, maximum: 600_000 }),
    maxResponseBytes: Type.Integer({ minimum: 1024 }),
    /** Sends per user per minute. */
    perMinute: Type.Integer({ minimum: 1 }),
  }),
  /**
   * `GET /metrics` (Prometheus) answers only `Authorization: Bearer <METRICS_TOKEN>`; null (unset)
   * turns the route off. At least 16 printable characters, no spaces.
   */
  metricsToken: Type.Union([Type.String({ minLength: 16, pattern: '^[\\x21-\\x7e]+$' }), Type.Null()]),
  /**
   * Test suites only (`FERRY_TEST_SCRYPT_LOG_N`): log2 of scrypt's N for new password hashes,
   * instead of the production 17 (128 MiB and ~0.3 s of a core per sign-up). null: production.
   * Refused with NODE_ENV=production and off loopback (see `testScryptLogN`).
   */
  testScryptLogN: Type.Union([Type.Integer({ minimum: 10, maximum: 16 }), Type.Null()]),
})

export type Config = Readonly<Static<typeof ConfigSchema>>
export type Env = Readonly<Record<string, string | undefined>>

export class ConfigError extends Error {
  override name = 'ConfigError'
}

function int(env: Env, key: string, fallback: number): number {
  const raw = env[key]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value)) throw new ConfigError(`${key} must be an integer, got "${raw}"`)
  return value
}

function str(env: Env, key: string): string | null {
  const raw = env[key]
  return raw === undefined || raw === '' ? null : raw
}

/**
 * OIDC providers come from `OIDC_PROVIDERS=google,keycloak` plus, per id,
 * `OIDC_<ID>_ISSUER`, `OIDC_<ID>_CLIENT_ID`, `OIDC_<ID>_CLIENT_SECRET`, `OIDC_<ID>_NAME`.
 */
function oidcProviders(env: Env): OidcProviderConfig[] {
  const ids = (str(env, 'OIDC_PROVIDERS') ?? '').split(',').map((s) => s.trim()).filter(Boolean)
  return ids.map((id) => {
    const prefix = `OIDC_${id.toUpperCase().replace(/-/g, '_')}_`
    const need = (suffix: string): string => {
      const value = str(env, prefix + suffix)
      if (value === null) throw new ConfigError(`${prefix}${suffix} is required for OIDC provider "${id}"`)
      return value
    }
    return {
      id,
      name: str(env, `${prefix}NAME`) ?? id.charAt(0).toUpperCase() + id.slice(1),
      issuer: need('ISSUER'),
      clientId: need('CLIENT_ID'),
      clientSecret: str(env, `${prefix}CLIENT_SECRET`) ?? '',
    }
  })
}

function onOff(env: Env, key: string): boolean {
  const raw = (str(env, key) ?? 'off').toLowerCase()
  if (raw === 'on' || raw === 'true' || raw === '1') return true
  if (raw === 'off' || raw === 'false' || raw === '0') return false
  throw new ConfigError(`${key} must be on or off, got "${env[key]}"`)
}

function trustProxy(raw: string | null): boolean | string {
  if (raw === null || raw === 'false') return false
  return raw === 'true' ? true : raw
}

/**
 * The test-only password hash cost, or null. A relay that might hold real accounts refuses it,
 * so it cannot weaken them by a stray variable: under NODE_ENV=production, or listening beyond
 * loopback. Where it is accepted the relay says so in its log at start (auth plugin).
 */
function testScryptLogN(env: Env, host: string): number | null {
  if (str(env, 'FERRY_TEST_SCRYPT_LOG_N') === null) return null
  if (env.NODE_ENV === 'production') {
    throw new ConfigError('FERRY_TEST_SCRYPT_LOG_N is for test suites and is refused with NODE_ENV=production: unset it')
  }
  if (!isLoopback(host)) {
    throw new ConfigError(`FERRY_TEST_SCRYPT_LOG_N is for test suites and is refused on a relay listening on ${host}: unset it`)
  }
  return int(env, 'FERRY_TEST_SCRYPT_LOG_N', 17)
}

/** Parses and validates the environment; throws `ConfigError` naming the bad setting. */
export function loadConfig(env: Env, cwd = '.'): Config {
  const host = str(env, 'HOST') ?? '127.0.0.1'
  const port = int(env, 'PORT', 8080)
  const cert = str(env, 'TLS_CERT')
  const key = str(env, 'TLS_KEY')
  if ((cert === null) !== (key === null)) throw new ConfigError('TLS_CERT and TLS_KEY must be set together')
  const scheme = cert ? 'https' : 'http'
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host
  const config = {
    host,
    port,
    publicUrl: (str(env, 'PUBLIC_URL') ?? `${scheme}://${shownHost}:${port}`).replace(/\/+$/, ''),
    dataDir: resolve(cwd, str(env, 'FERRY_DATA_DIR') ?? '.ferry-data'),
    logLevel: str(env, 'LOG_LEVEL') ?? 'info',
    demoDir: str(env, 'FERRY_DEMO_DIR'),
    smtpUrl: str(env, 'SMTP_URL'),
    mailFrom: str(env, 'MAIL_FROM') ?? 'Ferry <no-reply@ferry.local>',
    masterKey: str(env, 'FERRY_MASTER_KEY'),
    jwtSecret: str(env, 'FERRY_JWT_SECRET'),
    accessTokenTtlSeconds: int(env, 'ACCESS_TOKEN_TTL_SECONDS', 900),
    refreshTokenTtlSeconds: int(env, 'REFRESH_TOKEN_TTL_SECONDS', 30 * 24 * 3600),
    tls: cert && key ? { cert, key } : null,
    trustProxy: trustProxy(str(env, 'TRUST_PROXY')),
    oidcProviders: oidcProviders(env),
    databaseUrl: str(env, 'DATABASE_URL'),
    redisUrl: str(env, 'REDIS_URL'),
    redisPrefix: str(env, 'REDIS_PREFIX') ?? 'ferry:',
    limits: {
      maxMessageBytes: int(env, 'MAX_MESSAGE_BYTES', 1024 * 1024),
      maxOwnerMessageBytes: int(env, 'MAX_OWNER_MESSAGE_BYTES', 32 * 1024 * 1024),
      maxReassembledBytes: int(env, 'MAX_REASSEMBLED_BYTES', 64 * 1024 * 1024),
      maxUpdateDecodedBytes: int(env, 'MAX_UPDATE_DECODED_BYTES', DEFAULT_MAX_UPDATE_DECODED_BYTES),
      maxDocDecodedBytes: int(env, 'MAX_DOC_DECODED_BYTES', 512 * 1024 * 1024),
      roomsMemoryBudgetBytes: int(env, 'ROOMS_MEMORY_BUDGET_BYTES', Math.floor(getHeapStatistics().heap_size_limit * 0.6)),
      syncRequestsPerMinute: int(env, 'SYNC_REQUESTS_PER_MINUTE', 30),
      maxAwarenessBytes: int(env, 'MAX_AWARENESS_BYTES', 16 * 1024),
      maxDocsPerSocket: int(env, 'MAX_DOCS_PER_SOCKET', 1000),
      connectionsPerMinutePerIp: int(env, 'CONNECTIONS_PER_MINUTE_PER_IP', 600),
      maxSendBufferBytes: int(env, 'MAX_SEND_BUFFER_BYTES', 16 * 1024 * 1024),
      maxAvatarBytes: int(env, 'MAX_AVATAR_BYTES', 5 * 1024 * 1024),
      authAttemptsPerWindow: int(env, 'AUTH_ATTEMPTS_PER_WINDOW', 10),
      authWindowSeconds: int(env, 'AUTH_WINDOW_SECONDS', 60),
      concurrentPasswordHashes: int(env, 'CONCURRENT_PASSWORD_HASHES', 2),
      linkResolvesPerMinutePerIp: int(env, 'LINK_RESOLVES_PER_MINUTE_PER_IP', 60),
      tokenCallsPerMinutePerIp: int(env, 'TOKEN_CALLS_PER_MINUTE_PER_IP', 120),
      docDeletesPerMinute: int(env, 'DOC_DELETES_PER_MINUTE', 60),
      accountQuotaBytes: int(env, 'ACCOUNT_QUOTA_BYTES', 1024 * 1024 * 1024),
      unconfirmedAccountQuotaBytes: int(env, 'UNCONFIRMED_ACCOUNT_QUOTA_BYTES', 64 * 1024 * 1024),
    },
    roomIdleMs: int(env, 'ROOM_IDLE_MS', 30_000),
    roomIdleUnloadMs: int(env, 'ROOM_IDLE_UNLOAD_MS', 60_000),
    groupCommitMs: int(env, 'GROUP_COMMIT_MS', 2),
    versionIntervalMs: int(env, 'VERSION_INTERVAL_MS', 5 * 60_000),
    versionRetentionMs: int(env, 'VERSION_RETENTION_MS', 30 * 24 * 3600_000),
    syncPingIntervalMs: int(env, 'SYNC_PING_INTERVAL_MS', 30_000),
    sendProxy: {
      enabled: onOff(env, 'SEND_PROXY'),
      allow: (str(env, 'SEND_PROXY_ALLOW') ?? '').split(',').map((s) => s.trim()).filter(Boolean),
      timeoutMs: int(env, 'SEND_PROXY_TIMEOUT_MS', 30_000),
      maxResponseBytes: int(env, 'SEND_PROXY_MAX_RESPONSE_BYTES', 10 * 1024 * 1024),
      perMinute: int(env, 'SEND_PROXY_PER_MINUTE', 60),
    },
    metricsToken: str(env, 'METRICS_TOKEN'),
    testScryptLogN: testScryptLogN(env, host),
  }
  if ((config.databaseUrl !== null || config.redisUrl !== null) && (config.masterKey === null || config.jwtSecret === null)) {
    // Key files are per data dir: relays sharing a database would each make their own, and
    // then cannot read each other's documents or accept each other's access tokens.
    throw new ConfigError('DATABASE_URL and REDIS_URL are for several relays, which must share FERRY_MASTER_KEY and FERRY_JWT_SECRET: set both')
  }
  try {
    allowList(config.sendProxy.allow)
  } catch (error) {
    throw new ConfigError((error as Error).message)
  }
  const errors = [...Value.Errors(ConfigSchema, config)]
  if (errors.length > 0) {
    const first = errors[0]!
    throw new ConfigError(`Invalid setting ${first.path.slice(1).replace(/\//g, '.') || '(root)'}: ${first.message}`)
  }
  return Object.freeze(config)
}

/** True when the relay listens only on loopback, where plain HTTP is acceptable. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.')
}
