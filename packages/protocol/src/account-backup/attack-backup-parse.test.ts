/**
 * Attack review of the account backup (issue 15): the reader never throws and answers every
 * file with one short sentence. A field the sentence quotes — a doc's kind, the version — may be
 * anything JSON allows: a list nested a million deep (quoting it overflowed the stack, so the
 * relay answered 500 and the app showed no sentence) or a string of megabytes (quoted whole
 * into the answer and the app's dialog). A large doc's base64 overflowed the regexp stack. A
 * doc's update may be a valid Yjs update of 2-byte GC structs, each decoding to ~100 bytes: 16 MB
 * of them exhausted a 1 GiB heap in the reader's full decode.
 */
import { toBase64 } from 'lib0/buffer'
import { describe, expect, test } from 'vitest'
import * as Y from 'yjs'
import { craftedUpdate } from '../update-cost/testing/crafted-updates.ts'
import { parseBackup } from './parse.ts'

const HEAD = '{"format":"ferry-account-backup","version":1,"createdAt":"2025-01-01T00:00:00Z","source":{"accountId":"abc"},"docs":['
const deep = (n: number) => '['.repeat(n) + ']'.repeat(n)

describe('what a refusal quotes', () => {
  test.each([
    ['a kind nested a million deep', `${HEAD}{"kind":${deep(1_000_000)},"update":"AAA="}]}`],
    ['a version nested a million deep', `{"format":"ferry-account-backup","version":${deep(1_000_000)}}`],
    ['a kind of 20 million characters', `${HEAD}{"kind":"${'x'.repeat(20_000_000)}","update":"AAA="}]}`],
    ['a version of 20 million characters', `{"format":"ferry-account-backup","version":"${'x'.repeat(20_000_000)}"}`],
  ])('%s: a short sentence, not an exception', (_what, file) => {
    const parsed = parseBackup(file)
    expect(parsed.ok).toBe(false)
    if (parsed.ok) return
    expect(parsed.error.code).toBe('malformed')
    expect(parsed.error.message.length).toBeLessThan(200)
    expect(parsed.error.message).toMatch(/^This backup is damaged: .*\.$/)
  })

  test('a short value is still quoted', () => {
    const parsed = parseBackup(`${HEAD}{"kind":"folder","update":"AAA="}]}`)
    expect(!parsed.ok && parsed.error.message).toBe('This backup is damaged: docs[0].kind is "folder", not one of workspace, collection, environments, history.')
  })
})

const withCollection = (update: Uint8Array): string => `${HEAD}{"kind":"collection","id":"c1","update":"${toBase64(update)}"}]}`

test('a collection of 7 MB is read (the base64 check overflowed the regexp stack past ~8 MB of text, and threw)', () => {
  const doc = new Y.Doc()
  doc.getText('body').insert(0, 'x'.repeat(7_000_000))
  const update = Y.encodeStateAsUpdate(doc)
  const parsed = parseBackup(withCollection(update))
  // Compared byte by byte in a loop: toEqual walks 7 MB element by element for seconds.
  const read = parsed.ok ? parsed.value.docs[0]!.update : new Uint8Array()
  expect(read.length).toBe(update.length)
  expect(read.every((byte, i) => byte === update[i])).toBe(true)
})

describe('updates that decode to far more than they weigh', () => {
  test('a collection of 16 MB of GC structs is refused with a sentence before anything decodes it', () => {
    const parsed = parseBackup(withCollection(craftedUpdate('gc', 8_000_000)))
    expect(parsed).toEqual({
      ok: false,
      error: { code: 'too_large', message: "This backup's docs[0].update is too costly to read: it would take about 916 MB of memory, over the limit of 256 MB." },
    })
  })

  test('the relay reads with its own limit', () => {
    const file = withCollection(craftedUpdate('subdocs', 1_000))
    expect(parseBackup(file).ok).toBe(true)
    const parsed = parseBackup(file, { maxUpdateDecodedBytes: 1024 * 1024 })
    expect(!parsed.ok && parsed.error).toEqual({ code: 'too_large', message: "This backup's docs[0].update is too costly to read: it would take about 3 MB of memory, over the limit of 1 MB." })
  })
})
