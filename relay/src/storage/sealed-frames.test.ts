import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { docContext, FRAME_VERSION, openChunks, packUpdates, readLog, sealChunks, sealFrame, unpackUpdates } from './sealed-frames.ts'

// The key the fixtures in __fixtures__/frames-v1 were sealed with (by the release before the version byte).
const key = createHash('sha256').update('ferry sealed-frames fixture key').digest()
const fixtures = join(import.meta.dirname, '__fixtures__/frames-v1')
const logContext = docContext('fixture-doc', 'log')
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes)
const enc = (s: string) => new TextEncoder().encode(s)

function updatesOf(read: ReturnType<typeof readLog>): string[] {
  return read.frames.flatMap((frame) => unpackUpdates(frame.plaintext).map(text))
}

describe('sealed frames', () => {
  it('writes the format version in the byte after the length field', () => {
    const frame = sealFrame(key, logContext, 0, 7, packUpdates([enc('x')]))
    expect(frame[4]).toBe(FRAME_VERSION)
    expect(frame.readBigUInt64LE(6)).toBe(7n)
  })

  it('opens a log segment and a snapshot written before frames carried a version', () => {
    const log = readLog(key, logContext, readFileSync(join(fixtures, 'log-1-2.bin')))
    expect(log.damaged).toEqual([])
    expect(log.tornTail).toBe(0)
    expect(log.frames.map((f) => f.counter)).toEqual([1, 2])
    expect(updatesOf(log)).toEqual(['first update', 'second', 'third, same group commit'])

    const snapshot = openChunks(key, docContext('fixture-doc', 'snapshot', 2), readFileSync(join(fixtures, 'snapshot-2.bin')))
    expect(snapshot && text(snapshot)).toBe('snapshot through record 2')
  })

  it('reads a segment where records of the old format are followed by new ones', () => {
    const old = readFileSync(join(fixtures, 'log-1-2.bin'))
    const appended = Buffer.concat([old, sealFrame(key, logContext, 0, 3, packUpdates([enc('after the upgrade')]))])
    const log = readLog(key, logContext, appended)
    expect(log.frames.map((f) => f.counter)).toEqual([1, 2, 3])
    expect(updatesOf(log).at(-1)).toBe('after the upgrade')
  })

  it('round-trips snapshots of several chunks', () => {
    const bytes = Buffer.from(new Uint8Array(600 * 1024).map((_, i) => i % 251))
    const context = docContext('doc', 'snapshot', 9)
    const opened = openChunks(key, context, Buffer.concat(sealChunks(key, context, bytes)))
    // Buffer.equals, not toEqual: a deep comparison of 600 KiB element by element took a second.
    expect(opened?.length).toBe(bytes.length)
    expect(opened?.equals(bytes)).toBe(true)
  })

  it('treats a frame of an unknown version as damage and reads on after it', () => {
    const frames = [1, 2, 3].map((n) => sealFrame(key, logContext, 0, n, packUpdates([enc(`u${n}`)])))
    frames[1]![4] = FRAME_VERSION + 1
    const log = readLog(key, logContext, Buffer.concat(frames))
    expect(updatesOf(log)).toEqual(['u1', 'u3'])
    expect(log.damaged).toEqual([{ start: frames[0]!.length, end: frames[0]!.length + frames[1]!.length }])
  })

  it('refuses a frame whose version byte was changed to look like an old-format frame', () => {
    const frame = sealFrame(key, logContext, 0, 1, packUpdates([enc('u1')]))
    frame[4] = 0
    expect(readLog(key, logContext, frame).frames).toEqual([])
  })
})
