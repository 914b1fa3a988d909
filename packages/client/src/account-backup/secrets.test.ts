import { describe, expect, test } from 'vitest'
import * as Y from 'yjs'
import { generateAesKey } from '@ferry/crypto'
import { docName, type UserId } from '@ferry/protocol'
import { Environments } from '@ferry/schema'
import { openValue, sealValue } from '../vault-values.ts'
import type { Vault } from '../vault.ts'
import { mergeEnvironments } from './secrets.ts'

const ALICE = 'alice' as UserId
const BOB = 'bob' as UserId
const SECRET = 'p4ssw0rd-for-the-test'

/** What `mergeEnvironments` needs of a vault: its current key and the keys it holds. */
function vaultOf(key: CryptoKey, generation = 1): Vault {
  return { current: () => ({ generation, key }), keyFor: (g: number) => (g === generation ? key : undefined) } as unknown as Vault
}

/** Alice's environments doc with one global holding SECRET sealed under `key`; answers the update and the variable id. */
async function aliceFile(key: CryptoKey): Promise<{ update: Uint8Array; id: string; sealed: string }> {
  const doc = new Y.Doc()
  const globals = new Environments(doc).globals
  const id = globals.add({ key: 'token', secret: true })
  const sealed = await sealValue(key, 1, { docName: docName(ALICE, 'environments'), environmentId: null, variableId: id }, SECRET)
  globals.update(id, { value: sealed })
  return { update: Y.encodeStateAsUpdate(doc), id, sealed }
}

/** Bob's loaded environments doc, recording every update that reaches it (what would be stored and synced). */
function bobDoc(): { doc: Y.Doc; sent: Uint8Array[]; value: (id: string) => string | undefined } {
  const doc = new Y.Doc()
  const sent: Uint8Array[] = []
  doc.on('update', (update: Uint8Array) => sent.push(update))
  return { doc, sent, value: (id) => new Environments(doc).globals.get(id)?.value }
}

/** Whether any update sent holds `text`'s UTF-8 bytes (a Uint8Array search: this package has no Node types). */
function sentContains(updates: Uint8Array[], text: string): boolean {
  const needle = new TextEncoder().encode(text)
  return updates.some((u) => u.some((_, at) => needle.every((b, i) => u[at + i] === b)))
}
const bobAddress = (variableId: string) => ({ docName: docName(BOB, 'environments'), environmentId: null, variableId })

describe('restoring another account’s values', () => {
  test('without the key the value waits empty; with it the value is sealed for the new account, after the empty one', async () => {
    const [aliceKey, bobKey] = [await generateAesKey({ extractable: true }), await generateAesKey({ extractable: true })]
    const file = await aliceFile(aliceKey)
    const bob = bobDoc()
    const sources = { fileOwner: ALICE, owner: BOB, vault: vaultOf(bobKey) }

    expect(await mergeEnvironments(bob.doc, file.update, { ...sources, fileKeys: null }, 'restore')).toEqual({ kept: 0, restored: 0, needKey: 1, needVault: 0 })
    expect(bob.value(file.id)).toBe('')

    expect(await mergeEnvironments(bob.doc, file.update, { ...sources, fileKeys: new Map([[1, aliceKey]]) }, 'restore')).toEqual({ kept: 0, restored: 1, needKey: 0, needVault: 0 })
    expect(await openValue(bobKey, bobAddress(file.id), bob.value(file.id)!)).toBe(SECRET)
    // Alice's ciphertext never reached Bob's doc, not even in the first, keyless restore.
    expect(sentContains(bob.sent, file.sealed.slice(3))).toBe(false)
    expect(sentContains(bob.sent, SECRET)).toBe(false)
    // And a device that merges Bob's updates in another order ends at the same value.
    const other = new Y.Doc()
    for (const update of [...bob.sent].reverse()) Y.applyUpdate(other, update)
    expect(new Environments(other).globals.get(file.id)?.value).toBe(bob.value(file.id))
  })

  test('a value edited since the restore is left as it is by the next one', async () => {
    const [aliceKey, bobKey] = [await generateAesKey({ extractable: true }), await generateAesKey({ extractable: true })]
    const file = await aliceFile(aliceKey)
    const bob = bobDoc()
    const sources = { fileOwner: ALICE, owner: BOB, vault: vaultOf(bobKey), fileKeys: new Map([[1, aliceKey]]) }
    await mergeEnvironments(bob.doc, file.update, sources, 'restore')
    const edited = await sealValue(bobKey, 1, bobAddress(file.id), 'changed by Bob')
    new Environments(bob.doc).globals.update(file.id, { value: edited })
    expect(await mergeEnvironments(bob.doc, file.update, sources, 'restore')).toEqual({ kept: 0, restored: 0, needKey: 0, needVault: 0 })
    expect(bob.value(file.id)).toBe(edited)
  })

  test('plain values of the local-only workspace are sealed, or kept back, never sent in clear', async () => {
    const local = new Y.Doc()
    const id = new Environments(local).globals.add({ key: 'apiKey', value: SECRET })
    const bob = bobDoc()
    const noVault = await mergeEnvironments(bob.doc, Y.encodeStateAsUpdate(local), { fileOwner: 'local' as UserId, owner: BOB, vault: null, fileKeys: null }, 'restore')
    expect(noVault).toEqual({ kept: 0, restored: 0, needKey: 0, needVault: 1 })
    expect(bob.value(id)).toBe('')
    expect(sentContains(bob.sent, SECRET)).toBe(false)
  })
})
