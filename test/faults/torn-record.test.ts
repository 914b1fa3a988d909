/**
 * A crash mid-write leaves a torn record at the end of a log segment. Loading skips it (and
 * any garbage after the last good record), keeps every complete record, and the next append
 * goes to a fresh segment so nothing is ever written after the damage. It is the normal case
 * after a crash, so it is quiet: nothing is reported as damaged.
 */
import { randomBytes } from 'node:crypto'
import { appendFileSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { docName } from '@ferry/protocol'
import { FilesDocStore } from '../../relay/src/storage/files/files-doc-store.ts'
import { tempDataDir } from '../helpers/relay.ts'

function segments(root: string): string[] {
  const out: string[] = []
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry)
      if (statSync(path).isDirectory()) walk(path)
      else if (entry.startsWith('log-')) out.push(path)
    }
  }
  walk(root)
  return out.sort()
}

describe('torn final record', () => {
  const dir = tempDataDir()
  const key = randomBytes(32)
  const doc = docName('alice', 'history')
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it.each([
    ['cut short', (path: string) => truncateSync(path, statSync(path).size - 7)],
    ['followed by garbage', (path: string) => appendFileSync(path, randomBytes(40))],
    ['with only its header written', (path: string) => truncateSync(path, statSync(path).size - 30)],
    ['followed by zeros (a file extended before its data reached the disk)', (path: string) => appendFileSync(path, Buffer.alloc(100))],
  ])('skips a record %s and keeps the rest', async (_case, damage) => {
    const root = join(dir, 'docs')
    let store = new FilesDocStore(root, key)
    await store.append(doc, [new Uint8Array([1])])
    await store.append(doc, [new Uint8Array([2])])
    await store.append(doc, [new Uint8Array(40).fill(3)])
    await store.close()
    const [segment] = segments(root)
    damage(segment!)

    const heard: unknown[] = []
    store = new FilesDocStore(root, key, { onDamage: (damage) => heard.push(damage) })
    const loaded = await store.load(doc)
    const expected = _case.startsWith('followed by') ? [[1], [2], Array(40).fill(3)] : [[1], [2]]
    expect(loaded.updates.map((u) => [...u])).toEqual(expected)
    await store.append(doc, [new Uint8Array([4])])
    await store.close()

    store = new FilesDocStore(root, key)
    expect((await store.load(doc)).updates.map((u) => [...u])).toEqual([...expected, [4]])
    expect(segments(root)).toHaveLength(2)
    expect(heard).toEqual([])
    expect(await store.damaged()).toEqual([])
    await store.close()
    rmSync(root, { recursive: true, force: true })
  })
})
