/**
 * Password hashing with Node's scrypt at OWASP's first recommended setting (N=2^17, r=8, p=1:
 * 128 MiB and roughly 0.2–0.4 s of one core per hash). A `Semaphore` bounds how many hashes
 * run at once, so a burst of logins queues instead of exhausting memory, and shares the slots
 * round-robin between client addresses, so a flood from a few addresses cannot starve the
 * others' sign-ins (each waits for at most one hash per flooding address).
 *
 * Encoded form: `scrypt$<log2 N>$<r>$<p>$<salt base64url>$<key base64url>`; the parameters
 * travel with each hash so they can be raised later without invalidating stored ones.
 */
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto'
import { Semaphore } from '../semaphore.ts'

const LOG_N = 17
const R = 8
const P = 1
const KEY_BYTES = 32
const SALT_BYTES = 16

function scrypt(password: string, salt: Buffer, logN: number, r: number, p: number): Promise<Buffer> {
  const options: ScryptOptions = { N: 2 ** logN, r, p, maxmem: 2 * 128 * 2 ** logN * r + 1024 * 1024 }
  return new Promise((resolve, reject) => {
    scryptCallback(password.normalize('NFC'), salt, KEY_BYTES, options, (error, key) => (error ? reject(error) : resolve(key)))
  })
}

interface Decoded {
  logN: number
  r: number
  p: number
  salt: Buffer
  key: Buffer
}

function decode(encoded: string): Decoded | null {
  const parts = encoded.split('$')
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null
  const [logN, r, p] = parts.slice(1, 4).map(Number)
  if (!Number.isInteger(logN) || !Number.isInteger(r) || !Number.isInteger(p)) return null
  if (logN! < 10 || logN! > 22 || r! < 1 || r! > 32 || p! < 1 || p! > 16) return null
  return { logN: logN!, r: r!, p: p!, salt: Buffer.from(parts[4]!, 'base64url'), key: Buffer.from(parts[5]!, 'base64url') }
}

export class PasswordHasher {
  readonly #semaphore: Semaphore
  readonly #logN: number

  /**
   * `concurrency`: hashes computed at once (`limits.concurrentPasswordHashes`). `logN`: the
   * cost of new hashes, the production setting unless a test suite lowers it
   * (`config.testScryptLogN`); stored hashes are verified at the cost they name.
   */
  constructor(concurrency: number, logN = LOG_N) {
    this.#semaphore = new Semaphore(concurrency)
    this.#logN = logN
  }

  /** Hashes a password with a fresh random salt; `client` (its address) is its place in the fair queue. */
  hash(password: string, client = ''): Promise<string> {
    return this.#semaphore.run(async () => {
      const salt = randomBytes(SALT_BYTES)
      const key = await scrypt(password, salt, this.#logN, R, P)
      return ['scrypt', this.#logN, R, P, salt.toString('base64url'), key.toString('base64url')].join('$')
    }, client)
  }

  /**
   * True when `password` matches `encoded`. With `encoded` null (unknown email, or an account
   * without a password) it still computes one full hash and answers false, so the response
   * time does not reveal whether the account exists.
   */
  verify(password: string, encoded: string | null, client = ''): Promise<boolean> {
    return this.#semaphore.run(async () => {
      const decoded = encoded === null ? null : decode(encoded)
      if (decoded === null) {
        await scrypt(password, randomBytes(SALT_BYTES), this.#logN, R, P)
        return false
      }
      const key = await scrypt(password, decoded.salt, decoded.logN, decoded.r, decoded.p)
      return key.length === decoded.key.length && timingSafeEqual(key, decoded.key)
    }, client)
  }
}
