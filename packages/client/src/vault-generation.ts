/**
 * A new vault key generation as the relay takes it, for `Vault.create` (the first, with this
 * device as its only recipient) and `Vault.rotate` (every approved device): a fresh key wrapped
 * to each recipient's public key and by a new recovery key, the recovery wrap's tag and the
 * generation's chain link (vouched for by `parent`, the key it replaces).
 */
import { generateAesKey } from '@ferry/crypto'
import type { UserId } from '@ferry/protocol'
import { makeLink } from './vault-chain.ts'
import { wrapForDevice } from './vault-keys.ts'
import { newRecoveryWrap } from './vault-recovery.ts'

interface NewGeneration {
  readonly key: CryptoKey
  /** To show the user once (see `newRecoveryWrap`). */
  readonly recoveryKey: string
  readonly wrappedKeys: { deviceId: string; wrappedKey: string }[]
  readonly recoveryWrappedKey: string
  readonly recoveryTag: string
  readonly link: string
}

export async function newGeneration(input: {
  readonly owner: UserId
  readonly generation: number
  readonly recipients: readonly { readonly id: string; readonly publicKey: string }[]
  readonly parent: { readonly generation: number; readonly key: CryptoKey } | null
}): Promise<NewGeneration> {
  const { owner, generation, recipients, parent } = input
  const key = await generateAesKey({ extractable: true })
  const wrappedKeys = await Promise.all(
    recipients.map(async (device) => ({ deviceId: device.id, wrappedKey: await wrapForDevice(key, device.publicKey, owner, device.id, generation) })),
  )
  const recovery = await newRecoveryWrap(owner, generation, key)
  const link = await makeLink({ owner, generation, key, recipients: recipients.map((device) => device.id), parent })
  return { key, recoveryKey: recovery.recoveryKey, wrappedKeys, recoveryWrappedKey: recovery.wrappedKey, recoveryTag: recovery.tag, link }
}
