/**
 * Pairing the agent with a page: the agent prints a one-time code; the user types it into
 * Ferry's settings; the page trades it (once) for a token bound to the page's origin. Every
 * later call needs that token and comes from that origin, so another site the user visits can
 * neither pair (it does not know the code) nor send (it has no token, and its origin is not
 * the paired one). Codes die after one use or a few wrong tries; a new one is printed.
 * Tokens are kept as SHA-256 hashes in a state file (mode 0600), so a restart keeps pairings.
 */
import { createHash, randomBytes, randomInt } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'

/** No 0/O, 1/I/L: the code is read off a terminal and typed. */
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789'
const CODE_LENGTH = 8
/** Wrong codes accepted before the current code is replaced: 8 characters of 31 make guessing hopeless. */
export const MAX_WRONG_CODES = 5

interface Pairing {
  readonly tokenHash: string
  readonly origin: string
  readonly pairedAt: number
}

const hash = (token: string) => createHash('sha256').update(token).digest('hex')
const normal = (code: string) => code.toUpperCase().replace(/[^A-Z0-9]/g, '')

function newCode(): string {
  const chars = Array.from({ length: CODE_LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)])
  return `${chars.slice(0, 4).join('')}-${chars.slice(4).join('')}`
}

export type PairResult = { ok: true; token: string } | { ok: false; reason: 'wrong_code' | 'origin_not_allowed' }

export class Pairings {
  readonly #file: string | null
  readonly #allowedOrigins: readonly string[]
  readonly #onNewCode: (code: string) => void
  #pairings: Pairing[]
  #code = newCode()
  #wrong = 0

  /**
   * `file`: where pairings are kept (null: in memory only). `allowedOrigins`: the only origins
   * that may pair (empty: any origin whose user has the code). `onNewCode` hears every code.
   */
  constructor(options: { file: string | null; allowedOrigins?: readonly string[]; onNewCode: (code: string) => void }) {
    this.#file = options.file
    this.#allowedOrigins = options.allowedOrigins ?? []
    this.#onNewCode = options.onNewCode
    this.#pairings = this.#load()
    this.#onNewCode(this.#code)
  }

  get code(): string {
    return this.#code
  }

  /** May `origin` try to pair (preflight of the pairing call)? */
  mayPair(origin: string): boolean {
    return this.#allowedOrigins.length === 0 || this.#allowedOrigins.includes(origin)
  }

  pair(code: string, origin: string): PairResult {
    if (!this.mayPair(origin)) return { ok: false, reason: 'origin_not_allowed' }
    if (normal(code) !== normal(this.#code)) {
      if (++this.#wrong >= MAX_WRONG_CODES) this.#rotate()
      return { ok: false, reason: 'wrong_code' }
    }
    this.#rotate()
    const token = randomBytes(32).toString('base64url')
    this.#pairings.push({ tokenHash: hash(token), origin, pairedAt: Date.now() })
    this.#save()
    return { ok: true, token }
  }

  /** Is `origin` paired at all (answering its preflights)? */
  isPaired(origin: string): boolean {
    return this.#pairings.some((p) => p.origin === origin)
  }

  /** Does `token` belong to a pairing of exactly this origin? */
  check(token: string, origin: string): boolean {
    const tokenHash = hash(token)
    return this.#pairings.some((p) => p.tokenHash === tokenHash && p.origin === origin)
  }

  /** Forgets the pairing of `token` (the page's "Unpair"). */
  forget(token: string): void {
    const tokenHash = hash(token)
    this.#pairings = this.#pairings.filter((p) => p.tokenHash !== tokenHash)
    this.#save()
  }

  #rotate(): void {
    this.#code = newCode()
    this.#wrong = 0
    this.#onNewCode(this.#code)
  }

  #load(): Pairing[] {
    if (!this.#file || !existsSync(this.#file)) return []
    let stored: unknown
    try {
      stored = JSON.parse(readFileSync(this.#file, 'utf8'))
    } catch (error) {
      throw new Error(`${this.#file} could not be read as JSON (${(error as Error).message}). Move it away to start afresh.`)
    }
    const list = (stored as { pairings?: unknown } | null)?.pairings
    if (!Array.isArray(list)) throw new Error(`${this.#file} is not a Ferry agent state file (no "pairings" list). Move it away to start afresh.`)
    return list.filter((p): p is Pairing => typeof p?.tokenHash === 'string' && typeof p?.origin === 'string' && typeof p?.pairedAt === 'number')
  }

  #save(): void {
    if (!this.#file) return
    mkdirSync(dirname(this.#file), { recursive: true, mode: 0o700 })
    writeFileSync(this.#file, JSON.stringify({ pairings: this.#pairings }, null, 2), { mode: 0o600 })
  }
}
