import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DataDirFormatError, migrateDataDir, readDataDirFormat, RESTORE_MARKER, type DataDirMigration } from './data-dir-format.ts'

const dirs: string[] = []
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-format-'))
  dirs.push(dir)
  return dir
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

const recorded = (dir: string): number => (JSON.parse(readFileSync(join(dir, 'format.json'), 'utf8')) as { format: number }).format

/** Migrations that note each run in `ran` (and in a file, as a real one changes the data dir). */
function counting(ran: string[], failAt: number | null = null): DataDirMigration[] {
  return [2, 3].map((to) => ({
    to,
    describe: `to ${to}`,
    async run(dir: string) {
      if (to === failAt) throw new Error(`migration to ${to} failed`)
      ran.push(`to ${to}`)
      writeFileSync(join(dir, `migrated-${to}`), '')
    },
  }))
}

describe('data dir format', () => {
  it('records the current format in a data dir without data, and runs no migration', async () => {
    const dir = dataDir()
    const ran: string[] = []
    expect(await migrateDataDir(dir, counting(ran), 3)).toEqual({ from: null, to: 3, ran: [] })
    expect(recorded(dir)).toBe(3)
    expect(ran).toEqual([])
  })

  it('takes a data dir with data but no format.json for format 1 (the first release wrote none)', async () => {
    const dir = dataDir()
    mkdirSync(join(dir, 'docs'))
    expect(await readDataDirFormat(dir)).toBe(1)
  })

  it('runs each missing migration once, in order, and nothing the second time', async () => {
    const dir = dataDir()
    writeFileSync(join(dir, 'format.json'), JSON.stringify({ format: 1 }))
    const ran: string[] = []
    expect((await migrateDataDir(dir, counting(ran), 3)).ran).toEqual(['to 2', 'to 3'])
    expect((await migrateDataDir(dir, counting(ran), 3)).ran).toEqual([])
    expect(ran).toEqual(['to 2', 'to 3'])
    expect(recorded(dir)).toBe(3)
  })

  it('after a failed migration, keeps the version reached and resumes at the one that failed', async () => {
    const dir = dataDir()
    writeFileSync(join(dir, 'format.json'), JSON.stringify({ format: 1 }))
    const ran: string[] = []
    await expect(migrateDataDir(dir, counting(ran, 3), 3)).rejects.toThrow('migration to 3 failed')
    expect(recorded(dir)).toBe(2)
    expect((await migrateDataDir(dir, counting(ran), 3)).ran).toEqual(['to 3'])
    expect(ran).toEqual(['to 2', 'to 3'])
  })

  it('refuses a data dir a newer relay wrote, saying so', async () => {
    const dir = dataDir()
    writeFileSync(join(dir, 'format.json'), JSON.stringify({ format: 9 }))
    await expect(migrateDataDir(dir, [], 3)).rejects.toThrow(/written by a newer Ferry relay \(format 9\); this relay reads format 3 and older/)
    expect(recorded(dir)).toBe(9)
  })

  it('refuses a data dir a restore did not finish writing', async () => {
    const dir = dataDir()
    writeFileSync(join(dir, RESTORE_MARKER), '')
    await expect(migrateDataDir(dir)).rejects.toThrow(DataDirFormatError)
    await expect(migrateDataDir(dir)).rejects.toThrow(/A restore into the data dir .* did not finish/)
  })

  it('explains a format.json it cannot read', async () => {
    const dir = dataDir()
    writeFileSync(join(dir, 'format.json'), '{"format": "one"}')
    await expect(readDataDirFormat(dir)).rejects.toThrow(/does not hold a format version/)
  })
})
