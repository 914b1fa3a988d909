/**
 * Key handling for the doc stores (files and PostgreSQL). The master key (config
 * `FERRY_MASTER_KEY`, or `<dataDir>/keys/master.key` created 0600) never encrypts data itself:
 * it wraps one random AES-256 data key per document and derives the key that hashes doc names
 * into doc ids (file names, row keys), so neither contents nor names are readable at rest.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto'
import { join } from 'node:path'
import type { Config } from '../config.ts'
import { ConfigError } from '../config.ts'
import { loadOrCreateKeyFile } from '../key-file.ts'
import { DocStoreError } from './doc-store.ts'

const KEY_BYTES = 32
/** Doc ids `MasterKey` remembers at most (~200 bytes each). */
const MEMO_IDS = 8192

/** The master key from config (base64 or hex, 32 bytes) or the data dir's key file. */
export function loadMasterKey(config: Config): Buffer {
  if (config.masterKey === null) return loadOrCreateKeyFile(join(config.dataDir, 'keys', 'master.key'), KEY_BYTES)
  const raw = config.masterKey.trim()
  const key = /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64')
  if (key.length !== KEY_BYTES) throw new ConfigError('FERRY_MASTER_KEY must be 32 bytes, base64 or hex encoded')
  return key
}

export class MasterKey {
  readonly #key: Buffer
  readonly #nameKey: Buffer

  constructor(key: Buffer) {
    this.#key = key
    this.#nameKey = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'ferry/doc-file-names/v1', KEY_BYTES))
  }

  /**
   * A value derived from the master key that may be stored in clear: a shared store keeps the
   * first one it sees, so an instance started with another key is refused before it writes.
   */
  verifier(): Buffer {
    return Buffer.from(hkdfSync('sha256', this.#key, Buffer.alloc(0), 'ferry/master-key-verifier/v1', KEY_BYTES))
  }

  /** Ids computed lately: an account's open, load and release ask for each of its docs' ids (and its usage id) again and again. */
  readonly #ids = new Map<string, string>()

  /** The doc's id at rest (directory name, row key): a keyed hash of its name, 64 hex chars. */
  docId(name: string): string {
    let id = this.#ids.get(name)
    if (id === undefined) {
      // A bounded memo, emptied when full: an HMAC costs ~7 µs, and a 300-doc open, load and release ask ~900 times (6 ms).
      if (this.#ids.size >= MEMO_IDS) this.#ids.clear()
      id = createHmac('sha256', this.#nameKey).update(name).digest('hex')
      this.#ids.set(name, id)
    }
    return id
  }

  /** A fresh data key and its wrapped form (`[12-byte IV][ciphertext ‖ tag]`), bound to `docId`. */
  newDataKey(docId: string): { key: Buffer; wrapped: Buffer } {
    const key = randomBytes(KEY_BYTES)
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv)
    cipher.setAAD(Buffer.from(`ferry/data-key/v1/${docId}`))
    return { key, wrapped: Buffer.concat([iv, cipher.update(key), cipher.final(), cipher.getAuthTag()]) }
  }

  unwrapDataKey(docId: string, wrapped: Buffer): Buffer {
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, wrapped.subarray(0, 12))
      decipher.setAAD(Buffer.from(`ferry/data-key/v1/${docId}`))
      decipher.setAuthTag(wrapped.subarray(wrapped.length - 16))
      const key = Buffer.concat([decipher.update(wrapped.subarray(12, wrapped.length - 16)), decipher.final()])
      // Kept for as long as the doc is loaded: a pooled 32-byte slice would pin an 8 KiB slab.
      const own = Buffer.allocUnsafeSlow(KEY_BYTES)
      key.copy(own)
      return own
    } catch (cause) {
      throw new DocStoreError('corrupt', `the data key of doc ${docId} does not open with this master key`, { cause })
    }
  }
}
