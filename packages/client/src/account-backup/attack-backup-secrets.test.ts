/**
 * Attack review of the account backup (issue 15): a restore merges and never rewinds. A value
 * the account emptied after the backup was taken is an edit like any other: restoring an older
 * file of the same account — the local-only workspace's own, or an account's with its recovery
 * key — must leave it empty, not bring the old secret back.
 */
import { describe, expect, test } from 'vitest'
import * as Y from 'yjs'
import { generateAesKey } from '@ferry/crypto'
import { docName, LOCAL_ACCOUNT_ID, type UserId } from '@ferry/protocol'
import { Environments } from '@ferry/schema'
import { sealValue } from '../vault-values.ts'
import type { Vault } from '../vault.ts'
import { mergeEnvironments } from './secrets.ts'

const ALICE = 'alice' as UserId
const SECRET = 'old-token-revoked-since'

function vaultOf(key: CryptoKey): Vault {
  return { current: () => ({ generation: 1, key }), keyFor: (g: number) => (g === 1 ? key : undefined) } as unknown as Vault
}

/** An environments doc with one global holding `value`; the doc, the backup taken now, and the variable's id. */
function withValue(value: string): { doc: Y.Doc; backup: Uint8Array; id: string } {
  const doc = new Y.Doc()
  const globals = new Environments(doc).globals
  const id = globals.add({ key: 'token', secret: true, value })
  return { doc, backup: Y.encodeStateAsUpdate(doc), id }
}

const valueOf = (doc: Y.Doc, id: string) => new Environments(doc).globals.get(id)?.value

describe('restoring an older backup of the same account', () => {
  test('the local-only workspace: a value emptied since stays empty', async () => {
    const { doc, backup, id } = withValue(SECRET)
    new Environments(doc).globals.update(id, { value: '' })
    const sources = { fileOwner: LOCAL_ACCOUNT_ID as UserId, owner: LOCAL_ACCOUNT_ID as UserId, vault: null, fileKeys: null }
    expect(await mergeEnvironments(doc, backup, sources, 'restore')).toEqual({ kept: 0, restored: 0, needKey: 0, needVault: 0 })
    expect(valueOf(doc, id)).toBe('')
  })

  test('an account, restored with its recovery key: a value emptied since stays empty', async () => {
    const key = await generateAesKey({ extractable: true })
    const sealed = await sealValue(key, 1, { docName: docName(ALICE, 'environments'), environmentId: null, variableId: 'v' }, SECRET)
    const doc = new Y.Doc()
    new Environments(doc).globals.add({ key: 'token', secret: true, value: sealed }, undefined, 'v')
    const backup = Y.encodeStateAsUpdate(doc)
    new Environments(doc).globals.update('v', { value: '' })
    const sources = { fileOwner: ALICE, owner: ALICE, vault: vaultOf(key), fileKeys: new Map([[1, key]]) }
    expect(await mergeEnvironments(doc, backup, sources, 'restore')).toEqual({ kept: 0, restored: 0, needKey: 0, needVault: 0 })
    expect(valueOf(doc, 'v')).toBe('')
  })
})
