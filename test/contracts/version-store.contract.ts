/**
 * What every `VersionStore` must do, run against the files store and PostgreSQL
 * (files-version-store.test.ts, pg-version-store.test.ts). Each backend opens a fresh doc store
 * and version store over the same place, as the relay does.
 */
import { afterEach, beforeEach, expect, it } from 'vitest'
import { docName, type DocName } from '@ferry/protocol'
import type { DocStore } from '../../relay/src/storage/doc-store.ts'
import type { VersionEntry, VersionStore } from '../../relay/src/storage/versions/version-store.ts'

export interface VersionBackend {
  open(): Promise<{ docs: DocStore; versions: VersionStore }>
  /** Every stored byte of the backend, to look for plaintext in. */
  rawBytes(): Promise<Buffer>
  cleanup(): Promise<void>
}

const entry = (at: number, name: string | null = null): VersionEntry => ({
  at,
  devices: ['session-a'],
  summary: { added: 1, removed: 0, changed: 2 },
  name,
  base: at === 1,
})
const state = (text: string) => ({ stateVector: Buffer.from([1, 2, 3]), update: Buffer.from(text) })

export function versionStoreContract(label: string, backend: () => Promise<VersionBackend>): void {
  let b: VersionBackend
  let docs: DocStore
  let versions: VersionStore
  let doc: DocName

  beforeEach(async () => {
    b = await backend()
    ;({ docs, versions } = await b.open())
    doc = docName('alice', 'collection', `c${Math.random().toString(36).slice(2, 8)}`)
    await docs.append(doc, [new Uint8Array([0, 0])])
  })
  afterEach(async () => {
    await docs.close()
    await b.cleanup()
  })

  it(`${label}: adds, lists in order and reads versions back`, async () => {
    const first = await versions.add(doc, entry(1), state('first state'))
    const second = await versions.add(doc, entry(2, 'before the migration'), state('second delta'))
    expect(second).toBeGreaterThan(first)
    const listed = await versions.list(doc)
    expect(listed.map(({ bytes: _, ...v }) => v)).toEqual([
      { ...entry(1), id: first },
      { ...entry(2, 'before the migration'), id: second },
    ])
    expect(listed.every((v) => v.bytes > 0)).toBe(true)
    const [a, c] = await versions.read(doc, [first, second])
    expect(Buffer.from(a!.update).toString()).toBe('first state')
    expect([...c!.stateVector]).toEqual([1, 2, 3])
  })

  it(`${label}: names, rewrites and removes versions; survives a reopen`, async () => {
    const first = await versions.add(doc, entry(1), state('one'))
    const second = await versions.add(doc, entry(2), state('two'))
    expect(await versions.rename(doc, second, 'kept')).toBe(true)
    expect(await versions.rename(doc, 999_999, 'nothing')).toBe(false)
    await versions.rewrite(doc, second, true, state('two, whole'))
    await versions.remove(doc, [first])
    await docs.close()
    ;({ docs, versions } = await b.open())
    const listed = await versions.list(doc)
    expect(listed).toMatchObject([{ id: second, name: 'kept', base: true }])
    expect(Buffer.from((await versions.read(doc, [second]))[0]!.update).toString()).toBe('two, whole')
    await expect(versions.read(doc, [first])).rejects.toMatchObject({ code: 'not_found' })
  })

  it(`${label}: keeps versions sealed at rest`, async () => {
    await versions.add(doc, entry(1, 'PLAINTEXT-NAME'), state('PLAINTEXT-STATE'))
    const raw = await b.rawBytes()
    expect(raw.includes('PLAINTEXT-STATE')).toBe(false)
    expect(raw.includes('PLAINTEXT-NAME')).toBe(false)
    expect(raw.includes('session-a')).toBe(false)
  })

  it(`${label}: deletes a doc's versions with the doc`, async () => {
    await versions.add(doc, entry(1), state('doomed'))
    await docs.delete(doc)
    expect(await versions.list(doc)).toEqual([])
    expect(await versions.size(doc)).toBe(0)
    await expect(versions.add(doc, entry(2), state('late'))).rejects.toMatchObject({ code: expect.stringMatching(/gone|not_found/) })
  })

  it(`${label}: lists nothing for a doc never written`, async () => {
    expect(await versions.list(docName('alice', 'collection', 'never'))).toEqual([])
  })
}
