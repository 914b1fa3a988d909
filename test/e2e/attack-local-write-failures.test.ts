/**
 * Attack review of the client's local store (packages/client/src/local/account-docs.ts): what a
 * user sees, and what is left on the device, when the browser's storage fails under a workspace
 * — a write that aborts (a full disk), a connection the browser closes (Safari's "connection
 * lost", site data cleared), a read that fails. The promise: nothing typed is dropped while the
 * page lives, and a failure is said, never shown as an empty collection that keeps nothing.
 */
import { describe, expect, it, vi } from 'vitest'
import type { UserId } from '@ferry/protocol'
import { accountDocsDatabase } from '../../packages/client/src/local/account-docs.ts'
import { describeStatus } from '../../packages/client/src/sync-status.ts'
import type { Workspace } from '../../packages/client/src/workspace.ts'
import { fakeDevices } from '../../packages/client/src/sync/testing/fake-device.ts'
import { useIdbFaults } from '../helpers/idb-faults.ts'

const OWNER = 'ann' as UserId
const browser = fakeDevices()
const faultsOn = useIdbFaults()

const requestNames = async (workspace: Workspace, id: string) => (await workspace.collection(id)).tree().map((node) => node.name)
const status = (workspace: Workspace) => describeStatus(workspace.status)

describe('local store attack: failing writes and reads', () => {
  it('a write the browser refuses (a full disk) is said, kept, and written by the next change', async () => {
    const device = await browser()
    const faults = faultsOn(accountDocsDatabase(OWNER))
    const workspace = await device.open(OWNER, null)
    const id = await workspace.createCollection('API')
    const collection = await workspace.collection(id)
    collection.add({ kind: 'request', name: 'before' })
    await vi.waitFor(() => expect(status(workspace)).toBe('sync off'))

    faults.abort('readwrite')
    collection.add({ kind: 'request', name: 'while the disk is full' })
    await vi.waitFor(() => expect(status(workspace)).toMatch(/^error \(this browser could not save changes/))
    faults.restore()
    collection.add({ kind: 'request', name: 'after' })
    await vi.waitFor(() => expect(status(workspace)).toBe('sync off'))
    await workspace.destroy()

    expect(await requestNames(await device.open(OWNER, null), id)).toEqual(['before', 'while the disk is full', 'after'])
  })

  it('rows a full disk refused are written when the workspace closes, even with no change after', async () => {
    const device = await browser()
    const faults = faultsOn(accountDocsDatabase(OWNER))
    const workspace = await device.open(OWNER, null)
    const id = await workspace.createCollection('API')
    faults.abort('readwrite', 1)
    ;(await workspace.collection(id)).add({ kind: 'request', name: 'typed, refused once' })
    await vi.waitFor(() => expect(status(workspace)).toMatch(/^error/))
    await workspace.destroy()

    expect(await requestNames(await device.open(OWNER, null), id)).toEqual(['typed, refused once'])
  })

  it('rows a full disk refused are written by a retry once it has room, with no change after', async () => {
    const device = await browser()
    const faults = faultsOn(accountDocsDatabase(OWNER))
    const workspace = await device.open(OWNER, null)
    const id = await workspace.createCollection('API')
    faults.abort('readwrite', 2)
    ;(await workspace.collection(id)).add({ kind: 'request', name: 'typed, refused twice' })
    await vi.waitFor(() => expect(status(workspace)).toMatch(/^error/))
    // Nothing typed since, nothing flushed: the retries (2 s, then 4 s) write it and clear the status.
    await vi.waitFor(() => expect(status(workspace)).toBe('sync off'), { timeout: 15_000, interval: 100 })
    // Reopened in a second workspace while the first stays open, as a tab closed without flushing would leave it.
    const reopened = await device.open(OWNER, null)
    expect(await requestNames(reopened, id)).toEqual(['typed, refused twice'])
  })

  it('a connection the browser closes (storage lost) is said; what was typed is kept, not dropped', async () => {
    const device = await browser()
    const faults = faultsOn(accountDocsDatabase(OWNER))
    const workspace = await device.open(OWNER, null)
    const id = await workspace.createCollection('API')
    const collection = await workspace.collection(id)
    collection.add({ kind: 'request', name: 'saved' })
    await vi.waitFor(() => expect(status(workspace)).toBe('sync off'))

    faults.forceClose()
    collection.add({ kind: 'request', name: 'typed after the browser closed the storage' })
    await vi.waitFor(() => expect(status(workspace)).toMatch(/^error \(this browser could not save changes/))
    // Later changes are not dropped either: each one is said again, none is lost without a word.
    collection.add({ kind: 'request', name: 'and another' })
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(status(workspace)).toMatch(/^error/)
    expect(collection.tree().map((node) => node.name)).toEqual(['saved', 'typed after the browser closed the storage', 'and another'])
    // A doc loaded now is refused with the error, not held for ever.
    await expect(workspace.environments()).rejects.toThrow()
  })

  it('a collection whose read fails is refused with the error, not opened empty (where typing would be kept nowhere)', async () => {
    const device = await browser()
    const faults = faultsOn(accountDocsDatabase(OWNER))
    let workspace = await device.open(OWNER, null)
    const id = await workspace.createCollection('API')
    ;(await workspace.collection(id)).add({ kind: 'request', name: 'stored' })
    await workspace.destroy()

    workspace = await device.open(OWNER, null)
    faults.abort('readonly', 1)
    await expect(workspace.collection(id)).rejects.toThrow(/abort/i)
    // A read that failed once is tried again by the next load, without a reload.
    expect(await requestNames(workspace, id)).toEqual(['stored'])
  })

  it('an account whose index cannot be read does not open as an empty workspace', async () => {
    const device = await browser()
    const faults = faultsOn(accountDocsDatabase(OWNER))
    let workspace = await device.open(OWNER, null)
    await workspace.createCollection('API')
    await workspace.destroy()

    faults.abort('readonly', 1)
    await expect(device.open(OWNER, null)).rejects.toThrow(/abort/i)
    faults.restore()
    workspace = await device.open(OWNER, null)
    expect(workspace.index.collections().map((c) => c.name)).toEqual(['API'])
  })

  it('a doc whose stored value the browser cannot read fails alone; the docs read with it open', async () => {
    const device = await browser()
    const faults = faultsOn(accountDocsDatabase(OWNER))
    let workspace = await device.open(OWNER, null)
    const ids = [await workspace.createCollection('One'), await workspace.createCollection('Two'), await workspace.createCollection('Three')]
    for (const id of ids) (await workspace.collection(id)).add({ kind: 'request', name: `in ${id}` })
    await workspace.destroy()

    workspace = await device.open(OWNER, null)
    faults.unreadable(workspace.docName('collection', ids[1]))
    // Asked for in one turn: one read transaction for the three.
    const settled = await Promise.allSettled(ids.map((id) => workspace.collection(id)))
    const opened = settled.map((result) => (result.status === 'fulfilled' ? result.value.tree().map((node) => node.name) : String(result.reason)))
    expect(opened).toEqual([[`in ${ids[0]}`], expect.stringMatching(/Failed to read large IndexedDB value/), [`in ${ids[2]}`]])
  })
})
