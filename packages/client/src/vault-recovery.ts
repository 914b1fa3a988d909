/**
 * The recovery key and the relay's recovery wraps (the current one first, then those it
 * replaced): a new recovery key and its wrap; which wrap a recovery key opens, and whether a
 * holder of that key replaced it since, so that a recovery key the user replaced stays dead
 * (`Vault.unlockWithRecoveryKey`); whether the current wrap was written by a holder of the key.
 */
import { generateRecoveryKey } from '@ferry/crypto'
import type { UserId } from '@ferry/protocol'
import type { RecoveryWrap, VaultApi } from './vault-api.ts'
import { linkVouchedBy, recoveryTag, verifyRecoveryTag } from './vault-chain.ts'
import { WrongRecoveryKey } from './vault-errors.ts'
import { unwrapWithRecoveryKey, wrapWithRecoveryKey } from './vault-keys.ts'

/**
 * A new recovery key (to show the user once: it is stored nowhere), the vault key wrapped by
 * it, and the tag that shows the wrap was written by a holder of the vault key.
 */
export async function newRecoveryWrap(owner: UserId, generation: number, key: CryptoKey): Promise<{ recoveryKey: string; wrappedKey: string; tag: string }> {
  const recoveryKey = generateRecoveryKey()
  const wrappedKey = await wrapWithRecoveryKey(key, recoveryKey, owner, generation)
  return { recoveryKey, wrappedKey, tag: await recoveryTag(owner, generation, wrappedKey, key) }
}

/** The newest recovery wrap the key opens. */
export async function openRecovery(owner: UserId, wraps: readonly RecoveryWrap[], recoveryKey: string): Promise<{ index: number; generation: number; key: CryptoKey }> {
  for (const [index, wrap] of wraps.entries()) {
    try {
      return { index, generation: wrap.generation, key: await unwrapWithRecoveryKey(wrap.wrappedKey, recoveryKey, owner, wrap.generation) }
    } catch (error) {
      if (!(error instanceof WrongRecoveryKey)) throw error
    }
  }
  throw new WrongRecoveryKey()
}

/** Whether a holder of `key` (of `generation`) replaced its recovery wrap or rotated since: the newer wraps are then legitimate. */
export async function supersedes(owner: UserId, api: VaultApi, newer: readonly RecoveryWrap[], generation: number, key: CryptoKey): Promise<boolean> {
  for (const wrap of newer) {
    if (wrap.generation === generation && (await verifyRecoveryTag(owner, wrap, key))) return true
  }
  const { links } = await api.chain()
  for (const text of links.values()) {
    if (await linkVouchedBy(owner, text, generation, key)) return true
  }
  return false
}

/**
 * Whether the relay's current recovery wrap was written by no holder of the vault key (so the
 * user's recovery key would not open it); null when it cannot be judged: a wrap without a tag
 * was written before tags existed, and one of a generation this device does not hold says nothing.
 */
export async function recoveryWrapTampered(owner: UserId, api: VaultApi, keys: ReadonlyMap<number, CryptoKey>): Promise<boolean | null> {
  const [current] = await api.recovery()
  const key = current && keys.get(current.generation)
  if (!current || !key || current.tag === null) return null
  return !(await verifyRecoveryTag(owner, current, key))
}
