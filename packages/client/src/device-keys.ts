/**
 * This device's vault identity for one account, kept in IndexedDB (`ferry:<userId>:vault`):
 * an ECDH P-256 key pair whose private key is non-extractable (stored as a `CryptoKey`, which
 * IndexedDB clones without ever exposing its bytes), the device id the relay gave it, and the
 * vault keys it has received, still wrapped to that key pair. The vault key itself is never
 * stored in clear: opening the vault unwraps it into memory.
 */
import { generateEcdhKeyPair } from '@ferry/crypto'
import type { UserId } from '@ferry/protocol'
import { openDatabase, requestToPromise, transactionDone } from './idb.ts'

/** A vault key generation this device holds, wrapped to its own public key (base64url envelope). */
export interface HeldKey {
  readonly generation: number
  readonly wrappedKey: string
}

export interface DeviceState {
  readonly keyPair: CryptoKeyPair
  /** Null until the relay has registered the device. */
  readonly deviceId: string | null
  /** Oldest first; old generations stay so values not yet re-encrypted remain readable. */
  readonly heldKeys: readonly HeldKey[]
}

const STORE = 'device'
const KEY = 'self'

/** The IndexedDB database of an account's device keys; under the account's prefix, so sign-out wipes it. */
export function deviceKeysDatabase(owner: UserId): string {
  return `ferry:${owner}:vault`
}

export class DeviceKeyStore {
  readonly #db: IDBDatabase

  private constructor(db: IDBDatabase) {
    this.#db = db
  }

  static async open(factory: IDBFactory, owner: UserId): Promise<DeviceKeyStore> {
    const db = await openDatabase(factory, deviceKeysDatabase(owner), 1, (created) => created.createObjectStore(STORE))
    return new DeviceKeyStore(db)
  }

  /** A new identity: a fresh key pair, not registered, holding no key. */
  static async freshState(): Promise<DeviceState> {
    return { keyPair: await generateEcdhKeyPair(), deviceId: null, heldKeys: [] }
  }

  /** The device state, creating the key pair on first use. Two tabs racing here end with one pair. */
  async load(): Promise<DeviceState> {
    const existing = await this.#read()
    if (existing) return existing
    const fresh = await DeviceKeyStore.freshState()
    const tx = this.#db.transaction(STORE, 'readwrite')
    const store = tx.objectStore(STORE)
    const raced = (await requestToPromise(store.get(KEY))) as DeviceState | undefined
    if (!raced) store.put(fresh, KEY)
    await transactionDone(tx)
    return raced ?? fresh
  }

  async save(state: DeviceState): Promise<void> {
    const tx = this.#db.transaction(STORE, 'readwrite')
    tx.objectStore(STORE).put(state, KEY)
    await transactionDone(tx)
  }

  close(): void {
    this.#db.close()
  }

  async #read(): Promise<DeviceState | undefined> {
    const tx = this.#db.transaction(STORE, 'readonly')
    return (await requestToPromise(tx.objectStore(STORE).get(KEY))) as DeviceState | undefined
  }
}
