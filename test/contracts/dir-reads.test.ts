/**
 * The contract of `DirReads` (how the files store reads a doc's directory on its first open),
 * run against both implementations: the worker thread's and the in-thread one.
 */
import { execFile, execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { CallbackDirReads, ThreadDirReads, type DirRead, type DirReads } from '../../relay/src/storage/files/dir-reads.ts'

const root = mkdtempSync(join(tmpdir(), 'ferry-dir-reads-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

let made = 0
/** A directory holding `files` (a `null` value makes a subdirectory of that name). */
function dirWith(files: Record<string, Uint8Array | null>): string {
  const dir = join(root, `d${made++}`)
  mkdirSync(dir)
  for (const [name, bytes] of Object.entries(files)) {
    if (bytes === null) mkdirSync(join(dir, name))
    else writeFileSync(join(dir, name), bytes)
  }
  return dir
}

const implementations: [string, () => DirReads][] = [
  ['in a worker thread', () => new ThreadDirReads()],
  ['in-thread (callbacks)', () => new CallbackDirReads()],
]

describe.each(implementations)('DirReads %s', (_, make) => {
  it('lists every name and reads only the content files, byte for byte', async () => {
    const key = randomBytes(60)
    const snapshot = randomBytes(3 * 1024 * 1024 + 17)
    const log = randomBytes(5)
    const dir = dirWith({ key, snapshot, 'log-00000002': log, 'damaged-log-00000001-1': randomBytes(9), 'snapshot.tmp': randomBytes(4), versions: null })
    const reads = make()
    try {
      const read = await reads.read(dir)
      expect([...read.names].sort()).toEqual(['damaged-log-00000001-1', 'key', 'log-00000002', 'snapshot', 'snapshot.tmp', 'versions'])
      expect([...read.files.keys()].sort()).toEqual(['key', 'log-00000002', 'snapshot'])
      expect(Buffer.compare(read.files.get('key')!, key)).toBe(0)
      expect(Buffer.compare(read.files.get('snapshot')!, snapshot)).toBe(0)
      expect(Buffer.compare(read.files.get('log-00000002')!, log)).toBe(0)
    } finally {
      await reads.close()
    }
  })

  it('reads a directory that does not exist as empty', async () => {
    const reads = make()
    try {
      expect(await reads.read(join(root, 'never-made'))).toEqual({ names: [], files: new Map() })
    } finally {
      await reads.close()
    }
  })

  it('fails only the directory that cannot be read, with its error code', async () => {
    const good = dirWith({ key: Buffer.from('k1') })
    const notADir = join(root, `file${made++}`)
    writeFileSync(notADir, 'x')
    const snapshotIsADir = dirWith({ key: Buffer.from('k2'), snapshot: null })
    const reads = make()
    try {
      const [a, b, c] = await Promise.allSettled([reads.read(good), reads.read(notADir), reads.read(snapshotIsADir)])
      expect(a.status === 'fulfilled' && a.value.files.get('key')!.toString()).toBe('k1')
      expect(b.status === 'rejected' && (b.reason as NodeJS.ErrnoException).code).toBe('ENOTDIR')
      expect(c.status === 'rejected' && (c.reason as NodeJS.ErrnoException).code).toBe('EISDIR')
    } finally {
      await reads.close()
    }
  })

  it('fails a directory holding a FIFO where a content file should be, without hanging the reads beside it', async () => {
    const withFifo = dirWith({ key: Buffer.from('k3') })
    execFileSync('mkfifo', [join(withFifo, 'log-00000009')])
    const good = dirWith({ key: Buffer.from('k4') })
    const reads = make()
    try {
      const [a, b] = await Promise.allSettled([reads.read(withFifo), reads.read(good)])
      expect(a.status === 'rejected' && (a.reason as NodeJS.ErrnoException).code).toBe('EFTYPE')
      expect(b.status === 'fulfilled' && b.value.files.get('key')!.toString()).toBe('k4')
      // And after it.
      expect((await reads.read(good)).files.get('key')!.toString()).toBe('k4')
    } finally {
      await reads.close()
    }
  })

  it('answers many reads asked for at once, each with its own directory', async () => {
    const dirs = Array.from({ length: 120 }, (_, i) => dirWith({ key: Buffer.from(`key ${i}`), snapshot: Buffer.from(`snapshot ${i}`) }))
    const reads = make()
    try {
      const all = await Promise.all(dirs.map((dir) => reads.read(dir)))
      all.forEach((read, i) => {
        expect(read.files.get('key')!.toString()).toBe(`key ${i}`)
        expect(read.files.get('snapshot')!.toString()).toBe(`snapshot ${i}`)
      })
    } finally {
      await reads.close()
    }
  })

  it('still answers every read when closed with reads in flight, and reads after closing', async () => {
    const dirs = Array.from({ length: 40 }, (_, i) => dirWith({ key: Buffer.from(`key ${i}`) }))
    const reads = make()
    const first = Promise.all(dirs.map((dir) => reads.read(dir)))
    await new Promise((resolve) => setImmediate(resolve))
    const closed = reads.close()
    const later = reads.read(dirs[7]!)
    await closed
    expect((await first).map((read) => read.files.get('key')!.toString())).toEqual(dirs.map((_, i) => `key ${i}`))
    expect((await later).files.get('key')!.toString()).toBe('key 7')
  })
})

describe('ThreadDirReads and large docs', () => {
  it('reads a directory of more than 4 MiB on the main thread, so the directories beside it do not wait for it', async () => {
    const large = dirWith({ key: Buffer.from('large'), snapshot: randomBytes(5 * 1024 * 1024) })
    const small = dirWith({ key: Buffer.from('small') })
    const reads = new ThreadDirReads()
    try {
      const order: string[] = []
      const noted = (read: Promise<DirRead>, name: string): Promise<DirRead> => read.then((r) => (order.push(name), r))
      const [a, b] = await Promise.all([noted(reads.read(large), 'large'), noted(reads.read(small), 'small')])
      expect(a.files.get('snapshot')!.length).toBe(5 * 1024 * 1024)
      expect(b.files.get('key')!.toString()).toBe('small')
      expect(order).toEqual(['small', 'large'])
    } finally {
      await reads.close()
    }
  })
})

describe('ThreadDirReads in a process of its own', () => {
  it('answers a read without closing, lets the process end by itself, and its worker needs none of the parent\'s flags', async () => {
    const dir = dirWith({ key: Buffer.from('the key') })
    const module = join(import.meta.dirname, '..', '..', 'relay', 'src', 'storage', 'files', 'dir-reads.ts')
    // A module evaluated with --input-type=module (a worker inheriting it cannot `require`), no close().
    const script = `import { ThreadDirReads } from ${JSON.stringify(module)}; const read = await new ThreadDirReads().read(${JSON.stringify(dir)}); console.log(read.files.get('key').toString())`
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeout: 20_000 }, (error, out, err) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout: out, stderr: err }),
      )
      child.stdin?.end()
    })
    expect({ code, stdout: stdout.trim(), stderr: stderr.trim() }).toEqual({ code: 0, stdout: 'the key', stderr: '' })
  }, 30_000)
})
