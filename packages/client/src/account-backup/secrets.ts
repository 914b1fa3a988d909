/**
 * Bringing a backup's environments doc into an account, values included. A vault value is
 * sealed to its address — the doc name (so the account), the environment and the variable —
 * under a key of the file's vault, so it opens only where it was written. A value therefore
 * comes in one of three ways:
 *
 * - as it is, when the file is this account's and the value opens here (or both sides are the
 *   local-only workspace, whose values are plain text);
 * - opened (with the file's keys, from its recovery key; a local-only file's values are plain)
 *   and written again for this account: sealed under its vault's current key, or in clear in
 *   the local-only workspace;
 * - not at all, for now: kept empty ("waiting") when it cannot be opened (no recovery key) or
 *   not sealed here (no vault on this device). Restoring again once that is fixed fills it: a
 *   value still empty, or still the file's own, is filled; one edited since is left alone (in
 *   the same account, any value but the file's own: it never waited empty, so empty is an edit).
 *
 * The merge runs in a copy of the account's doc with the file applied; values are rewritten
 * there and only the difference goes into the account's doc, as one forward edit. A value
 * rewritten in the copy is deleted there before it is encoded, so neither a file's plain text
 * nor another account's ciphertext ever reaches the account's doc (or the relay).
 */
import { docName, LOCAL_ACCOUNT_ID, type UserId } from '@ferry/protocol'
import { Environments, type VariableSet } from '@ferry/schema'
import * as Y from 'yjs'
import { VaultValueError } from '../vault-errors.ts'
import { openValue, sealValue, valueGeneration, type VariableAddress } from '../vault-values.ts'
import type { Vault } from '../vault.ts'

/** What a restore did with the file's variable values (empty ones are not counted). */
export interface SecretsOutcome {
  /** Already readable here as they are. */
  readonly kept: number
  /** Opened and written again for this account. */
  readonly restored: number
  /** Kept empty: they open only with the recovery key of the file's vault. */
  readonly needKey: number
  /** Kept empty: this account has no vault on this device to seal them with. */
  readonly needVault: number
}

export const NO_SECRETS: SecretsOutcome = Object.freeze({ kept: 0, restored: 0, needKey: 0, needVault: 0 })

export interface ValueSources {
  /** The file's account: its values are bound to its doc name (`LOCAL_ACCOUNT_ID`: plain text). */
  readonly fileOwner: UserId
  /** The file's vault keys by generation (opened with its recovery key); null without it. */
  readonly fileKeys: ReadonlyMap<number, CryptoKey> | null
  /** The account restored into (`LOCAL_ACCOUNT_ID`: the local-only workspace, values in clear). */
  readonly owner: UserId
  /** That account's vault on this device; null when it has none (or the workspace is local-only). */
  readonly vault: Vault | null
}

/** The globals (null) and every environment, in the trash or not, with their variables. */
export function variableScopes(environments: Environments): [string | null, VariableSet][] {
  const ids = [...environments.list(), ...environments.trashed()].map((environment) => environment.id)
  return [[null, environments.globals], ...ids.flatMap((id): [string, VariableSet][] => {
    const set = environments.variables(id)
    return set ? [[id, set]] : []
  })]
}

const generationOf = (stored: string): number | null => {
  try {
    return valueGeneration(stored)
  } catch (error) {
    if (error instanceof VaultValueError) return null
    throw error
  }
}

/** The value in clear, or null when `keys` has no key for it or it does not open at `address`. */
async function open(keys: ReadonlyMap<number, CryptoKey> | ((generation: number) => CryptoKey | undefined), address: VariableAddress, stored: string): Promise<string | null> {
  const generation = generationOf(stored)
  const key = generation === null ? undefined : typeof keys === 'function' ? keys(generation) : keys.get(generation)
  if (!key) return null
  try {
    return await openValue(key, address, stored)
  } catch (error) {
    if (error instanceof VaultValueError) return null
    throw error
  }
}

/**
 * Merges the file's environments doc (`fileUpdate`) into the account's (`target`, loaded), values
 * as described above; applied with `origin`, so it syncs as this device's edit.
 */
export async function mergeEnvironments(target: Y.Doc, fileUpdate: Uint8Array, sources: ValueSources, origin: unknown): Promise<SecretsOutcome> {
  const { fileOwner, fileKeys, owner, vault } = sources
  const same = fileOwner === owner
  const sourcePlain = fileOwner === LOCAL_ACCOUNT_ID
  const targetPlain = owner === LOCAL_ACCOUNT_ID
  const outcome = { ...NO_SECRETS }
  const before = Y.encodeStateVector(target)
  const work = new Y.Doc()
  const file = new Y.Doc()
  try {
    Y.applyUpdate(work, Y.encodeStateAsUpdate(target))
    Y.applyUpdate(work, fileUpdate)
    Y.applyUpdate(file, fileUpdate)
    const fromFile = new Environments(file, { recordConflicts: false })
    const merged = new Environments(work, { recordConflicts: false })
    const writes: (() => void)[] = []
    for (const [environmentId, fileSet] of variableScopes(fromFile)) {
      const set = environmentId === null ? merged.globals : merged.variables(environmentId)
      for (const variable of fileSet.list()) {
        const stored = variable.value
        const current = set?.get(variable.id)?.value
        if (!set || stored === '' || current === undefined) continue
        // Edited since: in the same account any other value (emptied included — it holds the
        // file's value, so empty is the user's doing); in another, any but the empty one it waits in.
        if (current !== stored && (same || current !== '')) continue
        const from = { docName: docName(fileOwner, 'environments'), environmentId, variableId: variable.id }
        const to = { ...from, docName: docName(owner, 'environments') }
        if (same && current === stored && (targetPlain || (await open((g) => vault?.keyFor(g), to, stored)) !== null)) {
          outcome.kept++
          continue
        }
        const plain = sourcePlain ? stored : fileKeys && (await open(fileKeys, from, stored))
        const sealing = vault?.current()
        const value = plain == null ? null : targetPlain ? plain : sealing ? await sealValue(sealing.key, sealing.generation, to, plain) : null
        if (value !== null) {
          writes.push(() => set.update(variable.id, { value }))
          outcome.restored++
          continue
        }
        if (plain == null) outcome.needKey++
        else outcome.needVault++
        // Unreadable here as it is: never carried over (plain text must not reach an account's doc).
        if (current === stored && !same) writes.push(() => set.update(variable.id, { value: '' }))
      }
    }
    work.transact(() => {
      for (const write of writes) write()
      // Lost values the file recorded are another account's ciphertext (or plain text): not kept.
      if (!same) for (const conflict of fromFile.conflicts()) if (conflict.kind === 'value' && conflict.field === 'value') merged.resolveConflict(conflict.id, 'theirs')
    })
    Y.applyUpdate(target, Y.encodeStateAsUpdate(work, before), origin)
    return outcome
  } finally {
    work.destroy()
    file.destroy()
  }
}

/** How many variables of a backup's environments doc hold a value. */
export function countValues(fileUpdate: Uint8Array): number {
  const file = new Y.Doc()
  try {
    Y.applyUpdate(file, fileUpdate)
    return variableScopes(new Environments(file, { recordConflicts: false })).reduce((sum, [, set]) => sum + set.list().filter((v) => v.value !== '').length, 0)
  } finally {
    file.destroy()
  }
}
